"""What every publisher shares: the error type, the result, an HTTP session fit for calling a network, and the
send budget that bounds all the calls of one publication.

A publisher raises only ``PublishError``. Its ``kind`` tells the pipeline what it may do next (DESIGN.md section 5):
RETRY only when the failure proves that nothing was created, PERMANENT when a person must change something first,
UNKNOWN when the post may or may not be online. ``message`` is a sentence for the communication officer; ``detail``
is technical text for the logs (status, the network's own error text), never credentials.
"""

from __future__ import annotations

import mimetypes
import os
import re
import ssl
import threading
import time
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from http.cookiejar import DefaultCookiePolicy
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, quote_plus, urlsplit

import requests
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ProxyError
from urllib3.util import Timeout

if TYPE_CHECKING:
    from collections.abc import Iterator
    from zoneinfo import ZoneInfo

    from django.utils.functional import Promise

    from editorial.models import Channel, PostVariant, VariantMedia


class ErrorKind(StrEnum):
    RETRY = "retry"  # proven that nothing was created: try again later
    PERMANENT = "permanent"  # will not work without a person changing something
    UNKNOWN = "unknown"  # may or may not have been created: a person must check, never re-send by itself


class PublishError(Exception):
    def __init__(
        self,
        message: str | Promise,
        *,
        kind: ErrorKind,
        retry_at: datetime | None = None,
        needs_reconnect: bool = False,
        detail: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.retry_at = retry_at
        # The account's credentials are refused or expired: the channel must be reconnected by a person.
        self.needs_reconnect = needs_reconnect
        self.detail = scrub(detail)

    def hide(self, secrets: Iterable[str]) -> PublishError:
        """This error without any of ``secrets`` in its message and detail (``scrub_secrets``): called with the
        channel's credentials before anything of it is stored."""
        secrets = list(secrets)
        self.detail = scrub_secrets(self.detail, secrets)
        if isinstance(self.message, str):
            self.message = scrub_secrets(self.message, secrets)
        return self


@dataclass(frozen=True)
class PublishResult:
    external_id: str
    url: str


class BasePublisher:
    def __init__(self, *, alias: str, **options: Any) -> None:
        self.alias = alias
        self.options = options

    def publish(self, variant: PostVariant) -> PublishResult:
        """Make exactly one create call for ``variant``; raise PublishError on any failure."""
        raise NotImplementedError

    def check_connection(self, channel: Channel) -> str:
        """The display name of the account the channel's credentials open; PublishError when they do not work."""
        raise NotImplementedError


# A kept-alive connection idle longer than this is not reused: servers close idle connections after a while
# (often 60 s or more), and a create call written into one the server has just closed fails as "connection cut
# after sending", i.e. unknown. Bursts reuse their connections; a post now and then gets a fresh one.
KEEPALIVE_IDLE_SECONDS = 5.0

# A call is started only if, after its connect timeout, this long is left to wait for its answer (or its read
# timeout, when that is shorter): a create call cut short by the budget would turn a merely slow answer into
# "unknown", and an upload cut short wastes the time the post needs.
MIN_READ_SECONDS = 3.0


class SendBudget:
    """The time all the calls of one publication may take together (the publisher's ``send_budget`` option,
    setting PUBLISH_SEND_BUDGET_SECONDS), counted from its creation at the start of ``publish``.

    ``timeout`` gives each call the publisher's connect and read timeouts capped by what is left, through
    urllib3's ``Timeout(total=...)`` (the read timeout becomes the smaller of itself and what the connection and
    the writing of the request left of the total). It raises RETRY instead of starting a call that could not be
    waited for: nothing was sent, so nothing was created."""

    def __init__(self, seconds: float, *, network: str) -> None:
        self.seconds = seconds
        self.network = network
        self._deadline = time.monotonic() + seconds

    def left(self) -> float:
        return self._deadline - time.monotonic()

    def timeout(self, connect: float, read: float) -> Timeout:
        left = self.left()
        if left < connect + min(read, MIN_READ_SECONDS):
            raise out_of_time(self.network, self.seconds, left)
        return Timeout(connect=connect, read=read, total=left)


class ApiSession(requests.Session):
    """A requests session that puts timeouts on every request and sends a library's hard-coded API address to
    the configured one (a local fake in tests and benchmarks).

    tweepy and facebook-sdk both build ``https://<their host>/...`` themselves and let the caller pass a session,
    so rewriting the address here is the one place that works for both without patching module globals.
    ``last_response`` keeps the latest answer: facebook-sdk never looks at the HTTP status or headers.
    Inside ``within(budget)`` the timeouts are capped by the publication's SendBudget.

    Publishers share one session per process and thread (``shared_session``) so that a burst of posts reuses its
    TCP and TLS connections; it keeps no cookies, since every channel's account goes through it.
    """

    def __init__(
        self,
        *,
        rewrite: dict[str, str],
        connect_timeout: float,
        read_timeout: float,
        keepalive_idle_seconds: float = KEEPALIVE_IDLE_SECONDS,
    ) -> None:
        super().__init__()
        self.rewrite = {real: local.rstrip("/") + "/" for real, local in rewrite.items()}
        self.timeout = (connect_timeout, read_timeout)
        self.keepalive_idle_seconds = keepalive_idle_seconds
        self.send_budget: SendBudget | None = None
        self.last_response: requests.Response | None = None
        # The longest the latest request could wait for its answer: what "no answer after N seconds" says.
        self.last_read_timeout = read_timeout
        self._last_used: float | None = None
        self._environment: dict[tuple[str, str], dict[str, Any]] = {}
        # Authentication is in each request's headers or parameters; a cookie set for one account must never
        # travel with another account's request.
        self.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))

    @contextmanager
    def within(self, budget: SendBudget) -> Iterator[None]:
        """Every request made inside the block shares ``budget``."""
        self.send_budget = budget
        try:
            yield
        finally:
            self.send_budget = None

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        url = str(url, "utf-8") if isinstance(url, bytes) else url
        for real, local in self.rewrite.items():
            if url.startswith(real):
                url = local + url[len(real) :]
                break
        # Overrides the libraries' own value (tweepy passes none, facebook-sdk its ``timeout``, often None).
        connect_timeout, read_timeout = self.timeout
        if self.send_budget is None:
            kwargs["timeout"] = self.timeout
            self.last_read_timeout = read_timeout
        else:
            kwargs["timeout"] = self.send_budget.timeout(connect_timeout, read_timeout)
            self.last_read_timeout = min(read_timeout, self.send_budget.left())
        # An API answers a POST, it does not redirect it: requests would send the same POST again to the address
        # of a 307 or 308 (a second create call). A redirect is returned as it is, an answer we cannot read.
        kwargs["allow_redirects"] = False
        if self._last_used is not None and time.monotonic() - self._last_used > self.keepalive_idle_seconds:
            self.close()  # drops the pooled connections; the adapters open new ones on demand
        self.last_response = None
        try:
            response = super().request(method, url, *args, **kwargs)
        finally:
            self._last_used = time.monotonic()
        self.last_response = response
        return response

    def merge_environment_settings(
        self, url: str, proxies: dict[str, str] | None, stream: bool | None, verify: Any, cert: Any
    ) -> dict[str, Any]:
        """What requests reads from the environment for ``url`` (HTTP(S)_PROXY and NO_PROXY, the CA bundle of
        REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE), read once per scheme and host instead of on every request (a
        quarter of a millisecond of CPU each time, with every publication). A worker's environment does not
        change while it runs; a call that sets its own proxies, stream, verify or cert is merged as usual."""
        if proxies or stream is not None or verify is not None or cert is not None:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        origin = urlsplit(url)[:2]
        merged = self._environment.get(origin)
        if merged is None:
            merged = self._environment[origin] = super().merge_environment_settings(url, {}, None, None, None)
        # A copy: requests hands the proxies on to the adapter and to the redirect handling.
        return {**merged, "proxies": dict(merged["proxies"])}


_shared = threading.local()


def shared_session(*, rewrite: dict[str, str], connect_timeout: float, read_timeout: float) -> ApiSession:
    """The session of this process and thread for this address and these timeouts, made on first use.

    Per process: a pool worker must not use connections it inherited from its parent at fork. Per thread: a
    requests session is not meant to be shared between threads."""
    if getattr(_shared, "pid", None) != os.getpid():
        _shared.pid, _shared.sessions = os.getpid(), {}
    key = (tuple(sorted(rewrite.items())), float(connect_timeout), float(read_timeout))
    session = _shared.sessions.get(key)
    if session is None:
        session = _shared.sessions[key] = ApiSession(
            rewrite=rewrite, connect_timeout=connect_timeout, read_timeout=read_timeout
        )
    return session


def request_never_sent(exc: requests.RequestException) -> bool:
    """True when the error proves the request never left: no connection was made, so nothing can exist.

    requests raises ``ConnectionError`` both for a connection never made (urllib3's NewConnectionError or
    ConnectTimeoutError as the MaxRetryError's ``reason``, also behind a ProxyError when the proxy itself could
    not be reached) and for one lost after the request was written (urllib3's ProtocolError): only the first
    proves anything. Its subclass ``SSLError`` is the same: urllib3 wraps a TLS error while the answer is read (a
    reset, a corrupt record) exactly like one of the handshake, so only a refused certificate, which can only
    happen during the handshake, proves that no request was written.
    """
    if isinstance(exc, requests.ConnectTimeout):
        return True  # the TCP connection was never established
    wrapped = exc.args[0] if exc.args else None
    reason = getattr(wrapped, "reason", None)
    if isinstance(reason, ProxyError):
        reason = reason.original_error
    if isinstance(exc, requests.exceptions.SSLError):
        tls_error = reason.args[0] if reason is not None and reason.args else None
        return isinstance(tls_error, ssl.SSLCertVerificationError)
    if isinstance(exc, requests.ConnectionError):
        return isinstance(reason, NewConnectionError | ConnectTimeoutError)
    return False


def transport_error(network: str, exc: requests.RequestException, waited: float) -> PublishError:
    """What a request that got no HTTP answer amounts to; ``waited`` is how long it could wait for one."""
    if request_never_sent(exc):
        return unreachable(network, exc)
    if isinstance(exc, requests.ReadTimeout):
        return no_answer(network, waited, exc)
    return connection_lost(network, exc)


_SECRET_PARAMS = re.compile(r"((?:access_token|oauth_[a-z_]+|client_secret)=)[^&\s'\"]+", re.IGNORECASE)


def scrub(text: str) -> str:
    """``text`` without token values (request URLs in requests' error messages carry Graph access tokens)."""
    return _SECRET_PARAMS.sub(r"\1***", text)


# Shorter values would blank out ordinary words of an error message; every real credential is much longer.
_MIN_SECRET_CHARS = 6


def scrub_secrets(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every known secret value replaced, as written and as a request would have encoded it
    (percent-encoded in an OAuth header or a query string, ``+`` for spaces in a form): a server that echoes the
    request puts the tokens in its answer in any of these shapes, which no pattern of parameter names foresees."""
    values = {value for value in secrets if isinstance(value, str) and len(value) >= _MIN_SECRET_CHARS}
    forms = {form for value in values for form in (value, quote(value, safe=""), quote_plus(value), quote(value))}
    # Longest first, so that a secret containing another is replaced whole.
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "***")
    return text


def describe(exc: BaseException) -> str:
    return scrub(f"{type(exc).__name__}: {exc}")[:1000]


def read_image(media: VariantMedia) -> tuple[str, bytes, str]:
    """(file name, content, content type) of an image, read before any call so that a missing file stops the
    publication before anything is sent."""
    name = os.path.basename(media.image.name)
    try:
        with media.image.open("rb") as image:
            content = image.read()
    except OSError as exc:
        raise PublishError(
            _("An image of the post cannot be read on the server: add it again, then send the post again."),
            kind=ErrorKind.PERMANENT,
            detail=f"{media.image.name}: {type(exc).__name__}",
        ) from exc
    return name, content, mimetypes.guess_type(name)[0] or "application/octet-stream"


def replying_to(variant: PostVariant) -> str:
    """For a follow-up (``Post.follows_up``): the network's id of its original on the variant's channel, when the
    original is published there; "" otherwise (an ordinary post, or an original that did not go out on this channel:
    then the follow-up is an ordinary post there). One query, made before any call."""
    from editorial.models import Publication

    external_id = (
        Publication.objects.filter(
            post__follow_up_posts=variant.post_id,
            channel_id=variant.channel_id,
            status=Publication.Status.PUBLISHED,
        )
        .exclude(external_id="")
        .values_list("external_id", flat=True)
        .first()
    )
    return external_id or ""


def at_time(moment: datetime, tz: ZoneInfo) -> str:
    """``14:05`` today in the zone, ``21/03/2026 14:05`` another day: what the officer reads in a message."""
    local = timezone.localtime(moment, tz)
    if local.date() == timezone.localtime(timezone.now(), tz).date():
        return local.strftime("%H:%M")
    return local.strftime("%d/%m/%Y %H:%M")


def later(minutes: float) -> datetime:
    return timezone.now() + timedelta(minutes=minutes)


# Sentences shared by the network publishers; ``network`` is "X" or "Facebook".


def unreachable(network: str, exc: requests.RequestException) -> PublishError:
    return PublishError(
        format_lazy(_("Could not reach {network}: it will be tried again later."), network=network),
        kind=ErrorKind.RETRY,
        detail=describe(exc),
    )


def no_answer(network: str, seconds: float, exc: BaseException) -> PublishError:
    return PublishError(
        format_lazy(
            _(
                "No answer from {network} after {seconds} seconds: the post may have been published. "
                "Check the account before sending it again."
            ),
            network=network,
            seconds=f"{round(seconds, 1):g}",
        ),
        kind=ErrorKind.UNKNOWN,
        detail=describe(exc),
    )


def connection_lost(network: str, exc: BaseException) -> PublishError:
    return PublishError(
        format_lazy(
            _(
                "The connection to {network} was cut after the post was sent: it may have been published. "
                "Check the account before sending it again."
            ),
            network=network,
        ),
        kind=ErrorKind.UNKNOWN,
        detail=describe(exc),
    )


def server_error(network: str, detail: str) -> PublishError:
    return PublishError(
        format_lazy(
            _(
                "{network} answered with an internal error: the post may have been published. "
                "Check the account before sending it again."
            ),
            network=network,
        ),
        kind=ErrorKind.UNKNOWN,
        detail=detail,
    )


def unreadable(network: str, detail: str) -> PublishError:
    return PublishError(
        format_lazy(
            _(
                "{network} gave an answer that cannot be read: the post may have been published. "
                "Check the account before sending it again."
            ),
            network=network,
        ),
        kind=ErrorKind.UNKNOWN,
        detail=detail,
    )


def out_of_time(network: str, seconds: float, left: float) -> PublishError:
    """The publication's send budget is spent before a call could start: nothing was sent by that call."""
    return PublishError(
        format_lazy(
            _(
                "{network} was too slow: the post could not be sent within {seconds} seconds, so nothing was "
                "published. It will be tried again later."
            ),
            network=network,
            seconds=f"{seconds:g}",
        ),
        kind=ErrorKind.RETRY,
        detail=f"send budget of {seconds:g} s: {max(left, 0):.1f} s left, too little to start a call",
    )


def image_not_sent(network: str, error: PublishError) -> PublishError:
    """An image step failed in a way that would be ambiguous for a post: nothing is public yet, so try again."""
    return PublishError(
        format_lazy(
            _("Could not send an image to {network}: nothing was published, it will be tried again later."),
            network=network,
        ),
        kind=ErrorKind.RETRY,
        retry_at=error.retry_at,
        detail=error.detail,
    )


def not_connected(network: str) -> PublishError:
    return PublishError(
        format_lazy(_("The {network} account has no credentials: connect it first."), network=network),
        kind=ErrorKind.PERMANENT,
        needs_reconnect=True,
    )


def check_failed(network: str, error: PublishError) -> PublishError:
    """A connection test is a read: an ambiguous answer there is just "try again" for the person testing."""
    if error.kind != ErrorKind.UNKNOWN:
        return error
    return PublishError(
        format_lazy(_("{network} did not answer properly: try the connection again later."), network=network),
        kind=ErrorKind.RETRY,
        detail=error.detail,
    )

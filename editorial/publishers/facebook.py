"""The Facebook publisher: facebook-sdk 3.1.0's ``GraphAPI`` on a page, with the page access token.

``publish(variant)`` makes these calls (``{graph}/{version}/...``, the token in ``access_token``):

- no image: one ``POST /{page-id}/feed`` with ``message`` (and ``link``: the first http(s) address of the text,
  so that Facebook shows its preview);
- one image: one ``POST /{page-id}/photos`` with the file in ``source`` and ``caption``: the photo is the post;
- several images: each one ``POST /{page-id}/photos`` with ``published=false`` (nothing public yet), then the
  create call ``POST /{page-id}/feed`` with ``message`` and ``attached_media[i]={"media_fbid": ...}``.

Alt text cannot be sent: the Graph API has no field for it on page photos (Facebook writes its own automatic
alt text). The officer still writes it: X uses it and the preview shows it.

facebook-sdk knows only Graph versions 2.8 to 3.1 and would call v2.8 by default; it also hard-codes
``https://graph.facebook.com/``. ``_GraphAPI`` sets the version from settings after the library's own check, and
an ``ApiSession`` sends the host to ``graph_url`` with (connect_timeout, read_timeout) on every request (the one
session of the worker process for that host, so that consecutive posts reuse its connection).

facebook-sdk never looks at the HTTP status: it raises ``GraphAPIError(result)`` for any JSON answer holding
``error``, a ``GraphAPIError`` with a *string* for a non-JSON content type, a ``KeyError`` when there is no
Content-Type, a ``JSONDecodeError`` for a broken JSON body, and returns whatever JSON came otherwise. The session
keeps the last response so the status and the usage headers can be read.

Errors (the ``code`` of ``result["error"]``, see DESIGN.md section 5):

- 4, 17, 32, 613 (rate limits), 80001 and above (business use case limits), 1 and 2 (temporary, Meta says
  "retry"): RETRY, at ``estimated_time_to_regain_access`` of ``x-business-use-case-usage`` when it says,
  else after a fixed delay;
- 190 (token expired or revoked): PERMANENT, ``needs_reconnect``; 368 (policy block), 100 (invalid parameter),
  10 and 200-299 (permissions), any other error in a 4xx answer: PERMANENT;
- 506 (duplicate post), any other error in a 5xx answer, a 5xx or non-JSON answer, a 2xx without an id, a read
  timeout or a connection cut after the request was written: UNKNOWN;
- a connection that was never made: RETRY.

The unpublished photo uploads come before the create call: what would be UNKNOWN there is RETRY (nothing is
public; Facebook drops unused unpublished photos).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import facebook
import requests
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from editorial.publishers.base import (
    ApiSession,
    BasePublisher,
    ErrorKind,
    PublishError,
    PublishResult,
    at_time,
    check_failed,
    connection_lost,
    describe,
    image_not_sent,
    later,
    no_answer,
    not_connected,
    read_image,
    request_never_sent,
    server_error,
    shared_session,
    unreachable,
    unreadable,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from editorial.models import Channel, PostVariant

NETWORK = "Facebook"
_REAL_GRAPH_URL = facebook.FACEBOOK_GRAPH_URL  # "https://graph.facebook.com/"
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)

RATE_LIMIT_CODES = frozenset({4, 17, 32, 613})
TRANSIENT_CODES = frozenset({1, 2})
BUSINESS_USE_CASE_MIN = 80001
EXPIRED_TOKEN = 190
DUPLICATE_POST = 506
POLICY_BLOCK = 368
INVALID_PARAMETER = 100
# Minutes to wait when Meta does not say: its rate-limit windows are rolling hours; temporary errors pass faster.
_RATE_LIMIT_DELAY_MINUTES = 15
_TRANSIENT_DELAY_MINUTES = 2

CREATE, UPLOAD, CHECK = "create", "upload", "check"


class _GraphAPI(facebook.GraphAPI):
    """facebook-sdk refuses any version after 3.1 (its list dates from 2018): build it without one, then set
    the version the settings ask for."""

    def __init__(self, *, version: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.version = version if version.startswith("v") else f"v{version}"


class Publisher(BasePublisher):
    def __init__(
        self,
        *,
        alias: str,
        graph_url: str = "https://graph.facebook.com",
        version: str = "v25.0",
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        **options: Any,
    ) -> None:
        super().__init__(alias=alias, **options)
        self.graph_url = graph_url.rstrip("/")
        self.version = version
        self.connect_timeout = float(connect_timeout)
        self.read_timeout = float(read_timeout)

    def publish(self, variant: PostVariant) -> PublishResult:
        """Post ``variant`` on its channel's Facebook page with exactly one create call (see the module
        docstring for the calls and the kinds of PublishError raised)."""
        channel = variant.channel
        page = channel.handle.strip()
        tz = channel.zone.tzinfo
        images = [read_image(item) for item in variant.media.all()]
        graph, session = self._connect(channel)
        if not images:
            fields = {"message": variant.text}
            if link := first_link(variant.text):
                fields["link"] = link
            result = self._call(session, tz, CREATE, lambda: graph.put_object(page, "feed", **fields))
        elif len(images) == 1:
            image = images[0]
            result = self._call(
                session,
                tz,
                CREATE,
                lambda: graph.put_photo(image, album_path=f"{page}/photos", caption=variant.text),
            )
        else:
            fields = {"message": variant.text}
            for index, each in enumerate(images):
                photo_id = self._upload_unpublished(graph, session, tz, page, each)
                fields[f"attached_media[{index}]"] = json.dumps({"media_fbid": photo_id})
            result = self._call(session, tz, CREATE, lambda: graph.put_object(page, "feed", **fields))
        # A photo answers its own id and the id of the post showing it: the post is what was published.
        post_id = str(result.get("post_id") or result.get("id") or "")
        if not post_id:
            raise unreadable(NETWORK, f"{CREATE}: no id in {_short(result)}")
        return PublishResult(external_id=post_id, url=f"https://www.facebook.com/{post_id}")

    def check_connection(self, channel: Channel) -> str:
        """The name of the page the token opens. Raises PublishError."""
        graph, session = self._connect(channel)
        try:
            result = self._call(
                session, channel.zone.tzinfo, CHECK, lambda: graph.get_object(channel.handle.strip(), fields="name")
            )
        except PublishError as error:
            raise check_failed(NETWORK, error) from None
        name = result.get("name")
        if not name:
            raise check_failed(NETWORK, unreadable(NETWORK, f"{CHECK}: no name in {_short(result)}"))
        return str(name)

    # --- the calls ----------------------------------------------------------------------------------------

    def _connect(self, channel: Channel) -> tuple[_GraphAPI, ApiSession]:
        token = channel.get_credentials().get("page_access_token")
        if not token:
            raise not_connected(NETWORK)
        # The process's session for this host: a burst of posts reuses its connections (see ApiSession).
        session = shared_session(
            rewrite={_REAL_GRAPH_URL: self.graph_url},
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
        )
        graph = _GraphAPI(
            access_token=token,
            version=self.version,
            timeout=(self.connect_timeout, self.read_timeout),
            session=session,
        )
        return graph, session

    def _upload_unpublished(
        self, graph: _GraphAPI, session: ApiSession, tz: ZoneInfo, page: str, image: tuple[str, bytes, str]
    ) -> str:
        result = self._call(
            session, tz, UPLOAD, lambda: graph.put_photo(image, album_path=f"{page}/photos", published="false")
        )
        photo_id = str(result.get("id") or "")
        if not photo_id:
            raise image_not_sent(NETWORK, unreadable(NETWORK, f"{UPLOAD}: no id in {_short(result)}"))
        return photo_id

    def _call(self, session: ApiSession, tz: ZoneInfo, step: str, call: Callable[[], Any]) -> dict[str, Any]:
        """Run one facebook-sdk call; its answer as a dict, or the PublishError it amounts to for ``step``."""
        try:
            result = call()
        except facebook.GraphAPIError as exc:
            error = self._graph_error(exc, session.last_response, step, tz)
        except requests.JSONDecodeError as exc:
            error = unreadable(NETWORK, f"{step}: {_status(session)} {describe(exc)}")
        except requests.RequestException as exc:
            if request_never_sent(exc):
                error = unreachable(NETWORK, exc)
            elif isinstance(exc, requests.ReadTimeout):
                error = no_answer(NETWORK, self.read_timeout, exc)
            else:
                error = connection_lost(NETWORK, exc)
        except KeyError as exc:
            # facebook-sdk reads headers["content-type"] without a default.
            error = unreadable(NETWORK, f"{step}: {_status(session)} no {exc}")
        else:
            status = session.last_response.status_code if session.last_response is not None else 0
            if status >= 500:
                error = server_error(NETWORK, f"{step}: HTTP {status} {_short(result)}")
            elif isinstance(result, dict):
                return result
            else:
                error = unreadable(NETWORK, f"{step}: {_status(session)} {_short(result)}")
        if step == UPLOAD and error.kind == ErrorKind.UNKNOWN:
            error = image_not_sent(NETWORK, error)
        raise error

    # --- errors -------------------------------------------------------------------------------------------

    def _graph_error(
        self, exc: facebook.GraphAPIError, response: requests.Response | None, step: str, tz: ZoneInfo
    ) -> PublishError:
        status = response.status_code if response is not None else 0
        raw = exc.result.get("error") if isinstance(exc.result, dict) else None
        if not isinstance(raw, dict):
            # A non-JSON answer ("Maintype was not text, image, or querystring") or an error without a code.
            return unreadable(NETWORK, f"{step}: HTTP {status} {_short(exc.result)}")
        code, subcode = _int(raw.get("code")), _int(raw.get("error_subcode"))
        detail = (
            f"{step}: HTTP {status} code {code} subcode {subcode} {raw.get('type', '')}: "
            f"{str(raw.get('message', ''))[:300]} (fbtrace_id {raw.get('fbtrace_id', '')})"
        )
        if code in RATE_LIMIT_CODES or code in TRANSIENT_CODES or (code or 0) >= BUSINESS_USE_CASE_MIN:
            return _retry(code, response, step, tz, detail)
        if code == EXPIRED_TOKEN:
            return PublishError(
                _("Facebook refused the page's access token (expired or revoked): reconnect the page."),
                kind=ErrorKind.PERMANENT,
                needs_reconnect=True,
                detail=detail,
            )
        if code == DUPLICATE_POST:
            return PublishError(
                _(
                    "Facebook refused the post as a duplicate of one it already has: it may have been published. "
                    "Check the page before sending it again."
                ),
                kind=ErrorKind.UNKNOWN,
                detail=detail,
            )
        if code == POLICY_BLOCK:
            return PublishError(
                _("Facebook blocked the post under its rules: check the page's quality and the text."),
                kind=ErrorKind.PERMANENT,
                detail=detail,
            )
        if code == INVALID_PARAMETER:
            return PublishError(
                _("Facebook refused the post as invalid (the text, an image or the page id): correct it."),
                kind=ErrorKind.PERMANENT,
                detail=detail,
            )
        if code == 10 or (code is not None and 200 <= code <= 299):
            return PublishError(
                _("The page's access token lacks a permission needed to post: reconnect the page with it."),
                kind=ErrorKind.PERMANENT,
                detail=detail,
            )
        if status >= 500 or status == 0:
            return server_error(NETWORK, detail)
        return PublishError(
            _("Facebook refused the post: see the technical detail, correct it, then send it again."),
            kind=ErrorKind.PERMANENT,
            detail=detail,
        )


def _retry(code: int | None, response: requests.Response | None, step: str, tz: ZoneInfo, detail: str) -> PublishError:
    retry_at = _regain_access_at(response)
    if retry_at is None:
        retry_at = later(_TRANSIENT_DELAY_MINUTES if code in TRANSIENT_CODES else _RATE_LIMIT_DELAY_MINUTES)
    when = at_time(retry_at, tz)
    if code in TRANSIENT_CODES:
        message = format_lazy(_("Facebook is temporarily unavailable: it will be tried again at {time}."), time=when)
    elif step == CHECK:
        message = format_lazy(_("Facebook limits the number of requests: try again after {time}."), time=when)
    else:
        message = format_lazy(_("Facebook limits the number of posts: it will be tried again at {time}."), time=when)
    return PublishError(message, kind=ErrorKind.RETRY, retry_at=retry_at, detail=detail)


def _regain_access_at(response: requests.Response | None) -> datetime | None:
    """When ``x-business-use-case-usage`` says access comes back: ``{"<id>": [{"type": "pages", ...,
    "estimated_time_to_regain_access": <minutes>}]}``; the longest wait wins."""
    if response is None:
        return None
    try:
        usage = json.loads(response.headers.get("x-business-use-case-usage") or "{}")
        minutes = max(
            (
                float(entry.get("estimated_time_to_regain_access") or 0)
                for entries in usage.values()
                for entry in entries
                if isinstance(entry, dict)
            ),
            default=0,
        )
    except (ValueError, TypeError, AttributeError):
        return None
    return later(minutes) if minutes > 0 else None


def first_link(text: str) -> str | None:
    """The first http(s) address of ``text``, without the punctuation that ends a sentence around it."""
    match = _URL.search(text)
    return match.group(0).rstrip(".,;:!?)]}»") if match else None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _status(session: ApiSession) -> str:
    response = session.last_response
    return f"HTTP {response.status_code}" if response is not None else "no response"


def _short(value: Any) -> str:
    return repr(value)[:300]

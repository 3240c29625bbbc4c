"""The Facebook publisher: facebook-sdk 3.1.0's ``GraphAPI`` on a page, with the page access token.

``publish(variant)`` makes these calls (``{graph}/{version}/...``, the token in ``access_token``):

- no image: one ``POST /{page-id}/feed`` with ``message`` (and ``link``: the first http(s) address of the text,
  so that Facebook shows its preview);
- one image: one ``POST /{page-id}/photos`` with the file in ``source`` and ``caption``: the photo is the post;
- several images: each one ``POST /{page-id}/photos`` with ``published=false`` (nothing public yet), then the
  create call ``POST /{page-id}/feed`` with ``message`` and ``attached_media[i]={"media_fbid": ...}``;
- a follow-up (``Post.follows_up``: a reopening after a closure) without images, whose original is published on the
  same page: one ``POST /{original post id}/comments`` with ``message``, a comment of the page under the original.
  Not an edit of the original: an edit would change the text the director approved and the evidence of what was
  published, and followers are not told of an edit; a comment sits under the original where its readers look, and
  is its own create call, made at most once like every publication. Its address is built from the comment's id
  like a post's.

Alt text cannot be sent: the Graph API has no field for it on page photos (Facebook writes its own automatic
alt text). The officer still writes it: X uses it and the preview shows it.

facebook-sdk knows only Graph versions 2.8 to 3.1 and would call v2.8 by default; it also hard-codes
``https://graph.facebook.com/``. ``_GraphAPI`` sets the version from settings after the library's own check, and
an ``ApiSession`` sends the host to ``graph_url`` with the timeouts on every request (the one session of the
worker process for that host, so that consecutive posts reuse its connection). All the calls of one ``publish``
share ``send_budget`` seconds (base.SendBudget): each one's connect and read timeouts are capped by what is left,
and a call that could not be waited for (less than the connect timeout plus a few seconds left) is not started:
RETRY.

facebook-sdk never looks at the HTTP status (``GraphAPI.request``): it raises ``GraphAPIError(result)`` for any
JSON answer holding ``error``, a ``GraphAPIError`` with a *string* for a body that is neither JSON, an image nor a
query string, a ``KeyError`` when there is no Content-Type, a ``JSONDecodeError`` for a broken JSON body, and
returns whatever it read otherwise. So every answer is classified here from the status of the response the session
kept, then from the body.

Errors of the create call (the table, with the source of each rule, is in docs/architecture.md, "How a network's
answer is classified"):

- any 5xx, whatever its body or error code: UNKNOWN (Graph may have created the post before failing);
- 429: RETRY;
- a 4xx is Graph's refusal only when its body is Graph's error object (``error`` with a numeric ``code``); then by
  ``code``: 1 and 2 ("API Unknown", "API Service": Meta's own failure, no proof of anything) and 506 (duplicate
  post): UNKNOWN; 4, 17, 32, 613 (rate limits) and 80001 and above (business use case limits): RETRY, at
  ``estimated_time_to_regain_access`` of ``x-business-use-case-usage`` when it says, else after 15 minutes;
  190 (token expired or revoked): PERMANENT, ``needs_reconnect``; 368 (policy block), 100 (invalid parameter),
  10 and 200-299 (permissions) and any other code: PERMANENT. Any other 4xx body is UNKNOWN;
- a 2xx that is not a JSON object with an id, a redirect (never followed), a read timeout, a connection cut after
  the request was written, a TLS error other than a refused certificate: UNKNOWN;
- a connection that was never made (refused, connect timeout, a refused certificate): RETRY; the send budget spent
  before the create call: RETRY.

The unpublished photo uploads come before the create call: what would be UNKNOWN there is RETRY (``published=false``
photos are not public; at worst one stays unattached).
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
    SendBudget,
    at_time,
    check_failed,
    describe,
    image_not_sent,
    later,
    not_connected,
    read_image,
    replying_to,
    server_error,
    shared_session,
    transport_error,
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

# Graph error codes (docs/architecture.md gives the source of each).
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613})
BUSINESS_USE_CASE_MIN = 80001
META_FAILURE_CODES = frozenset({1, 2})  # "API Unknown", "API Service"
EXPIRED_TOKEN = 190
DUPLICATE_POST = 506
POLICY_BLOCK = 368
INVALID_PARAMETER = 100
PERMISSION_DENIED = 10
# Minutes to wait when Meta does not say: its rate-limit windows are rolling hours.
_RATE_LIMIT_DELAY_MINUTES = 15

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
        send_budget: float = 45.0,
        **options: Any,
    ) -> None:
        super().__init__(alias=alias, **options)
        self.graph_url = graph_url.rstrip("/")
        self.version = version
        self.connect_timeout = float(connect_timeout)
        self.read_timeout = float(read_timeout)
        self.send_budget = float(send_budget)

    def publish(self, variant: PostVariant) -> PublishResult:
        """Post ``variant`` on its channel's Facebook page with exactly one create call, all its calls within
        ``send_budget`` seconds (see the module docstring for the calls and the kinds of PublishError raised)."""
        budget = SendBudget(self.send_budget, network=NETWORK)
        channel = variant.channel
        page = channel.handle.strip()
        tz = channel.zone.tzinfo
        images = [read_image(item) for item in variant.media.all()]
        original = replying_to(variant) if not images else ""
        graph, session = self._connect(channel)
        with session.within(budget):
            if original:
                result = self._call(
                    session, tz, CREATE, lambda: graph.put_object(original, "comments", message=variant.text)
                )
            elif not images:
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
            payload = call()
        except facebook.GraphAPIError as exc:
            payload = exc.result  # the answer's JSON, or facebook-sdk's sentence about a body it could not read
        except requests.JSONDecodeError as exc:
            payload = f"not JSON: {describe(exc)}"
        except KeyError as exc:
            # facebook-sdk reads headers["content-type"] without a default.
            payload = f"no {exc} header"
        except requests.RequestException as exc:
            raise _for_step(transport_error(NETWORK, exc, session.last_read_timeout), step) from exc
        error = self._answer_error(session.last_response, payload, step, tz)
        if error is None:
            return payload
        raise _for_step(error, step)

    # --- errors -------------------------------------------------------------------------------------------

    def _answer_error(
        self, response: requests.Response | None, payload: Any, step: str, tz: ZoneInfo
    ) -> PublishError | None:
        """None for a 2xx answer holding a JSON object without ``error``; else the PublishError it amounts to."""
        status = response.status_code if response is not None else 0
        raw = payload.get("error") if isinstance(payload, dict) else None
        # Graph's own error object always has a numeric code: anything else is not a refusal we can read.
        code = _int(raw.get("code")) if isinstance(raw, dict) else None
        if code is not None:
            detail = (
                f"{step}: HTTP {status} code {code} subcode {raw.get('error_subcode')} {raw.get('type', '')}: "
                f"{str(raw.get('message', ''))[:300]} (fbtrace_id {raw.get('fbtrace_id', '')})"
            )
        else:
            detail = f"{step}: HTTP {status} {_short(payload)}"
        # First, whatever the body says: a 5xx may come after Graph created the post, a 429 is a refusal.
        if status >= 500:
            return server_error(NETWORK, detail)
        if status == 429:
            return _rate_limited(response, step, tz, detail)
        if 400 <= status < 500 and code is not None:
            return self._refusal(code, response, step, tz, detail)
        if 200 <= status < 300 and isinstance(payload, dict) and raw is None:
            return None
        # A 2xx with an error or no object, a redirect, a 4xx page that is not Graph's (a proxy's): unreadable.
        return unreadable(NETWORK, detail)

    def _refusal(
        self, code: int, response: requests.Response | None, step: str, tz: ZoneInfo, detail: str
    ) -> PublishError:
        """What Graph's error object in a 4xx answer amounts to, by its code."""
        if code in META_FAILURE_CODES:
            # Meta's own failure, not a refusal: it has come after the post was created.
            return server_error(NETWORK, detail)
        if code in RATE_LIMIT_CODES or code >= BUSINESS_USE_CASE_MIN:
            return _rate_limited(response, step, tz, detail)
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
        if code == PERMISSION_DENIED or 200 <= code <= 299:
            return PublishError(
                _("The page's access token lacks a permission needed to post: reconnect the page with it."),
                kind=ErrorKind.PERMANENT,
                detail=detail,
            )
        return PublishError(
            _("Facebook refused the post: see the technical detail, correct it, then send it again."),
            kind=ErrorKind.PERMANENT,
            detail=detail,
        )


def _for_step(error: PublishError, step: str) -> PublishError:
    if step == UPLOAD and error.kind == ErrorKind.UNKNOWN:
        return image_not_sent(NETWORK, error)
    return error


def _rate_limited(response: requests.Response | None, step: str, tz: ZoneInfo, detail: str) -> PublishError:
    retry_at = _regain_access_at(response) or later(_RATE_LIMIT_DELAY_MINUTES)
    when = at_time(retry_at, tz)
    if step == CHECK:
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


def _short(value: Any) -> str:
    return repr(value)[:300]

"""The X publisher: tweepy 4.17's v2 ``Client`` for the post, X's v2 media endpoints for images.

``publish(variant)`` makes these calls, all signed with OAuth 1.0a user context (the channel's api_key,
api_secret, access_token, access_token_secret):

1. for each image, in order: ``POST {base}/2/media/upload``, multipart/form-data with the file in ``media`` and
   ``media_category=tweet_image`` (and ``media_type``), answering ``{"data": {"id": ...}}``: X's one-shot upload
   for images (tweepy 4.17 only knows the v1.1 upload host); then ``POST {base}/2/media/metadata`` with JSON
   ``{"id": ..., "metadata": {"alt_text": {"text": ...}}}``: alt text is required in this project;
2. exactly one create call: ``Client.create_tweet(text=..., media_ids=...)``, i.e. ``POST {base}/2/tweets``.
   A follow-up (a reopening after a closure: ``Post.follows_up``) whose original is published on the same account
   is a reply to it, ``in_reply_to_tweet_id``, so that it lands in the original's thread.

tweepy sets no timeout and hard-codes ``https://api.twitter.com``: the client gets an ``ApiSession`` that adds
the timeouts to every request and sends that host to ``base_url``, the one session of the worker process for that
host, so that consecutive posts reuse its connection. All the calls of one ``publish`` share ``send_budget``
seconds (base.SendBudget): each one's connect and read timeouts are capped by what is left, and a call that could
not be waited for (less than the connect timeout plus a few seconds left) is not started: RETRY.

Errors of the create call (the table, with the source of each rule, is in docs/architecture.md, "How a network's
answer is classified"):

- any 5xx, whatever its body: UNKNOWN (X may have created the post before failing);
- 429: RETRY at ``x-rate-limit-reset`` (epoch seconds), or at the later ``x-user-/x-app-limit-24hour-reset`` when
  the matching ``...-24hour-remaining`` is "0" (the 24-hour cap); 15 minutes (X's window) when no header says;
  a ``UsageCapExceeded`` problem (the app's usage cap) says so in its message;
- a 4xx other than 429 is X's refusal only when its body is X's error object (a v2 problem with ``type``,
  ``title`` or ``detail``, or an ``errors`` list): 401: PERMANENT, ``needs_reconnect``; 403 "duplicate content":
  UNKNOWN (X refuses a text it already has: the first attempt may have gone out); other 403 (rules, access level)
  and other 4xx (invalid content): PERMANENT. Any other 4xx body (a proxy's HTML page, nothing) is UNKNOWN;
- a 2xx without ``data.id`` or not JSON, a redirect (never followed), a read timeout, a connection cut after the
  request was written, a TLS error other than a refused certificate: UNKNOWN;
- a connection that was never made (refused, connect timeout, a refused certificate): RETRY; the send budget
  spent before the create call: RETRY.

Errors of the image steps happen before the create call, so they prove no post exists: what would be UNKNOWN for
the create call is RETRY there (at worst X keeps an unused media id, which expires, see ``expires_after_secs``);
429, refused connections and a spent budget are RETRY, 401 PERMANENT with ``needs_reconnect``, other refusals
PERMANENT (X refuses the image itself).

``check_connection`` reads ``GET {base}/2/users/me`` with the same mapping, without the budget; an ambiguous
answer there is RETRY.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import requests
import tweepy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from requests_oauthlib import OAuth1

from editorial.publishers.base import (
    ApiSession,
    BasePublisher,
    ErrorKind,
    PublishError,
    PublishResult,
    SendBudget,
    at_time,
    check_failed,
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
    from zoneinfo import ZoneInfo

    from editorial.models import Channel, PostVariant

NETWORK = "X"
# tweepy 4.17 builds every URL on api.twitter.com; api.x.com is the same API under its new name.
_REAL_HOSTS = ("https://api.twitter.com/", "https://api.x.com/")
_CREDENTIALS = ("api_key", "api_secret", "access_token", "access_token_secret")
# X's rate-limit windows are 15 minutes: the wait when a 429 carries no reset header.
_DEFAULT_RATE_LIMIT_MINUTES = 15

CREATE, UPLOAD, CHECK = "create", "upload", "check"
# tweepy reads an error answer while it builds its exception (the JSON's ``errors``, a 429's x-rate-limit-reset as
# an int): a body or a header it does not expect raises one of these instead, and the answer is read here.
_TWEEPY_READING_ERRORS = (AttributeError, TypeError, ValueError)


class Publisher(BasePublisher):
    def __init__(
        self,
        *,
        alias: str,
        base_url: str = "https://api.x.com",
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        send_budget: float = 45.0,
        **options: Any,
    ) -> None:
        super().__init__(alias=alias, **options)
        self.base_url = base_url.rstrip("/")
        self.connect_timeout = float(connect_timeout)
        self.read_timeout = float(read_timeout)
        self.send_budget = float(send_budget)

    def publish(self, variant: PostVariant) -> PublishResult:
        """Post ``variant`` (text and images with alt text) on its channel's X account with exactly one create
        call, all its calls within ``send_budget`` seconds. Raises PublishError (see the module docstring for the
        kinds)."""
        budget = SendBudget(self.send_budget, network=NETWORK)
        channel = variant.channel
        tz = channel.zone.tzinfo
        images = [(read_image(media), media.alt_text) for media in variant.media.all()]
        in_reply_to = replying_to(variant)
        client, session, auth = self._connect(channel)
        with session.within(budget):
            media_ids = [self._upload(session, auth, image, alt_text, tz) for image, alt_text in images]
            try:
                response = client.create_tweet(
                    text=variant.text,
                    media_ids=media_ids or None,
                    in_reply_to_tweet_id=in_reply_to or None,
                    user_auth=True,
                )
            except (tweepy.HTTPException, requests.RequestException, *_TWEEPY_READING_ERRORS) as exc:
                raise self._error(exc, session, CREATE, tz) from exc
        tweet_id = str(_data(response, CREATE).get("id") or "")
        if not tweet_id:
            raise unreadable(NETWORK, f"{CREATE}: 2xx without data.id: {_body(response)}")
        handle = channel.handle.strip().lstrip("@")
        return PublishResult(external_id=tweet_id, url=f"https://x.com/{handle}/status/{tweet_id}")

    def check_connection(self, channel: Channel) -> str:
        """``Name (@username)`` of the account the credentials open. Raises PublishError."""
        client, session, _auth = self._connect(channel)
        try:
            response = client.get_me(user_auth=True)
        except (tweepy.HTTPException, requests.RequestException, *_TWEEPY_READING_ERRORS) as exc:
            raise check_failed(NETWORK, self._error(exc, session, CHECK, channel.zone.tzinfo)) from exc
        try:
            user = _data(response, CHECK)
        except PublishError as error:
            raise check_failed(NETWORK, error) from None
        username, name = user.get("username"), user.get("name")
        if not username:
            raise check_failed(NETWORK, unreadable(NETWORK, f"{CHECK}: no data.username: {_body(response)}"))
        return f"{name} (@{username})" if name else f"@{username}"

    # --- the calls ----------------------------------------------------------------------------------------

    def _connect(self, channel: Channel) -> tuple[tweepy.Client, ApiSession, OAuth1]:
        credentials = channel.get_credentials()
        if not all(credentials.get(key) for key in _CREDENTIALS):
            raise not_connected(NETWORK)
        # The process's session for this host: a burst of posts reuses its connections (see ApiSession).
        session = shared_session(
            rewrite=dict.fromkeys(_REAL_HOSTS, self.base_url),
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
        )
        client = tweepy.Client(
            consumer_key=credentials["api_key"],
            consumer_secret=credentials["api_secret"],
            access_token=credentials["access_token"],
            access_token_secret=credentials["access_token_secret"],
            # The raw response: its headers (rate limits) and a body we validate ourselves.
            return_type=requests.Response,
            wait_on_rate_limit=False,
        )
        # tweepy reads ``self.session`` on every request and offers no other way to set timeouts or a host.
        client.session.close()
        client.session = session
        # The same signature tweepy computes for its own calls (OAuth1UserHandler.apply_auth).
        auth = OAuth1(
            credentials["api_key"],
            client_secret=credentials["api_secret"],
            resource_owner_key=credentials["access_token"],
            resource_owner_secret=credentials["access_token_secret"],
            decoding=None,
        )
        return client, session, auth

    def _upload(
        self, session: ApiSession, auth: OAuth1, image: tuple[str, bytes, str], alt_text: str, tz: ZoneInfo
    ) -> str:
        """Upload one image and set its alt text; the media id for the post."""
        name, content, content_type = image
        try:
            response = session.post(
                f"{self.base_url}/2/media/upload",
                files={"media": (name, content, content_type)},
                data={"media_category": "tweet_image", "media_type": content_type},
                auth=auth,
            )
            self._raise_for_status(response, UPLOAD, tz)
            media_id = str(_data(response, UPLOAD).get("id") or "")
            if not media_id:
                raise unreadable(NETWORK, f"{UPLOAD}: 2xx without data.id: {_body(response)}")
            response = session.post(
                f"{self.base_url}/2/media/metadata",
                json={"id": media_id, "metadata": {"alt_text": {"text": alt_text}}},
                auth=auth,
            )
            self._raise_for_status(response, UPLOAD, tz)
        except requests.RequestException as exc:
            raise self._error(exc, session, UPLOAD, tz) from exc
        except PublishError as error:
            raise _for_step(error, UPLOAD) from None
        return media_id

    def _raise_for_status(self, response: requests.Response, step: str, tz: ZoneInfo) -> None:
        if not 200 <= response.status_code < 300:
            raise self._http_error(response, step, tz)

    # --- errors -------------------------------------------------------------------------------------------

    def _error(self, exc: Exception, session: ApiSession, step: str, tz: ZoneInfo) -> PublishError:
        if isinstance(exc, tweepy.HTTPException):
            error = self._http_error(exc.response, step, tz)
        elif isinstance(exc, requests.RequestException):
            error = transport_error(NETWORK, exc, session.last_read_timeout)
        elif session.last_response is not None and not 200 <= session.last_response.status_code < 300:
            error = self._http_error(session.last_response, step, tz)  # the answer tweepy could not read
        else:
            raise exc  # not about an answer: a fault of ours
        return _for_step(error, step)

    def _http_error(self, response: requests.Response, step: str, tz: ZoneInfo) -> PublishError:
        """What an answer that is not a 2xx amounts to."""
        status = response.status_code
        body = _body(response)
        detail = f"{step}: HTTP {status} {body}"
        # First, whatever the body says: a 5xx may come after X created the post, a 429 is a refusal.
        if status >= 500:
            return server_error(NETWORK, detail)
        if status == 429:
            return _rate_limited(response, step, tz, detail)
        if not 400 <= status < 500 or _problem(response) is None:
            # A redirect, or a page that is not X's (a proxy's, a load balancer's): nothing says it was refused.
            return unreadable(NETWORK, detail)
        if status == 401:
            return PublishError(
                _("X refused the credentials: reconnect the account."),
                kind=ErrorKind.PERMANENT,
                needs_reconnect=True,
                detail=detail,
            )
        if status == 403 and step == CREATE and "duplicate" in body.lower():
            return PublishError(
                _(
                    "X refused the post as a duplicate of one it already has: it may have been published. "
                    "Check the account before sending it again."
                ),
                kind=ErrorKind.UNKNOWN,
                detail=detail,
            )
        if status == 403:
            return PublishError(
                _("X refused the request: its rules or the account's access level do not allow it. Check the account."),
                kind=ErrorKind.PERMANENT,
                detail=detail,
            )
        message = (
            _("X refused an image (format or size): replace it, then send the post again.")
            if step == UPLOAD
            else _("X refused the post as invalid (too long, or a wrong image): correct it, then send it again.")
        )
        return PublishError(message, kind=ErrorKind.PERMANENT, detail=detail)


def _for_step(error: PublishError, step: str) -> PublishError:
    if step == UPLOAD and error.kind == ErrorKind.UNKNOWN:
        return image_not_sent(NETWORK, error)
    return error


def _rate_limited(response: requests.Response, step: str, tz: ZoneInfo, detail: str) -> PublishError:
    headers = response.headers
    window_reset = _epoch(headers.get("x-rate-limit-reset"))
    daily_resets = [
        reset
        for scope in ("user", "app")
        if headers.get(f"x-{scope}-limit-24hour-remaining", "").strip() == "0"
        and (reset := _epoch(headers.get(f"x-{scope}-limit-24hour-reset")))
    ]
    resets = [reset for reset in (window_reset, *daily_resets) if reset]
    retry_at = max(resets) if resets else later(_DEFAULT_RATE_LIMIT_MINUTES)
    when = at_time(retry_at, tz)
    problem = _problem(response) or {}
    if step == CHECK:
        message = format_lazy(_("X limits the number of requests: try again after {time}."), time=when)
    elif problem.get("title") == "UsageCapExceeded" or str(problem.get("type", "")).endswith("/usage-capped"):
        message = format_lazy(_("The X app's usage cap is used up: it will be tried again at {time}."), time=when)
    elif daily_resets:
        message = format_lazy(
            _("The daily number of posts on X is used up: it will be tried again at {time}."), time=when
        )
    else:
        message = format_lazy(_("X limits the number of posts: it will be tried again at {time}."), time=when)
    return PublishError(message, kind=ErrorKind.RETRY, retry_at=retry_at, detail=detail)


def _problem(response: requests.Response) -> dict[str, Any] | None:
    """X's error object in an answer: a v2 problem (``type``, ``title``, ``detail``) or the older ``errors``
    list; None for any other body (a proxy's HTML page, an empty body, JSON of another shape)."""
    try:
        payload = response.json()
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    if any(isinstance(payload.get(key), str) for key in ("type", "title", "detail")):
        return payload
    return payload if isinstance(payload.get("errors"), list) else None


def _epoch(value: str | None) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(str(value).strip()), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _data(response: requests.Response, step: str) -> dict[str, Any]:
    """The ``data`` object of a 2xx answer; an unreadable answer is UNKNOWN (it came after the request)."""
    try:
        payload = response.json()
    except ValueError as exc:
        raise unreadable(NETWORK, f"{step}: HTTP {response.status_code} not JSON: {_body(response)}") from exc
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict):
        raise unreadable(NETWORK, f"{step}: HTTP {response.status_code} without data: {_body(response)}")
    return data


def _body(response: requests.Response) -> str:
    # X's error bodies (title, detail, errors) say what went wrong and never echo credentials.
    try:
        return response.text[:500]
    except (RuntimeError, ValueError):
        return ""

"""The X publisher against the local fake of the X API: the real tweepy and requests code paths, checked at the
HTTP layer (what the fake received), never a real network."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import io
import socket
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from oauthlib.oauth1.rfc5849 import signature as oauth_signature
from PIL import Image
from requests.adapters import HTTPAdapter
from urllib3.util import Timeout

from editorial.models import Channel, PostVariant, VariantMedia
from editorial.publishers import base, get_publisher
from editorial.publishers.base import KEEPALIVE_IDLE_SECONDS, ErrorKind, PublishError
from editorial.publishers.x import Publisher
from tests.factories import make_post, make_user, make_zone
from tests.fakes.social import Answer, FakeSocial, Received, closed_port_url, stalled_port_url, tls_certificate

CREDENTIALS = {
    "api_key": "consumer-key-1",
    "api_secret": "consumer-secret-1",
    "access_token": "token-1",
    "access_token_secret": "token-secret-1",
}
TEXT = "Contrôle radar à Quévy ce jeudi #Quevy"


@pytest.fixture
def fake():
    with FakeSocial() as server:
        yield server


@pytest.fixture
def channel(db) -> Channel:
    zone = make_zone()
    channel = Channel.objects.get(zone=zone, kind=Channel.Kind.X)
    channel.set_credentials(CREDENTIALS)
    channel.save()
    return channel


def png_bytes(color: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, format="PNG")
    return buffer.getvalue()


def variant_for(channel: Channel, text: str = TEXT, images: tuple[tuple[str, str], ...] = ()) -> PostVariant:
    """The channel's variant of a new post, with ``images`` as (colour, alt text), with its channel and images
    loaded, as the pipeline hands it to a publisher."""
    post = make_post(channel.zone, make_user())
    variant = post.variants.get(channel=channel)
    variant.text = text
    variant.save()
    for order, (color, alt_text) in enumerate(images):
        content = png_bytes(color)
        VariantMedia.objects.create(
            variant=variant,
            image=SimpleUploadedFile(f"{color}.png", content, content_type="image/png"),
            alt_text=alt_text,
            sha256=hashlib.sha256(content).hexdigest(),
            order=order,
        )
    return PostVariant.objects.select_related("channel").prefetch_related("media").get(pk=variant.pk)


def publisher(base_url: str, **options) -> Publisher:
    return Publisher(alias="x", base_url=base_url, **{"connect_timeout": 2, "read_timeout": 5, **options})


def publish_error(pub: Publisher, variant: PostVariant) -> PublishError:
    with pytest.raises(PublishError) as caught:
        pub.publish(variant)
    return caught.value


def signature_is_valid(received: Received, base_url: str) -> bool:
    """Recompute the HMAC-SHA1 signature of the request as X would, on the address the fake was called at."""
    params = oauth_signature.collect_parameters(
        uri_query=urlencode(received.query, doseq=True),
        headers={"Authorization": received.headers["authorization"]},
        exclude_oauth_signature=True,
    )
    base_string = oauth_signature.signature_base_string(
        received.method,
        oauth_signature.base_string_uri(base_url + received.path),
        oauth_signature.normalize_parameters(params),
    )
    key = f"{quote(CREDENTIALS['api_secret'], safe='')}&{quote(CREDENTIALS['access_token_secret'], safe='')}"
    expected = base64.b64encode(hmac.new(key.encode(), base_string.encode(), hashlib.sha1).digest()).decode()
    return expected == received.oauth()["oauth_signature"]


# --- success --------------------------------------------------------------------------------------------------


def test_it_posts_the_text_once_signed_with_oauth1(fake, channel):
    result = publisher(fake.url).publish(variant_for(channel))

    [tweet] = fake.received("tweets")
    assert len(fake.received()) == 1
    assert tweet.method == "POST" and tweet.path == "/2/tweets"
    assert tweet.json() == {"text": TEXT}
    assert tweet.headers["content-type"] == "application/json"
    oauth = tweet.oauth()
    assert oauth["oauth_consumer_key"] == "consumer-key-1"
    assert oauth["oauth_token"] == "token-1"
    assert oauth["oauth_signature_method"] == "HMAC-SHA1"
    assert signature_is_valid(tweet, fake.url)
    assert not signature_is_valid(dataclasses.replace(tweet, path="/2/elsewhere"), fake.url)  # the check can fail
    assert "consumer-secret-1" not in str(tweet.headers) and "token-secret-1" not in str(tweet.headers)
    assert "Tweepy" in tweet.headers["user-agent"]

    assert tweet.status == 201
    assert result.external_id == tweet.answer["data"]["id"]
    handle = channel.handle.lstrip("@")
    assert result.url == f"https://x.com/{handle}/status/{result.external_id}"


def test_each_post_gets_the_id_x_gave(fake, channel):
    first = publisher(fake.url).publish(variant_for(channel, text="Un"))
    second = publisher(fake.url).publish(variant_for(channel, text="Deux"))

    assert [r.json()["text"] for r in fake.received("tweets")] == ["Un", "Deux"]
    assert first.external_id != second.external_id


def test_it_uses_the_settings(fake, channel, settings):
    settings.PUBLISHERS = {
        "x": {
            "BACKEND": "editorial.publishers.x.Publisher",
            "OPTIONS": {"base_url": fake.url + "/", "connect_timeout": 1, "read_timeout": 3},
        }
    }

    result = get_publisher("x").publish(variant_for(channel))

    [tweet] = fake.received("tweets")
    assert tweet.json()["text"] == TEXT
    assert result.url.endswith(result.external_id)


def test_every_request_carries_the_timeouts_within_the_send_budget(fake, channel, monkeypatch):
    seen = []
    send = HTTPAdapter.send

    def spy(self, request, **kwargs):
        seen.append((request.url, kwargs.get("timeout")))
        return send(self, request, **kwargs)

    monkeypatch.setattr(HTTPAdapter, "send", spy)

    publisher(fake.url, connect_timeout=1.5, read_timeout=7, send_budget=20).publish(
        variant_for(channel, images=(("red", "Radar"),))
    )

    assert [url.removeprefix(fake.url) for url, _ in seen] == ["/2/media/upload", "/2/media/metadata", "/2/tweets"]
    timeouts = [timeout for _, timeout in seen]
    assert all(isinstance(timeout, Timeout) for timeout in timeouts)
    assert {(timeout.connect_timeout, timeout.read_timeout) for timeout in timeouts} == {(1.5, 7.0)}
    totals = [timeout.total for timeout in timeouts]
    assert 19 < totals[-1] <= totals[0] <= 20  # what is left of the budget, smaller call after call
    assert len(fake.received()) == 3


def test_consecutive_posts_reuse_one_connection(fake, channel):
    """A burst of posts from one worker process goes through one kept-alive connection, not one each."""
    x = publisher(fake.url)
    x.publish(variant_for(channel, text="Premier message"))
    get_publisher_again = publisher(fake.url)  # the pipeline builds a new publisher for every publication
    get_publisher_again.publish(variant_for(channel, text="Deuxième message"))

    first, second = fake.received("tweets")
    assert first.peer == second.peer
    assert [first.json()["text"], second.json()["text"]] == ["Premier message", "Deuxième message"]


def test_a_connection_idle_for_a_while_is_not_reused(fake, channel):
    """A connection left idle may have been closed by the server: a create call written into it would end
    "unknown" for nothing, so after a pause a new connection is opened."""
    x = publisher(fake.url)
    x.publish(variant_for(channel, text="Premier message"))
    _client, session, _auth = x._connect(channel)
    session._last_used -= KEEPALIVE_IDLE_SECONDS + 1  # as if the last call were that long ago

    x.publish(variant_for(channel, text="Deuxième message"))

    first, second = fake.received("tweets")
    assert first.peer != second.peer
    assert second.status == 201


def test_no_cookie_travels_from_one_account_to_another(fake, channel):
    fake.script("tweets", Answer(headers={"Set-Cookie": "guest_id=v1%3A123; Path=/; Domain=127.0.0.1"}))
    publisher(fake.url).publish(variant_for(channel, text="Premier message"))
    other = Channel.objects.get(zone=make_zone(), kind=Channel.Kind.X)
    other.set_credentials({**CREDENTIALS, "access_token": "token-2"})
    other.save()

    publisher(fake.url).publish(variant_for(other, text="Autre compte"))

    first, second = fake.received("tweets")
    assert first.peer == second.peer  # the same session and connection...
    assert "cookie" not in second.headers  # ...without the first account's cookie
    assert second.oauth()["oauth_token"] == "token-2"


def test_a_worker_process_does_not_use_its_parents_connections(fake, channel, monkeypatch):
    x = publisher(fake.url)
    x.publish(variant_for(channel, text="Avant le fork"))
    parents = x._connect(channel)[1]
    monkeypatch.setattr(base.os, "getpid", lambda: -1)  # what a pool process sees after the fork

    x.publish(variant_for(channel, text="Après le fork"))

    assert x._connect(channel)[1] is not parents
    first, second = fake.received("tweets")
    assert first.peer != second.peer


@pytest.fixture
def no_proxy_in_environment(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


def test_a_proxy_set_in_the_environment_carries_the_calls(fake, channel, no_proxy_in_environment):
    """The session reads the environment once per host instead of on every request: what it reads still
    applies. Nothing listens at the API's address; the fake, as the proxy, receives the call."""
    no_proxy_in_environment.setenv("HTTP_PROXY", fake.url)
    x = publisher(closed_port_url())

    for text in ("Premier message", "Deuxième message"):
        x.publish(variant_for(channel, text=text))

    assert [received.json()["text"] for received in fake.received("tweets")] == ["Premier message", "Deuxième message"]


def test_no_proxy_in_the_environment_is_honoured(fake, channel, no_proxy_in_environment):
    no_proxy_in_environment.setenv("HTTP_PROXY", fake.url)
    no_proxy_in_environment.setenv("NO_PROXY", "127.0.0.1")

    error = publish_error(publisher(closed_port_url()), variant_for(channel))

    assert error.kind == ErrorKind.RETRY  # straight to the API's address, where nothing listens
    assert fake.received() == []


def test_the_environment_is_read_for_each_host_of_a_session(fake, no_proxy_in_environment):
    no_proxy_in_environment.setenv("HTTP_PROXY", fake.url)
    no_proxy_in_environment.setenv("NO_PROXY", "127.0.0.1")
    session = base.ApiSession(rewrite={}, connect_timeout=2, read_timeout=5)
    nowhere = closed_port_url()

    with pytest.raises(requests.ConnectionError):
        session.get(f"{nowhere}/2/users/me")  # in NO_PROXY: straight there, refused
    session.get(f"{nowhere.replace('127.0.0.1', 'localhost')}/2/users/me")  # not in NO_PROXY: the proxy

    assert [(received.path, received.headers["host"]) for received in fake.received()] == [
        ("/2/users/me", nowhere.replace("http://127.0.0.1", "localhost"))
    ]


def test_images_are_uploaded_with_their_alt_text_then_attached(fake, channel):
    variant = variant_for(channel, images=(("red", "Un radar au bord de la route"), ("blue", "Deux policiers")))

    publisher(fake.url).publish(variant)

    routes = [r.route for r in fake.received()]
    assert routes == ["media_upload", "media_metadata", "media_upload", "media_metadata", "tweets"]
    uploads, metadata = fake.received("media_upload"), fake.received("media_metadata")
    media_ids = []
    for upload, meta, (color, alt_text) in zip(
        uploads, metadata, (("red", "Un radar au bord de la route"), ("blue", "Deux policiers")), strict=True
    ):
        assert upload.headers["content-type"].startswith("multipart/form-data")
        assert upload.form() == {"media_category": "tweet_image", "media_type": "image/png"}
        filename, content_type, content = upload.files()["media"]
        assert (filename, content_type, content) == (f"{color}.png", "image/png", png_bytes(color))
        assert upload.oauth()["oauth_token"] == "token-1" and signature_is_valid(upload, fake.url)
        media_id = meta.json()["id"]
        assert meta.json() == {"id": media_id, "metadata": {"alt_text": {"text": alt_text}}}
        assert signature_is_valid(meta, fake.url)
        media_ids.append(media_id)
    assert fake.received("tweets")[0].json() == {"text": TEXT, "media": {"media_ids": media_ids}}


# The classification of the create call: one test (or one parametrized case) per row of the table in
# docs/architecture.md, "How a network's answer is classified".

X_UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
X_FORBIDDEN = {"title": "Forbidden", "type": "about:blank", "status": 403, "detail": "You are not permitted."}
X_DUPLICATE = {
    "detail": "You are not allowed to create a Tweet with duplicate content.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}
X_INVALID = {
    "errors": [{"parameters": {"text": ["x" * 20]}, "message": "text is too long"}],
    "title": "Invalid Request",
    "detail": "One or more parameters to your request was invalid.",
    "type": "https://api.twitter.com/2/problems/invalid-request",
}
# The body X gives when the app's usage cap is reached (github.com/xdevplatform/xdk/issues/25).
X_USAGE_CAP = {
    "account_id": "1234",
    "product_name": "standard-basic",
    "title": "UsageCapExceeded",
    "period": "Monthly",
    "scope": "Product",
    "detail": "Usage cap exceeded: Monthly product cap",
    "type": "https://api.twitter.com/2/problems/usage-capped",
}
HTML = {"content-type": "text/html; charset=utf-8"}


def create_error(fake: FakeSocial, channel: Channel, answer: Answer, **options) -> PublishError:
    """The error of a publication whose create call gets ``answer``; exactly one create request was made."""
    fake.script("tweets", answer)
    error = publish_error(publisher(fake.url, **options), variant_for(channel))
    assert len(fake.received("tweets")) == 1
    return error


# --- any 5xx: unknown, whatever it says --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        Answer(status=500, body={"title": "Internal Server Error", "type": "about:blank", "status": 500}),
        Answer(status=502, headers=HTML, body="<html><body>Bad gateway</body></html>"),
        Answer(status=503, body=""),
        Answer(status=503, headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": "4102444800"}, body={}),
        Answer(status=503, body=X_USAGE_CAP),
        Answer(status=500, body=X_UNAUTHORIZED),
    ],
    ids=["500-problem", "502-html", "503-empty", "503-rate-headers", "503-usage-cap", "500-unauthorized-body"],
)
def test_any_5xx_is_unknown_whatever_it_says(fake, channel, answer):
    error = create_error(fake, channel, answer)

    assert error.kind == ErrorKind.UNKNOWN
    assert error.retry_at is None and not error.needs_reconnect


# --- 429: nothing was created, try again at the time X gives --------------------------------------------------


def test_429_retries_at_the_reset_time(fake, channel):
    reset = int(time.time()) + 600
    answer = Answer(status=429, headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}, body={})

    with translation.override("en"):
        error = create_error(fake, channel, answer)
        message = str(error.message)

    assert error.kind == ErrorKind.RETRY
    assert error.retry_at == datetime.fromtimestamp(reset, tz=UTC)
    local = timezone.localtime(error.retry_at, channel.zone.tzinfo)
    assert message.startswith("X limits the number of posts: it will be tried again at ")
    assert local.strftime("%H:%M") in message
    assert not error.needs_reconnect


@pytest.mark.parametrize("scope", ["user", "app"])
def test_the_daily_cap_retries_at_its_own_reset(fake, channel, scope):
    window_reset = int(time.time()) + 300
    daily_reset = int(time.time()) + 20_000
    other = "app" if scope == "user" else "user"
    headers = {
        "x-rate-limit-reset": str(window_reset),
        f"x-{scope}-limit-24hour-remaining": "0",
        f"x-{scope}-limit-24hour-reset": str(daily_reset),
        # The other cap still has room: its later reset must not count.
        f"x-{other}-limit-24hour-remaining": "12",
        f"x-{other}-limit-24hour-reset": str(daily_reset + 5000),
    }

    with translation.override("en"):
        error = create_error(fake, channel, Answer(status=429, headers=headers, body={"title": "Too Many Requests"}))
        message = str(error.message)

    assert error.kind == ErrorKind.RETRY
    assert error.retry_at == datetime.fromtimestamp(daily_reset, tz=UTC)
    assert message.startswith("The daily number of posts on X is used up")


def test_the_usage_cap_retries_and_says_so(fake, channel):
    with translation.override("en"):
        error = create_error(
            fake, channel, Answer(status=429, headers={"x-rate-limit-remaining": "39999"}, body=X_USAGE_CAP)
        )
        message = str(error.message)

    assert error.kind == ErrorKind.RETRY
    assert message.startswith("The X app's usage cap is used up: it will be tried again at ")
    assert "UsageCapExceeded" in error.detail


@pytest.mark.parametrize(
    "answer",
    [
        Answer(status=429, body={"title": "Too Many Requests"}),
        Answer(status=429, headers=HTML, body="<html>Too many requests</html>"),
        Answer(status=429, body=""),
        # Bodies and headers tweepy itself fails to read.
        Answer(status=429, body=["not", "an", "object"]),
        Answer(status=429, headers={"x-rate-limit-reset": "soon"}, body={}),
    ],
    ids=["problem", "html", "empty", "list", "unreadable-reset"],
)
def test_any_429_retries_later_whatever_its_body(fake, channel, answer):
    error = create_error(fake, channel, answer)

    assert error.kind == ErrorKind.RETRY
    assert timezone.now() + timedelta(minutes=14) < error.retry_at < timezone.now() + timedelta(minutes=16)


# --- refusals in X's own words ------------------------------------------------------------------------------


def test_401_asks_to_reconnect(fake, channel):
    with translation.override("en"):
        error = create_error(fake, channel, Answer(status=401, body=X_UNAUTHORIZED))
        message = str(error.message)

    assert error.kind == ErrorKind.PERMANENT
    assert error.needs_reconnect
    assert message == "X refused the credentials: reconnect the account."
    assert "401" in error.detail


def test_duplicate_content_is_unknown(fake, channel):
    error = create_error(fake, channel, Answer(status=403, body=X_DUPLICATE))

    assert error.kind == ErrorKind.UNKNOWN
    assert "duplicate content" in error.detail


def test_other_403_is_permanent(fake, channel):
    error = create_error(fake, channel, Answer(status=403, body=X_FORBIDDEN))

    assert error.kind == ErrorKind.PERMANENT
    assert not error.needs_reconnect


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, X_INVALID),
        (400, {"errors": [{"message": "text is too long"}]}),
        (404, {"title": "Not Found Error", "type": "https://api.twitter.com/2/problems/resource-not-found"}),
        (422, {"detail": "Unprocessable"}),
    ],
    ids=["400-problem", "400-errors-list", "404-problem", "422-detail"],
)
def test_other_4xx_in_xs_own_words_is_permanent(fake, channel, status, body):
    error = create_error(fake, channel, Answer(status=status, body=body))

    assert error.kind == ErrorKind.PERMANENT
    assert not error.needs_reconnect
    assert f"HTTP {status}" in error.detail


def test_the_post_sent_is_the_one_refused(fake, channel):
    fake.script("tweets", Answer(status=400, body=X_INVALID))

    error = publish_error(publisher(fake.url), variant_for(channel, text="x" * 400))

    assert error.kind == ErrorKind.PERMANENT
    assert "text is too long" in error.detail
    assert fake.received("tweets")[0].json() == {"text": "x" * 400}


@pytest.mark.parametrize(
    "answer",
    [
        Answer(status=401, headers=HTML, body="<html>Unauthorized</html>"),
        Answer(status=403, headers=HTML, body="<html><body>Request blocked by the firewall</body></html>"),
        Answer(status=400, body=""),
        Answer(status=404, body={"message": "no route"}),
        Answer(status=400, body=["not", "an", "object"]),
    ],
    ids=["401-html", "403-html", "400-empty", "404-other-json", "400-list"],
)
def test_a_4xx_that_is_not_xs_error_object_is_unknown(fake, channel, answer):
    error = create_error(fake, channel, answer)

    assert error.kind == ErrorKind.UNKNOWN
    assert not error.needs_reconnect


def test_missing_credentials_send_nothing(fake, channel):
    channel.set_credentials({"api_key": "only-this"})
    channel.save()

    error = publish_error(publisher(fake.url), variant_for(channel))

    assert error.kind == ErrorKind.PERMANENT and error.needs_reconnect
    assert fake.received() == []


# --- other answers we cannot read: unknown ----------------------------------------------------------------


def test_a_2xx_that_is_not_json_is_unknown(fake, channel):
    error = create_error(fake, channel, Answer(status=201, headers=HTML, body="<html>ok</html>"))

    assert error.kind == ErrorKind.UNKNOWN


def test_a_2xx_without_an_id_is_unknown(fake, channel):
    error = create_error(fake, channel, Answer(status=201, body={"data": {"text": TEXT}}))

    assert error.kind == ErrorKind.UNKNOWN


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_unknown_and_never_followed(fake, channel, status):
    """requests would send the same POST again to the address of a 307 or 308: a second create call."""
    error = create_error(fake, channel, Answer(status=status, headers={"Location": f"{fake.url}/2/tweets"}, body=""))

    assert error.kind == ErrorKind.UNKNOWN


# --- no answer after the request was sent: unknown ----------------------------------------------------------


def test_read_timeout_is_unknown(fake, channel):
    started = time.monotonic()

    with translation.override("en"):
        error = create_error(fake, channel, Answer(mode="hang"), read_timeout=0.5)
        message = str(error.message)

    assert time.monotonic() - started < 3
    assert error.kind == ErrorKind.UNKNOWN
    assert message.startswith("No answer from X after 0.5 seconds: the post may have been published.")
    assert fake.received("tweets")[0].json() == {"text": TEXT}


@pytest.mark.parametrize("mode", ["close", "reset"])
def test_a_connection_cut_after_sending_is_unknown(fake, channel, mode):
    error = create_error(fake, channel, Answer(mode=mode))

    assert error.kind == ErrorKind.UNKNOWN


@pytest.fixture
def tls_fake(monkeypatch):
    """The fake over HTTPS, its certificate trusted as X's would be."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", tls_certificate())
    with FakeSocial(tls=True) as server:
        yield server


def test_it_posts_over_https(tls_fake, channel):
    result = publisher(tls_fake.url).publish(variant_for(channel))

    [tweet] = tls_fake.received("tweets")
    assert result.external_id == tweet.answer["data"]["id"]


@pytest.mark.parametrize("mode", ["tls_error", "reset", "close"])
def test_a_tls_connection_broken_after_sending_is_unknown(tls_fake, channel, mode):
    """requests reports a TLS error while reading the answer as an SSLError, like a failed handshake: the
    request was sent, so it must not count as "never sent"."""
    error = create_error(tls_fake, channel, Answer(mode=mode))

    assert error.kind == ErrorKind.UNKNOWN


def test_a_tls_handshake_that_times_out_is_unknown(channel):
    """urllib3 reports a socket timeout during the handshake as a read timeout, the very error of an answer that
    never came after the request was sent: requests cannot tell the two apart."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)  # the kernel completes the TCP handshake; nobody ever answers the TLS one
        url = f"https://127.0.0.1:{listener.getsockname()[1]}"
        error = publish_error(publisher(url, connect_timeout=0.3, read_timeout=0.3), variant_for(channel))

    assert error.kind == ErrorKind.UNKNOWN
    assert "ReadTimeout" in error.detail


# --- no connection was ever made: retry -----------------------------------------------------------------------


def test_connection_refused_retries(fake, channel):
    error = publish_error(publisher(closed_port_url()), variant_for(channel))

    assert error.kind == ErrorKind.RETRY
    assert error.retry_at is None  # the pipeline's own back-off decides
    assert "ConnectionError" in error.detail
    assert fake.received() == []


def test_a_connect_timeout_retries(channel):
    started = time.monotonic()
    with stalled_port_url() as url:
        error = publish_error(publisher(url, connect_timeout=0.3), variant_for(channel))

    assert time.monotonic() - started < 2
    assert error.kind == ErrorKind.RETRY
    assert "ConnectTimeout" in error.detail


def test_a_refused_certificate_retries(channel, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", requests.certs.where())  # the public authorities, not the fake's
    with FakeSocial(tls=True) as server:
        error = publish_error(publisher(server.url), variant_for(channel))

    assert error.kind == ErrorKind.RETRY
    assert "CERTIFICATE_VERIFY_FAILED" in error.detail
    assert server.received() == []


def test_an_unreachable_proxy_retries(fake, channel, no_proxy_in_environment):
    no_proxy_in_environment.setenv("HTTP_PROXY", closed_port_url())

    error = publish_error(publisher(fake.url), variant_for(channel))

    assert error.kind == ErrorKind.RETRY
    assert fake.received() == []


# --- image steps: before the create call, so nothing is public yet --------------------------------------------


@pytest.mark.parametrize(
    ("route", "answer", "kind"),
    [
        ("media_upload", Answer(status=429, headers={"x-rate-limit-reset": "4102444800"}, body={}), ErrorKind.RETRY),
        ("media_upload", Answer(status=503, body={}), ErrorKind.RETRY),
        ("media_upload", Answer(mode="hang"), ErrorKind.RETRY),
        ("media_upload", Answer(mode="reset"), ErrorKind.RETRY),
        ("media_upload", Answer(status=200, body="not json"), ErrorKind.RETRY),
        ("media_upload", Answer(status=200, body={"data": {}}), ErrorKind.RETRY),
        ("media_upload", Answer(status=403, headers=HTML, body="<html>blocked</html>"), ErrorKind.RETRY),
        ("media_upload", Answer(status=400, body={"errors": [{"message": "bad image"}]}), ErrorKind.PERMANENT),
        ("media_metadata", Answer(status=500, body={}), ErrorKind.RETRY),
        ("media_metadata", Answer(status=401, body=X_UNAUTHORIZED), ErrorKind.PERMANENT),
    ],
    ids=[
        "upload-429",
        "upload-503",
        "upload-hang",
        "upload-reset",
        "upload-not-json",
        "upload-no-id",
        "upload-403-html",
        "upload-400",
        "metadata-500",
        "metadata-401",
    ],
)
def test_an_image_failure_stops_before_the_create_call(fake, channel, route, answer, kind):
    fake.script(route, answer)

    error = publish_error(publisher(fake.url, read_timeout=0.5), variant_for(channel, images=(("red", "Radar"),)))

    assert error.kind == kind
    assert len(fake.received(route)) == 1
    assert fake.received("tweets") == []


def test_an_image_rate_limit_keeps_the_reset_time(fake, channel):
    fake.script("media_upload", Answer(status=429, headers={"x-rate-limit-reset": "4102444800"}, body={}))

    error = publish_error(publisher(fake.url), variant_for(channel, images=(("red", "Radar"),)))

    assert error.kind == ErrorKind.RETRY
    assert error.retry_at == datetime(2100, 1, 1, tzinfo=UTC)
    assert fake.received("tweets") == []


def test_an_unauthorized_upload_asks_to_reconnect(fake, channel):
    fake.script("media_upload", Answer(status=401, body=X_UNAUTHORIZED))

    error = publish_error(publisher(fake.url), variant_for(channel, images=(("red", "Radar"),)))

    assert error.kind == ErrorKind.PERMANENT and error.needs_reconnect
    assert fake.received("tweets") == []


# --- check_connection -----------------------------------------------------------------------------------------


def test_check_connection_names_the_account(fake, channel):
    assert publisher(fake.url).check_connection(channel) == "Police Fake (@fakezone)"

    [me] = fake.received()
    assert (me.method, me.path, me.route) == ("GET", "/2/users/me", "users_me")
    assert me.oauth()["oauth_consumer_key"] == "consumer-key-1"
    assert signature_is_valid(me, fake.url)


def test_check_connection_reports_refused_credentials(fake, channel):
    fake.script("users_me", Answer(status=401, body=X_UNAUTHORIZED))

    with pytest.raises(PublishError) as caught:
        publisher(fake.url).check_connection(channel)

    assert caught.value.kind == ErrorKind.PERMANENT and caught.value.needs_reconnect
    assert len(fake.received("users_me")) == 1


@pytest.mark.parametrize("answer", [Answer(mode="hang"), Answer(status=503, body={}), Answer(body="<html>")])
def test_check_connection_without_a_proper_answer_says_try_again(fake, channel, answer):
    fake.script("users_me", answer)

    with pytest.raises(PublishError) as caught:
        publisher(fake.url, read_timeout=0.5).check_connection(channel)

    assert caught.value.kind == ErrorKind.RETRY
    assert len(fake.received("users_me")) == 1

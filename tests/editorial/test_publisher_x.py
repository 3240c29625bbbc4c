"""The X publisher against the local fake of the X API: the real tweepy and requests code paths, checked at the
HTTP layer (what the fake received), never a real network."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import io
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

from editorial.models import Channel, PostVariant, VariantMedia
from editorial.publishers import base, get_publisher
from editorial.publishers.base import KEEPALIVE_IDLE_SECONDS, ErrorKind, PublishError
from editorial.publishers.x import Publisher
from tests.factories import make_post, make_user, make_zone
from tests.fakes.social import Answer, FakeSocial, Received, closed_port_url

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


def test_every_request_carries_the_timeouts(fake, channel, monkeypatch):
    seen = []
    send = HTTPAdapter.send

    def spy(self, request, **kwargs):
        seen.append((request.url, kwargs.get("timeout")))
        return send(self, request, **kwargs)

    monkeypatch.setattr(HTTPAdapter, "send", spy)

    publisher(fake.url, connect_timeout=1.5, read_timeout=7).publish(variant_for(channel, images=(("red", "Radar"),)))

    assert [url.removeprefix(fake.url) for url, _ in seen] == ["/2/media/upload", "/2/media/metadata", "/2/tweets"]
    assert {timeout for _, timeout in seen} == {(1.5, 7.0)}
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


# --- rate limits: nothing was created, try again at the time X gives -----------------------------------------


def test_429_retries_at_the_reset_time(fake, channel):
    reset = int(time.time()) + 600
    fake.script(
        "tweets",
        Answer(status=429, headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}, body={}),
    )

    with translation.override("en"):
        error = publish_error(publisher(fake.url), variant_for(channel))
        message = str(error.message)

    assert len(fake.received("tweets")) == 1
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
    fake.script("tweets", Answer(status=429, headers=headers, body={"title": "Too Many Requests"}))

    with translation.override("en"):
        error = publish_error(publisher(fake.url), variant_for(channel))
        message = str(error.message)

    assert len(fake.received("tweets")) == 1
    assert error.kind == ErrorKind.RETRY
    assert error.retry_at == datetime.fromtimestamp(daily_reset, tz=UTC)
    assert message.startswith("The daily number of posts on X is used up")


def test_429_without_headers_retries_later(fake, channel):
    fake.script("tweets", Answer(status=429, body={"title": "Too Many Requests"}))

    error = publish_error(publisher(fake.url), variant_for(channel))

    assert error.kind == ErrorKind.RETRY
    assert timezone.now() + timedelta(minutes=14) < error.retry_at < timezone.now() + timedelta(minutes=16)
    assert len(fake.received("tweets")) == 1


# --- refusals -----------------------------------------------------------------------------------------------


def test_401_asks_to_reconnect(fake, channel):
    fake.script("tweets", Answer(status=401, body={"title": "Unauthorized", "status": 401, "detail": "Unauthorized"}))

    with translation.override("en"):
        error = publish_error(publisher(fake.url), variant_for(channel))
        message = str(error.message)

    assert error.kind == ErrorKind.PERMANENT
    assert error.needs_reconnect
    assert message == "X refused the credentials: reconnect the account."
    assert "401" in error.detail
    assert len(fake.received("tweets")) == 1


def test_duplicate_content_is_unknown(fake, channel):
    body = {
        "detail": "You are not allowed to create a Tweet with duplicate content.",
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
    }
    fake.script("tweets", Answer(status=403, body=body))

    error = publish_error(publisher(fake.url), variant_for(channel))

    assert error.kind == ErrorKind.UNKNOWN
    assert "duplicate content" in error.detail
    assert len(fake.received("tweets")) == 1


def test_other_403_is_permanent(fake, channel):
    body = {"title": "Forbidden", "status": 403, "detail": "You are not permitted to perform this action."}
    fake.script("tweets", Answer(status=403, body=body))

    error = publish_error(publisher(fake.url), variant_for(channel))

    assert error.kind == ErrorKind.PERMANENT
    assert not error.needs_reconnect
    assert len(fake.received("tweets")) == 1


def test_400_is_permanent(fake, channel):
    fake.script("tweets", Answer(status=400, body={"errors": [{"message": "text is too long"}], "title": "Invalid"}))

    error = publish_error(publisher(fake.url), variant_for(channel, text="x" * 400))

    assert error.kind == ErrorKind.PERMANENT
    assert "text is too long" in error.detail
    assert fake.received("tweets")[0].json() == {"text": "x" * 400}


def test_missing_credentials_send_nothing(fake, channel):
    channel.set_credentials({"api_key": "only-this"})
    channel.save()

    error = publish_error(publisher(fake.url), variant_for(channel))

    assert error.kind == ErrorKind.PERMANENT and error.needs_reconnect
    assert fake.received() == []


# --- ambiguous: maybe published, never re-sent by itself ----------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_unknown(fake, channel, status):
    fake.script("tweets", Answer(status=status, body={"title": "Service Unavailable"}))

    error = publish_error(publisher(fake.url), variant_for(channel))

    assert error.kind == ErrorKind.UNKNOWN
    assert error.retry_at is None
    assert len(fake.received("tweets")) == 1


def test_read_timeout_is_unknown(fake, channel):
    fake.script("tweets", Answer(mode="hang"))
    started = time.monotonic()

    with translation.override("en"):
        error = publish_error(publisher(fake.url, read_timeout=0.5), variant_for(channel))
        message = str(error.message)

    assert time.monotonic() - started < 3
    assert error.kind == ErrorKind.UNKNOWN
    assert message.startswith("No answer from X after 0.5 seconds: the post may have been published.")
    assert fake.received("tweets")[0].json() == {"text": TEXT}


def test_connection_cut_after_sending_is_unknown(fake, channel):
    fake.script("tweets", Answer(mode="close"))

    error = publish_error(publisher(fake.url), variant_for(channel))

    assert error.kind == ErrorKind.UNKNOWN
    assert len(fake.received("tweets")) == 1


def test_connection_refused_retries(fake, channel):
    error = publish_error(publisher(closed_port_url()), variant_for(channel))

    assert error.kind == ErrorKind.RETRY
    assert error.retry_at is None  # the pipeline's own back-off decides
    assert "ConnectionError" in error.detail
    assert fake.received() == []


def test_a_2xx_that_is_not_json_is_unknown(fake, channel):
    fake.script("tweets", Answer(status=201, headers={"content-type": "text/html"}, body="<html>ok</html>"))

    error = publish_error(publisher(fake.url), variant_for(channel))

    assert error.kind == ErrorKind.UNKNOWN
    assert len(fake.received("tweets")) == 1


def test_a_2xx_without_an_id_is_unknown(fake, channel):
    fake.script("tweets", Answer(status=201, body={"data": {"text": TEXT}}))

    error = publish_error(publisher(fake.url), variant_for(channel))

    assert error.kind == ErrorKind.UNKNOWN
    assert len(fake.received("tweets")) == 1


# --- image steps: before the create call, so nothing is public yet --------------------------------------------


@pytest.mark.parametrize(
    ("route", "answer", "kind"),
    [
        ("media_upload", Answer(status=429, headers={"x-rate-limit-reset": "4102444800"}, body={}), ErrorKind.RETRY),
        ("media_upload", Answer(status=503, body={}), ErrorKind.RETRY),
        ("media_upload", Answer(mode="hang"), ErrorKind.RETRY),
        ("media_upload", Answer(status=200, body="not json"), ErrorKind.RETRY),
        ("media_upload", Answer(status=400, body={"errors": [{"message": "bad image"}]}), ErrorKind.PERMANENT),
        ("media_metadata", Answer(status=500, body={}), ErrorKind.RETRY),
        ("media_metadata", Answer(status=401, body={}), ErrorKind.PERMANENT),
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
    fake.script("media_upload", Answer(status=401, body={"title": "Unauthorized"}))

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
    fake.script("users_me", Answer(status=401, body={"title": "Unauthorized"}))

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

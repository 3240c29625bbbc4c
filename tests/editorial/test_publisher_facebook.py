"""The Facebook publisher against the local fake of the Graph API: the real facebook-sdk and requests code paths,
checked at the HTTP layer (what the fake received), never a real network."""

from __future__ import annotations

import hashlib
import io
import json
import socket
import time
from datetime import timedelta

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image
from requests.adapters import HTTPAdapter
from urllib3.util import Timeout

from editorial.models import Channel, PostVariant, VariantMedia
from editorial.publishers import get_publisher
from editorial.publishers.base import ErrorKind, PublishError
from editorial.publishers.facebook import Publisher, first_link
from tests.factories import make_post, make_user, make_zone
from tests.fakes.social import Answer, FakeSocial, closed_port_url, graph_error, stalled_port_url, tls_certificate

TOKEN = "page-token-EAAB-secret"
TEXT = "Contrôle radar à Quévy ce jeudi #Quevy"


@pytest.fixture
def fake():
    with FakeSocial() as server:
        yield server


@pytest.fixture
def channel(db) -> Channel:
    zone = make_zone()
    channel = Channel.objects.get(zone=zone, kind=Channel.Kind.FACEBOOK)
    channel.set_credentials({"page_access_token": TOKEN})
    channel.save()
    return channel


def png_bytes(color: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, format="PNG")
    return buffer.getvalue()


def variant_for(channel: Channel, text: str = TEXT, images: tuple[tuple[str, str], ...] = ()) -> PostVariant:
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


def publisher(graph_url: str, **options) -> Publisher:
    return Publisher(
        alias="facebook",
        graph_url=graph_url,
        **{"version": "v25.0", "connect_timeout": 2, "read_timeout": 5, **options},
    )


def publish_error(pub: Publisher, variant: PostVariant) -> PublishError:
    with pytest.raises(PublishError) as caught:
        pub.publish(variant)
    return caught.value


# --- success --------------------------------------------------------------------------------------------------


def test_a_text_goes_to_the_page_feed_on_the_configured_version(fake, channel):
    result = publisher(fake.url).publish(variant_for(channel))

    [feed] = fake.received()
    assert (feed.method, feed.path, feed.route) == ("POST", f"/v25.0/{channel.handle}/feed", "feed")
    assert feed.headers["content-type"] == "application/x-www-form-urlencoded"
    assert feed.form() == {"message": TEXT, "access_token": TOKEN}
    assert feed.query == {}  # the token travels in the body of a POST, not in the address
    assert result.external_id == feed.answer["id"]
    assert result.url == f"https://www.facebook.com/{feed.answer['id']}"


def test_the_version_comes_from_the_settings(fake, channel, settings):
    settings.PUBLISHERS = {
        "facebook": {
            "BACKEND": "editorial.publishers.facebook.Publisher",
            "OPTIONS": {"graph_url": fake.url, "version": "v24.0", "connect_timeout": 1, "read_timeout": 3},
        }
    }

    get_publisher("facebook").publish(variant_for(channel))

    assert [r.path for r in fake.received()] == [f"/v24.0/{channel.handle}/feed"]


def test_the_first_link_of_the_text_is_sent_as_link(fake, channel):
    text = "Infos : https://www.police.be/5325/actualites/radar. Et aussi http://example.org/deux"

    publisher(fake.url).publish(variant_for(channel, text=text))

    assert fake.received("feed")[0].form() == {
        "message": text,
        "link": "https://www.police.be/5325/actualites/radar",
        "access_token": TOKEN,
    }


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("Voir (https://a.example/x).", "https://a.example/x"),
        ("Rien ici", None),
        ("ftp://non.example et HTTPS://OUI.example/p?q=1!", "HTTPS://OUI.example/p?q=1"),
    ],
)
def test_first_link(text, link):
    assert first_link(text) == link


def test_consecutive_posts_reuse_one_connection_without_cookies(fake, channel):
    """A burst of posts from one worker process goes through one kept-alive connection; no cookie set by one
    answer travels with the next request (each page has its own token)."""
    fake.script("feed", Answer(headers={"Set-Cookie": "fr=abc; Path=/; Domain=127.0.0.1"}))
    publisher(fake.url).publish(variant_for(channel, text="Premier message"))
    publisher(fake.url).publish(variant_for(channel, text="Deuxième message"))

    first, second = fake.received("feed")
    assert first.peer == second.peer
    assert "cookie" not in second.headers
    assert second.param("message") == "Deuxième message"


def test_every_request_carries_the_timeouts_within_the_send_budget(fake, channel, monkeypatch):
    seen = []
    send = HTTPAdapter.send

    def spy(self, request, **kwargs):
        seen.append(kwargs.get("timeout"))
        return send(self, request, **kwargs)

    monkeypatch.setattr(HTTPAdapter, "send", spy)

    publisher(fake.url, connect_timeout=1.5, read_timeout=7, send_budget=20).publish(
        variant_for(channel, images=(("red", "Radar"), ("blue", "Agents")))
    )

    assert all(isinstance(timeout, Timeout) for timeout in seen)
    assert [(timeout.connect_timeout, timeout.read_timeout) for timeout in seen] == [(1.5, 7.0)] * 3
    totals = [timeout.total for timeout in seen]
    assert 19 < totals[-1] <= totals[0] <= 20  # what is left of the budget, smaller call after call
    assert [r.route for r in fake.received()] == ["photos", "photos", "feed"]


def test_one_image_is_a_photo_post_with_the_text_as_caption(fake, channel):
    result = publisher(fake.url).publish(variant_for(channel, images=(("red", "Un radar"),)))

    [photo] = fake.received()
    assert (photo.method, photo.path) == ("POST", f"/v25.0/{channel.handle}/photos")
    assert photo.headers["content-type"].startswith("multipart/form-data")
    assert photo.form() == {"caption": TEXT, "access_token": TOKEN}
    assert photo.files() == {"source": ("red.png", "image/png", png_bytes("red"))}
    # The post showing the photo, not the photo itself, is what was published.
    assert result.external_id == photo.answer["post_id"]
    assert result.url == f"https://www.facebook.com/{photo.answer['post_id']}"


def test_several_images_are_uploaded_unpublished_then_attached_to_one_post(fake, channel):
    result = publisher(fake.url).publish(variant_for(channel, images=(("red", "Un radar"), ("blue", "Deux agents"))))

    assert [r.route for r in fake.received()] == ["photos", "photos", "feed"]
    photos, feed = fake.received("photos"), fake.received("feed")[0]
    for photo, color in zip(photos, ("red", "blue"), strict=True):
        assert photo.form() == {"published": "false", "access_token": TOKEN}
        assert photo.files()["source"] == (f"{color}.png", "image/png", png_bytes(color))
        assert "post_id" not in photo.answer
    assert feed.form() == {
        "message": TEXT,
        "attached_media[0]": json.dumps({"media_fbid": photos[0].answer["id"]}),
        "attached_media[1]": json.dumps({"media_fbid": photos[1].answer["id"]}),
        "access_token": TOKEN,
    }
    assert result.external_id == feed.answer["id"]


# The classification of the create call: one test (or one parametrized case) per row of the table in
# docs/architecture.md, "How a network's answer is classified".

HTML = {"content-type": "text/html; charset=utf-8"}


def create_error(fake: FakeSocial, channel: Channel, answer: Answer, **options) -> PublishError:
    """The error of a text publication whose create call (``/feed``) gets ``answer``; one create request made."""
    fake.script("feed", answer)
    error = publish_error(publisher(fake.url, **options), variant_for(channel))
    assert len(fake.received("feed")) == 1
    return error


# --- any 5xx: unknown, whatever its body or code ----------------------------------------------------------


@pytest.mark.parametrize("code", [1, 2])
@pytest.mark.parametrize("status", [500, 503])
def test_api_unknown_and_api_service_in_a_5xx_are_unknown(fake, channel, code, status):
    """The fault campaign's double posts: Graph answered code 1 or 2 with HTTP 500 after creating the post."""
    with translation.override("en"):
        error = create_error(fake, channel, Answer(status=status, body=graph_error(code, "An unknown error occurred")))
        message = str(error.message)

    assert error.kind == ErrorKind.UNKNOWN
    assert error.retry_at is None
    assert message.startswith("Facebook answered with an internal error: the post may have been published.")
    assert f"code {code}" in error.detail


@pytest.mark.parametrize(
    "answer",
    [
        Answer(status=500, body=graph_error(4, "(#4) Application request limit reached")),
        Answer(status=503, body=graph_error(80001, "There have been too many calls to this Page account")),
        Answer(status=500, body=graph_error(190, "Error validating access token")),
        Answer(status=500, body=graph_error(100, "Invalid parameter")),
        Answer(status=500, body=graph_error(9999, "Unknown")),
        Answer(status=500, headers=HTML, body="<html>Server error</html>"),
        Answer(status=502, body={}),
    ],
    ids=["500-code-4", "503-code-80001", "500-code-190", "500-code-100", "500-code-9999", "500-html", "502-json"],
)
def test_any_5xx_is_unknown_whatever_its_code(fake, channel, answer):
    error = create_error(fake, channel, answer)

    assert error.kind == ErrorKind.UNKNOWN
    assert error.retry_at is None and not error.needs_reconnect


# --- refusals that prove nothing was created: retry -----------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        Answer(status=429, body=graph_error(4)),
        Answer(status=429, headers=HTML, body="<html>Too many requests</html>"),
        Answer(status=429, body={}),
    ],
    ids=["graph-error", "html", "json-without-error"],
)
def test_any_429_retries(fake, channel, answer):
    error = create_error(fake, channel, answer)

    assert error.kind == ErrorKind.RETRY
    assert timezone.now() + timedelta(minutes=14) < error.retry_at < timezone.now() + timedelta(minutes=16)


@pytest.mark.parametrize(
    ("code", "status"), [(4, 400), (17, 400), (32, 400), (613, 400), (80001, 400), (80004, 403), (4, 403)]
)
def test_rate_limit_codes_in_a_4xx_retry(fake, channel, code, status):
    with translation.override("en"):
        error = create_error(fake, channel, Answer(status=status, body=graph_error(code, f"(#{code}) Limit")))
        message = str(error.message)

    assert error.kind == ErrorKind.RETRY
    assert timezone.now() + timedelta(minutes=14) < error.retry_at < timezone.now() + timedelta(minutes=16)
    assert message.startswith("Facebook limits the number of posts: it will be tried again at ")
    assert f"code {code}" in error.detail


def test_the_business_use_case_header_gives_the_retry_time(fake, channel):
    usage = {"112233": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 42}]}
    answer = Answer(status=400, headers={"x-business-use-case-usage": json.dumps(usage)}, body=graph_error(80001))

    with translation.override("en"):
        error = create_error(fake, channel, answer)
        message = str(error.message)

    assert error.kind == ErrorKind.RETRY
    expected = timezone.now() + timedelta(minutes=42)
    assert abs((error.retry_at - expected).total_seconds()) < 5
    assert timezone.localtime(error.retry_at, channel.zone.tzinfo).strftime("%H:%M") in message
    assert message.startswith("Facebook limits the number of posts: it will be tried again at ")


# --- Meta's own failures in a 4xx: unknown -------------------------------------------------------------------


@pytest.mark.parametrize("code", [1, 2])
def test_api_unknown_and_api_service_in_a_4xx_are_unknown(fake, channel, code):
    error = create_error(fake, channel, Answer(status=400, body=graph_error(code, "Please retry your request later.")))

    assert error.kind == ErrorKind.UNKNOWN
    assert error.retry_at is None


def test_a_duplicate_post_is_unknown(fake, channel):
    error = create_error(fake, channel, Answer(status=400, body=graph_error(506, "Duplicate status message")))

    assert error.kind == ErrorKind.UNKNOWN


# --- refusals a person must act on: permanent ------------------------------------------------------------


def test_an_expired_token_asks_to_reconnect(fake, channel):
    answer = Answer(status=400, body=graph_error(190, "Error validating access token", subcode=463))

    with translation.override("en"):
        error = create_error(fake, channel, answer)
        message = str(error.message)

    assert error.kind == ErrorKind.PERMANENT and error.needs_reconnect
    assert "reconnect the page" in message
    assert "subcode 463" in error.detail
    assert TOKEN not in error.detail


@pytest.mark.parametrize("code", [368, 100, 10, 200, 230, 299, 12345])
@pytest.mark.parametrize("status", [400, 403])
def test_other_graph_errors_in_a_4xx_are_permanent(fake, channel, code, status):
    error = create_error(fake, channel, Answer(status=status, body=graph_error(code)))

    assert error.kind == ErrorKind.PERMANENT
    assert not error.needs_reconnect
    assert f"code {code}" in error.detail


# --- answers that are no refusal we can read: unknown -------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        Answer(status=400, headers=HTML, body="<html>Bad request</html>"),
        Answer(status=403, headers=HTML, body="<html><body>Request blocked by the firewall</body></html>"),
        Answer(status=400, body={"message": "not Graph's shape"}),
        Answer(status=400, body={"error": {"message": "no code", "type": "OAuthException"}}),
        Answer(status=400, body={"error": "a sentence"}),
        Answer(status=404, headers={"content-type": "application/json"}, body='{"error": '),
    ],
    ids=["400-html", "403-html", "400-json-without-error", "400-error-without-code", "400-error-string", "404-broken"],
)
def test_a_4xx_that_is_not_graphs_error_object_is_unknown(fake, channel, answer):
    error = create_error(fake, channel, answer)

    assert error.kind == ErrorKind.UNKNOWN
    assert not error.needs_reconnect


def test_a_4xx_without_a_content_type_is_unknown(fake, channel):
    """facebook-sdk reads the Content-Type header without a default: a KeyError, read here as an answer."""
    fake.script("feed", Answer(status=400, body=None, headers={}))

    error = publish_error(publisher(fake.url), variant_for(channel))

    assert error.kind == ErrorKind.UNKNOWN
    assert "no 'content-type' header" in error.detail


@pytest.mark.parametrize(
    "answer",
    [
        Answer(status=200, headers=HTML, body="<html>Hello</html>"),
        Answer(status=200, headers={"content-type": "application/json"}, body='{"id": '),
        Answer(status=200, body={"success": True}),
        Answer(status=200, body=[1, 2]),
        Answer(status=200, body=graph_error(100, "An error in a 200")),
    ],
    ids=["200-html", "200-broken-json", "200-no-id", "200-list", "200-graph-error"],
)
def test_odd_2xx_answers_are_unknown(fake, channel, answer):
    error = create_error(fake, channel, answer)

    assert error.kind == ErrorKind.UNKNOWN


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_unknown_and_never_followed(fake, channel, status):
    """requests would send the same POST again to the address of a 307 or 308: a second create call."""
    location = f"{fake.url}/v25.0/{channel.handle}/feed"
    error = create_error(fake, channel, Answer(status=status, headers={"Location": location}, body={}))

    assert error.kind == ErrorKind.UNKNOWN


# --- no answer after the request was sent: unknown ----------------------------------------------------------


def test_read_timeout_is_unknown(fake, channel):
    fake.script("photos", Answer(mode="hang"))
    started = time.monotonic()

    with translation.override("en"):
        error = publish_error(publisher(fake.url, read_timeout=0.5), variant_for(channel, images=(("red", "Radar"),)))
        message = str(error.message)

    assert time.monotonic() - started < 3
    assert error.kind == ErrorKind.UNKNOWN
    assert message.startswith("No answer from Facebook after 0.5 seconds")
    assert fake.received("photos")[0].form()["caption"] == TEXT


@pytest.mark.parametrize("mode", ["close", "reset"])
def test_a_connection_cut_after_sending_is_unknown(fake, channel, mode):
    error = create_error(fake, channel, Answer(mode=mode))

    assert error.kind == ErrorKind.UNKNOWN


@pytest.fixture
def tls_fake(monkeypatch):
    """The fake over HTTPS, its certificate trusted as Graph's would be."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", tls_certificate())
    with FakeSocial(tls=True) as server:
        yield server


def test_it_posts_over_https(tls_fake, channel):
    result = publisher(tls_fake.url).publish(variant_for(channel))

    [feed] = tls_fake.received("feed")
    assert result.external_id == feed.answer["id"]


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
    assert TOKEN not in error.detail
    assert server.received() == []


# --- unpublished uploads come before the create call ----------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (Answer(status=503, body="down"), ErrorKind.RETRY),
        (Answer(status=500, body=graph_error(1)), ErrorKind.RETRY),
        (Answer(status=400, body=graph_error(2)), ErrorKind.RETRY),
        (Answer(mode="hang"), ErrorKind.RETRY),
        (Answer(mode="reset"), ErrorKind.RETRY),
        (Answer(status=200, body={"success": True}), ErrorKind.RETRY),
        (Answer(status=403, headers=HTML, body="<html>blocked</html>"), ErrorKind.RETRY),
        (Answer(status=400, body=graph_error(4)), ErrorKind.RETRY),
        (Answer(status=400, body=graph_error(190)), ErrorKind.PERMANENT),
        (Answer(status=400, body=graph_error(324, "Requires upload file")), ErrorKind.PERMANENT),
    ],
    ids=[
        "503",
        "500-code-1",
        "400-code-2",
        "hang",
        "reset",
        "200-no-id",
        "403-html",
        "400-code-4",
        "400-code-190",
        "400-code-324",
    ],
)
def test_a_failed_upload_stops_before_the_post(fake, channel, answer, kind):
    fake.script("photos", Answer(), answer)  # the first image goes through, the second fails

    error = publish_error(
        publisher(fake.url, read_timeout=0.5), variant_for(channel, images=(("red", "Radar"), ("blue", "Agents")))
    )

    assert error.kind == kind
    assert len(fake.received("photos")) == 2
    assert fake.received("feed") == []


# --- check_connection -----------------------------------------------------------------------------------------


def test_check_connection_names_the_page(fake, channel):
    assert publisher(fake.url).check_connection(channel) == f"Fake page {channel.handle}"

    [page] = fake.received()
    assert (page.method, page.path, page.route) == ("GET", f"/v25.0/{channel.handle}", "page")
    assert page.query == {"fields": ["name"], "access_token": [TOKEN]}


def test_check_connection_reports_an_expired_token(fake, channel):
    fake.script("page", Answer(status=400, body=graph_error(190)))

    with pytest.raises(PublishError) as caught:
        publisher(fake.url).check_connection(channel)

    assert caught.value.kind == ErrorKind.PERMANENT and caught.value.needs_reconnect
    assert len(fake.received("page")) == 1


def test_check_connection_never_logs_the_token(fake, channel):
    with pytest.raises(PublishError) as caught:
        publisher(closed_port_url()).check_connection(channel)

    assert caught.value.kind == ErrorKind.RETRY
    assert "access_token=***" in caught.value.detail
    assert TOKEN not in caught.value.detail
    assert fake.received() == []


def test_missing_token_sends_nothing(fake, channel):
    channel.set_credentials({})
    channel.save()

    error = publish_error(publisher(fake.url), variant_for(channel))

    assert error.kind == ErrorKind.PERMANENT and error.needs_reconnect
    assert fake.received() == []

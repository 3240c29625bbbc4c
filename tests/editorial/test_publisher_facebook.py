"""The Facebook publisher against the local fake of the Graph API: the real facebook-sdk and requests code paths,
checked at the HTTP layer (what the fake received), never a real network."""

from __future__ import annotations

import hashlib
import io
import json
import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image
from requests.adapters import HTTPAdapter

from editorial.models import Channel, PostVariant, VariantMedia
from editorial.publishers import get_publisher
from editorial.publishers.base import ErrorKind, PublishError
from editorial.publishers.facebook import Publisher, first_link
from tests.factories import make_post, make_user, make_zone
from tests.fakes.social import Answer, FakeSocial, closed_port_url, graph_error

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


def test_every_request_carries_the_timeouts(fake, channel, monkeypatch):
    seen = []
    send = HTTPAdapter.send

    def spy(self, request, **kwargs):
        seen.append(kwargs.get("timeout"))
        return send(self, request, **kwargs)

    monkeypatch.setattr(HTTPAdapter, "send", spy)

    publisher(fake.url, connect_timeout=1.5, read_timeout=7).publish(
        variant_for(channel, images=(("red", "Radar"), ("blue", "Agents")))
    )

    assert seen == [(1.5, 7.0)] * 3
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


# --- Graph error codes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status"), [(4, 400), (17, 400), (32, 400), (613, 400), (80001, 400), (1, 500), (2, 503)]
)
def test_rate_limits_and_temporary_errors_retry(fake, channel, code, status):
    fake.script("feed", Answer(status=status, body=graph_error(code, f"(#{code}) Limit")))

    error = publish_error(publisher(fake.url), variant_for(channel))

    assert error.kind == ErrorKind.RETRY
    assert timezone.now() < error.retry_at < timezone.now() + timedelta(minutes=16)
    assert f"code {code}" in error.detail
    assert len(fake.received("feed")) == 1


def test_the_business_use_case_header_gives_the_retry_time(fake, channel):
    usage = {"112233": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 42}]}
    fake.script(
        "feed",
        Answer(status=400, headers={"x-business-use-case-usage": json.dumps(usage)}, body=graph_error(80001)),
    )

    with translation.override("en"):
        error = publish_error(publisher(fake.url), variant_for(channel))
        message = str(error.message)

    assert error.kind == ErrorKind.RETRY
    expected = timezone.now() + timedelta(minutes=42)
    assert abs((error.retry_at - expected).total_seconds()) < 5
    assert timezone.localtime(error.retry_at, channel.zone.tzinfo).strftime("%H:%M") in message
    assert message.startswith("Facebook limits the number of posts: it will be tried again at ")
    assert len(fake.received("feed")) == 1


def test_an_expired_token_asks_to_reconnect(fake, channel):
    fake.script("feed", Answer(status=400, body=graph_error(190, "Error validating access token", subcode=463)))

    with translation.override("en"):
        error = publish_error(publisher(fake.url), variant_for(channel))
        message = str(error.message)

    assert error.kind == ErrorKind.PERMANENT and error.needs_reconnect
    assert "reconnect the page" in message
    assert "subcode 463" in error.detail
    assert TOKEN not in error.detail
    assert len(fake.received("feed")) == 1


def test_a_duplicate_post_is_unknown(fake, channel):
    fake.script("feed", Answer(status=400, body=graph_error(506, "Duplicate status message")))

    error = publish_error(publisher(fake.url), variant_for(channel))

    assert error.kind == ErrorKind.UNKNOWN
    assert len(fake.received("feed")) == 1


@pytest.mark.parametrize("code", [368, 100, 200, 230, 299, 10, 12345])
def test_refusals_are_permanent(fake, channel, code):
    fake.script("feed", Answer(status=400, body=graph_error(code)))

    error = publish_error(publisher(fake.url), variant_for(channel))

    assert error.kind == ErrorKind.PERMANENT
    assert not error.needs_reconnect
    assert len(fake.received("feed")) == 1


# --- ambiguous answers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        Answer(status=500, headers={"content-type": "text/html"}, body="<html>Server error</html>"),
        Answer(status=502, body={}),
        Answer(status=500, body=graph_error(9999, "Unknown")),
        Answer(status=200, headers={"content-type": "text/html"}, body="<html>Hello</html>"),
        Answer(status=200, headers={"content-type": "application/json"}, body='{"id": '),
        Answer(status=200, body={"success": True}),
        Answer(status=200, body=[1, 2]),
    ],
    ids=["500-html", "502-empty-json", "500-unknown-code", "200-html", "200-broken-json", "200-no-id", "200-list"],
)
def test_odd_answers_are_unknown(fake, channel, answer):
    fake.script("feed", answer)

    error = publish_error(publisher(fake.url), variant_for(channel))

    assert error.kind == ErrorKind.UNKNOWN
    assert len(fake.received("feed")) == 1


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


def test_connection_cut_after_sending_is_unknown(fake, channel):
    fake.script("feed", Answer(mode="close"))

    error = publish_error(publisher(fake.url), variant_for(channel))

    assert error.kind == ErrorKind.UNKNOWN
    assert len(fake.received("feed")) == 1


def test_connection_refused_retries(fake, channel):
    error = publish_error(publisher(closed_port_url()), variant_for(channel))

    assert error.kind == ErrorKind.RETRY
    assert fake.received() == []


# --- unpublished uploads come before the create call ----------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (Answer(status=503, body="down"), ErrorKind.RETRY),
        (Answer(mode="hang"), ErrorKind.RETRY),
        (Answer(status=400, body=graph_error(4)), ErrorKind.RETRY),
        (Answer(status=400, body=graph_error(190)), ErrorKind.PERMANENT),
        (Answer(status=400, body=graph_error(324, "Requires upload file")), ErrorKind.PERMANENT),
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

"""The send budget: all the calls of one publication (image uploads, metadata, the create call) end within
``send_budget`` seconds, on both networks, against the local fake through the real tweepy, facebook-sdk and
requests code. A read timeout far longer than the budget shows that the budget, not the timeout, ends a call."""

from __future__ import annotations

import hashlib
import io
import re
import time
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image
from requests.adapters import HTTPAdapter

from editorial.models import Channel, PostVariant, VariantMedia
from editorial.publishers import base, get_publisher, locmem
from editorial.publishers import facebook as facebook_publisher
from editorial.publishers import x as x_publisher
from editorial.publishers.base import BasePublisher, ErrorKind, PublishError
from tests.factories import make_post, make_user, make_zone
from tests.fakes.social import Answer, FakeSocial

BUDGET = 1.5
# Thread scheduling, the fake's own work, closing the connection: what a call may take beyond its budget.
SLACK = 0.6
CONNECT_TIMEOUT = 0.2
READ_TIMEOUT = 30.0  # never what ends a call here


@dataclass(frozen=True)
class Network:
    """What differs between the two networks for these tests."""

    kind: str
    name: str
    credentials: dict[str, str]
    create_route: str
    upload_routes: tuple[str, ...]  # the requests of one image before the create call

    def publisher(self, url: str, **options: Any) -> BasePublisher:
        options = {
            "connect_timeout": CONNECT_TIMEOUT,
            "read_timeout": READ_TIMEOUT,
            "send_budget": BUDGET,
            **options,
        }
        if self.kind == Channel.Kind.X:
            return x_publisher.Publisher(alias="x", base_url=url, **options)
        return facebook_publisher.Publisher(alias="facebook", graph_url=url, version="v25.0", **options)


X = Network(
    kind=Channel.Kind.X,
    name="X",
    credentials={"api_key": "k", "api_secret": "s", "access_token": "t", "access_token_secret": "ts"},
    create_route="tweets",
    upload_routes=("media_upload", "media_metadata"),
)
FACEBOOK = Network(
    kind=Channel.Kind.FACEBOOK,
    name="Facebook",
    credentials={"page_access_token": "page-token"},
    create_route="feed",
    upload_routes=("photos",),
)


@pytest.fixture(params=[X, FACEBOOK], ids=["x", "facebook"])
def network(request) -> Network:
    return request.param


@pytest.fixture(autouse=True)
def short_minimum_read(monkeypatch):
    # The budget of these tests is a second and a half: a call needs 0.3 s to wait for its answer, not 3 s.
    monkeypatch.setattr(base, "MIN_READ_SECONDS", 0.3)


@pytest.fixture
def fake():
    with FakeSocial() as server:
        yield server


@pytest.fixture
def channel(db, network) -> Channel:
    channel = Channel.objects.get(zone=make_zone(), kind=network.kind)
    channel.set_credentials(network.credentials)
    channel.save()
    return channel


def png_bytes(color: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, format="PNG")
    return buffer.getvalue()


def variant_for(channel: Channel, images: int = 0) -> PostVariant:
    """The channel's variant of a new post with ``images`` images (several on Facebook: uploads, then the post)."""
    post = make_post(channel.zone, make_user())
    variant = post.variants.get(channel=channel)
    variant.text = "Contrôle radar à Quévy"
    variant.save()
    for order, color in enumerate(("red", "blue", "green")[:images]):
        content = png_bytes(color)
        VariantMedia.objects.create(
            variant=variant,
            image=SimpleUploadedFile(f"{color}.png", content, content_type="image/png"),
            alt_text="Un radar",
            sha256=hashlib.sha256(content).hexdigest(),
            order=order,
        )
    return PostVariant.objects.select_related("channel").prefetch_related("media").get(pk=variant.pk)


def timed_error(publisher: BasePublisher, variant: PostVariant) -> tuple[PublishError, str, float]:
    """The error of ``publish``, its message in English, and the seconds it took."""
    started = time.monotonic()
    with pytest.raises(PublishError) as caught:
        publisher.publish(variant)
    elapsed = time.monotonic() - started
    with translation.override("en"):
        return caught.value, str(caught.value.message), elapsed


def images_for(network: Network) -> int:
    # On Facebook one image is the create call itself: with two, two uploads come first.
    return 1 if network is X else 2


def slow_image_steps(fake: FakeSocial, network: Network, seconds: float) -> None:
    """The image steps of the next publication (two requests on each network) take ``seconds`` together."""
    steps = [route for route in network.upload_routes for _image in range(images_for(network))]
    for route in steps:
        fake.script(route, Answer(delay=seconds / len(steps)))


def test_a_hung_create_call_ends_unknown_within_the_budget(fake, network, channel):
    fake.script(network.create_route, Answer(mode="hang"))

    error, message, elapsed = timed_error(network.publisher(fake.url), variant_for(channel))

    assert error.kind == ErrorKind.UNKNOWN  # the post was sent: it may exist
    assert BUDGET - 0.2 < elapsed < BUDGET + SLACK
    seconds = float(re.match(rf"No answer from {network.name} after ([\d.]+) seconds", message)[1])
    assert BUDGET - 0.2 < seconds <= BUDGET
    assert len(fake.received(network.create_route)) == 1


def test_hung_uploads_end_retry_within_the_budget_without_a_create_call(fake, network, channel):
    fake.script(network.upload_routes[0], Answer(mode="hang"))

    error, _message, elapsed = timed_error(
        network.publisher(fake.url), variant_for(channel, images=images_for(network))
    )

    assert error.kind == ErrorKind.RETRY  # nothing public exists yet
    assert elapsed < BUDGET + SLACK
    assert len(fake.received(network.upload_routes[0])) == 1
    assert fake.received(network.create_route) == []


def test_no_create_call_starts_without_the_time_to_wait_for_its_answer(fake, network, channel):
    # The image steps take 1.2 s of the 1.5 s: 0.3 s is left, less than the connect timeout and 0.3 s to read.
    slow_image_steps(fake, network, 1.2)

    error, message, elapsed = timed_error(network.publisher(fake.url), variant_for(channel, images=images_for(network)))

    assert error.kind == ErrorKind.RETRY
    assert message == (
        f"{network.name} was too slow: the post could not be sent within 1.5 seconds, so nothing was published. "
        "It will be tried again later."
    )
    assert elapsed < BUDGET
    assert fake.received(network.create_route) == []


def test_each_call_gets_what_is_left_of_the_budget(fake, network, channel, monkeypatch):
    seen = []
    send = HTTPAdapter.send

    def spy(self, request, **kwargs):
        seen.append(kwargs["timeout"])
        return send(self, request, **kwargs)

    monkeypatch.setattr(HTTPAdapter, "send", spy)
    fake.script(network.upload_routes[0], Answer(delay=0.4))

    network.publisher(fake.url).publish(variant_for(channel, images=images_for(network)))

    assert {(timeout.connect_timeout, timeout.read_timeout) for timeout in seen} == {(CONNECT_TIMEOUT, READ_TIMEOUT)}
    first, *_, create = (timeout.total for timeout in seen)
    assert BUDGET - 0.1 < first <= BUDGET
    assert create < BUDGET - 0.4  # the slow upload's time is gone
    assert len(fake.received(network.create_route)) == 1


def test_every_publication_has_its_own_budget(fake, network, channel):
    slow_image_steps(fake, network, 1.2)
    spent, _message, _elapsed = timed_error(
        network.publisher(fake.url), variant_for(channel, images=images_for(network))
    )

    result = network.publisher(fake.url).publish(variant_for(channel, images=images_for(network)))

    assert spent.kind == ErrorKind.RETRY
    assert result.external_id
    assert len(fake.received(network.create_route)) == 1


def test_checking_the_connection_is_not_bounded_by_a_spent_budget(fake, network, channel):
    fake.script(network.create_route, Answer(mode="hang"))
    timed_error(network.publisher(fake.url), variant_for(channel))

    assert network.publisher(fake.url).check_connection(channel)


@pytest.mark.parametrize("backend", ["console", "locmem"])
def test_the_local_publishers_accept_the_budget(db, settings, backend):
    """Settings pass ``send_budget`` to every publisher; the ones that call no network ignore it."""
    settings.PUBLISHERS = {
        "x": {"BACKEND": f"editorial.publishers.{backend}.Publisher", "OPTIONS": {"send_budget": 0.001}}
    }
    channel = Channel.objects.get(zone=make_zone(), kind=Channel.Kind.X)
    locmem.outbox.clear()

    result = get_publisher("x").publish(variant_for(channel))

    assert result.external_id

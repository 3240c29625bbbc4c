"""Security review (issue 16, point 6): a server that echoes the request (a proxy's error page, a debugging
endpoint) puts the channel's tokens in its answer, quoted as in an OAuth header or raw as in a multipart body. They
must never reach the append-only audit log, the attempts, the publication's last error or the alerts: every known
secret of the channel is replaced wherever it appears, whatever the shape around it."""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus

import pytest

from editorial import publishing
from editorial.models import Alert, AuditEvent, Channel, Publication, PublicationAttempt
from editorial.publishers.base import scrub_secrets
from tests.factories import make_member, make_post, make_zone, submit_and_approve
from tests.fakes.social import Answer, FakeSocial

pytestmark = pytest.mark.django_db

X_CREDENTIALS = {
    "api_key": "consumer-key-Qx81",
    "api_secret": "consumer/secret+9=",
    "access_token": "1234567-AccessTok/en+Value=",
    "access_token_secret": "token secret with spaces&more",
}
PAGE_TOKEN = "EAAGm0PX4ZCpsBAPageToken+/="


def every_form(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote_plus(secret), quote(secret)}


@pytest.fixture
def fake():
    with FakeSocial() as server:
        yield server


def test_scrub_secrets_replaces_each_known_value_in_any_shape():
    text = (
        f'Authorization: OAuth oauth_consumer_key="{quote(X_CREDENTIALS["api_key"], safe="")}", '
        f'oauth_token="{quote(X_CREDENTIALS["access_token"], safe="")}"\r\n'
        f'Content-Disposition: form-data; name="access_token"\r\n\r\n{PAGE_TOKEN}\r\n'
        f"q={quote_plus(X_CREDENTIALS['access_token_secret'])}"
    )
    cleaned = scrub_secrets(text, [*X_CREDENTIALS.values(), PAGE_TOKEN, "", "ab"])
    for secret in [*X_CREDENTIALS.values(), PAGE_TOKEN]:
        for form in every_form(secret):
            assert form not in cleaned
    assert "oauth_consumer_key=" in cleaned and "form-data" in cleaned  # the rest stays readable


def _published_through(fake, settings, kind: str, credentials: dict[str, str], route: str, echo) -> None:
    zone = make_zone()
    officer, director = make_member(zone, "officer"), make_member(zone, "director")
    channel = Channel.objects.get(zone=zone, kind=kind)
    channel.set_credentials(credentials)
    channel.save()
    settings.PUBLISHERS = {
        "x": {"BACKEND": "editorial.publishers.x.Publisher", "OPTIONS": {"base_url": fake.url + "/"}},
        "facebook": {"BACKEND": "editorial.publishers.facebook.Publisher", "OPTIONS": {"graph_url": fake.url}},
    }
    post = make_post(zone, officer, planned_at=None)
    post.variants.exclude(channel=channel).delete()
    from datetime import timedelta

    from django.utils import timezone

    post.planned_at = timezone.now() + timedelta(hours=1)
    post.save()
    submit_and_approve(post, officer, director)
    headers = {"content-type": "text/plain"} if isinstance(echo, str) else {}
    fake.script(route, Answer(status=500, headers=headers, body=echo))
    publishing.post_publish_now(actor=officer, post=post)
    publication = Publication.objects.get(post=post)
    Publication.objects.filter(pk=publication.pk).update(status=Publication.Status.QUEUED, queued_at=timezone.now())
    publishing.publication_send(publication_id=publication.pk)


def stored_text() -> str:
    rows = [json.dumps(event.data, ensure_ascii=False) for event in AuditEvent.objects.all()]
    rows += list(PublicationAttempt.objects.values_list("error", flat=True))
    rows += list(Publication.objects.values_list("last_error", flat=True))
    rows += list(Alert.objects.values_list("message", flat=True))
    return "\n".join(rows)


def test_an_echoed_oauth_header_never_reaches_the_log(fake, settings):
    echo = (
        "Proxy error. Request was: POST /2/tweets\r\nAuthorization: OAuth "
        + ", ".join(f'{name}="{quote(value, safe="")}"' for name, value in (
            ("oauth_consumer_key", X_CREDENTIALS["api_key"]), ("oauth_token", X_CREDENTIALS["access_token"])))
        + f"\r\nX-Debug: {X_CREDENTIALS['access_token_secret']} {X_CREDENTIALS['api_secret']}"
    )  # fmt: skip
    _published_through(fake, settings, Channel.Kind.X, X_CREDENTIALS, "tweets", echo)
    assert Publication.objects.get().status == Publication.Status.UNKNOWN
    stored = stored_text()
    assert "Proxy error" in stored  # the detail is kept, without the secrets
    for secret in X_CREDENTIALS.values():
        for form in every_form(secret):
            assert form not in stored, form


def test_an_echoed_multipart_body_never_reaches_the_log(fake, settings):
    # A Graph-shaped error whose message echoes the multipart body it was sent.
    body = f'--b\r\nContent-Disposition: form-data; name="access_token"\r\n\r\n{PAGE_TOKEN}\r\n--b--'
    echo = {"error": {"message": f"Bad request body: {body}", "type": "OAuthException", "code": 1}}
    _published_through(fake, settings, Channel.Kind.FACEBOOK, {"page_access_token": PAGE_TOKEN}, "feed", echo)
    stored = stored_text()
    assert "form-data" in stored
    for form in every_form(PAGE_TOKEN):
        assert form not in stored, form

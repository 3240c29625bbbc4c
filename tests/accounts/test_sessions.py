"""Sessions (issue 5, point 3): idle and absolute timeouts, a disabled user's sessions end, and approving,
publishing, credentials and MFA changes need a recent proof of identity, without losing what was typed."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import mfa
from editorial.models import AuditEvent, Channel, Post, Publication
from tests.editorial.test_views_review import approve_data, review_url, submitted_post
from tests.factories import make_post, submit_and_approve, totp_code

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def dashboard(zone) -> str:
    return reverse("editorial:zone_dashboard", args=[zone.slug])


def age_session(client, **seconds_ago: float) -> None:
    session = client.session
    for key, ago in seconds_ago.items():
        session[getattr(mfa, key)] = time.time() - ago
    session.save()


def test_an_idle_session_ends(client, zone_users, settings):
    client.force_login(zone_users.officer)
    age_session(client, SEEN_AT=settings.DESK_SESSION_IDLE_SECONDS + 5)
    response = client.get(dashboard(zone_users.zone))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN) and "next=" in response.url
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="accounts.session.ended", data__reason="idle").exists()


def test_activity_keeps_a_session_but_not_for_ever(client, zone_users, settings):
    client.force_login(zone_users.officer)
    age_session(client, SEEN_AT=settings.DESK_SESSION_IDLE_SECONDS - 5)
    assert client.get(dashboard(zone_users.zone)).status_code == 200
    assert time.time() - client.session[mfa.SEEN_AT] < 5  # the visit counted as activity
    age_session(client, LOGIN_AT=settings.DESK_SESSION_MAX_SECONDS + 5)
    response = client.get(dashboard(zone_users.zone))
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert AuditEvent.objects.filter(action="accounts.session.ended", data__reason="absolute").exists()


def test_polling_is_not_activity(client, zone_users, settings):
    post = submit_and_approve(
        make_post(zone_users.zone, zone_users.officer, planned_at=timezone.now() + timedelta(days=1)),
        zone_users.officer,
        zone_users.director,
    )
    client.force_login(zone_users.officer)
    url = reverse("editorial:post_publications", args=[zone_users.zone.slug, post.pk])
    age_session(client, SEEN_AT=120)
    assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200
    assert time.time() - client.session[mfa.SEEN_AT] >= 119
    # Once idle, the polling request gets htmx's redirect header rather than a sign-in page inside the block.
    age_session(client, SEEN_AT=settings.DESK_SESSION_IDLE_SECONDS + 5)
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == LOGIN


def test_a_disabled_user_is_out_at_the_next_request(client, zone_users):
    client.force_login(zone_users.officer)
    assert client.get(dashboard(zone_users.zone)).status_code == 200
    zone_users.officer.is_active = False
    zone_users.officer.save()
    response = client.get(dashboard(zone_users.zone))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_a_changed_password_ends_the_other_sessions(client, zone_users, django_user_model):
    from django.test import Client

    from tests.conftest import DeskClient

    other = DeskClient()
    other.force_login(zone_users.officer)
    client.force_login(zone_users.officer)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "test-password-123",
            "new_password1": "a-new-long-pass-2026",
            "new_password2": "a-new-long-pass-2026",
        },
    )
    assert response.status_code == 302
    assert client.get(dashboard(zone_users.zone)).status_code == 200
    assert other.get(dashboard(zone_users.zone)).url.startswith(LOGIN)
    assert isinstance(other, Client)


# --- Recent authentication ---------------------------------------------------------------------------------


def test_a_stale_approval_asks_for_a_code_and_keeps_the_ticks(client, zone_users):
    post = submitted_post(zone_users)
    client.force_login(zone_users.director)
    data = approve_data(client, post)
    age_session(client, AUTH_AT=3600)

    asked = client.post(review_url(post), data)
    assert asked.status_code == 200
    html = asked.content.decode()
    assert 'name="desk_reauth_code"' in html
    for name, value in data.items():
        assert f'name="{name}" value="{value}"' in html, name
    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW

    carried = {**data, "desk_reauth": "1", "desk_reauth_code": "000000"}
    refused = client.post(review_url(post), carried)
    assert refused.status_code == 200 and 'name="desk_reauth_code"' in refused.content.decode()
    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW

    from accounts.models import TOTPDevice

    TOTPDevice.objects.filter(user=zone_users.director).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=5)
    )
    carried["desk_reauth_code"] = totp_code(zone_users.director)
    done = client.post(review_url(post), carried)
    assert done.status_code == 302
    post.refresh_from_db()
    assert post.status == Post.Status.APPROVED
    review = post.reviews.get()
    assert {c.note for c in review.value_checks.all()} == {"Note on Proximité", "Note on Dynamisme"}
    assert AuditEvent.objects.filter(action="accounts.reauth", actor=zone_users.director).exists()


def test_a_fresh_session_approves_without_being_asked(client, zone_users):
    post = submitted_post(zone_users)
    client.force_login(zone_users.director)
    assert client.post(review_url(post), approve_data(client, post)).status_code == 302
    post.refresh_from_db()
    assert post.status == Post.Status.APPROVED


@pytest.mark.parametrize("action", ["publish_now", "send_again", "zone_resume"])
def test_publishing_actions_ask_for_a_fresh_proof(client, zone_users, action):
    zone = zone_users.zone
    post = submit_and_approve(
        make_post(zone, zone_users.officer, planned_at=timezone.now() + timedelta(days=1)),
        zone_users.officer,
        zone_users.director,
    )
    publication = Publication.objects.filter(post=post).first()
    Publication.objects.filter(pk=publication.pk).update(status=Publication.Status.UNKNOWN, last_error="Timed out.")
    urls = {
        "publish_now": reverse("editorial:post_publish_now", args=[zone.slug, post.pk]),
        "send_again": reverse("editorial:publication_send_again", args=[zone.slug, post.pk, publication.pk]),
        "zone_resume": reverse("editorial:zone_resume", args=[zone.slug]),
    }
    zone.publishing_paused = True
    zone.save()
    client.force_login(zone_users.officer)
    age_session(client, AUTH_AT=3600)
    response = client.post(urls[action])
    assert response.status_code == 200 and 'name="desk_reauth_code"' in response.content.decode()
    publication.refresh_from_db()
    zone.refresh_from_db()
    assert publication.status == Publication.Status.UNKNOWN and zone.publishing_paused
    assert not AuditEvent.objects.filter(
        action__in=["editorial.post.publish_now", "editorial.publication.send_again"]
    ).exists()


def test_channel_credentials_ask_for_a_fresh_proof(client, zone_users):
    channel = Channel.objects.get(zone=zone_users.zone, kind="facebook")
    client.force_login(zone_users.admin)
    age_session(client, AUTH_AT=3600)
    url = reverse("admin:editorial_channel_change", args=[channel.pk])
    assert client.get(url).status_code == 200  # reading the form is not changing anything
    data = {
        "zone": zone_users.zone.pk,
        "kind": "facebook",
        "name": channel.name,
        "handle": channel.handle,
        "language": channel.language,
        "status": channel.status,
        "credentials": '{"page_access_token": "secret-token-value"}',
    }
    asked = client.post(url, data)
    assert asked.status_code == 200 and 'name="desk_reauth_code"' in asked.content.decode()
    channel.refresh_from_db()
    assert not channel.has_credentials
    done = client.post(url, {**data, "desk_reauth": "1", "desk_reauth_code": totp_code(zone_users.admin)})
    assert done.status_code == 302
    channel.refresh_from_db()
    assert channel.get_credentials() == {"page_access_token": "secret-token-value"}


def test_mfa_changes_ask_for_a_fresh_proof(client, zone_users):
    client.force_login(zone_users.officer)
    age_session(client, AUTH_AT=3600)
    response = client.post(reverse("accounts:recovery_codes_regenerate"))
    assert response.status_code == 200 and 'name="desk_reauth_code"' in response.content.decode()
    assert not AuditEvent.objects.filter(action="accounts.mfa.recovery_codes_regenerated").exists()


def test_five_wrong_confirmations_end_the_session(client, zone_users):
    client.force_login(zone_users.officer)
    age_session(client, AUTH_AT=3600)
    url = reverse("accounts:recovery_codes_regenerate")
    from accounts.models import TOTPDevice

    for _ in range(5):
        TOTPDevice.objects.filter(user=zone_users.officer).update(throttling_failure_count=0)
        response = client.post(url, {"desk_reauth": "1", "desk_reauth_code": "000000"})
    assert response.status_code == 302 and response.url == LOGIN
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="accounts.reauth.locked_out").exists()


def test_a_unit_head_without_an_app_confirms_with_the_password(client, zone_users):
    client.force_login(zone_users.unit_head)
    age_session(client, AUTH_AT=3600)
    url = reverse("accounts:mfa_setup")
    asked = client.post(url, {"code": "123456"})
    assert 'name="desk_reauth_password"' in asked.content.decode()
    wrong = client.post(url, {"code": "123456", "desk_reauth": "1", "desk_reauth_password": "nope"})
    assert "desk_reauth_password" in wrong.content.decode()
    right = client.post(url, {"code": "123456", "desk_reauth": "1", "desk_reauth_password": "test-password-123"})
    # Confirmed: the set-up form itself answers (the code typed is not the app's).
    assert right.status_code == 200 and "desk_reauth_password" not in right.content.decode()
    assert client.session[mfa.AUTH_AT] > time.time() - 5


def test_a_required_role_cannot_turn_the_second_factor_off(client, zone_users):
    client.force_login(zone_users.director)
    response = client.post(reverse("accounts:mfa_disable"), follow=True)
    assert mfa.totp_device(zone_users.director) is not None
    assert "cannot be turned off" in response.content.decode() or "ne peut pas" in response.content.decode()


def test_refused_access_is_a_security_event(client, zone_users):
    client.force_login(zone_users.unit_head)
    assert client.get(reverse("editorial:plan", args=[zone_users.zone.slug])).status_code == 403
    event = AuditEvent.objects.get(action="security.permission_denied")
    assert event.actor_id == zone_users.unit_head.pk and event.data["path"].endswith("/plan/")


def test_a_reset_link_opened_in_an_ended_session_is_neither_logged_nor_carried(client, zone_users, settings):
    client.force_login(zone_users.unit_head)
    age_session(client, SEEN_AT=settings.DESK_SESSION_IDLE_SECONDS + 5)
    link = reverse("accounts:password_reset_confirm", args=["MQ", "secret-reset-token"])
    response = client.get(link)
    assert response.status_code == 302 and "secret-reset-token" not in response.url
    event = AuditEvent.objects.get(action="accounts.session.ended")
    assert "secret-reset-token" not in str(event.data)

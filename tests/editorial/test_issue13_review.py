"""Review of issue 13's code: each test shows a bug found in review, fixed with it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from editorial.models import FollowUp, Post, Review
from editorial.publishers import locmem
from tests.editorial.followup_data import approved_template as follow_up_template
from tests.editorial.test_fastlane import approved_template, channels, send_all
from tests.editorial.test_views_fastlane import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_and_locmem(settings):
    backend = {"BACKEND": "editorial.publishers.locmem.Publisher", "OPTIONS": {}}
    settings.PUBLISHERS = {"x": backend, "facebook": backend}
    settings.LANGUAGE_CODE = "en"
    locmem.outbox.clear()
    with translation.override("en"):
        yield
    locmem.outbox.clear()


def test_publish_now_sent_twice_publishes_the_message_once(client, zone_users):
    """A double click on "Publish now" (or the form sent again) made two instances: the same radar control went out
    twice on Facebook (and X answered "duplicate content": an unknown publication and an alert)."""
    zone = zone_users.zone
    template = approved_template(zone, zone_users.officer, zone_users.director)
    client.force_login(zone_users.officer)
    url = reverse("editorial:template_publish", args=[zone.slug, template.pk])
    first = client.post(url, form_data(template))
    second = client.post(url, form_data(template))
    assert first.status_code == 302
    assert second.status_code == 200 and "it was not sent again" in second.content.decode()
    assert Post.objects.count() == 1
    send_all(Post.objects.get())
    assert len(locmem.outbox) == 2  # one per channel
    # Other values are another message: published.
    third = client.post(url, form_data(template, ph_note="Ralentissez."))
    assert third.status_code == 302 and Post.objects.count() == 2


@pytest.mark.parametrize(
    ("date", "start", "until"), [("9999-12-31", "22:00", "06:00"), ("0001-01-01", "00:00", "00:10")]
)
def test_a_date_at_the_end_of_the_calendar_is_no_server_error(client, zone_users, date, start, until):
    """A follow-up due at {until} on {date}: a night closure on 9999-12-31 (or a time before UTC's year 1) overflowed
    the calendar while the follow-up was planned, a server error after the form was filled."""
    zone = zone_users.zone
    version = follow_up_template(zone, zone_users.officer)
    Review.objects.create(
        template_version=version,
        reviewer=zone_users.director,
        decision=Review.Decision.APPROVE,
        fingerprint=version.fingerprint,
        confidentiality_confirmed=True,
    )
    x, fb = channels(zone)
    client.force_login(zone_users.officer)
    url = reverse("editorial:template_publish", args=[zone.slug, version.template_id])
    data = {
        "version": version.pk,
        "channels": [x.pk, fb.pk],
        "when": "now",
        "ph_locality": "Quévy",
        "ph_date": date,
        "ph_from": start,
        "ph_until": until,
    }
    answer = client.post(url, data)
    assert answer.status_code == 302
    post = Post.objects.get()
    # The template's delay instead (an hour when it gives none).
    assert FollowUp.objects.get(post=post).due_at > post.planned_at


def test_a_category_that_needs_a_sign_off_has_no_fast_lane(zone_users, settings):
    """A template or an urgent post of a category whose posts the judicial head signs off went out without that
    sign-off: both now go to the normal review, where the sign-off is asked for, and nothing is published."""
    from editorial.models import Category, PostOrigin, Unit
    from tests.editorial.test_fastlane import publish, urgent
    from tests.factories import totp_code, with_authenticator

    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    zone, officer, director = zone_users.zone, zone_users.officer, zone_users.director
    template = approved_template(zone, officer, director)
    judicial = Unit.objects.get(zone=zone, name="Judiciaire")
    Category.objects.filter(pk=template.category_id).update(signoff_unit=judicial)
    template.refresh_from_db()
    held = publish(officer, template)
    assert held.status == Post.Status.IN_REVIEW and held.origin == PostOrigin.REVIEWED
    with_authenticator(officer)
    held_urgent = urgent(officer, zone, category=template.category, code=totp_code(officer))
    assert held_urgent.status == Post.Status.IN_REVIEW
    send_all(held)
    send_all(held_urgent)
    assert locmem.outbox == []


def test_nobody_acknowledges_the_review_after_of_their_own_urgent_post(zone_users, settings):
    """A director who is also the zone's officer acknowledged the review after of their own urgent post: as for an
    approval, someone else reads it."""
    from accounts.models import Membership, Role
    from editorial import fastlane
    from editorial.errors import WorkflowError
    from editorial.models import ReviewAfter
    from tests.editorial.test_fastlane import urgent
    from tests.factories import make_member, totp_code, with_authenticator

    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    zone = zone_users.zone
    both = make_member(zone, Role.OFFICER, username="both")
    Membership.objects.create(user=both, zone=zone, role=Role.DIRECTOR)
    with_authenticator(both)
    post = urgent(both, zone, code=totp_code(both))
    review_after = ReviewAfter.objects.get(post=post)
    with pytest.raises(WorkflowError, match="another director"):
        fastlane.review_after_acknowledge(actor=both, review_after=review_after)
    fastlane.review_after_acknowledge(actor=zone_users.director, review_after=review_after)

"""The follow-up pages: the dashboard's "Follow-ups due", the follow-up page with "Publish now" and "Not needed",
the list of pending ones, and the original post's line about its follow-up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from editorial.models import AuditEvent, FollowUp, Post
from tests.editorial.followup_data import approved_template, mark_published, publish_instance
from tests.factories import make_member

NIGHT = {"locality": "Quévy", "date": "2026-06-10", "from": "22:00", "until": "06:00"}

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture(autouse=True)
def locmem_publishers(settings):
    backend = {"BACKEND": "editorial.publishers.locmem.Publisher", "OPTIONS": {}}
    settings.PUBLISHERS = {"x": backend, "facebook": backend}


def due_follow_up(zone_users, name: str = "Route fermée", *, out: bool = True) -> FollowUp:
    version = approved_template(zone_users.zone, zone_users.officer, name=name)
    post, follow_up = publish_instance(version, actor=zone_users.officer, director=zone_users.director, values=NIGHT)
    if out:
        mark_published(post)
    FollowUp.objects.filter(pk=follow_up.pk).update(due_at=timezone.now() - timedelta(minutes=5))
    follow_up.refresh_from_db()
    return follow_up


def detail(follow_up: FollowUp, zone=None) -> str:
    return reverse("editorial:follow_up_detail", args=[(zone or follow_up.zone).slug, follow_up.pk])


def test_two_clicks_from_the_dashboard(client, zone_users):
    follow_up = due_follow_up(zone_users)
    client.force_login(zone_users.officer)

    dashboard = client.get(reverse("editorial:zone_dashboard", args=[zone_users.zone.slug])).content.decode()
    block = dashboard.split('id="follow-ups-due"')[1].split("</section>")[0]
    assert f'href="{detail(follow_up)}"' in block  # the first click

    page = client.get(detail(follow_up)).content.decode()
    assert "Route rouverte à Quévy." in page
    publish = reverse("editorial:follow_up_publish", args=[zone_users.zone.slug, follow_up.pk])
    assert f'action="{publish}"' in page

    response = client.post(publish)  # the second click
    reply = Post.objects.get(follows_up=follow_up.post)
    assert response.status_code == 302
    assert response["Location"] == reverse("editorial:post_detail", args=[zone_users.zone.slug, reply.pk])
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.PUBLISHED
    # Done: no longer on the dashboard, and the original's page says so.
    dashboard = client.get(reverse("editorial:zone_dashboard", args=[zone_users.zone.slug])).content.decode()
    assert 'id="follow-ups-due"' not in dashboard
    original = client.get(reverse("editorial:post_detail", args=[zone_users.zone.slug, follow_up.post_id]))
    section = original.content.decode().split('id="follow-up"')[1].split("</section>")[0]
    assert reverse("editorial:post_detail", args=[zone_users.zone.slug, reply.pk]) in section
    assert "status-followup-published" in section


def test_a_follow_up_not_due_yet_is_not_on_the_dashboard_but_in_the_list(client, zone_users):
    follow_up = due_follow_up(zone_users)
    FollowUp.objects.filter(pk=follow_up.pk).update(due_at=timezone.now() + timedelta(hours=3))
    client.force_login(zone_users.officer)
    dashboard = client.get(reverse("editorial:zone_dashboard", args=[zone_users.zone.slug])).content.decode()
    assert 'id="follow-ups-due"' not in dashboard
    listing = client.get(reverse("editorial:follow_up_list", args=[zone_users.zone.slug])).content.decode()
    assert detail(follow_up) in listing


def test_the_director_reads_it_without_the_buttons(client, zone_users):
    follow_up = due_follow_up(zone_users)
    client.force_login(zone_users.director)
    page = client.get(detail(follow_up)).content.decode()
    assert "Route rouverte" in page
    assert "follow-up-publish" not in page and "follow_up_dismiss" not in page
    dashboard = client.get(reverse("editorial:zone_dashboard", args=[zone_users.zone.slug])).content.decode()
    assert 'id="follow-ups-due"' not in dashboard  # the author and the officers only


def test_another_zones_follow_up_is_a_404(client, zone_users):
    follow_up = due_follow_up(zone_users)
    client.force_login(zone_users.outsider)
    other = zone_users.outsider.memberships.get().zone
    assert client.get(detail(follow_up, zone=other)).status_code == 404
    assert client.get(detail(follow_up)).status_code == 404
    publish = reverse("editorial:follow_up_publish", args=[other.slug, follow_up.pk])
    assert client.post(publish).status_code == 404
    assert not Post.objects.filter(follows_up=follow_up.post).exists()


def test_a_unit_head_without_a_right_gets_a_403(client, zone_users):
    follow_up = due_follow_up(zone_users)
    client.force_login(zone_users.unit_head)
    assert client.get(detail(follow_up)).status_code == 403
    assert client.get(reverse("editorial:follow_up_list", args=[zone_users.zone.slug])).status_code == 403
    publish = reverse("editorial:follow_up_publish", args=[zone_users.zone.slug, follow_up.pk])
    assert client.post(publish).status_code == 403
    assert not Post.objects.filter(follows_up=follow_up.post).exists()


def test_publishing_without_the_right_says_so_and_sends_nothing(client, zone_users):
    follow_up = due_follow_up(zone_users)
    client.force_login(zone_users.director)
    response = client.post(reverse("editorial:follow_up_publish", args=[zone_users.zone.slug, follow_up.pk]))
    assert response.status_code == 403
    assert "nothing was sent" in response.content.decode()
    assert not Post.objects.filter(follows_up=follow_up.post).exists()


def test_nothing_to_reply_to_is_explained(client, zone_users):
    follow_up = due_follow_up(zone_users, out=False)
    client.force_login(zone_users.officer)
    page = client.get(detail(follow_up)).content.decode()
    assert "follow-up-publish" not in page  # only "Not needed" is offered
    assert "the original post did not go out there" in page
    response = client.post(
        reverse("editorial:follow_up_publish", args=[zone_users.zone.slug, follow_up.pk]), follow=True
    )
    assert "nothing to reply to" in response.content.decode()


def test_not_needed_keeps_what_was_typed_when_the_reason_is_missing(client, zone_users):
    follow_up = due_follow_up(zone_users)
    client.force_login(zone_users.officer)
    dismiss = reverse("editorial:follow_up_dismiss", args=[zone_users.zone.slug, follow_up.pk])

    response = client.post(dismiss, {"reason": "   "})
    assert response.status_code == 200
    assert "Say why the follow-up is not needed." in response.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.PENDING

    response = client.post(dismiss, {"reason": "Rouverte à 4h, annoncé par la commune"})
    assert response.status_code == 302 and response["Location"] == detail(follow_up)
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.DISMISSED
    assert AuditEvent.objects.filter(action="editorial.follow_up.dismiss").count() == 1
    page = client.get(detail(follow_up)).content.decode()
    assert "Marked not needed by" in page and "follow-up-publish" not in page


def test_a_delegated_heads_own_follow_ups(client, zone_users):
    """A unit head who published from a template (under a grant) is reminded of their own follow-ups only."""
    from tests.editorial.test_followups import delegated_head

    grant = delegated_head(zone_users)
    version = approved_template(zone_users.zone, zone_users.officer)
    post, mine = publish_instance(
        version,
        actor=zone_users.unit_head,
        director=zone_users.director,
        values=NIGHT,
        published_under=f"grant:{grant.pk}",
    )
    mark_published(post)
    theirs = due_follow_up(zone_users, name="Autre")
    FollowUp.objects.filter(pk=mine.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    client.force_login(zone_users.unit_head)
    dashboard = client.get(reverse("editorial:zone_dashboard", args=[zone_users.zone.slug])).content.decode()
    block = dashboard.split('id="follow-ups-due"')[1].split("</section>")[0]
    assert detail(mine) in block and detail(theirs) not in block
    listing = client.get(reverse("editorial:follow_up_list", args=[zone_users.zone.slug])).content.decode()
    assert detail(mine) in listing and detail(theirs) not in listing
    assert client.get(detail(mine)).status_code == 200
    assert client.get(detail(theirs)).status_code == 403


@pytest.mark.parametrize("page", ["detail", "list", "dashboard"])
def test_query_counts_do_not_grow(client, zone_users, django_assert_max_num_queries, page):
    make_member(zone_users.zone, Role.OFFICER, username="officer2")
    follow_ups = [due_follow_up(zone_users, name=f"Route {n}") for n in range(2)]
    urls = {
        "detail": lambda: detail(follow_ups[0]),
        "list": lambda: reverse("editorial:follow_up_list", args=[zone_users.zone.slug]),
        "dashboard": lambda: reverse("editorial:zone_dashboard", args=[zone_users.zone.slug]),
    }
    client.force_login(zone_users.officer)
    with django_assert_max_num_queries(40) as few:
        assert client.get(urls[page]()).status_code == 200
    follow_ups += [due_follow_up(zone_users, name=f"Route {n}") for n in range(2, 8)]
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(urls[page]()).status_code == 200

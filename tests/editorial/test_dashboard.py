from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_item, make_post


def dashboard(zone) -> str:
    return reverse("editorial:zone_dashboard", args=[zone.slug])


@pytest.mark.parametrize("role", ["officer", "unit_head", "director", "admin"])
def test_it_works_for_every_role(client, zone_users, role):
    client.force_login(getattr(zone_users, role))
    response = client.get(dashboard(zone_users.zone))
    assert response.status_code == 200
    assert zone_users.zone.name in response.content.decode()


def test_it_checks_the_zone(client, zone_users):
    client.force_login(zone_users.outsider)
    assert client.get(dashboard(zone_users.zone)).status_code == 404
    client.force_login(zone_users.nobody)
    assert client.get(dashboard(zone_users.zone)).status_code == 404


def test_it_counts_drafts_and_new_items(client, zone_users):
    for _ in range(3):
        make_post(zone_users.zone, zone_users.officer)
    make_item(zone_users.zone, submitted_by=zone_users.unit_head)
    client.force_login(zone_users.officer)
    overview = client.get(dashboard(zone_users.zone)).context["overview"]
    assert overview.posts_by_status["draft"] == 3
    assert overview.items_new == 1


def test_the_unit_head_sees_only_their_units_items(client, zone_users):
    make_item(zone_users.zone, submitted_by=zone_users.unit_head, title="Radar rue de Binche")
    make_item(zone_users.zone, "Judiciaire", submitted_by=zone_users.other_unit_head, title="Appel à témoins")
    client.force_login(zone_users.unit_head)
    page = client.get(dashboard(zone_users.zone)).content.decode()
    assert "Radar rue de Binche" in page
    assert "Appel à témoins" not in page


def test_text_is_escaped(client, zone_users):
    make_item(zone_users.zone, submitted_by=zone_users.unit_head, title="<script>alert(1)</script>")
    client.force_login(zone_users.unit_head)
    page = client.get(dashboard(zone_users.zone)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("role", ["officer", "unit_head"])
def test_its_query_count_does_not_grow_with_posts_and_items(client, zone_users, django_assert_max_num_queries, role):
    from editorial.models import Publication

    user = getattr(zone_users, role)
    client.force_login(user)

    def add(count: int) -> None:
        for _ in range(count):
            post = make_post(zone_users.zone, zone_users.officer)
            make_item(zone_users.zone, submitted_by=zone_users.unit_head)
            Publication.objects.create(
                post=post, channel=zone_users.zone.channel_set.first(), status="unknown", last_error="Délai dépassé"
            )

    add(2)
    # 16: the officer's dashboard also reads the publishing service's heartbeat and whether something is due (one
    # query each), the total of publications that need a person and their first rows (one query each: the total
    # is the one more since issue 11), and every request of an officer reads the authenticator that verified the
    # session (django-otp, one query). 17 since issue 12: the channels are labelled with their network, and the
    # handle where the zone has two accounts on one network (Channel.label reads the zone's channels once).
    # Issue 13: +1 for the follow-ups due, +1 for the user's fast-lane posts of today. Issue 14: the day at a glance,
    # +4 at most (the posts out today and their publications, the posts coming or not ready and their channels).
    with django_assert_max_num_queries(23) as few:
        client.get(dashboard(zone_users.zone))
    add(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(dashboard(zone_users.zone))


def _submitted(zone_users, title: str, planned_at):
    from editorial import services

    post = make_post(zone_users.zone, zone_users.officer, title=title, planned_at=planned_at)
    return services.post_submit(actor=zone_users.officer, post=post)


def test_the_officer_sees_their_day(client, zone_users):
    from datetime import timedelta

    from django.utils import timezone

    from editorial import services
    from editorial.models import Publication

    now = timezone.now()
    zone = zone_users.zone
    today_local = timezone.localtime(now, zone.tzinfo).replace(hour=23, minute=30, second=0, microsecond=0)
    make_post(zone, zone_users.officer, title="Ce soir à Quévy", planned_at=today_local)
    make_post(zone, zone_users.officer, title="Dans une semaine", planned_at=now + timedelta(days=7))
    _submitted(zone_users, "En attente du chef", now + timedelta(days=2))
    came_back = _submitted(zone_users, "Revenu avec remarques", now + timedelta(days=3))
    services.post_request_changes(actor=zone_users.director, post=came_back, comment="Retirez le nom de la rue.")
    failed = make_post(zone, zone_users.officer, title="Échec de publication")
    Publication.objects.create(
        post=failed,
        channel=zone.channel_set.first(),
        status=Publication.Status.FAILED,
        last_error="Mot de passe X expiré",
    )
    client.force_login(zone_users.officer)
    page = client.get(dashboard(zone)).content.decode()
    due_today = page.split('id="due-today"')[1].split("</section>")[0]
    assert "Ce soir à Quévy" in due_today
    assert "Dans une semaine" not in due_today
    assert "En attente du chef" in page.split('id="waiting-review"')[1]
    back = page.split('id="came-back"')[1].split("</section>")[0]
    assert "Revenu avec remarques" in back and "Retirez le nom de la rue." in back
    failures = page.split('id="failures"')[1].split("</section>")[0]
    assert "Échec de publication" in failures and "Mot de passe X expiré" in failures


def test_the_director_sees_the_queue_oldest_due_first(client, zone_users):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    _submitted(zone_users, "Plus tard", now + timedelta(days=5))
    _submitted(zone_users, "Bientôt", now + timedelta(hours=3))
    client.force_login(zone_users.director)
    page = client.get(dashboard(zone_users.zone)).content.decode()
    queue = page.split('id="review-queue"')[1].split("</section>")[0]
    assert queue.index("Bientôt") < queue.index("Plus tard")
    assert 'id="due-today"' not in page  # the officer's day is not the director's


def test_the_unit_head_sees_neither_queue_nor_officer_day(client, zone_users):
    client.force_login(zone_users.unit_head)
    page = client.get(dashboard(zone_users.zone)).content.decode()
    assert 'id="review-queue"' not in page and 'id="due-today"' not in page
    assert 'id="unit-items"' in page


@pytest.mark.parametrize("role", ["officer", "director"])
def test_role_lists_keep_a_fixed_query_count(client, zone_users, django_assert_max_num_queries, role):
    from datetime import timedelta

    from django.utils import timezone

    client.force_login(getattr(zone_users, role))
    now = timezone.now()
    _submitted(zone_users, "Un", now + timedelta(days=1))
    today_noon = timezone.localtime(now, zone_users.zone.tzinfo).replace(hour=12, minute=0)
    make_post(zone_users.zone, zone_users.officer, planned_at=today_noon)
    with django_assert_max_num_queries(24) as few:
        client.get(dashboard(zone_users.zone))
    for n in range(25):
        _submitted(zone_users, f"Post {n}", now + timedelta(hours=n + 1))
        make_post(zone_users.zone, zone_users.officer, planned_at=today_noon + timedelta(minutes=n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(dashboard(zone_users.zone))


# --- The day at a glance (issue 14, point 4) -------------------------------------------------------------------


def _local_midnight(zone):
    from django.utils import timezone

    return timezone.localtime(timezone.now(), zone.tzinfo).replace(hour=0, minute=0, second=0, microsecond=0)


def _published_now(post, *, minutes_ago: int, zone_users) -> None:
    """The post approved (a draft is first) and out on every channel ``minutes_ago``."""
    from datetime import timedelta

    from django.utils import timezone

    from editorial.models import Post, Publication
    from tests.factories import submit_and_approve

    zone = zone_users.zone
    if post.status == Post.Status.DRAFT:
        if post.planned_at is None:
            Post.objects.filter(pk=post.pk).update(planned_at=timezone.now() + timedelta(days=1))
            post.refresh_from_db()
        submit_and_approve(post, zone_users.officer, zone_users.director)
    # Within today in Brussels even just after midnight.
    went_out = max(timezone.now() - timedelta(minutes=minutes_ago), _local_midnight(zone))
    for channel in zone.channel_set.all():
        Publication.objects.update_or_create(
            post=post,
            channel=channel,
            defaults={
                "status": Publication.Status.PUBLISHED,
                "external_id": f"{post.pk}-{channel.pk}",
                "external_url": f"https://x.invalid/{post.pk}/{channel.kind}",
                "published_at": went_out,
            },
        )
    Post.objects.filter(pk=post.pk).update(status=Post.Status.PUBLISHED)


@pytest.mark.parametrize("role", ["officer", "director"])
def test_the_day_says_what_went_out_what_is_coming_and_what_waits(client, zone_users, role):
    from datetime import timedelta

    from django.utils import timezone

    from editorial.models import Publication
    from tests.factories import submit_and_approve

    zone = zone_users.zone
    now = timezone.now()
    local = timezone.localtime(now, zone.tzinfo)
    end_of_day = local.replace(hour=23, minute=59, second=0, microsecond=0)
    out = submit_and_approve(
        make_post(zone, zone_users.officer, title="Parti ce matin", planned_at=now + timedelta(days=1)),
        zone_users.officer,
        zone_users.director,
    )
    _published_now(out, minutes_ago=1, zone_users=zone_users)
    coming = make_post(zone, zone_users.officer, title="Approuvé pour ce soir", planned_at=end_of_day)
    submit_and_approve(coming, zone_users.officer, zone_users.director)
    tomorrow = make_post(
        zone, zone_users.officer, title="Approuvé pour demain", planned_at=end_of_day + timedelta(hours=2)
    )
    submit_and_approve(tomorrow, zone_users.officer, zone_users.director)
    make_post(zone, zone_users.officer, title="Brouillon de ce soir", planned_at=end_of_day)
    _submitted(zone_users, "À relire", now + timedelta(days=2))
    make_item(zone, submitted_by=zone_users.unit_head)
    failed = make_post(zone, zone_users.officer, title="Échec")
    Publication.objects.create(
        post=failed, channel=zone.channel_set.first(), status=Publication.Status.FAILED, last_error="Refusé"
    )
    client.force_login(getattr(zone_users, role))
    page = client.get(dashboard(zone), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    day = page.split('id="the-day"')[1].split("</section>")[0]
    published = day.split('id="day-published"')[1].split('id="day-coming"')[0]
    assert "Parti ce matin" in published
    assert (
        f'href="https://x.invalid/{out.pk}/x"' in published
        and f'href="https://x.invalid/{out.pk}/facebook"' in published
    )
    coming_part = day.split('id="day-coming"')[1].split('id="day-waiting"')[0]
    assert "Approuvé pour ce soir" in coming_part and "Approuvé pour demain" not in coming_part
    assert "Parti ce matin" not in coming_part
    assert "Brouillon de ce soir" in coming_part.split('id="day-not-ready"')[1]
    waiting = day.split('id="day-waiting"')[1].split('id="day-problems"')[0]
    if role == "director":
        assert "1 post to review" in waiting
    else:
        assert "post to review" not in waiting and "1 new item" in waiting and "came back" not in waiting
    assert "1 publication needs a person" in day.split('id="day-problems"')[1]


def test_nothing_waits_says_so(client, zone_users):
    client.force_login(zone_users.director)
    page = client.get(dashboard(zone_users.zone), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Nothing waits for you." in page.split('id="day-waiting"')[1].split('id="day-problems"')[0]


def test_the_day_is_not_a_unit_heads(client, zone_users):
    client.force_login(zone_users.unit_head)
    page = client.get(dashboard(zone_users.zone)).content.decode()
    assert 'id="the-day"' not in page


def test_the_day_follows_the_brussels_day(client, zone_users):
    """Gone out at 23:30 Brussels yesterday is yesterday's, not today's, although it is today in UTC until 00:00."""
    from datetime import datetime, timedelta

    from django.utils import timezone

    from editorial.selectors.desk import the_day

    zone = zone_users.zone
    post = make_post(zone, zone_users.officer, title="Tard hier soir")
    _published_now(post, minutes_ago=0, zone_users=zone_users)
    from editorial.models import Publication

    late = datetime(2026, 7, 14, 23, 30, tzinfo=zone.tzinfo)
    Publication.objects.filter(post=post).update(published_at=late)
    assert the_day(zone=zone, now=late + timedelta(minutes=40)).published == []
    assert [p.title for p in the_day(zone=zone, now=late + timedelta(minutes=20)).published] == ["Tard hier soir"]
    assert timezone.localtime(late + timedelta(minutes=40), zone.tzinfo).day == 15


def test_the_day_keeps_its_query_count_when_more_went_out(client, zone_users, django_assert_max_num_queries):
    client.force_login(zone_users.director)
    zone = zone_users.zone

    def publish(count: int) -> None:
        for n in range(count):
            _published_now(
                make_post(zone, zone_users.officer, title=f"Sorti {n}"), minutes_ago=n, zone_users=zone_users
            )

    publish(1)
    with django_assert_max_num_queries(40) as few:
        client.get(dashboard(zone))
    publish(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(dashboard(zone)).content.decode()
    assert page.split('id="day-published"')[1].count("/posts/") >= 15


# --- Publications that need a person (issue 11, point 5) ------------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "director"])
def test_it_shows_the_total_of_publications_that_need_a_person_and_links_to_all(client, zone_users, role):
    from datetime import timedelta

    from editorial.models import Publication
    from tests.editorial.test_views_attention import problem

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    zone, officer = zone_users.zone, zone_users.officer
    Status = Publication.Status
    for n, status in enumerate([Status.PENDING, Status.SENDING, Status.UNKNOWN, Status.FAILED]):
        problem(zone, officer, status, title=f"Problème {status}", ago=timedelta(minutes=40 - n))
    for n in range(4):
        problem(zone, officer, Status.UNKNOWN, title=f"Plus récente {n}", ago=timedelta(minutes=10 - n))
    client.force_login(getattr(zone_users, role))
    page = client.get(dashboard(zone)).content.decode()
    block = page.split('id="failures"')[1].split("</section>")[0]
    assert "8 publications need a person" in block
    assert f'href="{reverse("editorial:publications_attention", args=[zone.slug])}"' in block
    assert "See all 8" in block
    # Every kind of problem, in words, the oldest first; the rest is on the page.
    assert "not sent 40 min after its time" in block
    assert "the publishing service stopped during the send" in block
    assert "check the account" in block and "Last error: Erreur de Problème failed" in block
    assert "Plus récente 0" in block and "Plus récente 1" not in block
    assert "the publishing service may be stopped" in block.split('id="late-publications"')[1]


def test_nothing_needs_a_person_no_block(client, zone_users):
    client.force_login(zone_users.officer)
    page = client.get(dashboard(zone_users.zone)).content.decode()
    assert 'id="failures"' not in page
    assert reverse("editorial:publications_attention", args=[zone_users.zone.slug]) not in page


def test_the_unit_head_and_the_admin_do_not_see_the_publications_that_need_a_person(client, zone_users):
    from editorial.models import Publication
    from tests.editorial.test_views_attention import problem

    problem(zone_users.zone, zone_users.officer, Publication.Status.FAILED, title="Refusée")
    for role in ("unit_head", "admin"):
        client.force_login(getattr(zone_users, role))
        page = client.get(dashboard(zone_users.zone)).content.decode()
        assert 'id="failures"' not in page and "Refusée" not in page


# --- A post published now, the channels (issue 12) --------------------------------------------------------------


def test_a_post_published_now_is_in_the_officers_day_with_the_time_it_went_out(client, zone_users, settings):
    from datetime import timedelta

    from django.utils import timezone

    from editorial import publishing
    from editorial.models import Post, Publication
    from tests.factories import submit_and_approve

    locmem = {"BACKEND": "editorial.publishers.locmem.Publisher", "OPTIONS": {}}
    settings.PUBLISHERS = {"x": locmem, "facebook": locmem}
    zone = zone_users.zone
    post = make_post(
        zone, zone_users.officer, title="Inondation à Havré", planned_at=timezone.now() + timedelta(days=8)
    )
    post = submit_and_approve(post, zone_users.officer, zone_users.director)
    publishing.post_publish_now(actor=zone_users.officer, post=post)
    client.force_login(zone_users.officer)

    def due_today() -> str:
        page = client.get(dashboard(zone), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        return page.split('id="due-today"')[1].split("</section>")[0]

    assert "Inondation à Havré" in due_today() and "being sent now" in due_today()
    # Within today in Brussels even just after midnight.
    went_out = max(timezone.now() - timedelta(minutes=2), _local_midnight(zone))
    Publication.objects.filter(post=post).update(
        status=Publication.Status.PUBLISHED, external_id="1", published_at=went_out
    )
    Post.objects.filter(pk=post.pk).update(status=Post.Status.PUBLISHED)
    today = due_today()
    assert "Inondation à Havré" in today
    assert f"published on {timezone.localtime(went_out, zone.tzinfo):%a %-d %b, %H:%M}" in today
    assert "overdue" not in today


def test_a_late_draft_is_overdue_and_a_cancelled_post_is_not(client, zone_users):
    from datetime import timedelta

    from django.utils import timezone

    from editorial.models import Post

    earlier = timezone.localtime(timezone.now(), zone_users.zone.tzinfo).replace(hour=0, minute=5)
    make_post(zone_users.zone, zone_users.officer, title="Brouillon en retard", planned_at=earlier)
    make_post(
        zone_users.zone,
        zone_users.officer,
        title="Annulé",
        planned_at=earlier + timedelta(minutes=1),
        status=Post.Status.CANCELLED,
    )
    client.force_login(zone_users.officer)
    page = client.get(dashboard(zone_users.zone), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    today = page.split('id="due-today"')[1].split("</section>")[0]
    if timezone.now() > earlier:
        assert today.count("overdue") == 1


def test_the_channels_say_their_network(client, zone_users):
    from editorial.models import Channel

    Channel.objects.filter(zone=zone_users.zone).update(name="Police Mons-Quévy")
    client.force_login(zone_users.officer)
    page = client.get(dashboard(zone_users.zone)).content.decode()
    assert "Police Mons-Quévy (X)" in page and "Police Mons-Quévy (Facebook)" in page

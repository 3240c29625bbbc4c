"""The page of the publications that need a person (issue 11, point 5): every failed, unknown, late or stuck
publication of the zone, in words, with its total, 50 a page, each linking to where the officer settles it."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from editorial.models import Channel, Post, Publication
from tests.factories import make_member, make_post, make_zone

Status = Publication.Status
BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.fixture
def en(client):
    """Words are asserted in English (French is the default language)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def attention(zone) -> str:
    return reverse("editorial:publications_attention", args=[zone.slug])


def problem(zone, author, status, *, title: str, ago: timedelta = timedelta(minutes=12, seconds=5), **fields):
    """One publication of an approved post, on the zone's X account, in trouble since ``ago``."""
    now = timezone.now()
    # Approved as the database demands it; how it was approved does not matter to this page.
    post = make_post(
        zone,
        author,
        title=title,
        planned_at=now - ago,
        status=Post.Status.APPROVED,
        approved_fingerprint="f" * 64,
        approved_by=author,
        approved_at=now - ago,
    )
    fields.setdefault("next_attempt_at", now - ago)
    if status == Status.SENDING:
        fields.setdefault("sending_started_at", now - ago)
    if status in (Status.FAILED, Status.UNKNOWN):
        fields.setdefault("last_error", f"Erreur de {title}")
    publication = Publication.objects.create(
        post=post, channel=Channel.objects.get(zone=zone, kind=Channel.Kind.X), status=status, **fields
    )
    # updated_at is the moment of an unknown or failed outcome: set it after the auto_now of create.
    Publication.objects.filter(pk=publication.pk).update(updated_at=now - ago)
    publication.refresh_from_db()
    return publication


def rows_of(page: str) -> list[str]:
    return page.split('id="attention-list"')[1].split("</ul>")[0].split("<li")[1:]


def test_it_lists_every_kind_of_problem_in_words(en, zone_users):
    zone, officer = zone_users.zone, zone_users.officer
    late = problem(zone, officer, Status.PENDING, title="Radar en retard")
    stuck = problem(zone, officer, Status.SENDING, title="Envoi bloqué", ago=timedelta(minutes=5))
    unknown = problem(zone, officer, Status.UNKNOWN, title="Issue inconnue", ago=timedelta(minutes=3))
    failed = problem(zone, officer, Status.FAILED, title="Refusée par X", ago=timedelta(minutes=1))
    problem(zone, officer, Status.PUBLISHED, title="Déjà en ligne", external_id="1", published_at=timezone.now())
    problem(zone, officer, Status.PENDING, title="Pour plus tard", ago=-timedelta(hours=2))
    en.force_login(officer)
    page = en.get(attention(zone)).content.decode()

    assert "4 publications need a person" in page
    assert "Déjà en ligne" not in page and "Pour plus tard" not in page
    rows = rows_of(page)
    # The oldest problem first, each linking to the publications block of its post.
    for row, publication in zip(rows, [late, stuck, unknown, failed], strict=True):
        assert publication.post.title in row
        assert reverse("editorial:post_detail", args=[zone.slug, publication.post_id]) + "#publications" in row
        assert "X" in row
    late_row, stuck_row, unknown_row, failed_row = rows
    assert "Late" in late_row and "not sent 12 min after its time" in late_row
    started = timezone.localtime(stuck.sending_started_at, BRUSSELS).strftime("%H:%M")
    assert f"sending since {started}: the publishing service stopped during the send" in stuck_row
    assert "Unknown outcome" in unknown_row and "check the account" in unknown_row
    assert "Last error: Erreur de Issue inconnue" in unknown_row
    assert "Failed" in failed_row and "Last error: Erreur de Refusée par X" in failed_row
    # Since when, in Brussels time (the browser's or the server's time zone does not matter).
    # The day is said only for a problem of an earlier day.
    assert re.search(rf"since (\d+ \w+ at )?{timezone.localtime(failed.updated_at, BRUSSELS):%H:%M}<", failed_row)
    assert "the publishing service may be stopped" in page


def test_what_has_not_gone_out_yet_comes_before_older_outcomes_to_settle(en, zone_users):
    zone, officer = zone_users.zone, zone_users.officer
    problem(zone, officer, Status.UNKNOWN, title="Inconnue depuis hier", ago=timedelta(days=1))
    problem(zone, officer, Status.FAILED, title="Échouée ce matin", ago=timedelta(hours=3))
    problem(zone, officer, Status.PENDING, title="En retard", ago=timedelta(minutes=3))
    problem(zone, officer, Status.SENDING, title="Bloquée", ago=timedelta(minutes=20))
    en.force_login(officer)
    rows = rows_of(en.get(attention(zone)).content.decode())
    titles = [re.search(r"<bdi>(.*?)</bdi>", row)[1] for row in rows]
    assert titles == ["Bloquée", "En retard", "Inconnue depuis hier", "Échouée ce matin"]


def test_a_problem_of_an_earlier_day_says_the_day(en, zone_users):
    problem(zone_users.zone, zone_users.officer, Status.UNKNOWN, title="Avant-hier", ago=timedelta(days=2))
    en.force_login(zone_users.officer)
    (row,) = rows_of(en.get(attention(zone_users.zone)).content.decode())
    since = timezone.localtime(timezone.now() - timedelta(days=2), BRUSSELS)
    assert re.search(rf"since {since.day} \w+ at \d\d:\d\d<", row)


def test_the_words_of_each_count(en, zone_users):
    zone, officer = zone_users.zone, zone_users.officer
    for n in range(3):
        problem(zone, officer, Status.RETRYING, title=f"Retard {n}")
    problem(zone, officer, Status.UNKNOWN, title="Inconnue")
    en.force_login(officer)
    page = en.get(attention(zone)).content.decode()
    counts = page.split("problem-counts")[1].split("</ul>")[0]
    assert "3 late" in counts and "1 unknown outcome" in counts
    assert "failed" not in counts and "stuck" not in counts


def test_the_total_and_the_pages(en, zone_users):
    zone, officer = zone_users.zone, zone_users.officer
    for n in range(53):
        problem(zone, officer, Status.UNKNOWN, title=f"Publication {n:02}", ago=timedelta(minutes=200 - n))
    en.force_login(officer)
    first = en.get(attention(zone)).content.decode()
    assert "53 publications need a person" in first
    assert len(rows_of(first)) == 50
    assert "Page 1 of 2" in first and "?page=2" in first
    second = en.get(attention(zone), {"page": 2}).content.decode()
    assert "53 publications need a person" in second
    titles = re.findall(r"<bdi>Publication (\d\d)</bdi>", "".join(rows_of(second)))
    assert titles == ["50", "51", "52"]
    assert "Page 2 of 2" in second and "?page=1" in second
    # A page number that does not exist is the nearest page, never an error.
    for wrong in ("99", "abc", "-1", ""):
        assert en.get(attention(zone), {"page": wrong}).status_code == 200


def test_another_zones_publications_never_appear(en, zone_users):
    other = make_zone("Zone de police Boraine bis")
    other_officer = make_member(other, "officer")
    problem(other, other_officer, Status.FAILED, title="Ailleurs, échouée")
    problem(other, other_officer, Status.PENDING, title="Ailleurs, en retard")
    problem(zone_users.zone, zone_users.officer, Status.UNKNOWN, title="Chez nous")
    en.force_login(zone_users.officer)
    page = en.get(attention(zone_users.zone)).content.decode()
    assert "Chez nous" in page and "1 publication needs a person" in page
    assert "Ailleurs" not in page


def test_nothing_to_do_is_said_in_a_sentence(en, zone_users):
    en.force_login(zone_users.director)
    page = en.get(attention(zone_users.zone)).content.decode()
    assert "No publication needs a person: everything due has gone out" in page
    assert 'id="attention-list"' not in page


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("officer", 200),
        ("director", 200),
        ("admin", 403),
        ("unit_head", 403),
        ("other_unit_head", 403),
        ("outsider", 404),
        ("nobody", 404),
    ],
)
def test_it_is_for_who_answers_for_what_goes_out(client, zone_users, role, expected):
    client.force_login(getattr(zone_users, role))
    assert client.get(attention(zone_users.zone)).status_code == expected


def test_it_sends_anonymous_visitors_to_sign_in(client, zone_users):
    response = client.get(attention(zone_users.zone))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_a_deliberate_pause_is_not_late_but_failures_still_need_a_person(en, zone_users):
    zone, officer = zone_users.zone, zone_users.officer
    problem(zone, officer, Status.PENDING, title="En pause")
    problem(zone, officer, Status.FAILED, title="Échouée avant la pause")
    zone.__class__.objects.filter(pk=zone.pk).update(publishing_paused=True)
    en.force_login(officer)
    page = en.get(attention(zone)).content.decode()
    assert "En pause" not in page and "Échouée avant la pause" in page
    assert "the publishing service may be stopped" not in page


def test_its_query_count_does_not_grow(client, zone_users, django_assert_max_num_queries):
    zone, officer = zone_users.zone, zone_users.officer
    kinds = [Status.PENDING, Status.SENDING, Status.UNKNOWN, Status.FAILED]

    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            problem(zone, officer, kinds[n % 4], title=f"Problème {n}")

    add(4, 0)
    client.force_login(officer)
    with django_assert_max_num_queries(10) as few:
        assert client.get(attention(zone)).status_code == 200
    add(60, 4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(attention(zone)).content.decode()
    assert "64" in page.split('id="attention-total"')[1].split("</p>")[0]

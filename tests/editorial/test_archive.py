"""The archive (issue 16, point 2): what went out, searched like the Posts page, the period being when each post
went out, and a period of it exported as CSV or JSON, streamed, limited per request, audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from editorial.models import AuditEvent, Category, Channel, Post, Publication
from editorial.selectors import archive as archive_selectors
from tests.factories import make_item, make_post, submit_and_approve

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
UTC = dt.UTC


def went_out(post: Post, when: dt.datetime, *, channels=None) -> Post:
    """The post as the pipeline leaves it once published: a publication per channel, with its platform id."""
    Post.objects.filter(pk=post.pk).update(status=Post.Status.PUBLISHED)
    for channel in channels or Channel.objects.filter(zone=post.zone):
        Publication.objects.update_or_create(
            post=post,
            channel=channel,
            defaults={
                "status": Publication.Status.PUBLISHED,
                "external_id": f"{post.pk}{channel.pk}",
                "external_url": f"https://example.org/{channel.kind}/{post.pk}",
                "published_at": when,
            },
        )
    return post


def published_post(users, title: str, when: dt.datetime, **kwargs) -> Post:
    kwargs.setdefault("planned_at", timezone.now() + dt.timedelta(days=1))
    post = make_post(users.zone, users.officer, title=title, **kwargs)
    submit_and_approve(post, users.officer, users.director)
    return went_out(post, when)


def page(client, user, zone, **params):
    client.force_login(user)
    return client.get(reverse("editorial:archive", args=[zone.slug]), params, **EN)


def export(client, user, zone, fmt: str = "csv", **params):
    client.force_login(user)
    return client.get(reverse(f"editorial:archive_export_{fmt}", args=[zone.slug]), params, **EN)


def body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body(response).lstrip("\ufeff"))))


# --- The page ----------------------------------------------------------------------------------------------


def test_it_lists_only_what_went_out(client, zone_users):
    published_post(zone_users, "Radar à Quévy", dt.datetime(2026, 3, 2, 9, tzinfo=UTC))
    make_post(zone_users.zone, zone_users.officer, title="Brouillon")
    approved = make_post(
        zone_users.zone, zone_users.officer, title="Approuvé", planned_at=timezone.now() + dt.timedelta(days=1)
    )
    submit_and_approve(approved, zone_users.officer, zone_users.director)
    response = page(client, zone_users.director, zone_users.zone)
    assert response.status_code == 200
    assert [post.title for post in response.context["posts"]] == ["Radar à Quévy"]
    assert "Radar à Quévy" in response.content.decode()


def test_the_period_is_when_the_post_went_out(client, zone_users):
    # Planned for March, went out in April: the archive finds it in April.
    post = published_post(zone_users, "Travaux N6", dt.datetime(2026, 4, 10, 8, tzinfo=UTC))
    Post.objects.filter(pk=post.pk).update(planned_at=dt.datetime(2026, 3, 1, 8, tzinfo=UTC))
    published_post(zone_users, "Radar", dt.datetime(2026, 3, 1, 8, tzinfo=UTC))
    response = page(client, zone_users.officer, zone_users.zone, start="2026-04-01", end="2026-04-30")
    assert [p.title for p in response.context["posts"]] == ["Travaux N6"]


def test_it_searches_words_and_filters(client, zone_users):
    category = Category.objects.get(zone=zone_users.zone)
    published_post(zone_users, "Radar à Quévy", dt.datetime(2026, 3, 2, 9, tzinfo=UTC), category=category)
    published_post(zone_users, "Inondation", dt.datetime(2026, 3, 3, 9, tzinfo=UTC))
    assert [p.title for p in page(client, zone_users.officer, zone_users.zone, q="INONDATION").context["posts"]] == [
        "Inondation"
    ]
    filtered = page(client, zone_users.officer, zone_users.zone, category=category.pk)
    assert [p.title for p in filtered.context["posts"]] == ["Radar à Quévy"]
    latest_first = page(client, zone_users.officer, zone_users.zone)
    assert [p.title for p in latest_first.context["posts"]] == ["Inondation", "Radar à Quévy"]


def test_unknown_filter_values_are_ignored_with_a_message(client, zone_users):
    published_post(zone_users, "Radar", dt.datetime(2026, 3, 2, 9, tzinfo=UTC))
    response = page(client, zone_users.officer, zone_users.zone, category="999999", start="2026-13-45", sort="x")
    assert response.status_code == 200
    assert [p.title for p in response.context["posts"]] == ["Radar"]
    assert "were not understood" in response.content.decode()


def test_the_page_has_a_fixed_number_of_queries(client, zone_users):
    def count() -> int:
        client.force_login(zone_users.officer)
        with CaptureQueriesContext(connection) as queries:
            assert page(client, zone_users.officer, zone_users.zone).status_code == 200
        return len(queries)

    published_post(zone_users, "Un", dt.datetime(2026, 3, 1, 9, tzinfo=UTC), item=make_item(zone_users.zone))
    few = count()
    for day in range(2, 8):
        published_post(
            zone_users, f"Post {day}", dt.datetime(2026, 3, day, 9, tzinfo=UTC), item=make_item(zone_users.zone)
        )
    assert count() == few


@pytest.mark.parametrize("user", ["unit_head", "admin"])
def test_it_is_for_officers_and_directors(client, zone_users, user):
    assert page(client, getattr(zone_users, user), zone_users.zone).status_code == 403
    response = export(client, getattr(zone_users, user), zone_users.zone, start="2026-01-01", end="2026-01-31")
    assert response.status_code == 403


def test_another_zone_is_a_404(client, zone_users):
    assert page(client, zone_users.outsider, zone_users.zone).status_code == 404
    response = export(client, zone_users.outsider, zone_users.zone, start="2026-01-01", end="2026-01-31")
    assert response.status_code == 404


# --- The export --------------------------------------------------------------------------------------------


def test_the_csv_has_a_line_per_post_and_channel_with_what_went_out(client, zone_users):
    zone = zone_users.zone
    zone_users.director.first_name, zone_users.director.last_name = "Marc", "Lambert"
    zone_users.director.save()
    item = make_item(zone, submitted_by=zone_users.unit_head)
    post = published_post(zone_users, "Radar à Quévy", dt.datetime(2026, 3, 30, 22, 30, tzinfo=UTC), item=item)
    response = export(client, zone_users.officer, zone, start="2026-03-01", end="2026-03-31")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert len(rows) == Channel.objects.filter(zone=zone).count()
    first = rows[0]
    assert first["post_id"] == str(post.pk)
    assert first["title"] == "Radar à Quévy"
    assert first["went_out_at"] == "2026-03-31T00:30:00+02:00"  # Brussels, summer time
    assert first["unit"] == "Trafic"
    assert first["approver"] == "Marc Lambert"
    assert first["approved_at"]
    assert {row["platform_id"] for row in rows} == {f"{post.pk}{c.pk}" for c in Channel.objects.filter(zone=zone)}
    assert all(row["link"].startswith("https://example.org/") and row["text"] for row in rows)


def test_the_csv_is_safe_from_formulas(client, zone_users):
    post = published_post(zone_users, '=HYPERLINK("http://evil")', dt.datetime(2026, 3, 2, 9, tzinfo=UTC))
    post.variants.update(text="@SUM(A1:A2)")
    rows = csv_rows(export(client, zone_users.officer, zone_users.zone, start="2026-03-01", end="2026-03-31"))
    assert rows[0]["title"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["text"] == "'@SUM(A1:A2)"


def test_the_json_has_each_post_with_its_channels(client, zone_users):
    post = published_post(zone_users, "Radar", dt.datetime(2026, 3, 2, 9, tzinfo=UTC))
    response = export(client, zone_users.director, zone_users.zone, "json", start="2026-03-01", end="2026-03-31")
    assert isinstance(response, StreamingHttpResponse)
    data = json.loads(body(response))
    assert data["count"] == 1 and data["start"] == "2026-03-01" and data["end"] == "2026-03-31"
    [row] = data["posts"]
    assert row["post_id"] == post.pk and row["went_out_at"] == "2026-03-02T10:00:00+01:00"
    assert len(row["channels"]) == 2 and all(c["platform_id"] and c["text"] for c in row["channels"])


def test_an_empty_period_is_valid_json(client, zone_users):
    response = export(client, zone_users.officer, zone_users.zone, "json", start="2026-03-01", end="2026-03-31")
    assert json.loads(body(response))["posts"] == []


def test_each_export_is_audited_with_its_period_and_count(client, zone_users):
    published_post(zone_users, "Radar", dt.datetime(2026, 3, 2, 9, tzinfo=UTC))
    body(export(client, zone_users.officer, zone_users.zone, start="2026-03-01", end="2026-03-31"))
    event = AuditEvent.objects.get(action="editorial.archive.export")
    assert event.actor == zone_users.officer and event.zone == zone_users.zone
    assert event.data["start"] == "2026-03-01" and event.data["end"] == "2026-03-31" and event.data["count"] == 1


def test_the_queries_do_not_grow_with_the_rows(client, zone_users):
    def count() -> int:
        client.force_login(zone_users.officer)
        with CaptureQueriesContext(connection) as queries:
            response = export(client, zone_users.officer, zone_users.zone, start="2026-03-01", end="2026-03-31")
            body(response)
        return len(queries)

    published_post(zone_users, "Un", dt.datetime(2026, 3, 1, 9, tzinfo=UTC), item=make_item(zone_users.zone))
    few = count()
    for day in range(2, 12):
        published_post(zone_users, f"P{day}", dt.datetime(2026, 3, day, 9, tzinfo=UTC), item=make_item(zone_users.zone))
    assert count() == few


def test_the_export_reads_in_chunks(zone_users, monkeypatch):
    # Three chunks of two posts: the prefetches run per chunk, never per post.
    monkeypatch.setattr(archive_selectors, "EXPORT_CHUNK_SIZE", 2)
    for day in range(1, 7):
        published_post(zone_users, f"P{day}", dt.datetime(2026, 3, day, 9, tzinfo=UTC))
    from editorial.forms.archive import ArchiveSearchForm

    filters, _ = ArchiveSearchForm({"start": "2026-03-01", "end": "2026-03-31"}, zone=zone_users.zone).search()
    posts = archive_selectors.export_posts(user=zone_users.officer, zone=zone_users.zone, filters=filters)
    with CaptureQueriesContext(connection) as queries:
        rows = list(archive_selectors.export_rows(posts))
    assert len(rows) == 6
    assert len(queries) <= 1 + 3 * 2 + 3  # the posts (cursor), two prefetches a chunk, the channels' networks


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "Choose the period to export"),
        ({"start": "2024-01-01", "end": "2026-01-01"}, "at most 366 days"),
        ({"start": "2026-01-01", "end": "2026-01-31", "category": "999999"}, "were not understood"),
    ],
)
def test_a_period_too_long_or_missing_is_refused_with_a_message(client, zone_users, params, message):
    response = export(client, zone_users.officer, zone_users.zone, **params)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("editorial:archive", args=[zone_users.zone.slug]))
    followed = client.get(response["Location"], **EN)
    assert message in followed.content.decode()
    assert not AuditEvent.objects.filter(action="editorial.archive.export").exists()


def test_too_many_posts_is_refused_with_a_message(client, zone_users, monkeypatch):
    monkeypatch.setattr("editorial.views.archive.MAX_EXPORT_POSTS", 1)
    published_post(zone_users, "Un", dt.datetime(2026, 3, 1, 9, tzinfo=UTC))
    published_post(zone_users, "Deux", dt.datetime(2026, 3, 2, 9, tzinfo=UTC))
    response = export(client, zone_users.officer, zone_users.zone, start="2026-03-01", end="2026-03-31")
    assert response.status_code == 302
    assert "This period has 2 posts" in client.get(response["Location"], **EN).content.decode()

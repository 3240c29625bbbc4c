"""The Posts page (issue 14, point 1): every post one may read, found by words of its title and texts (accents and
capitals ignored), filtered, sorted, paged, the search kept in the address; never an error whatever is typed."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import permissions
from accounts.models import Membership, Role
from editorial.models import Category, Channel, Language, Locality, Post, PostVariant, Unit
from editorial.selectors.search import PostFilters, search_posts, visible_posts
from tests.factories import make_item, make_member, make_post, make_zone, submit_and_approve

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
BRUSSELS = dt.timezone(dt.timedelta(hours=2))  # summer time, for the dates below


def url(zone) -> str:
    return reverse("editorial:post_list", args=[zone.slug])


def titles(response) -> list[str]:
    return [post.title for post in response.context["posts"]]


def search(client, user, zone, **params) -> list[str]:
    client.force_login(user)
    response = client.get(url(zone), params, **EN)
    assert response.status_code == 200
    return titles(response)


def text_post(zone, author, title: str, text: str, **kwargs) -> Post:
    post = Post.objects.create(zone=zone, author=author, title=title, **kwargs)
    for channel in Channel.objects.filter(zone=zone):
        PostVariant.objects.create(post=post, channel=channel, text=text)
    return post


# --- The page ----------------------------------------------------------------------------------------------


def test_it_lists_the_zones_posts_with_what_a_row_shows(client, zone_users):
    zone, officer = zone_users.zone, zone_users.officer
    item = make_item(zone, submitted_by=zone_users.unit_head)
    category, locality = Category.objects.get(zone=zone), Locality.objects.get(zone=zone)
    officer.first_name, officer.last_name = "Claire", "Dupont"
    officer.save()
    make_post(
        zone,
        officer,
        title="Radar à Quévy",
        item=item,
        category=category,
        locality=locality,
        planned_at=dt.datetime(2027, 6, 10, 8, 0, tzinfo=dt.UTC),
    )
    client.force_login(officer)
    response = client.get(url(zone), **EN)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Radar à Quévy" in page
    assert "status-post-draft" in page  # the badge
    assert "Thu 10 Jun, 10:00" in page  # planned time in Brussels
    assert "Contrôle vitesse" in page and "Trafic" in page and "Claire Dupont" in page
    assert "X (X" in page or ">X<" in page or "X<br>" in page  # the channels' labels
    assert f'href="{url(zone)}"' in page  # "Posts" in the zone navigation


@pytest.mark.parametrize("role", ["officer", "director", "admin", "unit_head", "other_unit_head"])
def test_everyone_of_the_zone_opens_it(client, zone_users, role):
    client.force_login(getattr(zone_users, role))
    response = client.get(url(zone_users.zone), **EN)
    assert response.status_code == 200
    assert b">Posts</a>" in response.content


@pytest.mark.parametrize("role", ["outsider", "nobody"])
def test_another_zone_is_a_404(client, zone_users, role):
    make_post(zone_users.zone, zone_users.officer, title="Secret de Mons")
    client.force_login(getattr(zone_users, role))
    assert client.get(url(zone_users.zone)).status_code == 404


def test_it_never_shows_another_zones_posts(client, zone_users):
    other = Membership.objects.get(user=zone_users.outsider).zone
    make_post(other, zone_users.outsider, title="Radar de Boraine")
    make_post(zone_users.zone, zone_users.officer, title="Radar de Mons")
    assert search(client, zone_users.officer, zone_users.zone, q="radar") == ["Radar de Mons"]


def test_anonymous_visitors_sign_in_first(client, zone_users):
    response = client.get(url(zone_users.zone))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


# --- Search ------------------------------------------------------------------------------------------------


@pytest.fixture
def texts(zone_users):
    zone, officer = zone_users.zone, zone_users.officer
    return [
        text_post(zone, officer, "Contrôle A", "Contrôle de vitesse à Quévy ce jeudi #radar"),
        text_post(zone, officer, "Travaux B", "Travaux sur la N6 à Frameries, déviation par Jemappes"),
        text_post(zone, officer, "Élection C", "Élection du conseil de police à Mons"),
    ]


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("Quévy", ["Contrôle A"]),
        ("quevy", ["Contrôle A"]),
        ("QUEVY", ["Contrôle A"]),
        ("deviation", ["Travaux B"]),  # the text says "déviation"
        ("élection", ["Élection C"]),
        ("election", ["Élection C"]),  # in the title and the text
        ("Frameries jemappes", ["Travaux B"]),  # every word
        ("Frameries Quévy", []),
        ("travaux", ["Travaux B"]),
    ],
)
def test_it_finds_a_word_of_a_text_with_and_without_accents(client, zone_users, texts, typed, found):
    assert sorted(search(client, zone_users.officer, zone_users.zone, q=typed)) == found


def test_it_finds_a_word_of_the_title_only(client, zone_users):
    text_post(zone_users.zone, zone_users.officer, "Opération Bob été", "Rien dans le texte")
    assert search(client, zone_users.officer, zone_users.zone, q="ete bob") == ["Opération Bob été"]
    # One word in the title, the other in a text.
    assert search(client, zone_users.officer, zone_users.zone, q="bob texte") == ["Opération Bob été"]


def test_quotes_and_minus_work_as_in_a_search_engine(client, zone_users, texts):
    officer, zone = zone_users.officer, zone_users.zone
    assert search(client, officer, zone, q='"conseil de police"') == ["Élection C"]
    assert search(client, officer, zone, q='"police de conseil"') == []
    assert search(client, officer, zone, q="travaux -Frameries") == []
    assert search(client, officer, zone, q="élection -Frameries") == ["Élection C"]


def test_stems_match_on_postgresql(client, zone_users, texts, postgres):
    # French stemming: "contrôles" finds "contrôle"; stop words ("à", "la") do not have to be in the text.
    assert search(client, zone_users.officer, zone_users.zone, q="contrôles") == ["Contrôle A"]
    assert search(client, zone_users.officer, zone_users.zone, q="contrôle à la Quévy") == ["Contrôle A"]


def test_a_bilingual_zone_searches_in_both_languages(client, zone_users, postgres):
    zone = zone_users.zone
    zone.languages = Language.BOTH
    zone.save()
    text_post(zone, zone_users.officer, "Snelheid", "Snelheidscontroles in de straten van Bergen")
    text_post(zone, zone_users.officer, "Vitesse", "Contrôles de vitesse dans les rues de Mons")
    assert search(client, zone_users.officer, zone, q="straat") == ["Snelheid"]  # Dutch stem: straten
    assert search(client, zone_users.officer, zone, q="rue") == ["Vitesse"]  # French stem: rues


def test_the_search_uses_the_indexes_on_postgresql(zone_users, postgres):
    posts = search_posts(user=zone_users.officer, zone=zone_users.zone, filters=PostFilters(text="radar"))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test table is small: ask what the plan would be
        plan = posts.explain()
    assert "post_title_desk_french_fts" in plan and "variant_text_desk_french_fts" in plan, plan


# --- Filters and sort --------------------------------------------------------------------------------------


def test_each_filter_narrows_the_list(client, zone_users):
    zone, officer, head = zone_users.zone, zone_users.officer, zone_users.unit_head
    x = Channel.objects.get(zone=zone, kind=Channel.Kind.X)
    speed = Category.objects.get(zone=zone)
    quevy = Locality.objects.get(zone=zone)
    judicial = Unit.objects.get(zone=zone, name="Judiciaire")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    a = make_post(
        zone,
        officer,
        title="A",
        category=speed,
        locality=quevy,
        item=make_item(zone, submitted_by=head),
        planned_at=later,
    )
    b = make_post(zone, head, title="B", item=make_item(zone, "Judiciaire"))
    PostVariant.objects.filter(post=b, channel=x).delete()
    submit_and_approve(a, officer, zone_users.director)
    cases = {
        "status": ("approved", ["A"]),
        "channel": (x.pk, ["A"]),
        "unit": (judicial.pk, ["B"]),
        "category": (speed.pk, ["A"]),
        "locality": (quevy.pk, ["A"]),
        "author": (head.pk, ["B"]),
    }
    for name, (value, found) in cases.items():
        assert search(client, officer, zone, **{name: value}) == found, name
    assert sorted(search(client, officer, zone)) == ["A", "B"]


def test_the_period_is_days_in_the_zones_time(client, zone_users):
    zone, officer = zone_users.zone, zone_users.officer
    # 23:30 in Brussels on 9 June is 21:30 UTC: the 9th, not the 10th.
    make_post(zone, officer, title="Late", planned_at=dt.datetime(2027, 6, 9, 23, 30, tzinfo=BRUSSELS))
    make_post(zone, officer, title="Early", planned_at=dt.datetime(2027, 6, 10, 0, 30, tzinfo=BRUSSELS))
    make_post(zone, officer, title="No time")
    assert search(client, officer, zone, start="2027-06-10") == ["Early"]
    assert search(client, officer, zone, end="2027-06-09") == ["Late"]
    assert search(client, officer, zone, start="2027-06-09", end="2027-06-09") == ["Late"]
    # Typed backwards, the same period.
    assert sorted(search(client, officer, zone, start="2027-06-10", end="2027-06-09")) == ["Early", "Late"]


def test_it_sorts_by_planned_time_created_or_title(client, zone_users):
    zone, officer = zone_users.zone, zone_users.officer
    make_post(zone, officer, title="b", planned_at=dt.datetime(2027, 6, 1, 10, tzinfo=dt.UTC))
    make_post(zone, officer, title="C", planned_at=dt.datetime(2027, 6, 3, 10, tzinfo=dt.UTC))
    make_post(zone, officer, title="a")
    assert search(client, officer, zone) == ["C", "b", "a"]  # latest first, no time last
    assert search(client, officer, zone, sort="created") == ["a", "C", "b"]
    assert search(client, officer, zone, sort="title") == ["a", "b", "C"]


def test_the_search_stays_in_the_address_and_the_pages(client, zone_users):
    zone, officer = zone_users.zone, zone_users.officer
    for n in range(55):
        text_post(zone, officer, f"Radar {n:02d}", "Contrôle radar")
    text_post(zone, officer, "Autre", "Rien")
    client.force_login(officer)
    response = client.get(url(zone), {"q": "radar", "sort": "title"}, **EN)
    page = response.content.decode()
    assert response.context["page"].paginator.count == 55
    assert "?q=radar&amp;sort=title&amp;page=2" in page
    second = client.get(url(zone), {"q": "radar", "sort": "title", "page": "2"}, **EN)
    assert titles(second) == ["Radar 50", "Radar 51", "Radar 52", "Radar 53", "Radar 54"]
    assert 'value="radar"' in second.content.decode()


# --- Who sees what -----------------------------------------------------------------------------------------


def test_a_unit_head_sees_the_posts_of_their_unit_only(client, zone_users):
    zone, officer, head = zone_users.zone, zone_users.officer, zone_users.unit_head
    make_post(zone, officer, title="Of Trafic", item=make_item(zone, submitted_by=head))
    make_post(zone, officer, title="Of Judiciaire", item=make_item(zone, "Judiciaire"))
    make_post(zone, officer, title="Free")
    assert search(client, head, zone) == ["Of Trafic"]
    assert search(client, zone_users.other_unit_head, zone) == ["Of Judiciaire"]
    assert sorted(search(client, zone_users.director, zone)) == ["Free", "Of Judiciaire", "Of Trafic"]


@pytest.mark.parametrize("seed", range(3))
def test_the_list_and_can_view_post_agree(zone_users, seed):
    rng = random.Random(seed)
    zone = zone_users.zone
    trafic, judicial = Unit.objects.get(zone=zone, name="Trafic"), Unit.objects.get(zone=zone, name="Judiciaire")
    proximity = Unit.objects.create(zone=zone, name="Proximité")
    # A head of two units, and a unit head whose membership was ended.
    both = make_member(zone, Role.UNIT_HEAD, "Judiciaire")
    Membership.objects.create(user=both, zone=zone, role=Role.UNIT_HEAD, unit=proximity)
    former = make_member(zone, Role.UNIT_HEAD, "Proximité")
    Membership.objects.filter(user=former).update(is_active=False)
    categories = [
        None,
        Category.objects.get(zone=zone),
        Category.objects.create(zone=zone, name="Judiciaire", signoff_unit=judicial),
        Category.objects.create(zone=zone, name="Trafic lourd", signoff_unit=trafic),
    ]
    items = [None, *(make_item(zone, unit.name) for unit in (trafic, judicial, proximity))]
    authors = [zone_users.officer, zone_users.unit_head, zone_users.other_unit_head, both, former]
    for n in range(40):
        post = Post.objects.create(
            zone=zone,
            author=rng.choice(authors),
            title=f"Post {n}",
            item=rng.choice(items),
            category=rng.choice(categories),
            status=rng.choice([Post.Status.DRAFT, Post.Status.IN_REVIEW, Post.Status.CANCELLED]),
        )
        post.shared_with_units.set(rng.sample([trafic, judicial, proximity], rng.randint(0, 2)))
    viewers = [*authors, zone_users.director, zone_users.admin, zone_users.outsider, zone_users.nobody]
    posts = list(Post.objects.filter(zone=zone).select_related("zone", "item", "category"))
    for viewer in viewers:
        viewer = type(viewer).objects.get(pk=viewer.pk)  # rights read afresh
        expected = {post.pk for post in posts if permissions.can_view_post(viewer, post)}
        listed = set(visible_posts(user=viewer, zone=zone).values_list("pk", flat=True))
        assert listed == expected, viewer.username
        searched = set(search_posts(user=viewer, zone=zone, filters=PostFilters()).values_list("pk", flat=True))
        assert searched == expected, viewer.username


# --- Queries -----------------------------------------------------------------------------------------------


def _queries(client, user, zone, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url(zone), params, **EN)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["officer", "unit_head"])
@pytest.mark.parametrize("params", [{}, {"q": "radar quévy", "status": "draft", "sort": "title"}])
def test_the_number_of_queries_does_not_grow_with_the_posts(
    client, zone_users, role, params, django_assert_max_num_queries
):
    zone, user = zone_users.zone, getattr(zone_users, role)
    item = make_item(zone, submitted_by=zone_users.unit_head)
    category, locality = Category.objects.get(zone=zone), Locality.objects.get(zone=zone)

    def add(count: int) -> None:
        for _n in range(count):
            post = make_post(zone, zone_users.officer, item=item, category=category, locality=locality)
            post.shared_with_units.set(Unit.objects.filter(zone=zone))

    add(2)
    client.force_login(user)
    few = _queries(client, user, zone, params)
    add(60)
    with django_assert_max_num_queries(few):
        response = client.get(url(zone), params, **EN)
    assert len(response.context["posts"]) == 50


# --- Odd input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"channel": "999999999999999999999"},
        {"unit": "abc"},
        {"category": "-1"},
        {"status": "published'; DROP TABLE"},
        {"start": "2027-02-30"},
        {"end": "20256-01-01"},
        {"start": "0001-01-01"},
        {"sort": "password"},
    ],
)
def test_unknown_values_are_left_out_and_said(client, zone_users, params):
    make_post(zone_users.zone, zone_users.officer, title="Radar")
    client.force_login(zone_users.officer)
    response = client.get(url(zone_users.zone), params, **EN)
    assert response.status_code == 200
    assert titles(response) == ["Radar"]
    assert "not understood and was left out of the search" in response.content.decode()


def test_another_zones_channel_is_an_unknown_value(client, zone_users):
    other = make_zone()
    make_post(zone_users.zone, zone_users.officer, title="Radar")
    foreign = Channel.objects.filter(zone=other).first()
    client.force_login(zone_users.officer)
    response = client.get(url(zone_users.zone), {"channel": foreign.pk}, **EN)
    assert titles(response) == ["Radar"]
    assert "Channel" in response.context["ignored"]


@pytest.mark.parametrize(
    "typed",
    [
        "\x00",
        "radar\x00quévy",
        "'\"():*&|!<>",
        "a" * 100_000,
        "مراقبة السرعة",
        "速度取締り",
        "🚓🚨",
        "<script>alert(1)</script>",
        "-",
        '"',
        "le la les de",  # French stop words only
        "OR AND NOT",
        "\u202eevil",
    ],
)
def test_odd_search_input_never_errors(client, zone_users, typed):
    text_post(zone_users.zone, zone_users.officer, "Radar", "Contrôle radar")
    client.force_login(zone_users.officer)
    response = client.get(url(zone_users.zone), {"q": typed}, **EN)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()

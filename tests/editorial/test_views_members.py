"""The zone's members and their delegated rights (issue 13, point 3): the list and the member's page of the
administrator and the director, and what a unit head sees and drafts under a right."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import grants
from accounts.models import Grant, Membership, Role, User
from editorial.models import AuditEvent, Category, Channel, Post, Unit, Zone
from tests.factories import make_member, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def head_membership(zone_users) -> Membership:
    return Membership.objects.get(user=zone_users.unit_head, zone=zone_users.zone)


def member_url(zone_users, membership: Membership | None = None) -> str:
    membership = membership or head_membership(zone_users)
    return reverse("editorial:member_detail", args=[zone_users.zone.slug, membership.pk])


def x_of(zone: Zone) -> Channel:
    return Channel.objects.get(zone=zone, kind=Channel.Kind.X)


def speed(zone: Zone) -> Category:
    return Category.objects.get(zone=zone, name="Contrôle vitesse")


def give(zone_users, scope=Grant.Scope.TEMPLATES) -> Grant:
    return grants.grant_create(
        actor=zone_users.director,
        membership=head_membership(zone_users),
        scope=scope,
        channels=[x_of(zone_users.zone)],
        categories=[speed(zone_users.zone)],
    )


@pytest.mark.parametrize("who", ["director", "admin"])
def test_it_lists_the_members_with_their_rights_in_plain_words(client, zone_users, who):
    give(zone_users)
    client.force_login(getattr(zone_users, who))
    page = client.get(reverse("editorial:member_list", args=[zone_users.zone.slug])).content.decode()
    assert "Publishes from approved templates on" in page and "for Contrôle vitesse." in page
    assert "Trafic" in page and "Judiciaire" in page
    assert member_url(zone_users) in page


@pytest.mark.parametrize("who", ["officer", "unit_head", "other_unit_head"])
def test_it_is_refused_to_the_other_roles(client, zone_users, who):
    client.force_login(getattr(zone_users, who))
    assert client.get(reverse("editorial:member_list", args=[zone_users.zone.slug])).status_code == 403
    assert client.get(member_url(zone_users)).status_code == 403


def test_another_zone_gets_404(client, zone_users):
    other = Zone.objects.get(slug="boraine")
    other_admin = make_member(other, Role.ADMIN)
    client.force_login(other_admin)
    assert client.get(reverse("editorial:member_list", args=[zone_users.zone.slug])).status_code == 404
    assert client.get(member_url(zone_users)).status_code == 404
    # Their own zone's address with this zone's membership: 404 too.
    url = reverse("editorial:member_detail", args=[other.slug, head_membership(zone_users).pk])
    assert client.get(url).status_code == 404


def test_the_list_keeps_a_fixed_query_count(client, zone_users, django_assert_max_num_queries):
    client.force_login(zone_users.admin)
    url = reverse("editorial:member_list", args=[zone_users.zone.slug])
    give(zone_users)
    client.get(url)
    with django_assert_max_num_queries(30) as few:
        assert client.get(url).status_code == 200
    zone = zone_users.zone
    for n in range(8):
        head = make_member(zone, Role.UNIT_HEAD, "Judiciaire", username=f"head{n}")
        grants.grant_create(
            actor=zone_users.director,
            membership=Membership.objects.get(user=head),
            scope=Grant.Scope.POSTS,
            channels=Channel.objects.filter(zone=zone),
            categories=[speed(zone)],
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_director_grants_a_right_from_the_member_page(client, zone_users):
    client.force_login(zone_users.director)
    zone = zone_users.zone
    response = client.post(
        member_url(zone_users), {"scope": "posts", "channels": [x_of(zone).pk], "categories": [speed(zone).pk]}
    )
    assert response.status_code == 302 and response["Location"] == member_url(zone_users)
    right = Grant.objects.get()
    assert right.scope == "posts" and right.granted_by == zone_users.director
    page = client.get(member_url(zone_users)).content.decode()
    assert "Delegated rights in force" in page and "writes posts for the director&#x27;s review" in page


def test_a_refused_grant_says_what_is_missing_at_its_place_and_keeps_the_ticks(client, zone_users):
    client.force_login(zone_users.admin)
    response = client.post(member_url(zone_users), {"scope": "posts", "channels": [x_of(zone_users.zone).pk]})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose at least one category." in page
    assert 'href="#id_categories_0"' in page
    assert re.search(rf'value="{x_of(zone_users.zone).pk}" id="id_channels_\d" checked', page)
    assert not Grant.objects.exists()


def test_a_channel_of_another_zone_is_not_offered_nor_accepted(client, zone_users):
    client.force_login(zone_users.admin)
    other_x = x_of(Zone.objects.get(slug="boraine"))
    response = client.post(
        member_url(zone_users),
        {"scope": "templates", "channels": [other_x.pk], "categories": [speed(zone_users.zone).pk]},
    )
    assert response.status_code == 200 and not Grant.objects.exists()


def test_no_grant_form_for_other_roles_nor_for_oneself(client, zone_users):
    client.force_login(zone_users.admin)
    officer = Membership.objects.get(user=zone_users.officer)
    page = client.get(member_url(zone_users, officer)).content.decode()
    assert "Delegate this right" not in page and "Rights are delegated to unit heads only" in page
    assert client.post(member_url(zone_users, officer), {"scope": "templates"}).status_code == 200
    assert not Grant.objects.exists()


def test_the_admin_withdraws_a_right_with_confirmation(client, zone_users):
    right = give(zone_users)
    client.force_login(zone_users.admin)
    page = client.get(member_url(zone_users)).content.decode()
    assert "Withdraw this right" in page and "Yes, withdraw it" in page
    revoke = reverse("editorial:grant_revoke", args=[zone_users.zone.slug, head_membership(zone_users).pk])
    response = client.post(revoke, {"grant": right.pk, "reason": "Mutation"})
    assert response.status_code == 302
    right.refresh_from_db()
    assert right.revoked_by == zone_users.admin
    page = client.get(member_url(zone_users)).content.decode()
    assert "Withdrawn rights" in page and "Withdrawn by" in page
    assert AuditEvent.objects.filter(action="accounts.grant.revoke").get().data["reason"] == "Mutation"
    # Again (a second tab): told, nothing changes.
    client.post(revoke, {"grant": right.pk})
    assert AuditEvent.objects.filter(action="accounts.grant.revoke").count() == 1


def test_a_right_of_another_member_is_not_withdrawn_through_this_one(client, zone_users):
    right = give(zone_users)
    client.force_login(zone_users.admin)
    other = Membership.objects.get(user=zone_users.other_unit_head)
    revoke = reverse("editorial:grant_revoke", args=[zone_users.zone.slug, other.pk])
    assert client.post(revoke, {"grant": right.pk}).status_code == 404
    assert Grant.objects.get(pk=right.pk).is_active


def test_the_navigation_links_the_members_for_who_manages_rights(client, zone_users):
    dashboard = reverse("editorial:zone_dashboard", args=[zone_users.zone.slug])
    members = reverse("editorial:member_list", args=[zone_users.zone.slug])
    for who, shown in [("director", True), ("admin", True), ("officer", False), ("unit_head", False)]:
        client.force_login(getattr(zone_users, who))
        assert (members in client.get(dashboard).content.decode()) is shown, who


# --- The unit head's side -------------------------------------------------------------------------------------


def test_the_unit_head_reads_their_rights_on_their_dashboard(client, zone_users):
    client.force_login(zone_users.unit_head)
    dashboard = reverse("editorial:zone_dashboard", args=[zone_users.zone.slug])
    assert "No right to publish is delegated to you" in client.get(dashboard).content.decode()
    give(zone_users)
    page = client.get(dashboard).content.decode()
    assert "What you may publish" in page and "for Contrôle vitesse." in page


def test_a_unit_head_with_a_posts_right_drafts_on_the_post_form(client, zone_users):
    zone = zone_users.zone
    give(zone_users, scope=Grant.Scope.POSTS)
    Category.objects.create(zone=zone, name="Recrutement")
    client.force_login(zone_users.unit_head)
    url = reverse("editorial:post_create", args=[zone.slug])
    form = client.get(url).content.decode()
    # Their categories and channels only.
    assert "Contrôle vitesse" in form and "Recrutement" not in form
    facebook = Channel.objects.get(zone=zone, kind=Channel.Kind.FACEBOOK)
    assert f'name="text_{facebook.pk}"' not in form
    x = x_of(zone)
    planned = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT10:00")
    data = {
        "title": "Radar",
        "category": speed(zone).pk,
        "planned_at": planned,
        "channels": [x.pk],
        f"text_{x.pk}": "Contrôle de vitesse à Quévy #controle",
        "then": "submit",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    post = Post.objects.get()
    assert post.author == zone_users.unit_head and post.status == Post.Status.IN_REVIEW
    # Their own post on their dashboard.
    page = client.get(reverse("editorial:zone_dashboard", args=[zone.slug])).content.decode()
    assert "Your posts" in page and reverse("editorial:post_detail", args=[zone.slug, post.pk]) in page


def test_a_withdrawn_right_refuses_the_open_form(client, zone_users):
    zone = zone_users.zone
    right = give(zone_users, scope=Grant.Scope.POSTS)
    client.force_login(zone_users.unit_head)
    url = reverse("editorial:post_create", args=[zone.slug])
    assert client.get(url).status_code == 200
    grants.grant_revoke(actor=zone_users.director, grant=right)
    x = x_of(zone)
    response = client.post(url, {"title": "Radar", "category": speed(zone).pk, "channels": [x.pk], f"text_{x.pk}": "R"})
    assert response.status_code == 403
    assert not Post.objects.exists()


def test_a_templates_right_does_not_open_the_post_form(client, zone_users):
    give(zone_users)
    client.force_login(zone_users.unit_head)
    assert client.get(reverse("editorial:post_create", args=[zone_users.zone.slug])).status_code == 403


def test_a_member_without_zone_gets_404(client, zone_users):
    client.force_login(make_user(username="lost"))
    assert client.get(member_url(zone_users)).status_code == 404


def test_the_admin_sees_the_rights_on_the_membership_page_read_only(client, zone_users):
    give(zone_users)
    client.force_login(zone_users.admin)
    url = reverse("admin:accounts_membership_change", args=[head_membership(zone_users).pk])
    page = client.get(url).content.decode()
    assert "Publishes from approved templates on" in page
    changelist = client.get(reverse("admin:accounts_grant_changelist")).content.decode()
    assert "unithead" in changelist or "Unithead" in changelist or str(zone_users.unit_head) in changelist


def test_the_grant_list_of_another_zones_admin_is_empty(client, zone_users):
    give(zone_users)
    other = Zone.objects.get(slug="boraine")
    other_admin = make_member(other, Role.ADMIN, username="boraineadmin", is_staff=True)
    client.force_login(other_admin)
    changelist = client.get(reverse("admin:accounts_grant_changelist")).content.decode()
    assert str(zone_users.unit_head) not in changelist
    assert User.objects.filter(pk=other_admin.pk).exists()
    assert Unit.objects.filter(zone=other).exists()

"""accounts.permissions: the zone-wide rights matrix, the zone lookup, the object-level questions, the cache."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from accounts import permissions
from accounts.models import Membership, Role, User
from accounts.permissions import Right
from editorial.models import Post, Zone
from tests.factories import make_item, make_member, make_post, make_user, make_zone

ROLES = ["officer", "unit_head", "director", "admin"]

# Written out by hand, on purpose: a change to permissions.RIGHTS must fail here until this table agrees.
#                                    officer unit_head director admin
EXPECTED: dict[Right, tuple[bool, bool, bool, bool]] = {
    Right.VIEW_ZONE: (True, True, True, True),
    Right.VIEW_PLAN: (True, False, True, True),
    Right.SUBMIT_ITEM: (True, True, False, False),
    Right.TRIAGE_ITEMS: (True, False, False, False),
    Right.DRAFT_POST: (True, False, False, False),
    Right.REVIEW_POST: (False, False, True, False),
    Right.PUBLISH_POST: (True, False, False, False),
    Right.PAUSE_PUBLISHING: (True, False, True, True),
    Right.MANAGE_ZONE: (False, False, False, True),
    Right.VIEW_AUDIT: (False, False, True, True),
}

MATRIX = [
    pytest.param(right, role, allowed, id=f"{right.value}-{role}")
    for right, row in EXPECTED.items()
    for role, allowed in zip(ROLES, row, strict=True)
]


def fresh(user: User) -> User:
    """The same person as a new object, without cached memberships (as in a new request)."""
    return User.objects.get(pk=user.pk)


def set_status(post: Post, status: str, approver: User) -> Post:
    """Put a post straight into a status, with the approval fields the check constraint asks for."""
    fields: dict[str, object] = {"status": status}
    if status in {Post.Status.APPROVED, Post.Status.PUBLISHED}:
        fields.update(approved_fingerprint="f" * 64, approved_by=approver, approved_at=timezone.now())
    Post.objects.filter(pk=post.pk).update(**fields)
    return Post.objects.select_related("zone", "item").get(pk=post.pk)


# --- The zone-wide matrix -------------------------------------------------------------------------------


def test_it_has_an_expected_row_for_every_right():
    assert set(EXPECTED) == set(Right)


@pytest.mark.parametrize(("right", "role", "allowed"), MATRIX)
def test_it_gives_each_role_exactly_the_rights_of_the_matrix(zone_users, right, role, allowed):
    user = getattr(zone_users, role)
    assert permissions.has_right(user, zone_users.zone, right) is allowed
    assert (right in permissions.rights_in(user, zone_users.zone)) is allowed
    assert (zone_users.zone.pk in permissions.zone_ids_with(user, right)) is allowed


@pytest.mark.parametrize("right", list(Right))
@pytest.mark.parametrize("who", ["outsider", "nobody"])
def test_it_gives_no_right_in_the_zone_to_a_non_member(zone_users, who, right):
    user = getattr(zone_users, who)
    assert permissions.has_right(user, zone_users.zone, right) is False
    assert permissions.rights_in(user, zone_users.zone) == set()


@pytest.mark.parametrize("right", list(Right))
def test_it_gives_no_right_to_an_anonymous_user(zone_users, right):
    anonymous = AnonymousUser()
    assert permissions.has_right(anonymous, zone_users.zone, right) is False
    assert permissions.rights_in(anonymous, zone_users.zone) == set()
    assert permissions.zones_of(anonymous) == []


@pytest.mark.parametrize("role", ROLES)
def test_it_gives_no_right_to_an_inactive_user(zone_users, role):
    user = getattr(zone_users, role)
    user.is_active = False
    user.save()
    user = fresh(user)
    assert permissions.rights_in(user, zone_users.zone) == set()
    assert not any(permissions.has_right(user, zone_users.zone, right) for right in Right)
    assert permissions.zones_of(user) == []


@pytest.mark.parametrize("role", ROLES)
def test_it_gives_no_right_through_an_inactive_membership(zone_users, role):
    user = getattr(zone_users, role)
    assert Membership.objects.filter(user=user).update(is_active=False) == 1
    user = fresh(user)
    assert permissions.rights_in(user, zone_users.zone) == set()
    assert not any(permissions.has_right(user, zone_users.zone, right) for right in Right)
    assert permissions.zones_of(user) == []


def test_it_unites_the_rights_of_several_roles_in_one_zone(zone_users):
    user = make_member(zone_users.zone, Role.OFFICER)
    Membership.objects.create(user=user, zone=zone_users.zone, role=Role.DIRECTOR)
    user = fresh(user)
    assert permissions.rights_in(user, zone_users.zone) == set(Right) - {Right.MANAGE_ZONE}


def test_it_keeps_the_rights_of_one_zone_to_that_zone(zone_users):
    boraine = Zone.objects.get(slug="boraine")
    assert permissions.rights_in(zone_users.outsider, boraine) == {
        Right.VIEW_ZONE,
        Right.VIEW_PLAN,
        Right.SUBMIT_ITEM,
        Right.TRIAGE_ITEMS,
        Right.DRAFT_POST,
        Right.PUBLISH_POST,
        Right.PAUSE_PUBLISHING,
    }
    assert permissions.rights_in(zone_users.officer, boraine) == set()


def test_it_names_the_units_a_unit_head_heads(zone_users):
    trafic = zone_users.zone.unit_set.get(name="Trafic")
    assert permissions.unit_ids_in(zone_users.unit_head, zone_users.zone) == {trafic.pk}
    assert permissions.unit_ids_in(zone_users.officer, zone_users.zone) == set()


# --- zones_of and zone_for_user_or_404 ------------------------------------------------------------------


def test_it_lists_the_zones_of_a_member_by_name(zone_users):
    user = make_member(zone_users.zone, Role.OFFICER)
    Membership.objects.create(user=user, zone=Zone.objects.get(slug="boraine"), role=Role.DIRECTOR)
    assert [z.slug for z in permissions.zones_of(fresh(user))] == ["boraine", "mons-quevy"]
    assert permissions.zones_of(zone_users.nobody) == []


@pytest.mark.parametrize("role", ROLES)
def test_it_gives_a_member_their_zone(zone_users, role):
    assert permissions.zone_for_user_or_404(getattr(zone_users, role), "mons-quevy") == zone_users.zone


@pytest.mark.parametrize("who", ["outsider", "nobody"])
def test_it_answers_404_to_a_non_member(zone_users, who):
    with pytest.raises(Http404):
        permissions.zone_for_user_or_404(getattr(zone_users, who), "mons-quevy")


def test_it_answers_404_to_an_anonymous_user(zone_users):
    with pytest.raises(Http404):
        permissions.zone_for_user_or_404(AnonymousUser(), "mons-quevy")


def test_it_answers_404_for_an_unknown_slug(zone_users):
    with pytest.raises(Http404):
        permissions.zone_for_user_or_404(zone_users.officer, "no-such-zone")


def test_it_gives_the_outsider_their_own_zone(zone_users):
    assert permissions.zone_for_user_or_404(zone_users.outsider, "boraine").slug == "boraine"


# --- Object-level questions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("officer", True),
        ("director", True),
        ("unit_head", True),  # heads Trafic, the item's unit
        ("other_unit_head", False),  # heads Judiciaire
        ("admin", False),
        ("outsider", False),
        ("nobody", False),
    ],
)
def test_it_lets_only_the_right_people_view_an_item(zone_users, who, allowed):
    item = make_item(zone_users.zone, "Trafic", submitted_by=zone_users.unit_head)
    assert permissions.can_view_item(getattr(zone_users, who), item) is allowed


def test_it_hides_an_item_of_another_zone_even_from_its_officers(zone_users):
    boraine = Zone.objects.get(slug="boraine")
    item = make_item(boraine, "Trafic")
    assert permissions.can_view_item(zone_users.officer, item) is False
    assert permissions.can_view_item(zone_users.director, item) is False
    assert permissions.can_view_item(zone_users.unit_head, item) is False
    assert permissions.can_view_item(zone_users.outsider, item) is True


def test_it_hides_an_item_from_an_anonymous_user(zone_users):
    item = make_item(zone_users.zone, "Trafic", submitted_by=zone_users.unit_head)
    assert permissions.can_view_item(AnonymousUser(), item) is False


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("officer", True),
        ("director", True),
        ("admin", True),
        ("unit_head", True),
        ("other_unit_head", False),
        ("outsider", False),
        ("nobody", False),
    ],
)
def test_it_lets_only_the_right_people_view_a_post_from_a_trafic_item(zone_users, who, allowed):
    item = make_item(zone_users.zone, "Trafic", submitted_by=zone_users.unit_head)
    post = make_post(zone_users.zone, zone_users.officer, item=item)
    assert permissions.can_view_post(getattr(zone_users, who), post) is allowed
    assert permissions.can_comment_post(getattr(zone_users, who), post) is allowed


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("officer", True),
        ("director", True),
        ("admin", True),
        ("unit_head", False),
        ("other_unit_head", False),
        ("outsider", False),
        ("nobody", False),
    ],
)
def test_it_hides_a_post_without_item_from_unit_heads(zone_users, who, allowed):
    post = make_post(zone_users.zone, zone_users.officer)
    assert permissions.can_view_post(getattr(zone_users, who), post) is allowed


def test_it_hides_a_post_of_another_zone(zone_users):
    boraine = Zone.objects.get(slug="boraine")
    post = make_post(boraine, zone_users.outsider)
    assert permissions.can_view_post(zone_users.officer, post) is False
    assert permissions.can_view_post(zone_users.director, post) is False
    assert permissions.can_edit_post(zone_users.officer, post) is False
    assert permissions.can_view_post(zone_users.outsider, post) is True


EDIT_STATUSES = [
    (Post.Status.DRAFT, True),
    (Post.Status.IN_REVIEW, True),
    (Post.Status.APPROVED, True),
    (Post.Status.PUBLISHED, False),
    (Post.Status.CANCELLED, False),
]


@pytest.mark.parametrize(("status", "editable"), EDIT_STATUSES)
def test_it_lets_only_an_officer_edit_a_post_still_open(zone_users, status, editable):
    post = set_status(make_post(zone_users.zone, zone_users.officer), status, zone_users.director)
    assert permissions.can_edit_post(zone_users.officer, post) is editable
    for who in ["unit_head", "other_unit_head", "director", "admin", "outsider", "nobody"]:
        assert permissions.can_edit_post(getattr(zone_users, who), post) is False, who
    assert permissions.can_edit_post(AnonymousUser(), post) is False


@pytest.mark.parametrize("status", list(Post.Status))
def test_it_lets_only_a_director_approve_a_post_in_review(zone_users, status):
    post = set_status(make_post(zone_users.zone, zone_users.officer), status, zone_users.director)
    assert permissions.can_approve_post(zone_users.director, post) is (status == Post.Status.IN_REVIEW)
    for who in ["officer", "unit_head", "other_unit_head", "admin", "outsider", "nobody"]:
        assert permissions.can_approve_post(getattr(zone_users, who), post) is False, who
    assert permissions.can_approve_post(AnonymousUser(), post) is False


def test_it_does_not_let_a_director_approve_their_own_post(zone_users):
    both = make_member(zone_users.zone, Role.OFFICER, username="officer-and-director")
    Membership.objects.create(user=both, zone=zone_users.zone, role=Role.DIRECTOR)
    both = fresh(both)
    assert permissions.has_right(both, zone_users.zone, Right.REVIEW_POST)
    post = set_status(make_post(zone_users.zone, both), Post.Status.IN_REVIEW, zone_users.director)
    assert permissions.can_approve_post(both, post) is False
    assert permissions.can_approve_post(zone_users.director, post) is True


def test_it_does_not_let_a_director_of_another_zone_approve(zone_users):
    boraine = Zone.objects.get(slug="boraine")
    boraine_director = make_member(boraine, Role.DIRECTOR)
    post = set_status(make_post(zone_users.zone, zone_users.officer), Post.Status.IN_REVIEW, zone_users.director)
    assert permissions.can_approve_post(boraine_director, post) is False


@pytest.mark.parametrize("status", list(Post.Status))
def test_it_lets_only_an_officer_publish_an_approved_post(zone_users, status):
    post = set_status(make_post(zone_users.zone, zone_users.officer), status, zone_users.director)
    assert permissions.can_publish_post(zone_users.officer, post) is (status == Post.Status.APPROVED)
    for who in ["unit_head", "other_unit_head", "director", "admin", "outsider", "nobody"]:
        assert permissions.can_publish_post(getattr(zone_users, who), post) is False, who
    assert permissions.can_publish_post(AnonymousUser(), post) is False


@pytest.mark.parametrize(("who", "allowed"), [(r, r == "admin") for r in [*ROLES, "outsider", "nobody"]])
def test_it_lets_only_a_zone_admin_manage_the_zone(zone_users, who, allowed):
    assert permissions.can_manage_zone(getattr(zone_users, who), zone_users.zone) is allowed


def test_it_gives_the_admin_zones_of_a_user(zone_users):
    assert permissions.admin_zone_ids(zone_users.admin) == {zone_users.zone.pk}
    assert permissions.admin_zone_ids(zone_users.officer) == set()
    assert permissions.admin_zone_ids(zone_users.nobody) == set()
    assert permissions.admin_zone_ids(AnonymousUser()) == set()
    superuser = make_user(is_superuser=True, is_staff=True)
    assert permissions.admin_zone_ids(superuser) is None
    superuser.is_active = False
    assert permissions.admin_zone_ids(superuser) == set()


# --- The memberships cache ------------------------------------------------------------------------------


def test_it_answers_many_questions_for_one_user_with_one_query(zone_users, django_assert_max_num_queries):
    zone = zone_users.zone
    officer = fresh(zone_users.officer)
    item = make_item(zone, "Trafic", submitted_by=zone_users.unit_head)
    post = set_status(make_post(zone, zone_users.officer, item=item), Post.Status.APPROVED, zone_users.director)
    other_zone = make_zone()
    with django_assert_max_num_queries(1):
        for right in Right:
            permissions.has_right(officer, zone, right)
            permissions.has_right(officer, other_zone, right)
            permissions.zone_ids_with(officer, right)
        permissions.rights_in(officer, zone)
        permissions.roles_in(officer, zone)
        permissions.unit_ids_in(officer, zone)
        permissions.zones_of(officer)
        permissions.zone_for_user_or_404(officer, "mons-quevy")
        permissions.can_view_item(officer, item)
        permissions.can_view_post(officer, post)
        permissions.can_edit_post(officer, post)
        permissions.can_approve_post(officer, post)
        permissions.can_publish_post(officer, post)
        permissions.can_manage_zone(officer, zone)
        permissions.admin_zone_ids(officer)


def test_it_asks_the_database_nothing_once_the_memberships_are_cached(zone_users, django_assert_num_queries):
    officer = fresh(zone_users.officer)
    permissions.rights_in(officer, zone_users.zone)
    with django_assert_num_queries(0):
        for right in Right:
            permissions.has_right(officer, zone_users.zone, right)


def test_it_sees_a_new_membership_after_forget(zone_users):
    user = fresh(zone_users.officer)
    assert Right.REVIEW_POST not in permissions.rights_in(user, zone_users.zone)
    Membership.objects.create(user=user, zone=zone_users.zone, role=Role.DIRECTOR)
    # Cached: the same object still answers from the memberships it read first.
    assert Right.REVIEW_POST not in permissions.rights_in(user, zone_users.zone)
    permissions.forget(user)
    assert Right.REVIEW_POST in permissions.rights_in(user, zone_users.zone)
    permissions.forget(user)
    permissions.forget(user)  # forgetting twice is harmless


# --- Delegated rights and the multi-step review (issue 13) ---------------------------------------------------------
# Each question asked of every member with no right, a right of scope "templates" and one of scope "posts" (the
# unit head's), for the category and channel the right names and for others.


def _delegate(zone_users, scope: str):
    from accounts.models import Grant
    from editorial.models import Category, Channel

    zone = zone_users.zone
    grant = Grant.objects.create(
        membership=Membership.objects.get(user=zone_users.unit_head, zone=zone),
        zone=zone,
        scope=scope,
        granted_by=zone_users.director,
        granted_at=timezone.now(),
    )
    grant.channels.set([Channel.objects.get(zone=zone, kind="x")])
    grant.categories.set([Category.objects.get(zone=zone, name="Contrôle vitesse")])
    return grant


#                   who            none: (draft, templates, manage)  templates          posts
DELEGATION = [
    ("officer", (True, True, False), (True, True, False), (True, True, False)),
    ("unit_head", (False, False, False), (False, True, False), (True, True, False)),
    ("other_unit_head", (False, False, False), (False, False, False), (False, False, False)),
    ("director", (False, False, True), (False, False, True), (False, False, True)),
    ("admin", (False, False, True), (False, False, True), (False, False, True)),
    ("outsider", (False, False, False), (False, False, False), (False, False, False)),
]


@pytest.mark.parametrize("scope_index, scope", [(1, ""), (2, "templates"), (3, "posts")])
@pytest.mark.parametrize("row", DELEGATION, ids=[row[0] for row in DELEGATION])
def test_it_answers_the_delegation_questions_for_every_role(zone_users, row, scope_index, scope):
    if scope:
        _delegate(zone_users, scope)
    who = fresh(getattr(zone_users, row[0]))
    zone = zone_users.zone
    draft, templates, manage = row[scope_index]
    assert permissions.can_draft_post(who, zone) is draft
    assert permissions.can_use_templates(who, zone) is templates
    assert permissions.can_manage_grants(who, zone) is manage


def test_a_right_covers_its_categories_and_channels_only(zone_users):
    from editorial.models import Category, Channel

    grant = _delegate(zone_users, "posts")
    zone = zone_users.zone
    head = fresh(zone_users.unit_head)
    x = Channel.objects.get(zone=zone, kind="x")
    facebook = Channel.objects.get(zone=zone, kind="facebook")
    speed = Category.objects.get(zone=zone, name="Contrôle vitesse")
    other = Category.objects.create(zone=zone, name="Recrutement")
    assert permissions.grant_covering(head, zone, category=speed, channels=[x]) == grant
    assert permissions.grant_covering(head, zone, category=speed, channels=[x, facebook]) is None
    assert permissions.grant_covering(head, zone, category=other, channels=[x]) is None
    assert permissions.grant_covering(head, zone, category=None, channels=[x]) is None
    assert permissions.grant_covering(head, zone, category=speed, channels=[]) is None
    assert permissions.publishing_right(head, zone, category=speed, channels=[x]) == f"grant:{grant.pk}"
    assert permissions.draft_right(head, zone, category=speed, channels=[x]) == f"grant:{grant.pk}"
    assert permissions.draft_right(head, zone, category=other, channels=[x]) == ""
    assert permissions.drafting_limits(head, zone) == ({speed.pk}, {x.pk})
    officer = fresh(zone_users.officer)
    assert permissions.publishing_right(officer, zone, category=None, channels=[]) == "role:officer"
    assert permissions.drafting_limits(officer, zone) is None


def test_a_templates_right_gives_no_free_or_urgent_post(zone_users):
    from editorial.models import Category, Channel

    _delegate(zone_users, "templates")
    zone = zone_users.zone
    head = fresh(zone_users.unit_head)
    x = Channel.objects.get(zone=zone, kind="x")
    speed = Category.objects.get(zone=zone, name="Contrôle vitesse")
    assert permissions.publishing_right(head, zone, category=speed, channels=[x], free_posts=True) == ""
    assert not permissions.can_publish_urgent(head, zone, category=speed, channels=[x])
    assert permissions.drafting_limits(head, zone) == (set(), set())


def test_a_unit_head_edits_their_own_free_posts_only_while_a_right_lets_them(zone_users):
    grant = _delegate(zone_users, "posts")
    head = fresh(zone_users.unit_head)
    own = make_post(zone_users.zone, head)
    officers = make_post(zone_users.zone, zone_users.officer)
    assert permissions.can_edit_post(head, own) and permissions.can_view_post(head, own)
    assert not permissions.can_edit_post(head, officers)
    grant.revoked_at = timezone.now()
    grant.revoked_by = zone_users.director
    grant.save()
    head = fresh(zone_users.unit_head)
    assert not permissions.can_edit_post(head, own)
    assert permissions.can_view_post(head, own)  # what they wrote stays readable


@pytest.mark.parametrize(
    "who, signs",
    [("other_unit_head", True), ("unit_head", False), ("officer", False), ("director", False), ("outsider", False)],
)
def test_only_the_head_of_the_named_unit_signs_off_and_reads_the_post(zone_users, who, signs):
    from editorial.models import Category, Unit

    zone = zone_users.zone
    judicial = Category.objects.create(
        zone=zone, name="Appel à témoins", signoff_unit=Unit.objects.get(zone=zone, name="Judiciaire")
    )
    post = set_status(
        make_post(zone, zone_users.officer, category=judicial), Post.Status.IN_REVIEW, zone_users.director
    )
    user = fresh(getattr(zone_users, who))
    assert permissions.can_sign_off_post(user, post) is signs
    assert permissions.signs_off_for(user, post) is signs
    if who in ("other_unit_head", "unit_head"):
        assert permissions.can_view_post(user, post) is signs
    draft = set_status(post, Post.Status.DRAFT, zone_users.director)
    assert not permissions.can_sign_off_post(user, draft)

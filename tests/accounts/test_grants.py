"""Delegated rights (issue 13, point 3): granting and withdrawing them (accounts.grants), and the free posts a unit
head drafts under a right of scope "posts", refused as soon as the right is withdrawn."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts import grants, permissions
from accounts.models import Grant, Membership, Role, User
from editorial import services
from editorial.errors import WorkflowError
from editorial.models import AuditEvent, Category, Channel, Post, Unit, Zone
from tests.factories import make_member, make_zone

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    """The same person as a new object, as in the next request."""
    return User.objects.get(pk=user.pk)


def head_membership(zone_users) -> Membership:
    return Membership.objects.get(user=zone_users.unit_head, zone=zone_users.zone)


def x_of(zone: Zone) -> Channel:
    return Channel.objects.get(zone=zone, kind=Channel.Kind.X)


def speed(zone: Zone) -> Category:
    return Category.objects.get(zone=zone, name="Contrôle vitesse")


def grant(zone_users, *, scope=Grant.Scope.POSTS, actor=None, channels=None, categories=None) -> Grant:
    zone = zone_users.zone
    return grants.grant_create(
        actor=actor or zone_users.director,
        membership=head_membership(zone_users),
        scope=scope,
        channels=channels if channels is not None else [x_of(zone)],
        categories=categories if categories is not None else [speed(zone)],
    )


def codes(error: WorkflowError) -> set[str]:
    return {e.code for e in error.error_list}


# --- Granting -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["director", "admin"])
def test_it_lets_the_director_and_the_administrator_grant(zone_users, who):
    actor = getattr(zone_users, who)
    made = grant(zone_users, actor=actor, scope=Grant.Scope.TEMPLATES)
    assert made.is_active and made.zone == zone_users.zone and made.granted_by == actor
    assert list(made.channels.all()) == [x_of(zone_users.zone)]
    head = fresh(zone_users.unit_head)
    assert permissions.active_grants(head, zone_users.zone) == [made]
    assert permissions.can_use_templates(head, zone_users.zone)
    assert not permissions.can_draft_post(head, zone_users.zone)  # templates only


@pytest.mark.parametrize("who", ["officer", "unit_head", "other_unit_head", "outsider", "nobody"])
def test_it_refuses_everyone_else(zone_users, who):
    with pytest.raises(PermissionDenied):
        grant(zone_users, actor=getattr(zone_users, who))
    assert not Grant.objects.exists()


def test_it_audits_a_grant(zone_users):
    made = grant(zone_users)
    event = AuditEvent.objects.get(action="accounts.grant.create")
    assert event.actor == zone_users.director and event.zone == zone_users.zone and event.object_id == str(made.pk)
    assert event.data == {
        "member": "unithead",
        "unit": "Trafic",
        "scope": "posts",
        "channels": [x_of(zone_users.zone).pk],
        "categories": [speed(zone_users.zone).pk],
    }


def test_it_refuses_channels_and_categories_of_another_zone_as_if_they_did_not_exist(zone_users):
    other = Zone.objects.get(slug="boraine")
    with pytest.raises(PermissionDenied):
        grant(zone_users, channels=[x_of(other)])
    with pytest.raises(PermissionDenied):
        grant(zone_users, categories=[speed(other)])
    assert not Grant.objects.exists()


def test_it_needs_a_channel_a_category_and_a_known_scope_all_said_at_once(zone_users):
    with pytest.raises(WorkflowError) as refused:
        grant(zone_users, scope="everything", channels=[], categories=[])
    assert codes(refused.value) == {"scope", "channels_missing", "categories_missing"}


@pytest.mark.parametrize("role", [Role.OFFICER, Role.DIRECTOR])
def test_it_delegates_to_unit_heads_only(zone_users, role):
    membership = Membership.objects.get(user=getattr(zone_users, role if role != Role.DIRECTOR else "director"))
    actor = zone_users.admin
    with pytest.raises(WorkflowError) as refused:
        grants.grant_create(
            actor=actor,
            membership=membership,
            scope=Grant.Scope.TEMPLATES,
            channels=[x_of(zone_users.zone)],
            categories=[speed(zone_users.zone)],
        )
    assert codes(refused.value) == {"not_unit_head"}


def test_it_refuses_an_inactive_membership(zone_users):
    Membership.objects.filter(user=zone_users.unit_head).update(is_active=False)
    with pytest.raises(WorkflowError) as refused:
        grant(zone_users)
    assert codes(refused.value) == {"not_unit_head"}


def test_nobody_grants_a_right_to_themselves(zone_users):
    """A director who also heads a unit does not delegate to their own membership."""
    zone = zone_users.zone
    director = zone_users.director
    own = Membership.objects.create(
        user=director, zone=zone, role=Role.UNIT_HEAD, unit=Unit.objects.get(zone=zone, name="Trafic")
    )
    with pytest.raises(WorkflowError) as refused:
        grants.grant_create(
            actor=fresh(director),
            membership=own,
            scope=Grant.Scope.TEMPLATES,
            channels=[x_of(zone)],
            categories=[speed(zone)],
        )
    assert codes(refused.value) == {"self"}


def test_a_grant_of_another_zones_director_is_refused(zone_users):
    other = Zone.objects.get(slug="boraine")
    other_director = make_member(other, Role.DIRECTOR)
    with pytest.raises(PermissionDenied):
        grant(zone_users, actor=other_director)


# --- Withdrawing --------------------------------------------------------------------------------------------


def test_it_withdraws_a_right_at_once_and_audits_it(zone_users):
    made = grant(zone_users)
    head = fresh(zone_users.unit_head)
    assert permissions.can_draft_post(head, zone_users.zone)
    grants.grant_revoke(actor=zone_users.admin, grant=made, reason="Changement de fonction")
    made.refresh_from_db()
    assert not made.is_active and made.revoked_by == zone_users.admin
    assert not permissions.can_draft_post(fresh(zone_users.unit_head), zone_users.zone)
    event = AuditEvent.objects.get(action="accounts.grant.revoke")
    assert event.data["reason"] == "Changement de fonction" and event.data["scope"] == "posts"
    # Withdrawn, never deleted: the record of who could publish stays.
    assert Grant.objects.filter(pk=made.pk).exists()


def test_withdrawing_twice_tells_the_second_one(zone_users):
    made = grant(zone_users)
    grants.grant_revoke(actor=zone_users.admin, grant=made)
    with pytest.raises(WorkflowError) as refused:
        grants.grant_revoke(actor=zone_users.director, grant=Grant.objects.get(pk=made.pk))
    assert codes(refused.value) == {"already_revoked"}
    assert AuditEvent.objects.filter(action="accounts.grant.revoke").count() == 1
    assert Grant.objects.get(pk=made.pk).revoked_by == zone_users.admin


@pytest.mark.parametrize("who", ["officer", "unit_head", "outsider"])
def test_only_who_manages_rights_withdraws_them(zone_users, who):
    made = grant(zone_users)
    with pytest.raises(PermissionDenied):
        grants.grant_revoke(actor=getattr(zone_users, who), grant=made)
    assert Grant.objects.get(pk=made.pk).is_active


def test_rights_are_not_kept_across_requests(zone_users):
    """Each request has its own user object: the next one reads the rights again."""
    made = grant(zone_users)
    this_request = fresh(zone_users.unit_head)
    assert permissions.can_draft_post(this_request, zone_users.zone)
    Grant.objects.filter(pk=made.pk).update(revoked_at=timezone.now(), revoked_by=zone_users.admin)
    assert not permissions.can_draft_post(fresh(zone_users.unit_head), zone_users.zone)


def test_a_deactivated_unit_head_keeps_no_right(zone_users):
    grant(zone_users)
    Membership.objects.filter(user=zone_users.unit_head).update(is_active=False)
    assert permissions.active_grants(fresh(zone_users.unit_head), zone_users.zone) == []


# --- Free posts under a right of scope "posts" -------------------------------------------------------------------


def draft(zone_users, head: User, **kwargs) -> Post:
    zone = zone_users.zone
    return services.post_create(
        actor=head,
        zone=zone,
        title="Radar rue de Mons",
        texts={x_of(zone): "Contrôle de vitesse rue de Mons ce jeudi #controle #radar"},
        category=kwargs.pop("category", speed(zone)),
        planned_at=timezone.now() + timedelta(days=2),
        **kwargs,
    )


def test_a_unit_head_with_a_posts_right_drafts_and_submits_like_the_officer(zone_users):
    grant(zone_users)
    head = fresh(zone_users.unit_head)
    post = draft(zone_users, head)
    assert post.author == head and post.status == Post.Status.DRAFT
    assert permissions.can_view_post(head, post) and permissions.can_edit_post(head, post)
    services.post_submit(actor=fresh(head), post=post)
    assert Post.objects.get(pk=post.pk).status == Post.Status.IN_REVIEW
    # The director reviews it like any other; the author cannot approve (they could not anyway).
    assert permissions.can_approve_post(zone_users.director, Post.objects.get(pk=post.pk))


def test_a_templates_only_right_does_not_draft(zone_users):
    grant(zone_users, scope=Grant.Scope.TEMPLATES)
    with pytest.raises(PermissionDenied):
        draft(zone_users, fresh(zone_users.unit_head))


def test_a_unit_head_without_a_right_does_not_draft(zone_users):
    with pytest.raises(PermissionDenied):
        draft(zone_users, fresh(zone_users.unit_head))


def test_a_category_or_channel_outside_the_right_is_refused_with_its_reason(zone_users):
    zone = zone_users.zone
    grant(zone_users)
    other = Category.objects.create(zone=zone, name="Recrutement")
    with pytest.raises(WorkflowError) as refused:
        draft(zone_users, fresh(zone_users.unit_head), category=other)
    assert codes(refused.value) == {"not_delegated"}
    with pytest.raises(WorkflowError):
        draft(zone_users, fresh(zone_users.unit_head), category=None)
    facebook = Channel.objects.get(zone=zone, kind=Channel.Kind.FACEBOOK)
    with pytest.raises(WorkflowError):
        services.post_create(
            actor=fresh(zone_users.unit_head),
            zone=zone,
            title="Radar",
            texts={x_of(zone): "Radar", facebook: "Radar"},
            category=speed(zone),
        )
    assert not Post.objects.exists()


def test_a_right_withdrawn_while_the_form_is_open_is_refused_at_submission(zone_users):
    made = grant(zone_users)
    post = draft(zone_users, fresh(zone_users.unit_head))
    grants.grant_revoke(actor=zone_users.director, grant=made)
    # The page was open; the next request (a fresh user object) sends the form.
    with pytest.raises(PermissionDenied):
        services.post_submit(actor=fresh(zone_users.unit_head), post=post)
    with pytest.raises(PermissionDenied):
        services.post_update(actor=fresh(zone_users.unit_head), post=post, title="Autre titre")
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT and post.title == "Radar rue de Mons"
    # They still read what they wrote.
    assert permissions.can_view_post(fresh(zone_users.unit_head), post)


def test_a_narrower_right_refuses_the_next_save_of_a_post_it_no_longer_covers(zone_users):
    zone = zone_users.zone
    made = grant(zone_users)
    post = draft(zone_users, fresh(zone_users.unit_head))
    grants.grant_revoke(actor=zone_users.director, grant=made)
    other = Category.objects.create(zone=zone, name="Prévention")
    grant(zone_users, categories=[other])
    with pytest.raises(WorkflowError) as refused:
        services.post_submit(actor=fresh(zone_users.unit_head), post=post)
    assert codes(refused.value) == {"not_delegated"}
    # Moving it to a category the right covers is accepted.
    services.post_update(actor=fresh(zone_users.unit_head), post=post, category=other)
    services.post_submit(actor=fresh(zone_users.unit_head), post=post)
    assert Post.objects.get(pk=post.pk).status == Post.Status.IN_REVIEW


def test_a_unit_head_edits_only_their_own_posts(zone_users):
    grant(zone_users)
    officer_post = services.post_create(
        actor=zone_users.officer,
        zone=zone_users.zone,
        title="Radar",
        texts={x_of(zone_users.zone): "Radar"},
        category=speed(zone_users.zone),
    )
    head = fresh(zone_users.unit_head)
    assert not permissions.can_edit_post(head, officer_post)
    with pytest.raises(PermissionDenied):
        services.post_update(actor=head, post=officer_post, title="Mien")


def test_the_officer_is_unchanged_by_the_rights_of_others(zone_users):
    grant(zone_users)
    officer = fresh(zone_users.officer)
    assert permissions.drafting_limits(officer, zone_users.zone) is None
    assert permissions.draft_right(officer, zone_users.zone, category=None, channels=[]) == "role:officer"
    post = services.post_create(actor=officer, zone=zone_users.zone, title="T", texts={x_of(zone_users.zone): "T"})
    assert post.category is None


def test_rights_of_one_zone_stay_in_it(zone_users):
    grant(zone_users)
    other = make_zone()
    Membership.objects.create(
        user=zone_users.unit_head, zone=other, role=Role.UNIT_HEAD, unit=Unit.objects.filter(zone=other).first()
    )
    head = fresh(zone_users.unit_head)
    assert permissions.can_draft_post(head, zone_users.zone)
    assert not permissions.can_draft_post(head, other)

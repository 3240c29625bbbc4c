"""Database constraints: what must never happen is refused by the database itself."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from accounts.models import Membership, Role
from editorial.models import Channel, Item, Post, PostVariant, Publication, Review, Unit, VariantMedia, Zone
from tests.factories import make_item, make_member, make_post, make_user, make_zone

pytestmark = pytest.mark.django_db


def refused(fn) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


@pytest.fixture
def zone() -> Zone:
    return make_zone()


@pytest.fixture
def post(zone):
    return make_post(zone, make_member(zone, Role.OFFICER))


def test_a_unit_head_membership_names_a_unit(zone):
    user = make_user()
    refused(lambda: Membership.objects.create(user=user, zone=zone, role=Role.UNIT_HEAD))


def test_only_a_unit_head_has_a_unit(zone):
    user = make_user()
    unit = Unit.objects.get(zone=zone, name="Trafic")
    refused(lambda: Membership.objects.create(user=user, zone=zone, role=Role.OFFICER, unit=unit))


def test_a_role_is_held_once_per_zone(zone):
    user = make_member(zone, Role.OFFICER)
    refused(lambda: Membership.objects.create(user=user, zone=zone, role=Role.OFFICER))
    # The admin's form says it in words, not by the constraint's name.
    with translation.override("en"), pytest.raises(ValidationError) as duplicate:
        Membership(user=user, zone=zone, role=Role.OFFICER).full_clean()
    assert "This person already has this role in this zone." in str(duplicate.value)


def test_a_unit_head_may_head_several_units_each_once(zone):
    user = make_member(zone, Role.UNIT_HEAD, "Trafic")
    judiciaire = Unit.objects.get(zone=zone, name="Judiciaire")
    Membership.objects.create(user=user, zone=zone, role=Role.UNIT_HEAD, unit=judiciaire)
    refused(lambda: Membership.objects.create(user=user, zone=zone, role=Role.UNIT_HEAD, unit=judiciaire))


def test_a_person_may_hold_two_roles(zone):
    user = make_member(zone, Role.OFFICER)
    Membership.objects.create(user=user, zone=zone, role=Role.DIRECTOR)
    assert set(user.memberships.values_list("role", flat=True)) == {"officer", "director"}


def test_membership_form_refuses_a_unit_of_another_zone(zone):
    other_unit = Unit.objects.get(zone=make_zone(), name="Trafic")
    membership = Membership(user=make_user(), zone=zone, role=Role.UNIT_HEAD, unit=other_unit)
    with translation.override("en"), pytest.raises(ValidationError, match="another zone"):
        membership.full_clean()


def test_one_publication_per_post_and_channel(post):
    channel = post.variants.first().channel
    Publication.objects.create(post=post, channel=channel)
    refused(lambda: Publication.objects.create(post=post, channel=channel))


def test_a_published_publication_has_its_external_id(post):
    channel = post.variants.first().channel
    refused(lambda: Publication.objects.create(post=post, channel=channel, status="published"))
    Publication.objects.create(
        post=post, channel=channel, status="published", external_id="123", published_at=timezone.now()
    )


def test_a_failed_or_unknown_publication_says_why(post):
    channel = post.variants.first().channel
    refused(lambda: Publication.objects.create(post=post, channel=channel, status="failed"))
    refused(lambda: Publication.objects.create(post=post, channel=channel, status="unknown"))


def test_one_text_per_channel_per_post(post):
    variant = post.variants.first()
    refused(lambda: PostVariant.objects.create(post=post, channel=variant.channel, text="again"))


def test_an_approved_post_carries_its_fingerprint(post):
    refused(lambda: Post.objects.filter(pk=post.pk).update(status=Post.Status.APPROVED))
    Post.objects.filter(pk=post.pk).update(
        status=Post.Status.APPROVED,
        approved_fingerprint="a" * 64,
        approved_by=make_user(),
        approved_at=timezone.now(),
    )


def test_a_change_request_needs_a_comment(post):
    refused(lambda: Review.objects.create(post=post, reviewer=make_user(), decision="request_changes", fingerprint="f"))


def test_an_approval_confirms_the_confidentiality_rules(post):
    refused(lambda: Review.objects.create(post=post, reviewer=make_user(), decision="approve", fingerprint="f"))


def test_an_image_has_alt_text(post):
    variant = post.variants.first()
    refused(lambda: VariantMedia.objects.create(variant=variant, image="x.png", alt_text="", sha256="0" * 64))


def test_a_declined_item_has_a_reason(zone):
    item = make_item(zone)
    refused(lambda: Item.objects.filter(pk=item.pk).update(status=Item.Status.DECLINED))
    Item.objects.filter(pk=item.pk).update(status=Item.Status.DECLINED, decline_reason="Déjà communiqué")


def test_an_item_window_ends_after_it_starts(zone):
    now = timezone.now()
    refused(lambda: make_item(zone, wanted_start=now, wanted_end=now - timezone.timedelta(hours=1)))


def test_a_channel_account_is_unique_in_a_zone(zone):
    existing = Channel.objects.get(zone=zone, kind="x")
    refused(lambda: Channel.objects.create(zone=zone, kind="x", name="dup", handle=existing.handle))


def test_hashtags_are_validated(zone):
    from django.core.exceptions import ValidationError

    from editorial.models import Category

    category = Category(zone=zone, name="Vitesse", default_hashtags="#controle radar")
    with pytest.raises(ValidationError):
        category.full_clean()


def test_a_zone_timezone_must_exist():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        Zone(name="Z", slug="z", timezone="Europe/Bruxelles").full_clean()


def test_channel_repr_never_shows_credentials(zone):
    channel = Channel.objects.get(zone=zone, kind="facebook")
    channel.set_credentials({"page_access_token": "TOKEN-XYZ"})
    channel.save()
    assert "TOKEN-XYZ" not in repr(channel)
    assert "TOKEN-XYZ" not in str(channel)


def test_the_zones_public_numbers_and_addresses_are_checked(zone):
    zone.public_phones = "065 22 33 44\n+33 1 23 45 67 89\nappelez-nous"
    zone.public_emails = "info@zone.example\nnot an address"
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused_zone:
            zone.full_clean()
        errors = {field: [str(m) for m in messages] for field, messages in refused_zone.value.message_dict.items()}
    assert "+33 1 23 45 67 89" in errors["public_phones"][0] and "appelez-nous" in errors["public_phones"][0]
    assert "065 22 33 44" not in errors["public_phones"][0]
    assert errors["public_emails"] == ["Not an e-mail address: not an address. Write one address per line."]
    zone.public_phones = "065 12 34 56, 065/65.65.65"
    zone.public_emails = "info@zone.example"
    zone.full_clean()
    assert zone.public_phone_list() == ["065 12 34 56", "065/65.65.65"]

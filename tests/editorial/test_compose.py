"""Compose once (issue 12): the main text and the channel texts that follow it, the channels ticked by default, the
unit's photos carried into the post, and the networks' limits enforced when submitting, not when saving."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image

from editorial import services
from editorial.compose import languages_of, text_from_main, text_limit_problem
from editorial.models import Category, Channel, ItemAttachment, Post, PostVariant, Value, VariantMedia
from editorial.services import ItemPhoto, ValueAnswer, WorkflowError
from tests.factories import make_item, make_zone

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (French is the default language)."""
    with translation.override("en"):
        yield


def x_of(zone) -> Channel:
    return Channel.objects.get(zone=zone, kind=Channel.Kind.X)


def fb_of(zone) -> Channel:
    return Channel.objects.get(zone=zone, kind=Channel.Kind.FACEBOOK)


def jpeg(color: str = "orange") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), color).save(buffer, "JPEG")
    return SimpleUploadedFile("chantier.jpg", buffer.getvalue(), content_type="image/jpeg")


def item_with_photos(zone_users, count: int = 1):
    return services.item_submit(
        actor=zone_users.unit_head,
        zone=zone_users.zone,
        unit=zone_users.zone.unit_set.get(name="Trafic"),
        title="Travaux rue de la Station",
        facts="Circulation alternée du lundi au vendredi.",
        attachments=[jpeg(color) for color in ("orange", "blue", "green", "red", "white", "black")[:count]],
        links="https://www.quevy.be/travaux",
    )


def approve(post: Post, director) -> None:
    services.post_approve(
        actor=director,
        post=post,
        reviewed_fingerprint=services.post_fingerprint(post=post),
        answers={v.pk: ValueAnswer(True) for v in Value.objects.filter(zone=post.zone, is_active=True)},
        confidentiality_confirmed=True,
    )


# --- The text a channel takes from the main text ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "languages"), [("fr", ["fr"]), ("nl", ["nl"]), ("fr+nl", ["fr", "nl"]), ("", ["fr"]), ("de", ["fr"])]
)
def test_languages_of_a_setting(value, languages):
    assert languages_of(value) == languages


MAIN = {"fr": "Contrôle radar à Quévy.", "nl": "Snelheidscontrole in Quévy."}


@pytest.mark.parametrize(
    ("zone", "channel", "text"),
    [
        ("fr", "fr", "Contrôle radar à Quévy."),
        ("nl", "nl", "Snelheidscontrole in Quévy."),
        ("fr+nl", "fr", "Contrôle radar à Quévy."),
        ("fr+nl", "nl", "Snelheidscontrole in Quévy."),
        # One message with both: the French, then the Dutch.
        ("fr+nl", "fr+nl", "Contrôle radar à Quévy.\n\nSnelheidscontrole in Quévy."),
        # A bilingual account of a French-speaking zone takes the zone's one main text.
        ("fr", "fr+nl", "Contrôle radar à Quévy."),
        # A channel left on the default language in a Dutch-speaking zone is never left empty.
        ("nl", "fr", "Snelheidscontrole in Quévy."),
    ],
)
def test_the_text_a_channel_takes_from_the_main_text(zone, channel, text):
    assert text_from_main(MAIN, channel_language=channel, zone_languages=zone) == text


def test_a_language_not_written_yet_is_left_out():
    main = {"fr": "  Contrôle radar.  ", "nl": ""}
    assert text_from_main(main, channel_language="fr+nl", zone_languages="fr+nl") == "Contrôle radar."
    assert text_from_main({}, channel_language="nl", zone_languages="fr+nl") == ""


def test_the_limits_name_the_channel(zone_users):
    x, fb = x_of(zone_users.zone), fb_of(zone_users.zone)
    assert text_limit_problem(x, "a" * 280) is None
    assert text_limit_problem(x, "a" * 281) == "The text for X counts 281 characters on X; X takes at most 280."
    assert "U+FEFF" in text_limit_problem(x, "Radar\ufeff")
    assert text_limit_problem(fb, "a" * 63_206) is None
    assert text_limit_problem(fb, "a" * 63_207) == (
        "The text for Facebook has 63,207 characters; Facebook takes at most 63,206."
    )


# --- Saving: the server makes the following texts -----------------------------------------------------------------


def test_a_new_post_s_following_channels_take_the_main_text(zone_users):
    zone = zone_users.zone
    x, fb = x_of(zone), fb_of(zone)
    post = services.post_create(
        actor=zone_users.officer,
        zone=zone,
        title="Radar",
        # Whatever a browser sent for a following channel, the server makes its text from the main text.
        texts={x: "ignored", fb: "Un texte écrit pour Facebook."},
        main_texts={"fr": "  Contrôle radar à Quévy. #radar ", "nl": "not a language of this zone"},
        follows_main=[x],
    )
    assert post.main_texts == {"fr": "Contrôle radar à Quévy. #radar"}
    texts = {v.channel_id: (v.text, v.follows_main) for v in post.variants.all()}
    assert texts == {x.pk: ("Contrôle radar à Quévy. #radar", True), fb.pk: ("Un texte écrit pour Facebook.", False)}


def test_an_update_of_the_main_text_moves_the_following_texts_only(zone_users):
    zone = zone_users.zone
    x, fb = x_of(zone), fb_of(zone)
    post = services.post_create(
        actor=zone_users.officer,
        zone=zone,
        title="Radar",
        texts={x: "", fb: "Adapté pour Facebook."},
        main_texts={"fr": "Première version."},
        follows_main=[x],
    )
    services.post_update(actor=zone_users.officer, post=post, main_texts={"fr": "Deuxième version."})
    texts = {v.channel_id: v.text for v in post.variants.all()}
    assert texts == {x.pk: "Deuxième version.", fb.pk: "Adapté pour Facebook."}
    # A text given without following: the channel is adapted from then on, and stays so.
    services.post_update(actor=zone_users.officer, post=post, texts={x: "Écrit pour X.", fb: "Adapté pour Facebook."})
    services.post_update(actor=zone_users.officer, post=post, main_texts={"fr": "Troisième version."})
    assert post.variants.get(channel=x).text == "Écrit pour X."
    assert post.variants.get(channel=x).follows_main is False
    # Taking the main text again.
    services.post_update(
        actor=zone_users.officer, post=post, texts={x: "", fb: "Adapté pour Facebook."}, follows_main=[x]
    )
    assert post.variants.get(channel=x).text == "Troisième version."


def test_a_change_of_the_main_text_voids_an_approval_through_the_channels_that_follow_it(zone_users):
    zone = zone_users.zone
    x, fb = x_of(zone), fb_of(zone)
    post = services.post_create(
        actor=zone_users.officer,
        zone=zone,
        title="Radar",
        texts={x: "", fb: ""},
        main_texts={"fr": "Contrôle radar à Quévy."},
        follows_main=[x, fb],
        planned_at=timezone.now() + timedelta(days=2),
    )
    services.post_submit(actor=zone_users.officer, post=post)
    approve(post, zone_users.director)
    services.post_update(actor=zone_users.officer, post=post, main_texts={"fr": "Contrôle radar à Quévy."})
    post.refresh_from_db()
    assert post.status == Post.Status.APPROVED  # the same text: nothing to review again
    services.post_update(actor=zone_users.officer, post=post, main_texts={"fr": "Contrôle radar à Givry."})
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT
    assert {v.text for v in post.variants.all()} == {"Contrôle radar à Givry."}


# --- Channels ticked when an item is taken up ---------------------------------------------------------------------


def test_take_up_ticks_the_zone_s_default_channels(zone_users):
    zone = zone_users.zone
    Channel.objects.filter(zone=zone, kind=Channel.Kind.FACEBOOK).update(ticked_by_default=False)
    post = services.item_take_up(actor=zone_users.officer, item=make_item(zone, submitted_by=zone_users.unit_head))
    variants = list(post.variants.all())
    assert [(v.channel_id, v.text, v.follows_main) for v in variants] == [(x_of(zone).pk, "", True)]


def test_take_up_ticks_the_category_s_channels_of_this_zone_only(zone_users):
    zone = zone_users.zone
    category = Category.objects.get(zone=zone)
    other_zone = make_zone()
    category.default_channels.set([fb_of(zone), x_of(other_zone)])
    item = make_item(zone, submitted_by=zone_users.unit_head, category=category)
    post = services.item_take_up(actor=zone_users.officer, item=item)
    assert list(post.variants.values_list("channel_id", flat=True)) == [fb_of(zone).pk]
    assert not VariantMedia.objects.exists()  # the item's photos are offered, never attached by themselves


# --- The unit's photos ----------------------------------------------------------------------------------------------


def take_up_with_photos(zone_users, count: int = 1) -> tuple[Post, list[ItemAttachment]]:
    item = item_with_photos(zone_users, count)
    post = services.item_take_up(actor=zone_users.officer, item=item)
    return post, list(item.attachments.order_by("pk"))


def test_a_picked_photo_goes_to_every_channel_once(zone_users):
    post, (photo,) = take_up_with_photos(zone_users)
    officer = zone_users.officer
    services.post_update(actor=officer, post=post, photos=[ItemPhoto(attachment=photo, alt_text=" Chantier ")])
    media = list(VariantMedia.objects.filter(variant__post=post).select_related("variant__channel"))
    assert sorted(m.variant.channel.kind for m in media) == ["facebook", "x"]
    assert {(m.source_id, m.alt_text) for m in media} == {(photo.pk, "Chantier")}
    # Re-encoded like an upload: the stored file is the one hashed.
    for m in media:
        with m.image.open("rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == m.sha256
    # Saved again: no second copy; the alternative text is written once for all.
    services.post_update(actor=officer, post=post, photos=[ItemPhoto(attachment=photo, alt_text="Chantier, feux")])
    assert VariantMedia.objects.filter(variant__post=post).count() == 2
    assert set(VariantMedia.objects.values_list("alt_text", flat=True)) == {"Chantier, feux"}
    # Unticked: off every channel.
    services.post_update(actor=officer, post=post, photos=[])
    assert not VariantMedia.objects.filter(variant__post=post).exists()


def test_a_channel_ticked_later_gets_the_picked_photos(zone_users):
    zone = zone_users.zone
    Channel.objects.filter(zone=zone, kind=Channel.Kind.FACEBOOK).update(ticked_by_default=False)
    post, (photo,) = take_up_with_photos(zone_users)
    officer = zone_users.officer
    services.post_update(actor=officer, post=post, photos=[ItemPhoto(attachment=photo, alt_text="Chantier")])
    assert VariantMedia.objects.filter(variant__post=post).count() == 1
    services.post_update(
        actor=officer,
        post=post,
        texts={x_of(zone): "Radar", fb_of(zone): "Radar"},
        photos=[ItemPhoto(attachment=photo, alt_text="Chantier")],
    )
    kinds = VariantMedia.objects.filter(variant__post=post).values_list("variant__channel__kind", flat=True)
    assert sorted(kinds) == ["facebook", "x"]
    # Both copies are the same clean image.
    assert VariantMedia.objects.filter(variant__post=post).values("sha256").distinct().count() == 1


def test_a_photo_of_another_item_or_zone_is_refused(zone_users):
    post, _photos = take_up_with_photos(zone_users)
    other_item = make_item(zone_users.zone, submitted_by=zone_users.unit_head, title="Autre")
    foreign = ItemAttachment.objects.create(item=other_item, file=jpeg())
    with pytest.raises(PermissionDenied):
        services.post_update(actor=zone_users.officer, post=post, photos=[ItemPhoto(attachment=foreign, alt_text="x")])
    # A post without item has no photos to carry.
    plain = services.post_create(actor=zone_users.officer, zone=zone_users.zone, title="t", texts={x_of(post.zone): ""})
    with pytest.raises(PermissionDenied):
        services.post_update(actor=zone_users.officer, post=plain, photos=[ItemPhoto(attachment=foreign, alt_text="x")])
    assert not VariantMedia.objects.exists()


def test_a_photo_needs_its_alternative_text(zone_users):
    post, (photo,) = take_up_with_photos(zone_users)
    with pytest.raises(WorkflowError):
        services.post_update(actor=zone_users.officer, post=post, photos=[ItemPhoto(attachment=photo, alt_text=" ")])
    assert not VariantMedia.objects.exists()


def test_a_photo_added_after_approval_voids_it(zone_users):
    post, (photo,) = take_up_with_photos(zone_users)
    officer = zone_users.officer
    post = services.post_update(
        actor=officer,
        post=post,
        main_texts={"fr": "Travaux rue de la Station."},
        planned_at=timezone.now() + timedelta(days=2),
    )
    services.post_submit(actor=officer, post=post)
    approve(post, zone_users.director)
    services.post_update(actor=officer, post=post, photos=[ItemPhoto(attachment=photo, alt_text="Chantier")])
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT


# --- The limits: when submitting, not when saving -------------------------------------------------------------------


def test_a_draft_over_the_limits_is_saved_and_refused_for_review_naming_the_channel(zone_users):
    zone = zone_users.zone
    x, fb = x_of(zone), fb_of(zone)
    post = services.post_create(
        actor=zone_users.officer,
        zone=zone,
        title="Long",
        texts={x: "", fb: "a" * 63_207},
        main_texts={"fr": "Contrôle radar. " * 20},
        follows_main=[x],
        planned_at=timezone.now() + timedelta(days=2),
    )
    assert PostVariant.objects.get(post=post, channel=x).text == ("Contrôle radar. " * 20).strip()
    with pytest.raises(WorkflowError) as refused:
        services.post_submit(actor=zone_users.officer, post=post)
    assert refused.value.messages == [
        "The text for Facebook has 63,207 characters; Facebook takes at most 63,206.",
        "The text for X counts 319 characters on X; X takes at most 280.",
    ]
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT


def test_an_item_keeps_its_links(zone_users):
    item = item_with_photos(zone_users)
    assert item.links == "https://www.quevy.be/travaux"

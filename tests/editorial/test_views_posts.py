from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zoneinfo
from datetime import UTC, timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from editorial import services
from editorial.models import (
    AuditEvent,
    Channel,
    Comment,
    Item,
    ItemAttachment,
    Post,
    PostVariant,
    Publication,
    Unit,
    Value,
    VariantMedia,
)
from editorial.services import ValueAnswer
from tests.factories import make_item, make_post

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")


# --- Helpers ---------------------------------------------------------------------------------------------------


@pytest.fixture
def en(client):
    """Messages are asserted in English (French is the default language)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def url(name: str, zone, *args) -> str:
    return reverse(f"editorial:{name}", args=[zone.slug, *args])


def x_channel(zone) -> Channel:
    return Channel.objects.get(zone=zone, kind=Channel.Kind.X)


def fb_channel(zone) -> Channel:
    return Channel.objects.get(zone=zone, kind=Channel.Kind.FACEBOOK)


def future_local(days: int = 3) -> str:
    day = (timezone.now() + timedelta(days=days)).astimezone(BRUSSELS).date()
    return f"{day:%Y-%m-%d}T10:00"


def form_data(zone, **overrides) -> dict:
    x, fb = x_channel(zone), fb_channel(zone)
    data = {
        "title": "Contrôle radar à Quévy",
        "category": zone.category_set.get().pk,
        "locality": zone.locality_set.get().pk,
        "planned_at": future_local(),
        "channels": [x.pk, fb.pk],
        f"text_{x.pk}": "Contrôle de vitesse à Quévy ce jeudi #controle #radar #Quevy",
        f"text_{fb.pk}": "Ce jeudi, nos collègues du service Trafic contrôlent la vitesse à Quévy.",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def edit_data(post: Post, **overrides) -> dict:
    """What the edit page sends back when nothing is touched."""
    data = {
        "title": post.title,
        "category": post.category_id or "",
        "locality": post.locality_id or "",
        "planned_at": post.planned_at.astimezone(BRUSSELS).strftime("%Y-%m-%dT%H:%M") if post.planned_at else "",
        "channels": [],
    }
    for variant in post.variants.select_related("channel"):
        data["channels"].append(variant.channel_id)
        data[f"text_{variant.channel_id}"] = variant.text
        for media in variant.media.all():
            data[f"alt_{media.pk}"] = media.alt_text
    data.update(overrides)
    return data


def png_bytes(color: str = "red", size: tuple[int, int] = (8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def png_upload(name: str = "photo.png", color: str = "red") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(color), content_type="image/png")


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def created_post(zone, officer, **kwargs) -> Post:
    x, fb = x_channel(zone), fb_channel(zone)
    return services.post_create(
        actor=officer,
        zone=zone,
        title=kwargs.pop("title", "Contrôle radar"),
        texts=kwargs.pop("texts", {x: "Contrôle radar à Quévy #controle", fb: "Contrôle radar à Quévy ce jeudi."}),
        planned_at=kwargs.pop("planned_at", timezone.now() + timedelta(days=3)),
        **kwargs,
    )


def approve(post: Post, director) -> None:
    services.post_approve(
        actor=director,
        post=post,
        reviewed_fingerprint=services.post_fingerprint(post=post),
        answers={v.pk: ValueAnswer(confirmed=True) for v in Value.objects.filter(zone=post.zone, is_active=True)},
        confidentiality_confirmed=True,
    )


def approved_post(zone_users) -> Post:
    post = created_post(zone_users.zone, zone_users.officer)
    services.post_submit(actor=zone_users.officer, post=post)
    approve(post, zone_users.director)
    post.refresh_from_db()
    assert post.status == Post.Status.APPROVED
    return post


def post_from_item(zone_users) -> Post:
    item = make_item(
        zone_users.zone,
        submitted_by=zone_users.unit_head,
        facts="Radar rue de Mons, jeudi de 8 h à 12 h",
        confidentiality_notes="Ne pas citer le nom du riverain qui s'est plaint",
    )
    return services.item_take_up(actor=zone_users.officer, item=item)


# --- Who reaches which page ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("officer", 200),
        ("director", 200),
        ("admin", 200),
        ("unit_head", 200),  # the post comes from their unit's item
        ("other_unit_head", 403),
        ("outsider", 404),
        ("nobody", 404),
    ],
)
def test_post_detail_by_role(client, zone_users, role, expected):
    post = post_from_item(zone_users)
    client.force_login(getattr(zone_users, role))
    assert client.get(url("post_detail", zone_users.zone, post.pk)).status_code == expected


def test_post_detail_for_a_unit_the_post_is_shared_with(client, zone_users):
    post = post_from_item(zone_users)
    judiciaire = Unit.objects.get(zone=zone_users.zone, name="Judiciaire")
    services.post_share(actor=zone_users.officer, post=post, units=[judiciaire])
    client.force_login(zone_users.other_unit_head)
    assert client.get(url("post_detail", zone_users.zone, post.pk)).status_code == 200


def test_a_unit_head_does_not_see_a_post_without_item(client, zone_users):
    post = make_post(zone_users.zone, zone_users.officer)
    client.force_login(zone_users.unit_head)
    assert client.get(url("post_detail", zone_users.zone, post.pk)).status_code == 403


@pytest.mark.parametrize("name", ["post_detail", "post_edit"])
def test_anonymous_visitors_go_to_the_login_page(client, zone_users, name):
    post = make_post(zone_users.zone, zone_users.officer)
    response = client.get(url(name, zone_users.zone, post.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    response = client.get(url("post_create", zone_users.zone))
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("officer", 200),
        ("director", 403),
        ("admin", 403),
        ("unit_head", 403),
        ("outsider", 404),
        ("nobody", 404),
    ],
)
def test_post_create_and_edit_by_role(client, zone_users, role, expected):
    post = post_from_item(zone_users)
    client.force_login(getattr(zone_users, role))
    assert client.get(url("post_create", zone_users.zone)).status_code == expected
    edit_expected = 403 if role == "unit_head" else expected
    assert client.get(url("post_edit", zone_users.zone, post.pk)).status_code == edit_expected


def test_unknown_post_is_404(client, zone_users):
    client.force_login(zone_users.officer)
    assert client.get(url("post_detail", zone_users.zone, 999999)).status_code == 404
    assert client.get(url("post_edit", zone_users.zone, 999999)).status_code == 404


def test_a_cancelled_post_cannot_be_edited(en, zone_users):
    post = make_post(zone_users.zone, zone_users.officer, status=Post.Status.CANCELLED)
    en.force_login(zone_users.officer)
    response = en.get(url("post_edit", zone_users.zone, post.pk))
    assert response.status_code == 302
    assert response["Location"] == url("post_detail", zone_users.zone, post.pk)
    assert messages_of(response)[0] == "This post is cancelled: it cannot be changed any more."
    response = en.post(url("post_edit", zone_users.zone, post.pk), edit_data(post, title="Autre"))
    post.refresh_from_db()
    assert post.title == "Contrôle radar"


@pytest.mark.parametrize("name", ["post_submit", "comment_add", "post_share"])
def test_actions_take_post_only(client, zone_users, name):
    post = make_post(zone_users.zone, zone_users.officer)
    client.force_login(zone_users.officer)
    assert client.get(url(name, zone_users.zone, post.pk)).status_code == 405


@pytest.mark.parametrize("role", ["director", "admin", "unit_head"])
def test_only_the_officer_submits_and_shares(client, zone_users, role):
    post = post_from_item(zone_users)
    post.planned_at = timezone.now() + timedelta(days=1)
    post.save()
    client.force_login(getattr(zone_users, role))
    assert client.post(url("post_submit", zone_users.zone, post.pk)).status_code == 403
    judiciaire = Unit.objects.get(zone=zone_users.zone, name="Judiciaire")
    assert client.post(url("post_share", zone_users.zone, post.pk), {"units": [judiciaire.pk]}).status_code == 403
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT
    assert not post.shared_with_units.exists()


def test_an_outsider_cannot_act_on_a_post(client, zone_users):
    post = make_post(zone_users.zone, zone_users.officer)
    client.force_login(zone_users.outsider)
    for name in ["post_submit", "comment_add", "post_share"]:
        assert client.post(url(name, zone_users.zone, post.pk), {"body": "x"}).status_code == 404
    assert not Comment.objects.exists()


# --- Drafting --------------------------------------------------------------------------------------------------


def test_the_drafting_page_shows_channels_counters_and_hashtags(client, zone_users):
    client.force_login(zone_users.officer)
    page = client.get(url("post_create", zone_users.zone)).content.decode()
    x, fb = x_channel(zone_users.zone), fb_channel(zone_users.zone)
    assert f'name="text_{x.pk}"' in page
    assert f'data-x-counter="xcount-{x.pk}"' in page
    assert f'id="xcount-{x.pk}"' in page
    assert f'name="text_{fb.pk}"' in page
    assert f'data-x-counter="xcount-{fb.pk}"' not in page
    assert 'id="hashtag-data"' in page
    assert "#radar" in page and "#Quevy" in page
    assert "drafting.js" in page and "xcount.js" in page
    # The time starts empty.
    assert 'name="planned_at" ' in page
    assert 'name="planned_at" value' not in page


def test_the_hashtag_buttons_follow_the_chosen_category(client, zone_users):
    client.force_login(zone_users.officer)
    data = form_data(zone_users.zone, **{"channels": []})
    page = client.post(url("post_create", zone_users.zone), data).content.decode()
    assert 'data-hashtag="#controle"' in page
    assert 'data-hashtag="#Quevy"' in page


def test_create_with_both_channels(en, zone_users):
    zone = zone_users.zone
    en.force_login(zone_users.officer)
    response = en.post(url("post_create", zone), form_data(zone))
    post = Post.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("post_detail", zone, post.pk)
    assert messages_of(response) == ["The draft is saved."]
    assert post.status == Post.Status.DRAFT
    assert post.author == zone_users.officer
    assert post.category.name == "Contrôle vitesse"
    assert post.locality.name == "Quévy"
    assert post.planned_at.astimezone(BRUSSELS).hour == 10
    texts = {v.channel.kind: v.text for v in post.variants.select_related("channel")}
    assert texts["x"].startswith("Contrôle de vitesse")
    assert texts["facebook"].startswith("Ce jeudi")
    assert AuditEvent.objects.filter(action="editorial.post.create", object_id=str(post.pk)).exists()


def test_an_empty_text_is_allowed_while_drafting(client, zone_users):
    zone = zone_users.zone
    client.force_login(zone_users.officer)
    response = client.post(url("post_create", zone), form_data(zone, **{f"text_{fb_channel(zone).pk}": ""}))
    assert response.status_code == 302
    assert PostVariant.objects.get(channel=fb_channel(zone)).text == ""


def test_only_the_chosen_channels_get_a_text(client, zone_users):
    zone = zone_users.zone
    client.force_login(zone_users.officer)
    client.post(url("post_create", zone), form_data(zone, channels=[x_channel(zone).pk]))
    assert list(PostVariant.objects.values_list("channel__kind", flat=True)) == ["x"]


URL = "https://www.police.be/5327/fr/actualites/controle-de-vitesse-a-quevy-ce-jeudi-matin"


@pytest.mark.parametrize(
    "text",
    [
        "a" * 281,
        "漢" * 140 + "a",  # each CJK character weighs 2
        "a" * 257 + " " + URL,  # any link weighs 23
        "€" * 140 + ".",
    ],
    ids=["latin", "cjk", "url", "euro"],
)
def test_an_x_text_over_280_is_saved_as_a_draft_and_refused_for_review(en, zone_users, text):
    zone = zone_users.zone
    x = x_channel(zone)
    en.force_login(zone_users.officer)
    message = "The text for X counts 281 characters on X; X takes at most 280."
    # Save and submit: refused before anything is saved, the message at the field and in the summary.
    data = form_data(zone, **{f"text_{x.pk}": text}, then="submit")
    response = en.post(url("post_create", zone), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count(message) == 2
    assert f'href="#id_text_{x.pk}"' in page
    assert not Post.objects.exists()
    # Saved as a draft: nothing typed is lost; submitting it is refused, naming the channel.
    response = en.post(url("post_create", zone), form_data(zone, **{f"text_{x.pk}": text}))
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.variants.get(channel=x).text == text
    response = en.post(url("post_submit", zone, post.pk))
    assert messages_of(response)[-1] == message
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT


def test_a_url_makes_a_long_x_text_fit(client, zone_users):
    zone = zone_users.zone
    client.force_login(zone_users.officer)
    text = "a" * 256 + " " + URL  # 256 + 1 + 23 = 280
    assert len(text) > 280
    response = client.post(url("post_create", zone), form_data(zone, **{f"text_{x_channel(zone).pk}": text}))
    assert response.status_code == 302


def test_an_emoji_zwj_sequence_counts_two(en, zone_users):
    zone = zone_users.zone
    family = "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
    en.force_login(zone_users.officer)
    response = en.post(url("post_create", zone), form_data(zone, **{f"text_{x_channel(zone).pk}": family + "a" * 278}))
    assert response.status_code == 302
    page = en.get(response["Location"]).content.decode()
    assert "280 / 280 characters on X" in page
    data = form_data(zone, **{f"text_{x_channel(zone).pk}": family + "a" * 279}, then="submit")
    response = en.post(url("post_create", zone), data)
    assert "The text for X counts 281 characters on X" in response.content.decode()


def test_a_facebook_text_over_the_limit_is_refused_for_review_not_for_a_draft(en, zone_users):
    zone = zone_users.zone
    en.force_login(zone_users.officer)
    data = form_data(zone, **{f"text_{fb_channel(zone).pk}": "a" * 63_207})
    response = en.post(url("post_create", zone), {**data, "then": "submit"})
    message = "The text for Facebook has 63,207 characters; Facebook takes at most 63,206."
    assert message in response.content.decode()
    assert not Post.objects.exists()
    assert en.post(url("post_create", zone), data).status_code == 302
    response = en.post(url("post_submit", zone, Post.objects.get().pk))
    assert messages_of(response)[-1] == message


def test_no_channel_is_refused(en, zone_users):
    en.force_login(zone_users.officer)
    response = en.post(url("post_create", zone_users.zone), form_data(zone_users.zone, channels=[]))
    assert response.status_code == 200
    assert "Choose at least one channel." in response.content.decode()
    assert not Post.objects.exists()


def test_a_channel_of_another_zone_or_garbage_is_refused(client, zone_users):
    other = Channel.objects.exclude(zone=zone_users.zone).first()
    client.force_login(zone_users.officer)
    for channels in ([other.pk], ["abc"], ["999999"]):
        response = client.post(url("post_create", zone_users.zone), form_data(zone_users.zone, channels=channels))
        assert response.status_code == 200
    response = client.post(url("post_create", zone_users.zone), form_data(zone_users.zone, category="x", locality="-1"))
    assert response.status_code == 200
    assert not Post.objects.exists()


def test_a_past_time_is_refused(en, zone_users):
    en.force_login(zone_users.officer)
    yesterday = (timezone.now() - timedelta(days=1)).astimezone(BRUSSELS).strftime("%Y-%m-%dT%H:%M")
    response = en.post(url("post_create", zone_users.zone), form_data(zone_users.zone, planned_at=yesterday))
    assert "This time is already past" in response.content.decode()
    assert not Post.objects.exists()


def test_a_time_that_does_not_exist_in_brussels_is_refused(en, zone_users):
    en.force_login(zone_users.officer)
    response = en.post(url("post_create", zone_users.zone), form_data(zone_users.zone, planned_at="2027-03-28T02:30"))
    assert "28/03/2027 02:30 does not exist in Brussels" in response.content.decode()
    assert not Post.objects.exists()


@pytest.mark.parametrize(("fold", "utc_hour"), [("0", 0), ("1", 1)])
def test_an_ambiguous_time_is_asked_about_then_accepted(en, zone_users, fold, utc_hour):
    zone = zone_users.zone
    en.force_login(zone_users.officer)
    data = form_data(zone, planned_at="2027-10-31T02:30")
    response = en.post(url("post_create", zone), data)
    page = response.content.decode()
    assert "happens twice in Brussels" in page
    assert 'name="planned_at_fold"' in page and 'type="radio"' in page
    assert not Post.objects.exists()
    response = en.post(url("post_create", zone), {**data, "planned_at_fold": fold})
    assert response.status_code == 302
    assert Post.objects.get().planned_at == dt.datetime(2027, 10, 31, utc_hour, 30, tzinfo=UTC)


def test_the_form_keeps_what_was_typed(en, zone_users):
    zone = zone_users.zone
    en.force_login(zone_users.officer)
    data = form_data(zone, title="Mon brouillon", **{f"text_{fb_channel(zone).pk}": "Texte Facebook gardé"})
    data[f"text_{x_channel(zone).pk}"] = "a" * 300
    data["then"] = "submit"
    data[f"image_{fb_channel(zone).pk}"] = png_upload()
    data[f"image_alt_{fb_channel(zone).pk}"] = "Un radar"
    page = en.post(url("post_create", zone), data).content.decode()
    assert "Mon brouillon" in page
    assert "Texte Facebook gardé" in page
    assert "Un radar" in page
    assert "select them again" in page


# --- Images ----------------------------------------------------------------------------------------------------


def test_an_image_without_alt_text_is_refused(en, zone_users):
    zone = zone_users.zone
    en.force_login(zone_users.officer)
    data = form_data(zone, **{f"image_{x_channel(zone).pk}": png_upload()})
    response = en.post(url("post_create", zone), data)
    assert "Describe the image for people who cannot see it." in response.content.decode()
    assert not VariantMedia.objects.exists()


def test_a_text_file_named_jpg_is_refused(en, zone_users):
    zone = zone_users.zone
    en.force_login(zone_users.officer)
    fake = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")
    data = form_data(zone, **{f"image_{x_channel(zone).pk}": fake, f"image_alt_{x_channel(zone).pk}": "Radar"})
    response = en.post(url("post_create", zone), data)
    assert "This file is not an image that can be read." in response.content.decode()
    assert not Post.objects.exists()


def test_an_image_is_stored_with_its_hash_and_served_to_readers_only(client, zone_users):
    zone = zone_users.zone
    x = x_channel(zone)
    client.force_login(zone_users.officer)
    data = form_data(zone, **{f"image_{x.pk}": png_upload("../../evil name.png"), f"image_alt_{x.pk}": "Un radar"})
    response = client.post(url("post_create", zone), data)
    assert response.status_code == 302
    media = VariantMedia.objects.get()
    with media.image.open("rb") as handle:
        stored = handle.read()
    # The hash the fingerprint binds is the stored (re-encoded) file's, the one served and published.
    assert media.sha256 == hashlib.sha256(stored).hexdigest()
    assert media.alt_text == "Un radar"
    assert media.variant.channel == x
    assert "evil" not in media.image.name and media.image.name.endswith(".png")
    post = media.variant.post
    detail = client.get(url("post_detail", zone, post.pk)).content.decode()
    assert url("media_file", zone, post.pk, media.pk) in detail
    assert 'alt="Un radar"' in detail

    served = client.get(url("media_file", zone, post.pk, media.pk))
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == stored

    other_post = make_post(zone, zone_users.officer)
    assert client.get(url("media_file", zone, other_post.pk, media.pk)).status_code == 404
    for user in (zone_users.other_unit_head, zone_users.outsider, zone_users.nobody):
        client.force_login(user)
        assert client.get(url("media_file", zone, post.pk, media.pk)).status_code == 404
    client.logout()
    assert client.get(url("media_file", zone, post.pk, media.pk)).status_code == 302


def test_images_can_be_described_again_and_removed(en, zone_users):
    client = en
    zone = zone_users.zone
    x = x_channel(zone)
    client.force_login(zone_users.officer)
    client.post(url("post_create", zone), form_data(zone, **{f"image_{x.pk}": png_upload(), f"image_alt_{x.pk}": "A"}))
    post = Post.objects.get()
    media = VariantMedia.objects.get()
    page = client.get(url("post_edit", zone, post.pk)).content.decode()
    assert f'name="alt_{media.pk}"' in page and f'name="remove_{media.pk}"' in page

    response = client.post(url("post_edit", zone, post.pk), edit_data(post, **{f"alt_{media.pk}": "Un radar mobile"}))
    assert response.status_code == 302
    media.refresh_from_db()
    assert media.alt_text == "Un radar mobile"

    response = client.post(url("post_edit", zone, post.pk), edit_data(post, **{f"alt_{media.pk}": ""}))
    assert response.status_code == 200
    assert "Describe the image for people who cannot see it." in response.content.decode()
    media.refresh_from_db()
    assert media.alt_text == "Un radar mobile"

    response = client.post(url("post_edit", zone, post.pk), edit_data(post, **{f"remove_{media.pk}": "on"}))
    assert response.status_code == 302
    assert not VariantMedia.objects.exists()


def test_x_takes_four_images_at_most(en, zone_users):
    zone = zone_users.zone
    x = x_channel(zone)
    post = created_post(zone, zone_users.officer)
    variant = post.variants.get(channel=x)
    for n in range(4):
        VariantMedia.objects.create(variant=variant, image=f"posts/{n}.png", alt_text=f"Image {n}", sha256="0" * 64)
    en.force_login(zone_users.officer)
    data = edit_data(post, **{f"image_{x.pk}": png_upload(), f"image_alt_{x.pk}": "Cinquième"})
    response = en.post(url("post_edit", zone, post.pk), data)
    assert "X takes at most 4 images per post" in response.content.decode()
    assert VariantMedia.objects.count() == 4


# --- Editing ---------------------------------------------------------------------------------------------------


def test_editing_an_approved_posts_text_sends_it_back_to_draft(en, zone_users):
    zone = zone_users.zone
    post = approved_post(zone_users)
    en.force_login(zone_users.officer)
    page = en.get(url("post_edit", zone, post.pk)).content.decode()
    assert "sends it back to draft" in page
    x = x_channel(zone)
    response = en.post(url("post_edit", zone, post.pk), edit_data(post, **{f"text_{x.pk}": "Nouveau texte #radar"}))
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT
    assert post.approved_fingerprint == ""
    assert any("sent it back to draft" in m for m in messages_of(response))
    event = AuditEvent.objects.filter(action="editorial.post.update", object_id=str(post.pk)).latest("pk")
    assert event.data["voided_status"] == "approved"
    history = en.get(url("post_detail", zone, post.pk)).content.decode()
    assert "Approval or review voided" in history


def test_editing_only_the_working_title_keeps_the_approval(en, zone_users):
    zone = zone_users.zone
    post = approved_post(zone_users)
    fingerprint = post.approved_fingerprint
    planned_at = post.planned_at
    en.force_login(zone_users.officer)
    response = en.post(url("post_edit", zone, post.pk), edit_data(post, title="Nouveau titre interne"))
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.title == "Nouveau titre interne"
    assert post.status == Post.Status.APPROVED
    assert post.approved_fingerprint == fingerprint
    assert post.planned_at == planned_at  # seconds kept although the page shows minutes
    assert not any("back to draft" in m for m in messages_of(response))


def test_crlf_and_control_characters_are_cleaned(client, zone_users):
    zone = zone_users.zone
    post = created_post(zone, zone_users.officer)
    fb = fb_channel(zone)
    client.force_login(zone_users.officer)
    text = "Ligne 1\r\nLigne 2\rLigne 3\x07\x00\x1b fin"
    response = client.post(url("post_edit", zone, post.pk), edit_data(post, **{f"text_{fb.pk}": text}))
    assert response.status_code == 302
    assert post.variants.get(channel=fb).text == "Ligne 1\nLigne 2\nLigne 3 fin"


def test_odd_input_is_escaped_and_never_a_server_error(client, zone_users):
    zone = zone_users.zone
    post = created_post(zone, zone_users.officer)
    x, fb = x_channel(zone), fb_channel(zone)
    client.force_login(zone_users.officer)
    odd = "<script>alert(1)</script> \u202eetiroper\u202c \u200f"
    data = edit_data(post, title="<b>titre</b>", **{f"text_{x.pk}": odd, f"text_{fb.pk}": odd + "\n" + "é" * 5000})
    assert client.post(url("post_edit", zone, post.pk), data).status_code == 302
    page = client.get(url("post_detail", zone, post.pk)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>titre</b>" not in page
    edit_page = client.get(url("post_edit", zone, post.pk)).content.decode()
    assert "<script>alert(1)</script>" not in edit_page

    for bad in (
        {"title": "t" * 500},
        {"planned_at": "not a date"},
        {"planned_at": "0001-01-01T00:10"},
        {"planned_at": "99999-01-01T00:00"},
        {"planned_at_fold": "7"},
        {f"remove_{x.pk}": "on", "channels": [x.pk, x.pk]},
        {"category": "99999999999999999999999"},
    ):
        response = client.post(url("post_edit", zone, post.pk), edit_data(post, **bad))
        assert response.status_code in (200, 302), bad
    assert client.post(url("post_create", zone), {}).status_code == 200


def test_the_edit_page_says_which_channels_a_change_no_longer_reaches(en, zone_users):
    from tests.factories import submit_and_approve

    zone = zone_users.zone
    post = submit_and_approve(created_post(zone, zone_users.officer), zone_users.officer, zone_users.director)
    Publication.objects.filter(post=post, channel=x_channel(zone)).update(
        status=Publication.Status.PUBLISHED, external_id="1", published_at=timezone.now()
    )
    en.force_login(zone_users.officer)
    page = en.get(url("post_edit", zone, post.pk)).content.decode()
    blocks = {
        channel.pk: page.split(f'data-channel="{channel.pk}"')[1].split("</fieldset>")[0]
        for channel in (x_channel(zone), fb_channel(zone))
    }
    assert "Already published on this channel" in blocks[x_channel(zone).pk]
    assert "Already published on this channel" not in blocks[fb_channel(zone).pk]


def test_the_edit_page_shows_the_item_beside_the_form(client, zone_users):
    post = post_from_item(zone_users)
    client.force_login(zone_users.officer)
    page = client.get(url("post_edit", zone_users.zone, post.pk)).content.decode()
    assert "Radar rue de Mons, jeudi de 8 h à 12 h" in page
    assert "Ne pas citer le nom du riverain" in page


# --- The post page ---------------------------------------------------------------------------------------------


def test_the_post_page_shows_previews_counts_and_findings(en, zone_users):
    zone = zone_users.zone
    x, fb = x_channel(zone), fb_channel(zone)
    post = created_post(
        zone,
        zone_users.officer,
        texts={x: "Contrôle #radar à Quévy", fb: "Contactez jean.dupont@gmail.com pour en savoir plus"},
        planned_at=dt.datetime(2030, 6, 14, 8, 30, tzinfo=UTC),
    )
    en.force_login(zone_users.officer)
    page = en.get(url("post_detail", zone, post.pk)).content.decode()
    assert "preview-x" in page and "preview-facebook" in page
    assert "23 / 280 characters on X" in page
    assert "E-mail address" in page
    assert "jean.dupont@gmail.com" in page  # in the preview; the finding itself is masked
    assert "10:30" in page and "UTC+0200" in page  # 08:30 UTC is 10:30 in Brussels in June
    assert "Submit for review" in page
    assert url("post_edit", zone, post.pk) in page


def test_the_director_gets_a_review_link_unless_they_wrote_the_post(en, zone_users):
    zone = zone_users.zone
    post = created_post(zone, zone_users.officer)
    services.post_submit(actor=zone_users.officer, post=post)
    en.force_login(zone_users.director)
    page = en.get(url("post_detail", zone, post.pk)).content.decode()
    assert url("review_post", zone, post.pk) in page
    assert "Submit for review" not in page
    assert url("post_edit", zone, post.pk) not in page

    own = make_post(zone, zone_users.director, status=Post.Status.IN_REVIEW)
    page = en.get(url("post_detail", zone, own.pk)).content.decode()
    assert url("review_post", zone, own.pk) not in page
    assert "another director must approve it" in page


def test_the_unit_head_sees_no_officer_actions(client, zone_users):
    post = post_from_item(zone_users)
    client.force_login(zone_users.unit_head)
    page = client.get(url("post_detail", zone_users.zone, post.pk)).content.decode()
    assert url("post_edit", zone_users.zone, post.pk) not in page
    assert url("post_share", zone_users.zone, post.pk) not in page
    assert url("comment_add", zone_users.zone, post.pk) in page


def test_the_changes_requested_comment_is_shown(en, zone_users):
    zone = zone_users.zone
    post = created_post(zone, zone_users.officer)
    services.post_submit(actor=zone_users.officer, post=post)
    services.post_request_changes(actor=zone_users.director, post=post, comment="Ajoutez l'heure de fin.")
    en.force_login(zone_users.officer)
    page = en.get(url("post_detail", zone, post.pk)).content.decode()
    assert "asked for changes" in page
    assert "Ajoutez l&#x27;heure de fin." in page


def test_publications_are_listed(en, zone_users):
    post = approved_post(zone_users)  # approval made one publication per channel
    Publication.objects.filter(post=post, channel=x_channel(post.zone)).update(
        status=Publication.Status.FAILED, last_error="Identifiants refusés"
    )
    Publication.objects.filter(post=post, channel=fb_channel(post.zone)).update(
        status=Publication.Status.QUEUED, external_url="javascript:alert(1)"
    )
    en.force_login(zone_users.officer)
    page = en.get(url("post_detail", post.zone, post.pk)).content.decode()
    assert "Identifiants refusés" in page
    assert "javascript:alert(1)" not in page


def test_history_lists_the_events_oldest_first(en, zone_users):
    zone = zone_users.zone
    post = created_post(zone, zone_users.officer)
    services.post_submit(actor=zone_users.officer, post=post)
    services.post_request_changes(actor=zone_users.director, post=post, comment="Plus court, svp")
    services.comment_add(actor=zone_users.officer, post=post, body="Merci")
    services.post_share(actor=zone_users.officer, post=post, units=[Unit.objects.get(zone=zone, name="Trafic")])
    from editorial.audit import audit_record

    audit_record(action="editorial.post.something_new", actor=zone_users.officer, zone=zone, obj=post)
    en.force_login(zone_users.officer)
    page = en.get(url("post_detail", zone, post.pk)).content.decode()
    labels = [
        "Created the draft",
        "Submitted it for review",
        "Asked for changes",
        "Commented",
        "Shared it with units",
        "editorial.post.something_new",
    ]
    positions = [page.index(label) for label in labels]
    assert positions == sorted(positions)
    assert "Plus court, svp" in page
    assert "Units: Trafic" in page


# --- Actions ---------------------------------------------------------------------------------------------------


def test_submit_for_review(en, zone_users):
    zone = zone_users.zone
    post = created_post(zone, zone_users.officer)
    en.force_login(zone_users.officer)
    response = en.post(url("post_submit", zone, post.pk))
    assert response.status_code == 302
    assert response["Location"] == url("post_detail", zone, post.pk)
    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW
    assert AuditEvent.objects.filter(action="editorial.post.submit", object_id=str(post.pk)).exists()
    assert "submitted for review" in messages_of(response)[0]
    response = en.post(url("post_submit", zone, post.pk))
    assert messages_of(response)[-1] == "Only a draft can be submitted for review."


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"planned_at": None}, "Plan a date and time before review."),
        ({"text": ""}, "Every channel needs its text before review."),
    ],
)
def test_submit_is_refused_without_time_or_text(en, zone_users, change, message):
    zone = zone_users.zone
    x, fb = x_channel(zone), fb_channel(zone)
    texts = {x: "Texte X", fb: change.get("text", "Texte Facebook")}
    post = created_post(
        zone, zone_users.officer, texts=texts, planned_at=change.get("planned_at", timezone.now() + timedelta(days=2))
    )
    en.force_login(zone_users.officer)
    response = en.post(url("post_submit", zone, post.pk))
    assert response.status_code == 302
    assert messages_of(response) == [message]
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT


def test_comments(en, zone_users):
    zone = zone_users.zone
    post = post_from_item(zone_users)
    en.force_login(zone_users.unit_head)
    response = en.post(url("comment_add", zone, post.pk), {"body": "  L'heure est <b>8 h</b>\r\nmerci  "})
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.body == "L'heure est <b>8 h</b>\nmerci"
    assert comment.author == zone_users.unit_head
    assert AuditEvent.objects.filter(action="editorial.comment.add", object_id=str(post.pk)).exists()
    assert messages_of(response) == ["Your comment is added."]
    page = en.get(url("post_detail", zone, post.pk)).content.decode()
    assert "L&#x27;heure est &lt;b&gt;8 h&lt;/b&gt;<br>merci" in page

    response = en.post(url("comment_add", zone, post.pk), {"body": "   \r\n "})
    assert response.status_code == 200
    assert "The comment is empty." in response.content.decode()
    assert Comment.objects.count() == 1

    en.force_login(zone_users.other_unit_head)
    assert en.post(url("comment_add", zone, post.pk), {"body": "Moi aussi"}).status_code == 403
    assert Comment.objects.count() == 1


def test_a_too_long_comment_is_kept_and_refused(en, zone_users):
    post = make_post(zone_users.zone, zone_users.officer)
    en.force_login(zone_users.officer)
    response = en.post(url("comment_add", zone_users.zone, post.pk), {"body": "mot " * 2000})
    assert response.status_code == 200
    assert "mot mot mot" in response.content.decode()
    assert not Comment.objects.exists()


def test_share_with_units(en, zone_users):
    zone = zone_users.zone
    post = make_post(zone, zone_users.officer)
    judiciaire = Unit.objects.get(zone=zone, name="Judiciaire")
    en.force_login(zone_users.officer)
    page = en.get(url("post_detail", zone, post.pk)).content.decode()
    assert f'value="{judiciaire.pk}"' in page
    response = en.post(url("post_share", zone, post.pk), {"units": [judiciaire.pk]})
    assert response.status_code == 302
    assert list(post.shared_with_units.all()) == [judiciaire]
    assert AuditEvent.objects.filter(action="editorial.post.share", object_id=str(post.pk)).exists()
    assert messages_of(response) == ["The post is shared with: Judiciaire."]
    en.force_login(zone_users.other_unit_head)
    assert en.get(url("post_detail", zone, post.pk)).status_code == 200

    other_unit = Unit.objects.exclude(zone=zone).first()
    en.force_login(zone_users.officer)
    response = en.post(url("post_share", zone, post.pk), {"units": [other_unit.pk]})
    assert messages_of(response) == ["Choose units of this zone only."]
    assert list(post.shared_with_units.all()) == [judiciaire]
    response = en.post(url("post_share", zone, post.pk), {})
    assert not post.shared_with_units.exists()


# --- Query counts ----------------------------------------------------------------------------------------------


def _add_comments_and_events(post, zone_users, n: int) -> None:
    for i in range(n):
        services.comment_add(actor=zone_users.unit_head, post=post, body=f"Commentaire {i}")
    for i in range(n):
        services.post_update(actor=zone_users.officer, post=post, title=f"Titre {i}")


@pytest.mark.parametrize("role", ["officer", "unit_head", "director"])
def test_post_detail_query_count_does_not_grow(client, zone_users, django_assert_max_num_queries, role):
    post = post_from_item(zone_users)
    client.force_login(getattr(zone_users, role))
    _add_comments_and_events(post, zone_users, 2)
    with django_assert_max_num_queries(15) as few:
        assert client.get(url("post_detail", zone_users.zone, post.pk)).status_code == 200
    _add_comments_and_events(post, zone_users, 30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url("post_detail", zone_users.zone, post.pk)).content.decode()
    assert "Commentaire 29" in page and "Titre 29" in page


def test_post_edit_query_count_does_not_grow(client, zone_users, django_assert_max_num_queries):
    zone = zone_users.zone
    post = post_from_item(zone_users)
    client.force_login(zone_users.officer)

    def add_channels_with_images(count: int) -> None:
        start = Channel.objects.count()
        for n in range(count):
            channel = Channel.objects.create(
                zone=zone, kind=Channel.Kind.FACEBOOK, name=f"Page {n}", handle=f"p{start + n}"
            )
            variant = PostVariant.objects.create(post=post, channel=channel, text=f"Texte {n}")
            for m in range(2):
                VariantMedia.objects.create(
                    variant=variant, image=f"posts/{n}-{m}.png", alt_text=f"Image {m}", sha256="0" * 64
                )

    add_channels_with_images(1)
    with django_assert_max_num_queries(15) as few:
        assert client.get(url("post_edit", zone, post.pk)).status_code == 200
    add_channels_with_images(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url("post_edit", zone, post.pk)).content.decode()
    assert "Texte 9" in page


def test_a_post_taken_up_from_an_item_gets_its_texts_on_the_edit_page(en, zone_users):
    zone = zone_users.zone
    post = post_from_item(zone_users)
    x, fb = x_channel(zone), fb_channel(zone)
    en.force_login(zone_users.officer)
    data = edit_data(post, channels=[x.pk, fb.pk], **{f"text_{x.pk}": "Radar #Quevy", f"text_{fb.pk}": "Radar à Quévy"})
    assert en.post(url("post_edit", zone, post.pk), data).status_code == 302
    assert {v.channel_id: v.text for v in post.variants.all()} == {x.pk: "Radar #Quevy", fb.pk: "Radar à Quévy"}
    assert Item.objects.get().status == Item.Status.TAKEN_UP
    page = en.get(url("post_detail", zone, post.pk)).content.decode()
    assert page.index("Took the item up") < page.index("Edited the post")


# --- Compose once (issue 12) -------------------------------------------------------------------------------------


def jpeg_upload(name: str = "chantier.jpg", color: str = "orange") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), color).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def item_with_material(zone_users, photos: int = 1) -> Item:
    return services.item_submit(
        actor=zone_users.unit_head,
        zone=zone_users.zone,
        unit=Unit.objects.get(zone=zone_users.zone, name="Trafic"),
        title="Travaux rue de la Station",
        facts="Circulation alternée du lundi au vendredi.",
        wanted_start=timezone.now() + timedelta(days=2),
        attachments=[jpeg_upload(color=c) for c in ("orange", "blue", "green", "red", "white", "black")[:photos]],
        links="https://www.quevy.be/travaux\nhttps://www.mons.be/deviations",
    )


def taken_up(zone_users, photos: int = 1) -> Post:
    return services.item_take_up(actor=zone_users.officer, item=item_with_material(zone_users, photos))


def compose_data(post: Post, main: str, **overrides) -> dict:
    """What the drafting page sends with its script running: every channel following the main text, its text the
    main text (drafting.js mirrors it), the time as it is."""
    data = edit_data(post, main_fr=main)
    for channel_id in data["channels"]:
        data[f"text_{channel_id}"] = main
        data[f"follows_{channel_id}"] = "1"
    data.update(overrides)
    return data


def test_every_post_text_is_marked_for_the_typing_aids(client, zone_users):
    zone = zone_users.zone
    post = taken_up(zone_users)
    client.force_login(zone_users.officer)
    for address in (url("post_create", zone), url("post_edit", zone, post.pk)):
        response = client.get(address)
        page = response.content.decode()
        assert "editorial/_typing_aids.html" in [t.name for t in response.templates]
        textareas = re.findall(r"<textarea\b[^>]*>", page)
        post_texts = [t for t in textareas if "data-post-text" in t]
        assert len(post_texts) == 3  # the main text, X and Facebook
        kinds = sorted(re.search(r'data-channel-kind="(\w+)"', t).group(1) for t in post_texts)
        assert kinds == ["facebook", "main", "x"]
        assert all('data-language="fr"' in t for t in post_texts)


def test_a_bilingual_zone_writes_a_main_text_per_language(client, zone_users):
    zone = zone_users.zone
    zone.languages = "fr+nl"
    zone.save()
    Channel.objects.filter(zone=zone, kind=Channel.Kind.FACEBOOK).update(language="fr+nl")
    client.force_login(zone_users.officer)
    page = client.get(url("post_create", zone)).content.decode()
    assert 'name="main_fr"' in page and 'name="main_nl"' in page
    assert re.search(r'<textarea[^>]*data-channel-kind="facebook"[^>]*data-language="fr\+nl"', page)
    x, fb = x_channel(zone), fb_channel(zone)
    data = form_data(zone, main_fr="Contrôle radar.", main_nl="Snelheidscontrole.")
    data |= {f"follows_{x.pk}": "1", f"follows_{fb.pk}": "1", f"text_{x.pk}": "", f"text_{fb.pk}": ""}
    assert client.post(url("post_create", zone), data).status_code == 302
    post = Post.objects.get()
    assert post.main_texts == {"fr": "Contrôle radar.", "nl": "Snelheidscontrole."}
    texts = {v.channel_id: v.text for v in post.variants.all()}
    assert texts == {x.pk: "Contrôle radar.", fb.pk: "Contrôle radar.\n\nSnelheidscontrole."}


def test_a_taken_up_draft_has_its_channels_ticked_and_the_unit_s_material_offered(client, zone_users):
    zone = zone_users.zone
    client.force_login(zone_users.officer)
    item = item_with_material(zone_users)
    response = client.post(url("item_take_up", zone, item.pk))
    post = Post.objects.get(item=item)
    assert response["Location"] == url("post_edit", zone, post.pk)
    page = client.get(response["Location"]).content.decode()
    for channel in (x_channel(zone), fb_channel(zone)):
        assert re.search(rf'<input[^>]*name="channels" value="{channel.pk}"[^>]*checked', page)
        assert re.search(rf'<input[^>]*name="follows_{channel.pk}" value="1"', page)
    photo = item.attachments.get()
    assert url("item_attachment", zone, item.pk, photo.pk) in page
    # Offered, not picked: a photo the officer does not tick is never published.
    checkbox = re.search(rf'<input[^>]*name="photo_{photo.pk}"[^>]*>', page).group()
    assert "checked" not in checkbox
    assert 'data-hashtag="https://www.quevy.be/travaux"' in page
    assert 'data-hashtag="https://www.mons.be/deviations"' in page


def test_channels_follow_the_main_text_until_edited(client, zone_users):
    zone = zone_users.zone
    post = taken_up(zone_users)
    x, fb = x_channel(zone), fb_channel(zone)
    client.force_login(zone_users.officer)
    main = "Travaux rue de la Station à Quévy. #travaux"
    assert client.post(url("post_edit", zone, post.pk), compose_data(post, main)).status_code == 302
    assert {(v.text, v.follows_main) for v in post.variants.all()} == {(main, True)}
    # A browser without script: the main text changed, the channel texts sent as the page showed them.
    data = compose_data(post, main, main_fr="Travaux rue de la Gare.")
    client.post(url("post_edit", zone, post.pk), data)
    assert {v.text for v in post.variants.all()} == {"Travaux rue de la Gare."}
    # Typed in the X text (the flag says "follows", the text says otherwise): kept as written.
    data = compose_data(post, "Travaux rue de la Gare.", **{f"text_{x.pk}": "Travaux ! #Quevy"})
    client.post(url("post_edit", zone, post.pk), data)
    assert post.variants.get(channel=x).text == "Travaux ! #Quevy"
    assert post.variants.get(channel=x).follows_main is False
    page = client.get(url("post_edit", zone, post.pk)).content.decode()
    assert re.search(rf'<input[^>]*name="follows_{x.pk}" value="0"', page)
    assert re.search(rf'<input[^>]*name="follows_{fb.pk}" value="1"', page)
    # The main text moves on: the adapted X text stays as written.
    data = compose_data(post, "Travaux rue Neuve.", **{f"text_{x.pk}": "Travaux ! #Quevy", f"follows_{x.pk}": "0"})
    client.post(url("post_edit", zone, post.pk), data)
    texts = {v.channel_id: v.text for v in post.variants.all()}
    assert texts == {x.pk: "Travaux ! #Quevy", fb.pk: "Travaux rue Neuve."}


def test_save_and_submit_for_review_in_one_click(en, zone_users):
    zone = zone_users.zone
    post = taken_up(zone_users)
    en.force_login(zone_users.officer)
    data = compose_data(post, "Travaux rue de la Station à Quévy. #travaux", then="submit")
    response = en.post(url("post_edit", zone, post.pk), data)
    assert response.status_code == 302
    assert response["Location"] == url("post_detail", zone, post.pk)
    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW
    assert messages_of(response) == ["The post is saved and submitted for review; the directors are told."]


def test_save_and_submit_refused_says_what_review_needs_and_saves_nothing(en, zone_users):
    zone = zone_users.zone
    post = taken_up(zone_users)
    photo = post.item.attachments.get()
    en.force_login(zone_users.officer)
    data = compose_data(post, "", planned_at="", title="Mon titre", then="submit")
    data |= {f"photo_{photo.pk}": "on", f"photo_alt_{photo.pk}": "Chantier rue de la Station"}
    response = en.post(url("post_edit", zone, post.pk), data)
    assert response.status_code == 200
    page = response.content.decode()
    summary = page.split('id="error-summary"')[1].split("</div>")[0]
    assert '<a href="#id_planned_at" class="alert-link">Plan a date and time before review.</a>' in summary
    assert '<a href="#id_main_fr" class="alert-link">Write the main text before review.</a>' in summary
    assert "Nothing is saved or submitted yet" in summary
    # Everything typed is still there, the photo still ticked with its alternative text.
    assert 'value="Mon titre"' in page
    assert re.search(rf'<input[^>]*name="photo_{photo.pk}"[^>]*checked', page)
    assert "Chantier rue de la Station</textarea>" in page
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT and post.title == "Travaux rue de la Station"
    assert not VariantMedia.objects.exists()


def test_the_unit_s_photo_is_published_on_every_channel_when_ticked(client, zone_users):
    zone = zone_users.zone
    post = taken_up(zone_users)
    photo = post.item.attachments.get()
    client.force_login(zone_users.officer)
    data = compose_data(post, "Travaux.", **{f"photo_{photo.pk}": "on", f"photo_alt_{photo.pk}": "Chantier"})
    assert client.post(url("post_edit", zone, post.pk), data).status_code == 302
    media = VariantMedia.objects.filter(variant__post=post)
    assert sorted(media.values_list("variant__channel__kind", "source_id", "alt_text")) == [
        ("facebook", photo.pk, "Chantier"),
        ("x", photo.pk, "Chantier"),
    ]
    page = client.get(url("post_edit", zone, post.pk)).content.decode()
    assert re.search(rf'<input[^>]*name="photo_{photo.pk}"[^>]*checked', page)
    # Not listed a second time among each channel's own images.
    assert f'name="alt_{media.first().pk}"' not in page
    # Saved again as the page shows it: no second copy.
    client.post(url("post_edit", zone, post.pk), data)
    assert media.count() == 2
    # Unticked: it is taken off every channel.
    client.post(url("post_edit", zone, post.pk), compose_data(post, "Travaux."))
    assert not media.exists()


@pytest.mark.parametrize(
    ("fields", "where", "message"),
    [
        ({"photo_{pk}": "on"}, "photo_alt_{pk}", "Describe the image for people who cannot see it."),
        ({"photo_alt_{pk}": "Chantier"}, "photo_{pk}", "Tick “Publish this photo” to publish it"),
    ],
    ids=["ticked-without-alt", "alt-without-tick"],
)
def test_a_photo_half_chosen_is_asked_about(en, zone_users, fields, where, message):
    zone = zone_users.zone
    post = taken_up(zone_users)
    photo = post.item.attachments.get()
    en.force_login(zone_users.officer)
    data = compose_data(post, "Travaux.", **{k.format(pk=photo.pk): v for k, v in fields.items()})
    response = en.post(url("post_edit", zone, post.pk), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert f'href="#id_{where.format(pk=photo.pk)}"' in page
    assert not VariantMedia.objects.exists()


def test_x_takes_four_images_counting_the_unit_s_photos(en, zone_users):
    zone = zone_users.zone
    post = taken_up(zone_users, photos=5)
    en.force_login(zone_users.officer)
    data = compose_data(post, "Travaux.")
    for photo in post.item.attachments.all():
        data |= {f"photo_{photo.pk}": "on", f"photo_alt_{photo.pk}": f"Photo {photo.pk}"}
    response = en.post(url("post_edit", zone, post.pk), data)
    assert "X takes at most 4 images per post: publish fewer photos." in response.content.decode()
    assert not VariantMedia.objects.exists()


def test_a_failed_upload_names_the_file(en, zone_users):
    zone = zone_users.zone
    x = x_channel(zone)
    en.force_login(zone_users.officer)
    fake = SimpleUploadedFile("radar-jeudi.jpg", b"not an image", content_type="image/jpeg")
    response = en.post(url("post_create", zone), form_data(zone, **{f"image_{x.pk}": fake, f"image_alt_{x.pk}": "R"}))
    assert "radar-jeudi.jpg: This file is not an image that can be read." in response.content.decode()


def test_a_new_post_ticks_the_zone_s_default_channels(client, zone_users):
    zone = zone_users.zone
    x, fb = x_channel(zone), fb_channel(zone)
    fb.ticked_by_default = False
    fb.save()
    category = zone.category_set.get()
    category.default_channels.set([fb])
    client.force_login(zone_users.officer)
    page = client.get(url("post_create", zone)).content.decode()
    assert re.search(rf'<input[^>]*name="channels" value="{x.pk}"[^>]*checked', page)
    assert not re.search(rf'<input[^>]*name="channels" value="{fb.pk}"[^>]*checked', page)
    # drafting.js ticks the category's channels when the category is chosen.
    assert f'{{"{category.pk}": ["{fb.pk}"]}}' in page


def test_the_title_comes_from_the_text_when_left_empty(client, zone_users):
    zone = zone_users.zone
    client.force_login(zone_users.officer)
    text = "Contrôle radar à Quévy ce jeudi matin, rue de Mons, entre 8 h et 12 h : levez le pied, merci pour tous !"
    data = form_data(zone, title="", main_fr=text)
    assert client.post(url("post_create", zone), data).status_code == 302
    assert Post.objects.get().title == "Contrôle radar à Quévy ce jeudi matin, rue de Mons, entre 8 h et 12 h : levez…"


def test_an_x_text_over_280_shows_the_overflow_and_a_proposal(en, zone_users):
    zone = zone_users.zone
    x = x_channel(zone)
    en.force_login(zone_users.officer)
    text = "Contrôle radar à Quévy ce jeudi. " * 9 + "https://www.police.be/5344 #radar"
    en.post(url("post_create", zone), form_data(zone, **{f"text_{x.pk}": text}))
    page = en.get(url("post_edit", zone, Post.objects.get().pk)).content.decode()
    assert '<mark class="x-overflow"' in page
    proposal = page.split("data-x-proposal-text>")[1].split("</p>")[0]
    assert proposal.endswith("https://www.police.be/5344 #radar")
    assert "Use this version for X" in page


# --- The proposal while typing ------------------------------------------------------------------------------------


def test_the_proposal_while_typing(client, zone_users):
    zone = zone_users.zone
    client.force_login(zone_users.officer)
    address = url("x_fit", zone)
    long = "Contrôle radar à Quévy ce jeudi. " * 10 + "#radar"
    answer = client.post(address, {"text": long}).json()
    assert answer["proposal"].endswith("#radar") and answer["count"] <= 280
    assert client.post(address, {"text": "Contrôle radar."}).json() == {"proposal": None, "count": None}
    both = client.post(address, {"part": ["Contrôle radar à Quévy. " * 8, "Snelheidscontrole in Quévy. " * 8]}).json()
    assert "\n\nSnelheidscontrole in Quévy." in both["proposal"]
    assert client.post(address, {"text": "a" * 100_000}).json()["proposal"] is None
    assert client.get(address).status_code == 405
    client.force_login(zone_users.director)
    assert client.post(address, {"text": long}).status_code == 403


def test_post_edit_query_count_does_not_grow_with_the_item_s_photos(client, zone_users, django_assert_max_num_queries):
    zone = zone_users.zone
    post = taken_up(zone_users, photos=1)
    client.force_login(zone_users.officer)
    with django_assert_max_num_queries(20) as few:
        assert client.get(url("post_edit", zone, post.pk)).status_code == 200
    for n in range(5):
        ItemAttachment.objects.create(item=post.item, file=f"items/{n}.jpg")
    photo = post.item.attachments.first()
    for variant in post.variants.all():
        VariantMedia.objects.create(variant=variant, image="posts/p.jpg", alt_text="A", sha256="0" * 64, source=photo)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url("post_edit", zone, post.pk)).status_code == 200


def test_a_bilingual_post_is_submitted_only_with_both_languages(en, zone_users):
    zone = zone_users.zone
    zone.languages = "fr+nl"
    zone.save()
    x, fb = x_channel(zone), fb_channel(zone)  # both left in French
    en.force_login(zone_users.officer)
    data = form_data(zone, main_fr="Contrôle radar.", main_nl="", channels=[x.pk, fb.pk], then="submit")
    data |= {f"follows_{x.pk}": "1", f"follows_{fb.pk}": "1", f"text_{x.pk}": "", f"text_{fb.pk}": ""}
    page = en.post(url("post_create", zone), data).content.decode()
    summary = page.split('id="error-summary"')[1].split("</div>")[0]
    assert (
        '<a href="#id_main_nl" class="alert-link">Write the main text in Dutch: this zone publishes every post in '
        "French and Dutch.</a>" in summary
    )
    assert (
        '<a href="#id_channels_0" class="alert-link">Tick a channel that publishes in Dutch, or in both languages: '
        "none of the ticked ones does.</a>" in summary
    )
    assert not Post.objects.exists()
    fb.language = "fr+nl"
    fb.save()
    response = en.post(url("post_create", zone), data | {"main_nl": "Snelheidscontrole."})
    assert response.status_code == 302
    assert Post.objects.get().status == Post.Status.IN_REVIEW

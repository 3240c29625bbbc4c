"""Items from the units: the unit heads' list, the officer's inbox, submitting, taking up and declining."""

from __future__ import annotations

import io

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from editorial import services
from editorial.forms.items import ItemForm
from editorial.models import AuditEvent, Category, Channel, Item, ItemAttachment, Locality, Post, Publication, Unit
from tests.factories import make_item, make_zone

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ROLES = ["unit_head", "other_unit_head", "officer", "director", "admin", "outsider", "nobody"]


def url(name: str, zone, *args) -> str:
    return reverse(f"editorial:{name}", args=[zone.slug, *args])


def png(name: str = "photo.png", size: tuple[int, int] = (8, 8), fmt: str = "PNG") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def item(zone_users):
    return make_item(zone_users.zone, submitted_by=zone_users.unit_head, title="Radar rue de Binche")


@pytest.fixture
def form_data(zone_users) -> dict[str, str]:
    zone = zone_users.zone
    return {
        "title": "Contrôle vitesse à Quévy",
        "facts": "Jeudi de 14 h à 16 h, chaussée Brunehault.",
        "category": str(Category.objects.get(zone=zone).pk),
        "locality": str(Locality.objects.get(zone=zone).pk),
        "wanted_start": "2027-06-10T14:00",
        "wanted_end": "2027-06-10T16:00",
        "confidentiality_notes": "Pas de plaques.",
    }


def publish(post: Post, kind: str, external_url: str) -> Publication:
    return Publication.objects.create(
        post=post,
        channel=Channel.objects.get(zone=post.zone, kind=kind),
        status=Publication.Status.PUBLISHED,
        external_id=external_url.rsplit("/", 1)[-1],
        external_url=external_url,
        published_at=timezone.now(),
    )


# --- Who may see what -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("unit_head", 200),
        ("other_unit_head", 200),
        ("officer", 200),
        ("director", 200),
        ("admin", 403),
        ("outsider", 404),
        ("nobody", 404),
    ],
)
def test_the_list_answers_each_role(client, zone_users, item, role, status):
    client.force_login(getattr(zone_users, role))
    assert client.get(url("item_list", zone_users.zone)).status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("unit_head", 200),
        ("other_unit_head", 403),
        ("officer", 200),
        ("director", 200),
        ("admin", 403),
        ("outsider", 404),
        ("nobody", 404),
    ],
)
def test_the_item_page_answers_each_role(client, zone_users, item, role, status):
    client.force_login(getattr(zone_users, role))
    assert client.get(url("item_detail", zone_users.zone, item.pk)).status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("unit_head", 200),
        ("other_unit_head", 200),
        ("officer", 200),
        ("director", 403),
        ("admin", 403),
        ("outsider", 404),
        ("nobody", 404),
    ],
)
def test_the_submit_form_answers_each_role(client, zone_users, role, status):
    client.force_login(getattr(zone_users, role))
    assert client.get(url("item_create", zone_users.zone)).status_code == status


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("item_list", "get"),
        ("item_create", "get"),
        ("item_create", "post"),
        ("item_detail", "get"),
        ("item_take_up", "post"),
        ("item_decline", "post"),
        ("item_attachment", "get"),
    ],
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, zone_users, item, name, method):
    attachment = ItemAttachment.objects.create(item=item, file=ContentFile(png().read(), name="a.png"))
    args = {"item_list": [], "item_create": [], "item_attachment": [item.pk, attachment.pk]}.get(name, [item.pk])
    response = getattr(client, method)(url(name, zone_users.zone, *args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", ["item_detail", "item_take_up", "item_decline"])
def test_an_item_of_another_zone_is_a_404(client, zone_users, name):
    other = make_zone()
    foreign = make_item(other, title="Ailleurs")
    client.force_login(zone_users.officer)
    # Through our zone's address and through theirs (the officer is no member there).
    send = client.get if name == "item_detail" else client.post
    assert send(url(name, zone_users.zone, foreign.pk)).status_code == 404
    assert send(url(name, other, foreign.pk)).status_code == 404
    assert send(url(name, zone_users.zone, 999_999)).status_code == 404


def test_the_unit_head_sees_only_their_units_items(client, zone_users):
    make_item(zone_users.zone, submitted_by=zone_users.unit_head, title="Radar rue de Binche")
    make_item(zone_users.zone, "Judiciaire", submitted_by=zone_users.other_unit_head, title="Appel à témoins")
    client.force_login(zone_users.unit_head)
    page = client.get(url("item_list", zone_users.zone), **EN).content.decode()
    assert "Radar rue de Binche" in page
    assert "Appel à témoins" not in page
    assert "Submit an item" in page
    assert "Take up" not in page


def test_the_unit_head_sees_newest_first(client, zone_users):
    older = make_item(zone_users.zone, submitted_by=zone_users.unit_head, title="Plus ancien")
    newer = make_item(zone_users.zone, submitted_by=zone_users.unit_head, title="Plus récent")
    Item.objects.filter(pk=older.pk).update(created_at=timezone.now() - timezone.timedelta(days=2))
    client.force_login(zone_users.unit_head)
    items = list(client.get(url("item_list", zone_users.zone)).context["items"])
    assert items == [newer, older]


def test_the_officer_sees_the_inbox_oldest_first_with_actions(client, zone_users):
    first = make_item(zone_users.zone, submitted_by=zone_users.unit_head, title="Premier arrivé")
    second = make_item(zone_users.zone, "Judiciaire", submitted_by=zone_users.other_unit_head, title="Second")
    Item.objects.filter(pk=first.pk).update(created_at=timezone.now() - timezone.timedelta(hours=3))
    ItemAttachment.objects.create(item=second, file=ContentFile(png().read(), name="a.png"))
    handled = make_item(zone_users.zone, submitted_by=zone_users.unit_head, title="Déjà traité")
    services.item_decline(actor=zone_users.officer, item=handled, reason="Hors sujet")
    client.force_login(zone_users.officer)
    response = client.get(url("item_list", zone_users.zone), **EN)
    assert [i.pk for i in response.context["inbox"]] == [first.pk, second.pk]
    assert [i.photo_count for i in response.context["inbox"]] == [0, 1]
    assert [i.pk for i in response.context["handled"]] == [handled.pk]
    page = response.content.decode()
    assert page.count("Take up") == 2
    assert url("item_take_up", zone_users.zone, first.pk) in page
    assert url("item_decline", zone_users.zone, second.pk) in page
    assert 'data-bs-target="#decline-' in page
    assert "Hors sujet" in page
    assert "onclick" not in page and "style=" not in page


def test_the_director_reads_the_inbox_without_the_actions(client, zone_users, item):
    client.force_login(zone_users.director)
    response = client.get(url("item_list", zone_users.zone), **EN)
    assert [i.pk for i in response.context["inbox"]] == [item.pk]
    page = response.content.decode()
    assert "Radar rue de Binche" in page
    assert url("item_take_up", zone_users.zone, item.pk) not in page
    assert url("item_decline", zone_users.zone, item.pk) not in page
    detail = client.get(url("item_detail", zone_users.zone, item.pk)).content.decode()
    assert url("item_take_up", zone_users.zone, item.pk) not in detail


# --- Submitting ---------------------------------------------------------------------------------------------


def test_a_unit_head_submits_an_item_with_photos(client, zone_users, form_data):
    client.force_login(zone_users.unit_head)
    page = client.get(url("item_create", zone_users.zone), **EN).content.decode()
    assert 'name="unit"' not in page  # a unit head of one unit does not choose it
    assert "Trafic" in page
    data = form_data | {"photos": [png("un.png"), png("deux.jpg", fmt="JPEG")]}
    response = client.post(url("item_create", zone_users.zone), data, **EN)
    item = Item.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("item_detail", zone_users.zone, item.pk)
    assert item.unit.name == "Trafic" and item.submitted_by == zone_users.unit_head
    assert item.status == Item.Status.NEW
    assert item.wanted_start.isoformat() == "2027-06-10T12:00:00+00:00"  # 14:00 in Brussels, summer time
    assert item.confidentiality_notes == "Pas de plaques."
    names = sorted(a.file.name.rsplit("/", 1)[-1] for a in item.attachments.all())
    assert len(names) == 2 and names[0].startswith("deux") and names[0].endswith(".jpg")
    assert AuditEvent.objects.filter(action="editorial.item.submit", object_id=str(item.pk)).exists()
    assert any("submitted" in m for m in messages_of(response))


def test_the_officer_chooses_any_unit(client, zone_users, form_data):
    judiciaire = Unit.objects.get(zone=zone_users.zone, name="Judiciaire")
    client.force_login(zone_users.officer)
    assert 'name="unit"' in client.get(url("item_create", zone_users.zone)).content.decode()
    response = client.post(url("item_create", zone_users.zone), form_data | {"unit": str(judiciaire.pk)})
    assert response.status_code == 302
    assert Item.objects.get().unit == judiciaire


def test_a_unit_of_another_zone_cannot_be_chosen(client, zone_users, form_data):
    foreign_unit = Unit.objects.filter(zone__slug="boraine").first()
    foreign_category = Category.objects.filter(zone__slug="boraine").first()
    client.force_login(zone_users.officer)
    response = client.post(
        url("item_create", zone_users.zone),
        form_data | {"unit": str(foreign_unit.pk), "category": str(foreign_category.pk)},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"unit", "category"}
    assert not Item.objects.exists()


def test_a_text_file_named_png_is_refused_and_the_text_kept(client, zone_users, form_data):
    client.force_login(zone_users.unit_head)
    fake = SimpleUploadedFile("photo.png", b"not an image at all", content_type="image/png")
    response = client.post(url("item_create", zone_users.zone), form_data | {"photos": [fake]}, **EN)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["photos"])
    assert "not an image" in errors
    assert "choose the photos again" in errors
    page = response.content.decode()
    assert "chaussée Brunehault" in page and "Contrôle vitesse à Quévy" in page
    assert not Item.objects.exists()


def test_a_too_heavy_photo_is_refused(client, zone_users, form_data, settings):
    settings.DESK_MAX_IMAGE_BYTES = 100
    client.force_login(zone_users.unit_head)
    response = client.post(url("item_create", zone_users.zone), form_data | {"photos": [png(size=(64, 64))]}, **EN)
    assert response.status_code == 200
    assert "the limit is" in " ".join(response.context["form"].errors["photos"])
    assert not Item.objects.exists()


def test_at_most_six_photos(client, zone_users, form_data):
    client.force_login(zone_users.unit_head)
    photos = [png(f"p{i}.png") for i in range(7)]
    response = client.post(url("item_create", zone_users.zone), form_data | {"photos": photos}, **EN)
    assert response.status_code == 200
    assert "At most 6" in " ".join(response.context["form"].errors["photos"])
    assert not Item.objects.exists()


def test_the_end_before_the_start_is_refused(client, zone_users, form_data):
    client.force_login(zone_users.unit_head)
    data = form_data | {"wanted_start": "2027-06-10T16:00", "wanted_end": "2027-06-10T14:00"}
    response = client.post(url("item_create", zone_users.zone), data, **EN)
    assert response.status_code == 200
    assert response.context["form"].errors["wanted_end"] == ["The end comes before the start."]
    assert 'value="2027-06-10T16:00"' in response.content.decode()


def test_a_time_in_the_past_is_refused(client, zone_users, form_data):
    client.force_login(zone_users.unit_head)
    data = form_data | {"wanted_start": "2020-01-01T10:00"}
    response = client.post(url("item_create", zone_users.zone), data, **EN)
    assert response.status_code == 200
    assert "already past" in " ".join(response.context["form"].errors["wanted_start"])
    assert not Item.objects.exists()


def test_a_time_that_does_not_exist_in_brussels_is_refused(client, zone_users, form_data):
    client.force_login(zone_users.unit_head)
    data = form_data | {"wanted_start": "2027-03-28T02:30", "wanted_end": ""}
    response = client.post(url("item_create", zone_users.zone), data, **EN)
    assert response.status_code == 200
    assert "does not exist in Brussels" in " ".join(response.context["form"].errors["wanted_start"])
    assert not Item.objects.exists()


def test_an_ambiguous_time_is_asked_about_then_accepted(client, zone_users, form_data):
    client.force_login(zone_users.unit_head)
    data = form_data | {"wanted_start": "2027-10-31T02:30", "wanted_end": ""}
    response = client.post(url("item_create", zone_users.zone), data, **EN)
    assert response.status_code == 200
    assert "happens twice" in " ".join(response.context["form"].errors["wanted_start_fold"])
    page = response.content.decode()
    assert 'type="radio"' in page and 'name="wanted_start_fold" value="1"' in page
    assert not Item.objects.exists()
    response = client.post(url("item_create", zone_users.zone), data | {"wanted_start_fold": "1"}, **EN)
    assert response.status_code == 302
    # The second 02:30, on winter time (UTC+1).
    assert Item.objects.get().wanted_start.isoformat() == "2027-10-31T01:30:00+00:00"


def test_required_fields_are_asked_for(client, zone_users):
    client.force_login(zone_users.unit_head)
    response = client.post(url("item_create", zone_users.zone), {}, **EN)
    assert response.status_code == 200
    assert {"title", "facts"} <= set(response.context["form"].errors)


@pytest.mark.parametrize(
    "odd",
    [
        "<script>alert('x')</script>",
        "\u202eRTL override\u202c \u200f\u0645\u0631\u062d\u0628\u0627\u200f",
        "control\x00chars\x07 and \x1b[31m",
        "f" * 10_000,
    ],
)
def test_odd_input_never_breaks_and_is_escaped(client, zone_users, form_data, odd):
    client.force_login(zone_users.unit_head)
    data = form_data | {"title": odd[:200], "facts": odd, "confidentiality_notes": odd}
    response = client.post(url("item_create", zone_users.zone), data)
    assert response.status_code == 302
    item = Item.objects.get()
    assert "\x00" not in item.facts and "\x07" not in item.title
    client.force_login(zone_users.officer)
    for page in (url("item_detail", zone_users.zone, item.pk), url("item_list", zone_users.zone)):
        body = client.get(page).content.decode()
        assert "<script>alert" not in body
        if "<script>" in odd:
            assert "&lt;script&gt;" in body


def test_a_title_longer_than_200_characters_is_refused_not_a_500(client, zone_users, form_data):
    client.force_login(zone_users.unit_head)
    response = client.post(url("item_create", zone_users.zone), form_data | {"title": "t" * 5000})
    assert response.status_code == 200
    assert "title" in response.context["form"].errors


# --- Photos -------------------------------------------------------------------------------------------------


def test_the_photo_is_served_to_whoever_may_see_the_item(client, zone_users, form_data):
    client.force_login(zone_users.unit_head)
    client.post(url("item_create", zone_users.zone), form_data | {"photos": [png("page.html")]})
    item = Item.objects.get()
    attachment = item.attachments.get()
    address = url("item_attachment", zone_users.zone, item.pk, attachment.pk)
    assert address in client.get(url("item_detail", zone_users.zone, item.pk)).content.decode()
    for role, status in [("unit_head", 200), ("officer", 200), ("director", 200), ("other_unit_head", 403)]:
        client.force_login(getattr(zone_users, role))
        response = client.get(address)
        assert response.status_code == status, role
        if status == 200:
            # Named .html by the sender, served as what it is.
            assert response["Content-Type"] == "image/png"
            assert response["Content-Disposition"].startswith("inline")
            assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    client.force_login(zone_users.outsider)
    assert client.get(address).status_code == 404


def test_an_attachment_of_another_item_is_a_404(client, zone_users, item):
    other = make_item(zone_users.zone, submitted_by=zone_users.unit_head, title="Autre")
    attachment = ItemAttachment.objects.create(item=other, file=ContentFile(png().read(), name="a.png"))
    client.force_login(zone_users.officer)
    assert client.get(url("item_attachment", zone_users.zone, item.pk, attachment.pk)).status_code == 404
    assert client.get(url("item_attachment", zone_users.zone, other.pk, attachment.pk)).status_code == 200
    assert client.get(url("item_attachment", zone_users.zone, other.pk, 999_999)).status_code == 404


# --- Taking up and declining ------------------------------------------------------------------------------


def test_the_officer_takes_up_an_item(client, zone_users, item):
    client.force_login(zone_users.officer)
    response = client.post(url("item_take_up", zone_users.zone, item.pk), **EN)
    post = Post.objects.get(item=item)
    assert response.status_code == 302
    assert response["Location"] == reverse("editorial:post_edit", args=[zone_users.zone.slug, post.pk])
    assert post.status == Post.Status.DRAFT and post.author == zone_users.officer and post.title == item.title
    item.refresh_from_db()
    assert item.status == Item.Status.TAKEN_UP
    assert AuditEvent.objects.filter(action="editorial.item.take_up", object_id=str(item.pk)).exists()
    assert messages_of(response) == ["Draft created from the item: write the text, pick the photos, then submit it."]


def test_a_second_take_up_is_refused_with_a_message(client, zone_users, item):
    client.force_login(zone_users.officer)
    client.post(url("item_take_up", zone_users.zone, item.pk))
    response = client.post(url("item_take_up", zone_users.zone, item.pk), **EN)
    assert response.status_code == 302
    assert response["Location"] == url("item_detail", zone_users.zone, item.pk)
    assert "already been handled" in messages_of(response)[-1]
    assert Post.objects.filter(item=item).count() == 1


def test_take_up_is_post_only_and_for_the_officer(client, zone_users, item):
    client.force_login(zone_users.officer)
    assert client.get(url("item_take_up", zone_users.zone, item.pk)).status_code == 405
    for role in ["unit_head", "director", "admin"]:
        client.force_login(getattr(zone_users, role))
        assert client.post(url("item_take_up", zone_users.zone, item.pk)).status_code == 403, role
        assert client.post(url("item_decline", zone_users.zone, item.pk), {"reason": "Non"}).status_code == 403
    client.force_login(zone_users.other_unit_head)
    assert client.post(url("item_take_up", zone_users.zone, item.pk)).status_code == 403
    item.refresh_from_db()
    assert item.status == Item.Status.NEW and not Post.objects.exists()


def test_the_officer_declines_with_a_reason_and_the_unit_head_reads_it(client, zone_users, item):
    client.force_login(zone_users.officer)
    response = client.post(
        url("item_decline", zone_users.zone, item.pk), {"reason": "Déjà annoncé la semaine passée.", "next": "inbox"}
    )
    assert response.status_code == 302
    assert response["Location"] == url("item_list", zone_users.zone)
    item.refresh_from_db()
    assert item.status == Item.Status.DECLINED and item.decline_reason == "Déjà annoncé la semaine passée."
    assert AuditEvent.objects.filter(action="editorial.item.decline", object_id=str(item.pk)).exists()
    client.force_login(zone_users.unit_head)
    assert "Déjà annoncé la semaine passée." in client.get(url("item_list", zone_users.zone)).content.decode()
    assert (
        "Déjà annoncé la semaine passée." in client.get(url("item_detail", zone_users.zone, item.pk)).content.decode()
    )


def test_declining_without_a_reason_keeps_the_page_and_says_why(client, zone_users, item):
    client.force_login(zone_users.officer)
    response = client.post(url("item_decline", zone_users.zone, item.pk), {"reason": "   "}, **EN)
    assert response.status_code == 200
    assert "Say why the item is declined" in response.content.decode()
    assert "is-invalid" in response.content.decode()
    item.refresh_from_db()
    assert item.status == Item.Status.NEW
    assert not AuditEvent.objects.filter(action="editorial.item.decline").exists()


def test_declining_twice_is_refused_with_a_message(client, zone_users, item):
    client.force_login(zone_users.officer)
    client.post(url("item_decline", zone_users.zone, item.pk), {"reason": "Non"})
    response = client.post(url("item_decline", zone_users.zone, item.pk), {"reason": "Autre raison"}, **EN)
    assert response.status_code == 302
    assert "already been handled" in messages_of(response)[-1]
    item.refresh_from_db()
    assert item.decline_reason == "Non"


def test_a_handled_item_shows_no_actions(client, zone_users, item):
    services.item_take_up(actor=zone_users.officer, item=item)
    client.force_login(zone_users.officer)
    page = client.get(url("item_detail", zone_users.zone, item.pk)).content.decode()
    assert url("item_take_up", zone_users.zone, item.pk) not in page
    assert url("item_decline", zone_users.zone, item.pk) not in page


def test_the_item_page_links_its_posts_and_publications(client, zone_users, item):
    post = services.item_take_up(actor=zone_users.officer, item=item)
    publish(post, "x", "https://x.com/zone/status/1234")
    publish(post, "facebook", "javascript:alert(1)")  # never shown as a link
    Item.objects.filter(pk=item.pk).update(status=Item.Status.PUBLISHED)
    for role in ["unit_head", "officer", "director"]:
        client.force_login(getattr(zone_users, role))
        page = client.get(url("item_detail", zone_users.zone, item.pk)).content.decode()
        assert reverse("editorial:post_detail", args=[zone_users.zone.slug, post.pk]) in page, role
        assert 'href="https://x.com/zone/status/1234"' in page
        assert "javascript:" not in page
    client.force_login(zone_users.unit_head)
    page = client.get(url("item_list", zone_users.zone)).content.decode()
    assert 'href="https://x.com/zone/status/1234"' in page


# --- Query counts -------------------------------------------------------------------------------------------


def _load(zone_users, count: int) -> None:
    for n in range(count):
        unit = "Trafic" if n % 2 else "Judiciaire"
        head = zone_users.unit_head if n % 2 else zone_users.other_unit_head
        item = make_item(zone_users.zone, unit, submitted_by=head, title=f"Item {n}")
        ItemAttachment.objects.create(item=item, file=ContentFile(b"x", name="a.png"))
        if n % 3 == 0:
            post = services.item_take_up(actor=zone_users.officer, item=item)
            publish(post, "x", f"https://x.com/zone/status/{post.pk}")
        elif n % 3 == 1:
            services.item_decline(actor=zone_users.officer, item=item, reason=f"Raison {n}")


@pytest.mark.parametrize("role", ["officer", "unit_head", "director"])
def test_the_list_runs_a_fixed_number_of_queries(client, zone_users, django_assert_max_num_queries, role):
    client.force_login(getattr(zone_users, role))
    _load(zone_users, 3)
    with django_assert_max_num_queries(12) as few:
        assert client.get(url("item_list", zone_users.zone)).status_code == 200
    _load(zone_users, 40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url("item_list", zone_users.zone))
    assert response.status_code == 200
    if role == "unit_head":
        assert len(response.context["items"]) > 20


def test_the_item_page_runs_a_fixed_number_of_queries(client, zone_users, item, django_assert_max_num_queries):
    def add_post() -> None:
        post = Post.objects.create(zone=zone_users.zone, item=item, author=zone_users.officer, title="Suite")
        publish(post, "x", f"https://x.com/zone/status/{post.pk}")

    client.force_login(zone_users.unit_head)
    ItemAttachment.objects.create(item=item, file=ContentFile(b"x", name="0.png"))
    add_post()
    with django_assert_max_num_queries(14) as few:
        client.get(url("item_detail", zone_users.zone, item.pk))
    for n in range(5):
        ItemAttachment.objects.create(item=item, file=ContentFile(b"x", name=f"{n}.png"))
        add_post()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url("item_detail", zone_users.zone, item.pk))


def test_a_too_long_reason_is_kept_with_the_error(client, zone_users, item):
    client.force_login(zone_users.officer)
    reason = "Trop long. " * 300
    response = client.post(url("item_decline", zone_users.zone, item.pk), {"reason": reason}, **EN)
    assert response.status_code == 200
    assert "Trop long. Trop long." in response.content.decode()
    item.refresh_from_db()
    assert item.status == Item.Status.NEW


def test_a_head_of_two_units_submits_for_either_and_follows_both(client, zone_users, form_data):
    from accounts.models import Membership, Role

    zone, head = zone_users.zone, zone_users.unit_head
    judiciaire = Unit.objects.get(zone=zone, name="Judiciaire")
    Membership.objects.create(user=head, zone=zone, role=Role.UNIT_HEAD, unit=judiciaire)
    client.force_login(head)
    page = client.get(url("item_create", zone), **EN).content.decode()
    assert 'name="unit"' in page and "Judiciaire" in page and "Trafic" in page
    response = client.post(url("item_create", zone), form_data | {"unit": str(judiciaire.pk)})
    assert response.status_code == 302
    mine = Item.objects.get(submitted_by=head)
    assert mine.unit == judiciaire
    # The list shows both units' items (one submitted by another head of Trafic), and not the third unit's.
    trafic_item = make_item(zone, "Trafic", title="Radar rue de Mons")
    other = make_item(zone, "Judiciaire", title="Vol à l'étalage")
    other_unit = Unit.objects.create(zone=zone, name="Intervention")
    outside = Item.objects.create(
        zone=zone, unit=other_unit, submitted_by=zone_users.officer, title="Ailleurs", facts="f"
    )
    response = client.get(url("item_list", zone), **EN)
    assert "Items of your units" in response.content.decode()
    assert "Items of your units" in client.get(url("zone_dashboard", zone), **EN).content.decode()
    listed = {i.pk for i in response.context["items"]}
    assert {mine.pk, trafic_item.pk, other.pk} <= listed and outside.pk not in listed
    assert client.get(url("item_detail", zone, outside.pk)).status_code == 403  # a unit they do not head
    assert client.get(url("item_detail", zone, trafic_item.pk)).status_code == 200


def test_a_head_of_several_units_chooses_among_theirs(zone_users):
    zone = zone_users.zone
    Unit.objects.create(zone=zone, name="Proximité")
    units = list(Unit.objects.filter(zone=zone, name__in=["Trafic", "Proximité"]))
    form = ItemForm(zone=zone, units=units)
    assert set(form.fields["unit"].queryset) == set(units)
    judiciaire = Unit.objects.get(zone=zone, name="Judiciaire")
    bound = ItemForm({"unit": str(judiciaire.pk), "title": "t", "facts": "f"}, zone=zone, units=units)
    assert not bound.is_valid() and "unit" in bound.errors


# --- Links (issue 12: the unit's material is carried into the draft) ------------------------------------------------


def test_an_item_carries_its_links_to_its_page(client, zone_users, form_data):
    client.force_login(zone_users.unit_head)
    links = " https://www.quevy.be/travaux \r\n\r\nhttp://www.mons.be/deviations?rue=station\r\nhttps://www.quevy.be/travaux"
    response = client.post(url("item_create", zone_users.zone), form_data | {"links": links})
    item = Item.objects.get()
    assert item.links == "https://www.quevy.be/travaux\nhttp://www.mons.be/deviations?rue=station"
    page = client.get(response["Location"]).content.decode()
    assert '<a href="https://www.quevy.be/travaux" target="_blank" rel="noopener noreferrer">' in page
    assert '<a href="http://www.mons.be/deviations?rue=station"' in page


@pytest.mark.parametrize("bad", ["www.quevy.be", "javascript:alert(1)", "ftp://files.example/x", "https://"])
def test_a_link_that_is_not_a_web_address_is_refused_and_kept(client, zone_users, form_data, bad):
    client.force_login(zone_users.unit_head)
    typed = f"https://www.quevy.be/ok\n{bad}"
    response = client.post(url("item_create", zone_users.zone), form_data | {"links": typed}, **EN)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Not a web address:" in page
    assert '<a href="#id_links" class="alert-link">' in page  # the summary at the top leads to the field
    assert "https://www.quevy.be/ok" in page
    assert not Item.objects.exists()


def test_a_link_stored_before_links_were_checked_is_shown_as_text(client, zone_users, item):
    Item.objects.filter(pk=item.pk).update(links="javascript:alert(1)\nhttps://www.quevy.be/ok")
    client.force_login(zone_users.officer)
    page = client.get(url("item_detail", zone_users.zone, item.pk)).content.decode()
    assert 'href="javascript:' not in page
    assert "javascript:alert(1)" in page
    assert '<a href="https://www.quevy.be/ok"' in page


def test_at_most_ten_links(client, zone_users, form_data):
    client.force_login(zone_users.unit_head)
    links = "\n".join(f"https://www.quevy.be/{n}" for n in range(11))
    response = client.post(url("item_create", zone_users.zone), form_data | {"links": links}, **EN)
    assert "At most 10 links per item (you gave 11)." in response.content.decode()

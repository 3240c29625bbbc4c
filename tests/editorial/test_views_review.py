from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from PIL import Image

from accounts.models import Membership, Role
from editorial import services
from editorial.models import AuditEvent, Channel, Post, PostVariant, Review, Value
from editorial.selectors.review import word_diff_html
from tests.factories import make_item, make_member, make_post

NATIONAL_NUMBER = "85.07.30-033.28"  # valid check digits
WRONG_CHECK_DIGITS = "85.07.30-033.29"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def queue_url(zone) -> str:
    return reverse("editorial:review_queue", args=[zone.slug])


def review_url(post) -> str:
    return reverse("editorial:review_post", args=[post.zone.slug, post.pk])


def changes_url(post) -> str:
    return reverse("editorial:request_changes", args=[post.zone.slug, post.pk])


def submitted_post(zone_users, *, hours: float = 48, author=None, **kwargs) -> Post:
    author = author or zone_users.officer
    post = make_post(zone_users.zone, author, planned_at=timezone.now() + dt.timedelta(hours=hours), **kwargs)
    services.post_submit(actor=author, post=post)
    post.refresh_from_db()
    return post


def set_texts(post: Post, actor, **texts_by_kind: str) -> Post:
    """Change the texts through the service, as the officer's edit page would."""
    texts = {v.channel: texts_by_kind.get(v.channel.kind, v.text) for v in post.variants.select_related("channel")}
    return services.post_update(actor=actor, post=post, texts=texts)


def values_of(zone) -> list[Value]:
    return list(Value.objects.filter(zone=zone, is_active=True).order_by("order", "name"))


def approve_data(client, post, *, skip_value: Value | None = None, confidentiality: bool = True, **extra) -> dict:
    """What the director's browser sends: the fingerprint rendered on the page, and the ticks."""
    page = client.get(review_url(post)).content.decode()
    fingerprint = re.search(r'name="reviewed_fingerprint" value="([0-9a-f]{64})"', page).group(1)
    data = {"reviewed_fingerprint": fingerprint}
    for value in values_of(post.zone):
        if value != skip_value:
            data[f"value_{value.pk}"] = "on"
        data[f"note_{value.pk}"] = f"Note on {value.name}"
    if confidentiality:
        data["confidentiality_confirmed"] = "on"
    data.update(extra)
    return data


# --- Who may see the pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["queue", "post"])
@pytest.mark.parametrize(
    ("role", "status"),
    [("director", 200), ("officer", 403), ("unit_head", 403), ("admin", 403), ("outsider", 404), ("nobody", 404)],
)
def test_pages_check_role_and_zone(client, zone_users, page, role, status):
    post = submitted_post(zone_users)
    client.force_login(getattr(zone_users, role))
    url = queue_url(zone_users.zone) if page == "queue" else review_url(post)
    assert client.get(url).status_code == status


@pytest.mark.parametrize("page", ["queue", "post"])
def test_anonymous_is_sent_to_login(client, zone_users, page):
    post = submitted_post(zone_users)
    url = queue_url(zone_users.zone) if page == "queue" else review_url(post)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("role", "status"), [("officer", 403), ("unit_head", 403), ("admin", 403), ("outsider", 404)])
def test_actions_check_role_and_zone(client, zone_users, role, status):
    post = submitted_post(zone_users)
    client.force_login(getattr(zone_users, role))
    assert client.post(changes_url(post), {"comment": "Non"}).status_code == status
    assert client.post(review_url(post), {"reviewed_fingerprint": "x"}).status_code == status
    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW
    assert not Review.objects.exists()


def test_unknown_post_is_404(client, zone_users):
    client.force_login(zone_users.director)
    assert client.get(reverse("editorial:review_post", args=[zone_users.zone.slug, 999999])).status_code == 404


def test_another_zones_post_is_404(client, zone_users):
    other = zone_users.outsider.memberships.get().zone
    post = make_post(other, zone_users.outsider)
    client.force_login(zone_users.director)
    assert client.get(reverse("editorial:review_post", args=[zone_users.zone.slug, post.pk])).status_code == 404
    assert client.post(reverse("editorial:request_changes", args=[zone_users.zone.slug, post.pk])).status_code == 404


def test_request_changes_is_post_only(client, zone_users):
    post = submitted_post(zone_users)
    client.force_login(zone_users.director)
    assert client.get(changes_url(post)).status_code == 405


# --- The queue ---------------------------------------------------------------------------------------------


def test_queue_lists_posts_in_review_of_the_zone_oldest_due_first(client, zone_users):
    later = submitted_post(zone_users, hours=72, title="Trois jours")
    first = submitted_post(zone_users, hours=5, title="Cinq heures")
    middle = submitted_post(zone_users, hours=30, title="Demain")
    make_post(zone_users.zone, zone_users.officer, title="Brouillon", planned_at=timezone.now())
    approved = submitted_post(zone_users, hours=10, title="Déjà approuvé")
    Post.objects.filter(pk=approved.pk).update(
        status=Post.Status.APPROVED,
        approved_fingerprint="f" * 64,
        approved_by=zone_users.director,
        approved_at=timezone.now(),
    )
    other_zone = zone_users.outsider.memberships.get().zone
    foreign = make_post(other_zone, zone_users.outsider, title="Ailleurs", planned_at=timezone.now())
    services.post_submit(actor=zone_users.outsider, post=foreign)

    client.force_login(zone_users.director)
    response = client.get(queue_url(zone_users.zone), **EN)
    assert [row.post.pk for row in response.context["rows"]] == [first.pk, middle.pk, later.pk]
    page = response.content.decode()
    assert page.index("Cinq heures") < page.index("Demain") < page.index("Trois jours")
    for absent in ("Brouillon", "Déjà approuvé", "Ailleurs"):
        assert absent not in page


def test_queue_orders_equal_due_times_by_submission(client, zone_users):
    when = timezone.now() + dt.timedelta(days=2)
    second = make_post(zone_users.zone, zone_users.officer, title="B", planned_at=when)
    first = make_post(zone_users.zone, zone_users.officer, title="A", planned_at=when)
    services.post_submit(actor=zone_users.officer, post=first)
    services.post_submit(actor=zone_users.officer, post=second)
    client.force_login(zone_users.director)
    rows = client.get(queue_url(zone_users.zone)).context["rows"]
    assert [row.post.pk for row in rows] == [first.pk, second.pk]


def test_queue_shows_due_markers_origin_findings_and_returns(client, zone_users):
    overdue = submitted_post(zone_users, hours=-2, title="En retard")
    soon = submitted_post(zone_users, hours=3, title="Bientôt")
    calm = submitted_post(zone_users, hours=80, title="Tranquille")
    item = make_item(zone_users.zone, submitted_by=zone_users.unit_head)
    from_item = services.item_take_up(actor=zone_users.officer, item=item)
    texts = {ch: f"Radar {NATIONAL_NUMBER}" for ch in Channel.objects.filter(zone=zone_users.zone)}
    services.post_update(
        actor=zone_users.officer, post=from_item, texts=texts, planned_at=timezone.now() + dt.timedelta(days=5)
    )
    services.post_submit(actor=zone_users.officer, post=from_item)
    # Approved once, then edited: back in the queue.
    came_back = submitted_post(zone_users, hours=90, title="Revenu")
    client.force_login(zone_users.director)
    client.post(review_url(came_back), approve_data(client, came_back))
    set_texts(came_back, zone_users.officer, x="Texte changé")
    services.post_submit(actor=zone_users.officer, post=came_back)

    response = client.get(queue_url(zone_users.zone), **EN)
    rows = {row.post.pk: row for row in response.context["rows"]}
    assert rows[overdue.pk].overdue and not rows[overdue.pk].due_soon
    assert rows[soon.pk].due_soon and not rows[soon.pk].overdue
    assert not rows[calm.pk].overdue and not rows[calm.pk].due_soon
    assert rows[from_item.pk].finding_count == 2
    assert rows[came_back.pk].came_back and not rows[calm.pk].came_back
    page = response.content.decode()
    assert "overdue" in page and "due within 24 hours" in page
    assert "2 findings" in page
    assert "approved before, edited since" in page
    assert "Trafic" in page  # the origin unit
    assert review_url(soon) in page


def test_queue_shows_due_time_in_brussels(client, zone_users):
    post = make_post(zone_users.zone, zone_users.officer, planned_at=dt.datetime(2031, 7, 1, 8, 0, tzinfo=dt.UTC))
    services.post_submit(actor=zone_users.officer, post=post)
    client.force_login(zone_users.director)
    page = client.get(queue_url(zone_users.zone), **EN).content.decode()
    assert "10:00" in page  # UTC+2 in summer


def test_queue_query_count_does_not_grow(client, zone_users, django_assert_max_num_queries):
    client.force_login(zone_users.director)
    for i in range(3):
        submitted_post(zone_users, hours=10 + i)
    with django_assert_max_num_queries(12) as few:
        client.get(queue_url(zone_users.zone))
    bound = len(few.captured_queries)
    for i in range(40):
        submitted_post(zone_users, hours=20 + i)
    with django_assert_max_num_queries(bound):
        response = client.get(queue_url(zone_users.zone))
    assert len(response.context["rows"]) == 43


# --- The review page ---------------------------------------------------------------------------------------


def test_page_shows_what_will_be_published(client, zone_users):
    item = make_item(
        zone_users.zone,
        submitted_by=zone_users.unit_head,
        facts="Radar rue de Binche",
        confidentiality_notes="Pas de plaque",
    )
    post = services.item_take_up(actor=zone_users.officer, item=item)
    channels = list(Channel.objects.filter(zone=zone_users.zone))
    texts = {ch: f"Texte pour {ch.kind} #controle" for ch in channels}
    services.post_update(
        actor=zone_users.officer, post=post, texts=texts, planned_at=dt.datetime(2031, 1, 15, 9, 30, tzinfo=dt.UTC)
    )
    services.post_submit(actor=zone_users.officer, post=post)
    post.refresh_from_db()
    client.force_login(zone_users.director)
    response = client.get(review_url(post), **EN)
    page = response.content.decode()
    assert "Texte pour x" in page and "Texte pour facebook" in page
    assert "Preview on X" in page and "Preview on Facebook" in page
    assert "10:30" in page  # Brussels winter time
    assert "Radar rue de Binche" in page and "Pas de plaque" in page
    for value in values_of(zone_users.zone):
        assert value.name in page and value.question in page
    assert "The confidentiality rules are respected" in page
    assert f'name="reviewed_fingerprint" value="{services.post_fingerprint(post=post)}"' in page
    assert "override_reason" not in page  # nothing found: no reason to give
    assert "data-review-approve" in page and "js/review.js" in page


def test_approve_with_every_line_ticked(client, zone_users):
    post = submitted_post(zone_users)
    fingerprint = services.post_fingerprint(post=post)
    client.force_login(zone_users.director)
    response = client.post(review_url(post), approve_data(client, post), follow=True, **EN)
    assert response.redirect_chain[-1][0] == queue_url(zone_users.zone)
    assert "Post approved" in response.content.decode()
    post.refresh_from_db()
    assert post.status == Post.Status.APPROVED
    assert post.approved_fingerprint == fingerprint
    review = Review.objects.get(post=post)
    assert review.decision == Review.Decision.APPROVE and review.reviewer == zone_users.director
    checks = list(review.value_checks.order_by("pk"))
    assert [c.value_name for c in checks] == ["Proximité", "Dynamisme"]
    assert all(c.confirmed for c in checks)
    assert checks[0].note == "Note on Proximité"
    event = AuditEvent.objects.get(action="editorial.post.approve", object_id=str(post.pk))
    assert event.data["fingerprint"] == fingerprint
    assert not AuditEvent.objects.filter(action="editorial.post.confidentiality_override").exists()


def test_one_value_unticked_is_refused_and_ticks_are_kept(client, zone_users):
    post = submitted_post(zone_users)
    proximite, dynamisme = values_of(zone_users.zone)
    client.force_login(zone_users.director)
    response = client.post(review_url(post), approve_data(client, post, skip_value=dynamisme), **EN)
    assert response.status_code == 200
    page = response.content.decode()
    # At the line, and named in the summary at the top of the decision, which links to it.
    message = "Confirm “Dynamisme”, or send the post back."
    assert page.count(message) == 2
    assert f'<a href="#id_value_{dynamisme.pk}" class="alert-link" data-review-error-link>{message}</a>' in page
    assert f'id="id_value_{dynamisme.pk}_error">{message}' in page
    assert "Confirm “Proximité”" not in page
    assert re.search(rf'name="value_{proximite.pk}"[^>]*checked', page)
    assert not re.search(rf'name="value_{dynamisme.pk}"[^>]*checked', page)
    assert re.search(r'name="confidentiality_confirmed"[^>]*checked', page)
    assert "Note on Dynamisme" in page
    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW
    assert not Review.objects.exists()


def test_confidentiality_unticked_is_refused(client, zone_users):
    post = submitted_post(zone_users)
    client.force_login(zone_users.director)
    response = client.post(review_url(post), approve_data(client, post, confidentiality=False), **EN)
    page = response.content.decode()
    message = "Confirm that the confidentiality rules are respected."
    assert f'<a href="#id_confidentiality_confirmed" class="alert-link" data-review-error-link>{message}</a>' in page
    assert f'id="id_confidentiality_confirmed_error">{message}' in page
    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW


def test_national_number_is_found_and_needs_an_override_reason(client, zone_users):
    post = make_post(zone_users.zone, zone_users.officer, planned_at=timezone.now() + dt.timedelta(days=2))
    PostVariant.objects.filter(post=post, channel__kind="x").update(text=f"Le conducteur {NATIONAL_NUMBER} est parti")
    services.post_submit(actor=zone_users.officer, post=post)
    client.force_login(zone_users.director)

    page = client.get(review_url(post), **EN).content.decode()
    assert "Belgian national register number" in page
    assert "••.••.••-•••.28" in page
    assert 'name="override_reason"' in page

    response = client.post(review_url(post), approve_data(client, post), **EN)
    message = "Say why the post may be published despite the findings, or send it back to correct the text."
    assert '<a href="#id_override_reason" class="alert-link" data-review-error-link>' + message in (
        response.content.decode()
    )
    assert 'id="id_override_reason_error">' + message in response.content.decode()
    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW

    data = approve_data(client, post, override_reason="Numéro fictif d'une campagne de prévention")
    response = client.post(review_url(post), data)
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == Post.Status.APPROVED
    review = Review.objects.get(post=post)
    assert review.confidentiality_override_reason == "Numéro fictif d'une campagne de prévention"
    assert review.confidentiality_findings[0]["kind"] == "national_register"
    assert NATIONAL_NUMBER not in str(review.confidentiality_findings)
    event = AuditEvent.objects.get(action="editorial.post.confidentiality_override")
    assert event.data["reason"] == "Numéro fictif d'une campagne de prévention"
    assert event.data["fingerprint"] == post.approved_fingerprint
    # The earlier review lists the override reason.
    post_page = client.get(review_url(post), **EN).content.decode()
    assert "Confidentiality findings overridden" in post_page


def test_number_with_wrong_check_digits_is_not_flagged(client, zone_users):
    post = make_post(zone_users.zone, zone_users.officer, planned_at=timezone.now() + dt.timedelta(days=2))
    PostVariant.objects.filter(post=post).update(text=f"Référence {WRONG_CHECK_DIGITS}")
    services.post_submit(actor=zone_users.officer, post=post)
    client.force_login(zone_users.director)
    page = client.get(review_url(post), **EN).content.decode()
    assert "Belgian national register number" not in page
    assert 'name="override_reason"' not in page
    assert client.post(review_url(post), approve_data(client, post)).status_code == 302
    post.refresh_from_db()
    assert post.status == Post.Status.APPROVED


def test_the_zones_own_number_and_address_are_not_findings_others_are(client, zone_users):
    zone = zone_users.zone
    zone.public_phones = "065 00 00 00\n+32 65 11 11 11"
    zone.public_emails = "Contact@Zone.example"
    zone.save()
    post = make_post(zone, zone_users.officer, planned_at=timezone.now() + dt.timedelta(days=2))
    PostVariant.objects.filter(post=post, channel__kind="x").update(
        text="Appelez le 065/00.00.00 ou le 0032 65 111 111, ou écrivez à contact@zone.example"
    )
    services.post_submit(actor=zone_users.officer, post=post)
    client.force_login(zone_users.director)
    page = client.get(review_url(post), **EN).content.decode()
    assert "Phone number that is not one of the zone" not in page and "E-mail address" not in page
    assert 'name="override_reason"' not in page
    assert client.post(review_url(post), approve_data(client, post)).status_code == 302
    post.refresh_from_db()
    assert post.status == Post.Status.APPROVED

    # Any other number or address still needs correcting or a reason.
    other = make_post(zone, zone_users.officer, planned_at=timezone.now() + dt.timedelta(days=2))
    PostVariant.objects.filter(post=other, channel__kind="x").update(
        text="Appelez le 065 99 88 77 ou écrivez à jean.dupont@example.org"
    )
    services.post_submit(actor=zone_users.officer, post=other)
    page = client.get(review_url(other), **EN).content.decode()
    assert "Phone number that is not one of the zone" in page and "E-mail address" in page
    assert 'name="override_reason"' in page
    # The officer's post page and the queue count the same way.
    client.force_login(zone_users.officer)
    for shown, expected in ((post, False), (other, True)):
        detail = reverse("editorial:post_detail", kwargs={"zone_slug": zone.slug, "post_id": shown.pk})
        assert ("Phone number that is not one of the zone" in client.get(detail, **EN).content.decode()) is expected


def test_the_author_director_cannot_approve(client, zone_users):
    director = zone_users.director
    Membership.objects.create(user=director, zone=zone_users.zone, role=Role.OFFICER)
    post = submitted_post(zone_users, author=director)
    client.force_login(director)
    response = client.get(review_url(post), **EN)
    page = response.content.decode()
    assert response.status_code == 200
    assert "You wrote this post: another director must approve it." in page
    assert 'name="reviewed_fingerprint"' not in page
    forced = {"reviewed_fingerprint": services.post_fingerprint(post=post), "confidentiality_confirmed": "on"}
    forced |= {f"value_{v.pk}": "on" for v in values_of(zone_users.zone)}
    assert client.post(review_url(post), forced).status_code == 403
    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW
    # Another director may.
    other = make_member(zone_users.zone, Role.DIRECTOR, username="director2")
    client.force_login(other)
    assert client.post(review_url(post), approve_data(client, post)).status_code == 302
    post.refresh_from_db()
    assert post.status == Post.Status.APPROVED


def test_post_changed_since_the_page_was_read_is_refused(client, zone_users):
    post = submitted_post(zone_users)
    client.force_login(zone_users.director)
    data = approve_data(client, post)
    # The officer edits and submits again while the director reads.
    set_texts(post, zone_users.officer, x="Nouvelle version du texte")
    services.post_submit(actor=zone_users.officer, post=post)
    response = client.post(review_url(post), data, **EN)
    page = response.content.decode()
    assert response.status_code == 200
    assert "The post changed while you were reviewing it: read it again before approving." in page
    assert "Nouvelle version du texte" in page
    assert f'value="{services.post_fingerprint(post=post)}"' in page
    assert not re.search(r'name="confidentiality_confirmed"[^>]*checked', page)  # ticks to give again
    assert "Note on Proximité" in page
    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW
    assert not Review.objects.exists()


def test_post_not_in_review_shows_its_status_and_no_form(client, zone_users):
    post = make_post(zone_users.zone, zone_users.officer, planned_at=timezone.now() + dt.timedelta(days=1))
    client.force_login(zone_users.director)
    page = client.get(review_url(post), **EN).content.decode()
    assert "This post is not waiting for review" in page and "Draft" in page
    assert 'name="reviewed_fingerprint"' not in page
    assert 'name="comment"' not in page
    response = client.post(review_url(post), {"reviewed_fingerprint": "0" * 64}, follow=True, **EN)
    assert "This post is no longer waiting for review." in response.content.decode()
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT


def test_bad_input_gives_a_form_error_not_a_500(client, zone_users):
    post = submitted_post(zone_users)
    proximite, _dynamisme = values_of(zone_users.zone)
    client.force_login(zone_users.director)
    data = approve_data(client, post)
    data[f"note_{proximite.pk}"] = "x" * 5000
    response = client.post(review_url(post), data)
    assert response.status_code == 200
    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW
    response = client.post(review_url(post), {}, **EN)
    assert response.status_code == 200
    assert "The page was not sent completely" in response.content.decode()
    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW


def test_control_characters_in_notes_are_cleaned(client, zone_users):
    post = submitted_post(zone_users)
    proximite, _dynamisme = values_of(zone_users.zone)
    client.force_login(zone_users.director)
    data = approve_data(client, post)
    data[f"note_{proximite.pk}"] = "Bien\x00 vu\r\n\u202eok"
    assert client.post(review_url(post), data).status_code == 302
    note = Review.objects.get(post=post).value_checks.get(value=proximite).note
    assert note == "Bien vu\n\u202eok"


# --- Request changes ---------------------------------------------------------------------------------------


def test_request_changes_needs_a_comment(client, zone_users):
    post = submitted_post(zone_users)
    client.force_login(zone_users.director)
    response = client.post(changes_url(post), {"comment": "   "}, **EN)
    assert response.status_code == 200
    assert "Say what should change: the officer will read it." in response.content.decode()
    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW
    assert not Review.objects.exists()


def test_request_changes_sends_the_post_back(client, zone_users, django_capture_on_commit_callbacks):
    post = submitted_post(zone_users)
    mail.outbox.clear()
    client.force_login(zone_users.director)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(changes_url(post), {"comment": "Retirez le nom de la rue"}, follow=True, **EN)
    assert response.redirect_chain[-1][0] == queue_url(zone_users.zone)
    assert "Changes requested" in response.content.decode()
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT
    review = Review.objects.get(post=post)
    assert review.decision == Review.Decision.REQUEST_CHANGES and review.comment == "Retirez le nom de la rue"
    assert AuditEvent.objects.filter(action="editorial.post.request_changes", object_id=str(post.pk)).exists()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [zone_users.officer.email]
    assert "Retirez le nom de la rue" in mail.outbox[0].body


def test_request_changes_on_a_post_that_left_review(client, zone_users):
    post = submitted_post(zone_users)
    client.force_login(zone_users.director)
    set_texts(post, zone_users.officer, x="Changé")  # back to draft
    response = client.post(changes_url(post), {"comment": "Trop tard"}, follow=True, **EN)
    assert "This post is no longer waiting for review." in response.content.decode()
    assert not Review.objects.exists()


# --- What changed since an earlier review ------------------------------------------------------------------


def test_page_shows_what_changed_since_the_approved_version(client, zone_users):
    post = submitted_post(zone_users)
    set_texts(post, zone_users.officer, x="Contrôle radar rue de Mons ce jeudi")
    services.post_submit(actor=zone_users.officer, post=post)
    client.force_login(zone_users.director)
    client.post(review_url(post), approve_data(client, post))
    post.refresh_from_db()
    assert post.status == Post.Status.APPROVED

    set_texts(post, zone_users.officer, x="Contrôle radar rue de Binche ce vendredi")
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT
    services.post_submit(actor=zone_users.officer, post=post)

    response = client.get(review_url(post), **EN)
    page = response.content.decode()
    assert "What changed since the approved version" in page
    assert "<del>Mons</del><ins>Binche</ins>" in page
    assert "<del>jeudi</del><ins>vendredi</ins>" in page
    assert "director" in page  # who reviewed the earlier version
    diff = response.context["diff"]
    assert diff.against_approved
    assert {c.status for c in diff.channels} == {"changed", "same"}


def test_page_shows_added_and_removed_channels_and_the_new_time(client, zone_users):
    post = submitted_post(zone_users)
    client.force_login(zone_users.director)
    client.post(changes_url(post), {"comment": "Seulement sur X, et plus tard"})
    x = Channel.objects.get(zone=zone_users.zone, kind="x")
    services.post_update(
        actor=zone_users.officer,
        post=post,
        texts={x: "Contrôle radar à Quévy x"},
        planned_at=post.planned_at + dt.timedelta(hours=3),
    )
    services.post_submit(actor=zone_users.officer, post=post)
    response = client.get(review_url(post), **EN)
    page = response.content.decode()
    assert "What changed since the last review" in page
    assert "channel removed" in page
    assert "Planned time:" in page
    assert response.context["diff"].planned_changed


def test_diff_is_built_from_escaped_text():
    html = word_diff_html("Bonjour <b>tous</b>", "Bonjour <script>alert(1)</script>\nà demain")
    assert "<script>" not in html
    assert "<del>&lt;b&gt;tous&lt;/b&gt;</del>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<br>" in html


def test_diff_of_very_long_texts_stays_quick():
    old = " ".join(f"mot{i}" for i in range(30000))
    new = old.replace("mot15000", "changé")
    html = word_diff_html(old, new)
    assert "changé" in html


# --- Escaping and query counts -----------------------------------------------------------------------------


def test_script_in_a_post_is_escaped_on_both_pages(client, zone_users):
    post = make_post(
        zone_users.zone,
        zone_users.officer,
        title="<script>alert('t')</script>",
        planned_at=timezone.now() + dt.timedelta(days=1),
    )
    PostVariant.objects.filter(post=post).update(text="<script>alert(1)</script> \u202e rtl")
    services.post_submit(actor=zone_users.officer, post=post)
    client.force_login(zone_users.director)
    client.post(changes_url(post), {"comment": "<script>alert(2)</script>"})
    set_texts(post, zone_users.officer, x="<script>alert(3)</script>")
    services.post_submit(actor=zone_users.officer, post=post)
    for url in (queue_url(zone_users.zone), review_url(post)):
        page = client.get(url).content.decode()
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert" in page


def test_review_page_query_count_does_not_grow_with_reviews(client, zone_users, django_assert_max_num_queries):
    post = submitted_post(zone_users)
    client.force_login(zone_users.director)

    def one_round(i: int) -> None:
        services.post_request_changes(actor=zone_users.director, post=post, comment=f"Tour {i}")
        set_texts(post, zone_users.officer, x=f"Version {i}")
        services.post_submit(actor=zone_users.officer, post=post)
        client.post(review_url(post), approve_data(client, post))
        set_texts(post, zone_users.officer, x=f"Version {i} bis")
        services.post_submit(actor=zone_users.officer, post=post)

    one_round(0)
    with django_assert_max_num_queries(25) as few:
        response = client.get(review_url(post))
    assert response.context["diff"] is not None
    # Read now: the connection keeps a bounded log of queries, which the rounds below overflow.
    bound = len(few.captured_queries)
    for i in range(1, 12):
        one_round(i)
    with django_assert_max_num_queries(bound):
        response = client.get(review_url(post))
    assert len(response.context["reviews"]) == 24


def test_images_are_shown_and_alt_text_changes_listed(client, zone_users):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    x = Channel.objects.get(zone=zone_users.zone, kind="x")
    post = make_post(zone_users.zone, zone_users.officer, planned_at=timezone.now() + dt.timedelta(days=2))
    image = services.NewMedia(
        channel=x, image=SimpleUploadedFile("radar.png", buffer.getvalue()), alt_text="Un radar", sha256="a" * 64
    )
    services.post_update(actor=zone_users.officer, post=post, media_add=[image])
    services.post_submit(actor=zone_users.officer, post=post)
    client.force_login(zone_users.director)
    media = post.variants.get(channel=x).media.get()
    page = client.get(review_url(post), **EN).content.decode()
    assert reverse("editorial:media_file", args=[zone_users.zone.slug, post.pk, media.pk]) in page
    assert 'alt="Un radar"' in page
    assert client.post(review_url(post), approve_data(client, post)).status_code == 302

    services.post_update(actor=zone_users.officer, post=post, media_alt_texts={media.pk: "Un radar mobile"})
    services.post_submit(actor=zone_users.officer, post=post)
    response = client.get(review_url(post), **EN)
    page = response.content.decode()
    assert "Images (alternative texts):" in page
    assert "<del>Un radar</del>" in page and "<ins>Un radar mobile</ins>" in page


def test_post_sent_back_to_draft_while_reading_is_refused_with_a_message(client, zone_users):
    post = submitted_post(zone_users)
    client.force_login(zone_users.director)
    data = approve_data(client, post)
    set_texts(post, zone_users.officer, x="Encore modifié")  # back to draft, not submitted again
    response = client.post(review_url(post), data, follow=True, **EN)
    assert "This post is no longer waiting for review." in response.content.decode()
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT
    assert not Review.objects.exists()


# --- Bilingual zones and the page's layout (issue 12) -----------------------------------------------------------

NL = {"HTTP_ACCEPT_LANGUAGE": "nl"}


@pytest.fixture
def bilingual_post(zone_users) -> Post:
    """The zone made bilingual: X in French and in Dutch, a Facebook page posting both; a post in review on all."""
    zone = zone_users.zone
    zone.languages = "fr+nl"
    zone.save()
    Value.objects.filter(zone=zone, name="Proximité").update(name_nl="Nabijheid", question_nl="Dicht bij de burgers?")
    Value.objects.filter(zone=zone, name="Dynamisme").update(name_nl="Dynamiek", question_nl="Actief en reactief?")
    Channel.objects.filter(zone=zone, kind="facebook").update(language="fr+nl")
    Channel.objects.create(zone=zone, kind="x", name="X nl", handle="@zone_nl", language="nl")
    post = make_post(zone, zone_users.officer, planned_at=timezone.now() + dt.timedelta(days=2))
    Post.objects.filter(pk=post.pk).update(main_texts={"fr": "Texte", "nl": "Tekst"})
    services.post_submit(actor=zone_users.officer, post=post)
    post.refresh_from_db()
    return post


def lines_of(response) -> list[list[str]]:
    """The page's lines of texts: each channel's language, "-" for a language no channel of the network has."""
    return [
        [cell.variant.channel.language if hasattr(cell, "variant") else f"-{cell.language}" for cell in line]
        for line in response.context["lines"]
    ]


def test_a_bilingual_posts_french_and_dutch_texts_are_side_by_side(client, zone_users, bilingual_post):
    client.force_login(zone_users.director)
    response = client.get(review_url(bilingual_post), **EN)
    # Facebook's one message in both languages on its line, X's two accounts side by side (French first).
    assert lines_of(response) == [["fr+nl"], ["fr", "nl"]]
    page = response.content.decode()
    assert page.count('class="review-line review-pair"') == 1
    assert "French and Dutch" in page and "Dutch" in page

    # A network with an account in one language only: the other side says so.
    PostVariant.objects.filter(post=bilingual_post, channel__language="nl").delete()
    response = client.get(review_url(bilingual_post), **EN)
    assert lines_of(response) == [["fr+nl"], ["fr", "-nl"]]
    assert "No text in Dutch on this network." in response.content.decode()


def test_a_one_language_zone_has_one_channel_per_line(client, zone_users):
    post = submitted_post(zone_users)
    client.force_login(zone_users.director)
    response = client.get(review_url(post), **EN)
    assert lines_of(response) == [["fr"], ["fr"]]
    assert "review-pair" not in response.content.decode()


@pytest.mark.parametrize(
    ("headers", "shown", "not_shown"),
    [
        (NL, ["Nabijheid", "Dicht bij de burgers?", 'lang="nl"'], ["Proche des citoyens ?"]),
        (EN, ["Proximité", "Proche des citoyens ?", 'lang="fr"'], ["Dicht bij de burgers?"]),
    ],
)
def test_the_checklist_is_in_the_directors_language(client, zone_users, bilingual_post, headers, shown, not_shown):
    client.force_login(zone_users.director)
    page = client.get(review_url(bilingual_post), **headers).content.decode()
    decision = page[page.index('id="decision"') :]
    for text in shown:
        assert text in decision
    for text in not_shown:
        assert text not in decision


def test_a_dutch_reading_director_approves_and_the_review_keeps_the_dutch_text(client, zone_users, bilingual_post):
    client.force_login(zone_users.director)
    data = approve_data(client, bilingual_post)
    assert client.post(review_url(bilingual_post), data, **NL).status_code == 302
    checks = list(Review.objects.get(post=bilingual_post).value_checks.order_by("pk"))
    assert [(c.value_name, c.value_question, c.language) for c in checks] == [
        ("Nabijheid", "Dicht bij de burgers?", "nl"),
        ("Dynamiek", "Actief en reactief?", "nl"),
    ]
    # Shown as answered on the page, whatever the reader's language and whatever the value says now.
    Value.objects.filter(zone=zone_users.zone).update(name_nl="Anders", question_nl="Anders?")
    history = client.get(review_url(bilingual_post), **EN).content.decode()
    history = history[history.index('id="history"') :]
    assert '<span lang="nl" title="Dicht bij de burgers?">Nabijheid</span>: confirmed' in history
    assert "Anders" not in history


def test_a_dutch_reading_director_of_a_french_zone_answers_the_french_values(client, zone_users):
    post = submitted_post(zone_users)
    client.force_login(zone_users.director)
    assert client.post(review_url(post), approve_data(client, post), **NL).status_code == 302
    checks = Review.objects.get(post=post).value_checks.order_by("pk")
    assert [(c.value_name, c.language) for c in checks] == [("Proximité", "fr"), ("Dynamisme", "fr")]


def test_every_missing_line_is_at_its_field_and_linked_from_the_summary(client, zone_users):
    post = make_post(zone_users.zone, zone_users.officer, planned_at=timezone.now() + dt.timedelta(days=2))
    PostVariant.objects.filter(post=post, channel__kind="x").update(text=f"Le conducteur {NATIONAL_NUMBER}")
    services.post_submit(actor=zone_users.officer, post=post)
    proximite, dynamisme = values_of(zone_users.zone)
    client.force_login(zone_users.director)
    data = approve_data(client, post, skip_value=dynamisme, confidentiality=False)
    page = client.post(review_url(post), data, **EN).content.decode()
    summary = page[page.index('id="error-summary"') : page.index("</ul>", page.index('id="error-summary"'))]
    # In the order of the page, each linking to its line: nothing refused is left out, nothing said twice.
    links = re.findall(r'<a href="#([\w-]+)" class="alert-link" data-review-error-link>', summary)
    assert links == [f"id_value_{dynamisme.pk}", "id_confidentiality_confirmed", "id_override_reason"]
    assert "<li>" not in summary.replace("<li><a", "")  # no line without its link
    for field in links:
        assert f'id="{field}_error"' in page
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', page) or f'aria-describedby="{field}_help' in page
    assert f'id="id_value_{proximite.pk}_error"' not in page
    assert page.count('class="review-check review-check-error"') == 2
    assert "Confirm every value before approving" not in page
    # The ticks and notes given are kept.
    assert re.search(rf'name="value_{proximite.pk}"[^>]*checked', page)
    assert "Note on Dynamisme" in page


def test_a_send_back_without_comment_is_named_in_the_summary(client, zone_users):
    post = submitted_post(zone_users)
    client.force_login(zone_users.director)
    page = client.post(changes_url(post), {"comment": ""}, **EN).content.decode()
    assert '<a href="#id_comment" class="alert-link" data-review-error-link>' in page
    assert re.search(r'<details class="desk-confirm review-send-back" open>', page)
    assert 'id="id_comment_error"' in page


def test_the_page_puts_the_decision_beside_the_texts(client, zone_users):
    """The order of the page is the phone's (texts, findings, checklist, decision, earlier reviews); the CSS grid
    places the decision beside the texts on a wide screen (tests/e2e/test_review_page.py looks at it)."""
    post = submitted_post(zone_users)
    client.force_login(zone_users.director)
    page = client.get(review_url(post), **EN).content.decode()
    order = [
        page.index("review-texts"),
        page.index('class="preview'),
        page.index("The confidentiality scan found nothing"),
        page.index('id="decision"'),
        page.index("data-review-check"),
        page.index("data-review-approve"),
        page.index('name="comment"'),
        page.index('id="history"'),
    ]
    assert order == sorted(order)
    assert 'form="approve-form"' in page and 'id="approve-form"' in page


def test_the_queue_names_each_channel_with_its_network_and_language(client, zone_users, bilingual_post):
    client.force_login(zone_users.director)
    page = client.get(queue_url(zone_users.zone), **EN).content.decode()
    for variant in bilingual_post.variants.select_related("channel"):
        assert escape(variant.channel.label) in page
    assert "· Dutch" in page and "· French and Dutch" in page

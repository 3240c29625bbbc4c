"""The desk's e-mails (issue 12): each links to the page it speaks of, is written in its recipient's language, can be
turned off per kind (alerts about publishing cannot), and the officers hear of every new item."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from editorial import notifications, services
from editorial.models import Alert, Channel, Language, Post, Publication, Unit, Value
from editorial.services import ValueAnswer
from tests.factories import make_item, make_member, make_post, submit_and_approve

BASE = "https://desk.police-zone.example"


@pytest.fixture(autouse=True)
def desk_address(settings):
    settings.DESK_BASE_URL = BASE
    Channel.forget_networks()


def link(name: str, *args) -> str:
    return BASE + reverse(name, args=args)


def to_of(address: str) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if address in m.to]


def submit_item(zone_users, django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return services.item_submit(
            actor=zone_users.unit_head,
            zone=zone_users.zone,
            unit=Unit.objects.get(zone=zone_users.zone, name="Trafic"),
            title=kwargs.pop("title", "Travaux rue de Nimy"),
            facts="Du lundi au vendredi, circulation alternée.",
            **kwargs,
        )


# --- A new item ----------------------------------------------------------------------------------------------


def test_the_officers_hear_of_a_new_item_with_its_link(zone_users, django_capture_on_commit_callbacks):
    second = make_member(zone_users.zone, Role.OFFICER, username="officer2")
    item = submit_item(zone_users, django_capture_on_commit_callbacks)
    [sent] = mail.outbox
    assert sorted(sent.to) == sorted([zone_users.officer.email, second.email])
    assert "Travaux rue de Nimy" in sent.subject and "Trafic" in sent.subject
    assert link("editorial:item_detail", zone_users.zone.slug, item.pk) in sent.body
    # Nobody else: not the unit head who submitted it, not the director, not another zone's officer.
    assert not to_of(zone_users.unit_head.email) and not to_of(zone_users.outsider.email)


def test_a_submission_rolled_back_tells_nobody(zone_users, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.item_submit(
            actor=zone_users.unit_head,
            zone=zone_users.zone,
            unit=Unit.objects.get(zone=zone_users.zone, name="Trafic"),
            title="Annulé",
            facts="-",
        )
        transaction.set_rollback(True)
    assert mail.outbox == []


def test_the_officer_who_submits_an_item_is_not_told_of_it(zone_users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.item_submit(
            actor=zone_users.officer,
            zone=zone_users.zone,
            unit=Unit.objects.get(zone=zone_users.zone, name="Trafic"),
            title="Appel à témoins",
            facts="-",
        )
    assert mail.outbox == []


def test_inactive_people_and_memberships_are_not_told(zone_users, django_capture_on_commit_callbacks):
    gone = make_member(zone_users.zone, Role.OFFICER, username="gone")
    gone.is_active = False
    gone.save()
    moved = make_member(zone_users.zone, Role.OFFICER, username="moved")
    moved.memberships.update(is_active=False)
    submit_item(zone_users, django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[zone_users.officer.email]]


# --- Languages ---------------------------------------------------------------------------------------------


def test_each_recipient_reads_their_language(zone_users, django_capture_on_commit_callbacks):
    """One e-mail per language group: the Dutch-speaking director gets Dutch, the French-speaking one French."""
    dutch = make_member(zone_users.zone, Role.DIRECTOR, username="directeur_nl")
    dutch.language = "nl"
    dutch.save()
    post = make_post(
        zone_users.zone, zone_users.officer, title="Contrôle", planned_at=timezone.now() + timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.post_submit(actor=zone_users.officer, post=post)
    assert len(mail.outbox) == 2
    [french] = to_of(zone_users.director.email)
    [nederlands] = to_of(dutch.email)
    assert french.to == [zone_users.director.email] and nederlands.to == [dutch.email]
    assert "Message à valider" in french.subject
    assert "Bericht ter beoordeling" in nederlands.subject
    for sent in (french, nederlands):
        assert link("editorial:review_post", zone_users.zone.slug, post.pk) in sent.body


def test_a_language_the_desk_does_not_have_falls_back_to_french(zone_users, django_capture_on_commit_callbacks):
    zone_users.director.language = "de"
    zone_users.director.save()
    post = make_post(zone_users.zone, zone_users.officer, planned_at=timezone.now() + timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.post_submit(actor=zone_users.officer, post=post)
    [sent] = mail.outbox
    assert "Message à valider" in sent.subject


# --- Turning e-mails off -------------------------------------------------------------------------------------


def test_a_kind_turned_off_is_not_sent(zone_users, django_capture_on_commit_callbacks):
    zone_users.officer.muted_emails = [notifications.ITEM_SUBMITTED]
    zone_users.officer.save()
    submit_item(zone_users, django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_alerts_about_publishing_reach_even_who_turned_everything_off(zone_users, django_capture_on_commit_callbacks):
    zone_users.officer.muted_emails = list(notifications.KINDS)
    zone_users.officer.language = "nl"
    zone_users.officer.save()
    post = submit_and_approve(
        make_post(zone_users.zone, zone_users.officer, planned_at=timezone.now() - timedelta(minutes=10)),
        zone_users.officer,
        zone_users.director,
    )
    publication = Publication.objects.filter(post=post).first()
    alert = Alert.objects.create(
        zone=zone_users.zone,
        publication=publication,
        kind=Alert.Kind.LATE,
        message="Non envoyée",
        raised_at=timezone.now(),
    )
    notifications.publishing_alerts(alert_ids=[alert.pk])
    [sent] = mail.outbox
    assert sent.to == [zone_users.officer.email]
    assert link("editorial:publications_attention", zone_users.zone.slug) in sent.body
    assert publication.channel.label in sent.body
    # Alerts cannot be turned off: they carry no "choose your e-mails" footer.
    assert reverse("accounts:emails") not in sent.body


def test_e_mails_that_can_be_turned_off_say_where(zone_users, django_capture_on_commit_callbacks):
    submit_item(zone_users, django_capture_on_commit_callbacks)
    [sent] = mail.outbox
    assert BASE + reverse("accounts:emails") in sent.body


# --- The director's decision, with the notes -----------------------------------------------------------------


def test_the_officer_reads_the_notes_on_the_values_and_the_link(zone_users, django_capture_on_commit_callbacks):
    post = make_post(zone_users.zone, zone_users.officer, title="Radar", planned_at=timezone.now() + timedelta(days=1))
    services.post_submit(actor=zone_users.officer, post=post)
    values = list(Value.objects.filter(zone=zone_users.zone, is_active=True).order_by("order"))
    answers = {v.pk: ValueAnswer(True) for v in values}
    answers[values[0].pk] = ValueAnswer(True, note="Ajoutez le numéro de la zone pour les questions.")
    with django_capture_on_commit_callbacks(execute=True):
        services.post_approve(
            actor=zone_users.director,
            post=post,
            reviewed_fingerprint=services.post_fingerprint(post=post),
            answers=answers,
            confidentiality_confirmed=True,
        )
    [sent] = to_of(zone_users.officer.email)
    assert "Message approuvé" in sent.subject
    assert f"{values[0].name}: Ajoutez le numéro de la zone pour les questions." in sent.body
    assert values[1].name + ":" not in sent.body  # no note, no line
    assert link("editorial:post_detail", zone_users.zone.slug, post.pk) in sent.body


def test_changes_requested_carry_the_comment_and_the_link(zone_users, django_capture_on_commit_callbacks):
    post = make_post(zone_users.zone, zone_users.officer, planned_at=timezone.now() + timedelta(days=1))
    services.post_submit(actor=zone_users.officer, post=post)
    with django_capture_on_commit_callbacks(execute=True):
        services.post_request_changes(actor=zone_users.director, post=post, comment="Retirez la rue.")
    [sent] = to_of(zone_users.officer.email)
    assert "Retirez la rue." in sent.body
    assert link("editorial:post_detail", zone_users.zone.slug, post.pk) in sent.body


# --- Published ---------------------------------------------------------------------------------------------


def test_the_unit_head_reads_where_the_post_went_out(zone_users):
    zone = zone_users.zone
    item = make_item(zone, submitted_by=zone_users.unit_head)
    post = make_post(zone, zone_users.officer, item=item, planned_at=timezone.now() + timedelta(days=1))
    post = submit_and_approve(post, zone_users.officer, zone_users.director)
    now = timezone.now()
    for n, publication in enumerate(Publication.objects.filter(post=post).select_related("channel")):
        Publication.objects.filter(pk=publication.pk).update(
            status=Publication.Status.PUBLISHED,
            external_id=str(n),
            external_url=f"https://example.test/{n}",
            published_at=now,
        )
    Post.objects.filter(pk=post.pk).update(status=Post.Status.PUBLISHED)
    notifications.post_published(post_id=post.pk)
    [sent] = mail.outbox
    assert sent.to == [zone_users.unit_head.email]
    assert link("editorial:item_detail", zone.slug, item.pk) in sent.body
    for channel in Channel.objects.filter(zone=zone):
        assert f"- {channel.label}: https://example.test/" in sent.body


# --- Channel labels ----------------------------------------------------------------------------------------


def test_a_channel_is_named_with_its_network_and_its_handle_when_the_network_has_two(zone_users):
    zone = zone_users.zone
    Channel.objects.filter(zone=zone).update(name="Police Mons-Quévy")
    x = Channel.objects.get(zone=zone, kind=Channel.Kind.X)
    facebook = Channel.objects.get(zone=zone, kind=Channel.Kind.FACEBOOK)
    Channel.forget_networks()
    assert x.label == "Police Mons-Quévy (X)"
    assert facebook.label == "Police Mons-Quévy (Facebook)"
    dutch = Channel.objects.create(
        zone=zone, kind=Channel.Kind.X, name="Politie Bergen", handle="@PolBergen_nl", language=Language.NL
    )
    assert dutch.label == "Politie Bergen (X @PolBergen_nl)"
    assert x.label == f"Police Mons-Quévy (X {x.handle})"  # a new account of its network, found by the next label
    assert facebook.label == "Police Mons-Quévy (Facebook)"


def test_labels_of_a_page_cost_one_query(zone_users, django_assert_num_queries):
    channels = list(Channel.objects.filter(zone=zone_users.zone))
    Channel.forget_networks()
    with django_assert_num_queries(1):
        assert all(channel.label for channel in channels * 3)


def test_the_notes_reach_the_officer_on_the_post_page_too(client, zone_users):
    post = make_post(zone_users.zone, zone_users.officer, title="Radar", planned_at=timezone.now() + timedelta(days=1))
    services.post_submit(actor=zone_users.officer, post=post)
    values = list(Value.objects.filter(zone=zone_users.zone, is_active=True).order_by("order"))
    answers = {v.pk: ValueAnswer(True) for v in values}
    answers[values[1].pk] = ValueAnswer(True, note="Plus dynamique : <b>un verbe</b> au début.")
    services.post_approve(
        actor=zone_users.director,
        post=post,
        reviewed_fingerprint=services.post_fingerprint(post=post),
        answers=answers,
        confidentiality_confirmed=True,
    )
    client.force_login(zone_users.officer)
    page = client.get(reverse("editorial:post_detail", args=[zone_users.zone.slug, post.pk])).content.decode()
    notes = page.split('id="review-notes"')[1].split("</section>")[0]
    assert values[1].name in notes and "Plus dynamique : &lt;b&gt;un verbe&lt;/b&gt; au début." in notes
    assert values[0].name not in notes


def test_no_note_no_block(client, zone_users):
    post = submit_and_approve(
        make_post(zone_users.zone, zone_users.officer, planned_at=timezone.now() + timedelta(days=1)),
        zone_users.officer,
        zone_users.director,
    )
    client.force_login(zone_users.officer)
    page = client.get(reverse("editorial:post_detail", args=[zone_users.zone.slug, post.pk])).content.decode()
    assert 'id="review-notes"' not in page

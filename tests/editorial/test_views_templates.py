"""The templates' pages (issue 13, point 1): the list, the form, the page, and the director's review."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Grant, Membership
from editorial import template_services as ts
from editorial.models import Category, Channel, Template, Value
from tests.editorial.test_templates import RADAR, approved, channels, create
from tests.factories import make_zone

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def url(name, zone, template=None):
    args = [zone.slug] + ([template.pk] if template is not None else [])
    return reverse(f"editorial:{name}", args=args)


def form_data(zone, **extra):
    x = channels(zone)["x"]
    data = {
        "name": "Fête",
        "category": Category.objects.filter(zone=zone).first().pk,
        "hashtags": "#fete",
        "channels": [x.pk],
        f"text_{x.pk}": "{event} à {locality} le {date}. #fete {locality_hashtag}",
        f"follow_up_{x.pk}": "",
        "follow_up_after_minutes": "",
    }
    return data | extra


# --- The list ------------------------------------------------------------------------------------------------


def test_the_list_shows_each_template_with_its_status(client, zone_users):
    draft = create(zone_users, name="Bouchon")
    ok = approved(zone_users)
    for who in (zone_users.officer, zone_users.director):
        client.force_login(who)
        page = client.get(url("template_list", zone_users.zone))
        assert page.status_code == 200
        html = page.content.decode()
        assert "status-template-draft" in html and "status-template-approved" in html
        assert draft.name in html and ok.name in html


def test_a_unit_head_needs_a_grant_and_then_sees_the_approved_ones(client, zone_users):
    create(zone_users, name="Bouchon")
    ok = approved(zone_users)
    client.force_login(zone_users.unit_head)
    assert client.get(url("template_list", zone_users.zone)).status_code == 403
    membership = Membership.objects.get(user=zone_users.unit_head, zone=zone_users.zone)
    grant = Grant.objects.create(
        membership=membership, zone=zone_users.zone, granted_by=zone_users.director, granted_at=timezone.now()
    )
    grant.channels.set(Channel.objects.filter(zone=zone_users.zone))
    grant.categories.set([ok.category])
    page = client.get(url("template_list", zone_users.zone))
    assert page.status_code == 200
    assert ok.name in page.content.decode() and "Bouchon" not in page.content.decode()
    assert client.get(url("template_detail", zone_users.zone, ok)).status_code == 200
    assert client.get(url("template_create", zone_users.zone)).status_code == 403


def test_the_list_query_count_does_not_grow_with_templates(client, zone_users, django_assert_max_num_queries):
    client.force_login(zone_users.officer)
    approved(zone_users)
    with django_assert_max_num_queries(20) as few:
        assert client.get(url("template_list", zone_users.zone)).status_code == 200
    for n in range(8):
        create(zone_users, name=f"Modèle {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url("template_list", zone_users.zone)).status_code == 200


# --- The form -------------------------------------------------------------------------------------------------


def test_a_new_placeholder_asks_its_kind_and_nothing_typed_is_lost(client, zone_users):
    zone = zone_users.zone
    client.force_login(zone_users.officer)
    page = client.post(url("template_create", zone), form_data(zone))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Say what {event} is" in html
    assert 'name="kind_event"' in html
    assert "{event} à {locality} le {date}. #fete {locality_hashtag}" in html
    assert 'value="Fête"' in html
    assert not Template.objects.filter(zone=zone).exists()
    # A short text needs its limit, at its field.
    page = client.post(url("template_create", zone), form_data(zone, kind_event="text"))
    assert "needs its length limit" in page.content.decode()
    page = client.post(url("template_create", zone), form_data(zone, kind_event="text", max_event="60"))
    template = Template.objects.get(zone=zone, name="Fête")
    assert page.status_code == 302 and page["Location"] == url("template_detail", zone, template)
    assert template.current_version.placeholders[0]["name"] == "event"


def test_checking_the_placeholders_saves_nothing(client, zone_users):
    client.force_login(zone_users.officer)
    page = client.post(url("template_create", zone_users.zone), form_data(zone_users.zone, then="check"))
    assert page.status_code == 200 and 'name="kind_event"' in page.content.decode()
    assert not Template.objects.exists()


def test_a_ticked_channel_needs_its_text_and_a_name_is_unique(client, zone_users):
    zone = zone_users.zone
    approved(zone_users)
    x = channels(zone)["x"]
    client.force_login(zone_users.officer)
    page = client.post(url("template_create", zone), form_data(zone, name="Contrôle radar", **{f"text_{x.pk}": ""}))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Write the text for" in html
    page = client.post(url("template_create", zone), form_data(zone, name="Contrôle radar", kind_event="date"))
    assert "already has a template of that name" in page.content.decode()


def test_a_listed_hashtag_must_be_written_in_a_text(client, zone_users):
    """Hashtags go out only as the texts write them: one on the list and in no text is refused, named."""
    zone = zone_users.zone
    client.force_login(zone_users.officer)
    page = client.post(url("template_create", zone), form_data(zone, hashtags="#fete #radar", kind_event="date"))
    assert page.status_code == 200
    assert "Write #radar in a text" in page.content.decode()
    assert not Template.objects.filter(zone=zone).exists()


def test_save_and_submit(client, zone_users):
    zone = zone_users.zone
    client.force_login(zone_users.officer)
    page = client.post(url("template_create", zone), form_data(zone, kind_event="date", then="submit"))
    assert page.status_code == 302
    assert Template.objects.get(zone=zone).status == Template.Status.IN_REVIEW


def test_editing_an_approved_template_says_it_goes_back_to_draft(client, zone_users):
    zone = zone_users.zone
    template = approved(zone_users)
    client.force_login(zone_users.officer)
    page = client.get(url("template_edit", zone, template))
    assert page.status_code == 200 and "This template is approved." in page.content.decode()
    assert RADAR.replace("'", "&#x27;") in page.content.decode()
    x = channels(zone)["x"]
    data = form_data(zone, name=template.name, hashtags="", **{f"text_{x.pk}": RADAR + " Merci."})
    page = client.post(url("template_edit", zone, template), data, follow=True)
    template.refresh_from_db()
    assert template.status == Template.Status.DRAFT
    assert "back to draft" in page.content.decode()


def test_another_zones_template_is_not_found(client, zone_users):
    template = approved(zone_users)
    other = make_zone(slug="autre")
    from tests.factories import make_member

    officer = make_member(other, "officer")
    client.force_login(officer)
    for name in ("template_detail", "template_edit"):
        assert client.get(reverse(f"editorial:{name}", args=[other.slug, template.pk])).status_code == 404
    assert client.post(reverse("editorial:template_retire", args=[other.slug, template.pk])).status_code == 404


def test_wrong_roles_are_refused(client, zone_users):
    zone = zone_users.zone
    template = create(zone_users)
    client.force_login(zone_users.director)
    assert client.get(url("template_edit", zone, template)).status_code == 403
    assert client.post(url("template_submit", zone, template)).status_code == 403
    client.force_login(zone_users.officer)
    ts.template_submit(actor=zone_users.officer, template=template)
    assert client.get(url("template_review", zone, template)).status_code == 403
    client.force_login(zone_users.admin)
    assert client.get(url("template_list", zone)).status_code == 403


# --- The review ---------------------------------------------------------------------------------------------------


def in_review(zone_users):
    template = create(zone_users)
    ts.template_submit(actor=zone_users.officer, template=template)
    template.refresh_from_db()
    return template


def test_the_queue_lists_templates_in_review(client, zone_users):
    template = in_review(zone_users)
    client.force_login(zone_users.director)
    html = client.get(reverse("editorial:review_queue", args=[zone_users.zone.slug])).content.decode()
    assert "Templates to review" in html and url("template_review", zone_users.zone, template) in html


def test_the_review_page_highlights_the_placeholders_and_approves(client, zone_users):
    zone = zone_users.zone
    template = in_review(zone_users)
    client.force_login(zone_users.director)
    page = client.get(url("template_review", zone, template))
    html = page.content.decode()
    assert '<mark class="template-placeholder">{locality}</mark>' in html
    values = Value.objects.filter(zone=zone, is_active=True)
    data = {"reviewed_fingerprint": template.current_version.fingerprint, f"note_{values[0].pk}": "Très bien"}
    page = client.post(url("template_review", zone, template), data)
    html = page.content.decode()
    assert page.status_code == 200 and "Confirm “" in html and "Très bien" in html
    data |= {f"value_{v.pk}": "on" for v in values} | {"confidentiality_confirmed": "on"}
    page = client.post(url("template_review", zone, template), data)
    assert page.status_code == 302
    template.refresh_from_db()
    assert template.status == Template.Status.APPROVED


def test_a_version_changed_meanwhile_is_not_approved(client, zone_users):
    zone = zone_users.zone
    template = in_review(zone_users)
    client.force_login(zone_users.director)
    values = Value.objects.filter(zone=zone, is_active=True)
    data = {"reviewed_fingerprint": "0" * 64, "confidentiality_confirmed": "on"}
    data |= {f"value_{v.pk}": "on" for v in values}
    page = client.post(url("template_review", zone, template), data)
    assert page.status_code == 200 and "changed while you were reviewing" in page.content.decode()
    template.refresh_from_db()
    assert template.status == Template.Status.IN_REVIEW


def test_request_changes_needs_a_comment(client, zone_users):
    zone = zone_users.zone
    template = in_review(zone_users)
    client.force_login(zone_users.director)
    page = client.post(url("template_request_changes", zone, template), {"comment": ""})
    assert page.status_code == 200 and "Say what should change" in page.content.decode()
    page = client.post(url("template_request_changes", zone, template), {"comment": "Ajoutez la route."})
    assert page.status_code == 302
    template.refresh_from_db()
    assert template.status == Template.Status.DRAFT

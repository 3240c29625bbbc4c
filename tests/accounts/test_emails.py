"""Everyone's e-mails (issue 12): which kinds they receive, in which language; alerts about publishing stay on."""

from __future__ import annotations

import pytest
from django.urls import reverse

from editorial import notifications
from editorial.models import AuditEvent

URL = reverse("accounts:emails")


def test_it_offers_the_kinds_each_role_receives(client, zone_users):
    client.force_login(zone_users.officer)
    form = client.get(URL).context["form"]
    assert [kind for kind, _label in form.fields["receive"].choices] == [
        notifications.ITEM_SUBMITTED,
        notifications.POST_REVIEWED,
        notifications.POST_PUBLISHED,  # an officer may submit an item too
        notifications.FOLLOW_UP_DUE,
    ]
    client.force_login(zone_users.director)
    form = client.get(URL).context["form"]
    assert [kind for kind, _label in form.fields["receive"].choices] == [notifications.POST_AWAITS_REVIEW]
    client.force_login(zone_users.unit_head)
    form = client.get(URL).context["form"]
    assert [kind for kind, _label in form.fields["receive"].choices] == [notifications.POST_PUBLISHED]


def test_an_officer_turns_new_items_off_and_reads_dutch(client, zone_users):
    officer = zone_users.officer
    client.force_login(officer)
    response = client.post(URL, {"language": "nl", "receive": [notifications.POST_REVIEWED]})
    assert response.status_code == 302 and response["Location"] == URL
    officer.refresh_from_db()
    assert officer.language == "nl"
    assert officer.muted_emails == [
        notifications.FOLLOW_UP_DUE,
        notifications.ITEM_SUBMITTED,
        notifications.POST_PUBLISHED,
    ]
    event = AuditEvent.objects.get(action="accounts.emails.change")
    assert event.actor_id == officer.pk and event.data["language"] == "nl"
    # Ticked again: on again.
    client.post(URL, {"language": "fr", "receive": notifications.kinds_for(officer)})
    officer.refresh_from_db()
    assert officer.muted_emails == [] and officer.language == "fr"


def test_kinds_outside_the_persons_roles_keep_their_setting(client, zone_users):
    director = zone_users.director
    director.muted_emails = [notifications.ITEM_SUBMITTED]  # from a time they were an officer
    director.save()
    client.force_login(director)
    client.post(URL, {"language": "fr", "receive": [notifications.POST_AWAITS_REVIEW]})
    director.refresh_from_db()
    assert director.muted_emails == [notifications.ITEM_SUBMITTED]


def test_a_refusal_keeps_what_was_ticked(client, zone_users):
    client.force_login(zone_users.officer)
    response = client.post(URL, {"language": "xx", "receive": [notifications.POST_REVIEWED]})
    assert response.status_code == 200
    form = response.context["form"]
    assert "language" in form.errors
    assert form["receive"].value() == [notifications.POST_REVIEWED]
    page = response.content.decode()
    ticked = page.split(f'value="{notifications.POST_REVIEWED}"')[1].split(">")[0]
    assert "checked" in ticked
    zone_users.officer.refresh_from_db()
    assert zone_users.officer.muted_emails == []


def test_unknown_kinds_are_ignored(client, zone_users):
    client.force_login(zone_users.unit_head)
    response = client.post(URL, {"language": "fr", "receive": ["everything", notifications.POST_PUBLISHED]})
    assert response.status_code == 200  # an invalid choice, said at the field
    zone_users.unit_head.refresh_from_db()
    assert zone_users.unit_head.muted_emails == []


@pytest.mark.parametrize(
    ("role", "always"), [("officer", "always sent to you"), ("unit_head", "communication officers")]
)
def test_the_page_says_alerts_about_publishing_stay_on(client, zone_users, role, always):
    client.force_login(getattr(zone_users, role))
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Alerts about publishing problems" in page and always in page


def test_the_security_page_leads_to_it(client, zone_users):
    zone_users.officer.muted_emails = [notifications.ITEM_SUBMITTED]
    zone_users.officer.language = "nl"
    zone_users.officer.save()
    client.force_login(zone_users.officer)
    page = client.get(reverse("accounts:security"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    card = page.split('id="emails"')[1].split("</section>")[0]
    assert f'href="{URL}"' in card and "Nederlands" in card
    assert str(notifications.KINDS[notifications.ITEM_SUBMITTED]) in card


def test_it_needs_a_signed_in_person(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))

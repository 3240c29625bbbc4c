"""The permission matrix (issue 5, point 4; DESIGN.md invariant 5): every URL pattern of the project, asked by
every role with every method, answers what this file says.

How to read an entry: one line per method, one answer per role, in the order of ``ROLES`` (the column heads
above each section). An answer is

- ``200``, ``403``, ``404``, ``405``: that status;
- ``login``: a redirect to the sign-in page, coming back to this address afterwards;
- ``admin-login``: the same, through the admin's sign-in address;
- ``302``: a redirect to the page named by the entry's ``to`` (``post_detail`` is ``editorial:post_detail``), and
  ``to:NAME`` one to the page NAME; where that page and this address share a parameter (the zone, the post...),
  it is the same one.

The columns: anonymous; "head", the head of Trafic, whose item every post below comes from; "head2", the head
of Judiciaire in the same zone (a unit head of another unit); the officer; the director; the zone's
administrator (staff for the Django admin); "zone B", an officer of another zone; "zone B admin", the
administrator (staff) of another zone.

The rights behind the answers are the table "Roles" of docs/architecture.md (accounts/permissions.py): a
right missing in the zone is 403, another zone's object (or zone) is 404, never 403, so nothing confirms it
exists; a method a page does not take is 405. POSTs send what the page's own form would send, so a 403 is a
refusal of a valid request and a redirect is the action done. Each request runs in a savepoint that is rolled
back, with the signed-in session as it was before it: no request sees what another one changed.

A URL pattern missing from the matrix fails ``test_the_matrix``, naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from editorial import services
from editorial.clock import week_start
from editorial.models import Category, Channel, Locality, Post, Unit, Value
from editorial.selectors.plan import post_version
from tests import urlwalk
from tests.urlwalk import ZoneObjects, admin_model, answered_by, ask, build_url, project_routes, sign_in

objects = urlwalk.objects  # the fixture: this zone's objects, fresh for each test

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "unit_head",  # head of Trafic, the unit of the item every post below comes from
    "other_unit_head",  # head of Judiciaire in the same zone: the "unit head of another unit"
    "officer",
    "director",
    "admin",  # the zone's administrator, staff for the Django admin
    "outsider",  # officer of another zone
    "other_zone_admin",  # administrator (staff) of another zone
)
METHODS = ("get", "post", "put", "delete")


# --- The answers ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    to: str = ""  # URL name of the redirect's target
    login: str = ""  # "accounts:login" or "admin:login": a sign-in coming back here

    @classmethod
    def parse(cls, token: str, to: str = "") -> Answer:
        if token == "302":
            assert to, "a 302 needs the entry's `to`"
            token = f"to:{to}"
        if token == "login":
            return cls(302, login="accounts:login")
        if token == "admin-login":
            return cls(302, login="admin:login")
        if token.startswith("to:"):
            target = token[3:]
            return cls(302, to=target if ":" in target else f"editorial:{target}")
        assert token in {"200", "403", "404", "405"}, f"unknown answer {token!r}"
        return cls(int(token))

    def __str__(self) -> str:
        if self.login:
            return f"302 to {self.login}"
        return f"302 to {self.to}" if self.to else str(self.status)


def answers(line: str, to: str = "") -> dict[str, Answer]:
    tokens = line.split()
    assert len(tokens) == len(ROLES), f"{line!r}: one answer per role ({len(ROLES)})"
    return {role: Answer.parse(token, to) for role, token in zip(ROLES, tokens, strict=True)}


Data = Callable[[ZoneObjects], dict[str, Any]]


@dataclass(frozen=True)
class Entry:
    get: str
    post: str
    put: str
    delete: str
    to: str = ""  # where a 302 goes
    # Which objects fill the address: {"post_id": "draft"} takes ZoneObjects.draft (the defaults are in
    # ZoneObjects.values_for: the approved post, the new item...).
    on: dict[str, str] = field(default_factory=dict)
    data: Data | None = None  # what a POST sends
    query: dict[str, str] = field(default_factory=dict)
    # The address is answered by an earlier pattern (the admin's own sign-in form is replaced).
    shadowed_by: str | None = None
    # The redirect's parameter that names an object the request made (the new draft of a duplicate): a different id
    # there is the point, not someone else's object.
    creates: str = ""

    def expected(self, method: str) -> dict[str, Answer]:
        return answers(getattr(self, method), self.to)


def entry(get: str, post: str, put_delete: str | None = None, **options: Any) -> Entry:
    """Most pages answer PUT and DELETE alike: 405 once signed in (anonymous visitors are sent to sign in
    first, as for every method)."""
    other = put_delete or NOT_ALLOWED
    return Entry(get=get, post=post, put=other, delete=other, **options)


NOT_ALLOWED = "login  405  405  405  405  405  405  405"


# --- What the POSTs send ----------------------------------------------------------------------------------


def _local(days: int, hour: int) -> str:
    day = timezone.localdate() + timedelta(days=days)
    return f"{day:%Y-%m-%d}T{hour:02d}:00"


def item_form(o: ZoneObjects) -> dict[str, Any]:
    zone = o.zone
    return {
        "unit": Unit.objects.get(zone=zone, name="Trafic").pk,  # asked of the officer (not of a one-unit head)
        "title": "Travaux rue de la Station",
        "facts": "Du lundi au vendredi, circulation alternée.",
        "category": Category.objects.filter(zone=zone).first().pk,
        "locality": Locality.objects.filter(zone=zone).first().pk,
        "wanted_start": _local(5, 8),
        "wanted_end": _local(5, 18),
        "confidentiality_notes": "",
    }


def post_form(o: ZoneObjects) -> dict[str, Any]:
    x = o.channel
    fb = Channel.objects.get(zone=o.zone, kind=Channel.Kind.FACEBOOK)
    return {
        "title": "Contrôle radar à Quévy",
        "category": Category.objects.filter(zone=o.zone).first().pk,
        "locality": Locality.objects.filter(zone=o.zone).first().pk,
        "planned_at": _local(4, 10),
        "channels": [x.pk, fb.pk],
        f"text_{x.pk}": "Contrôle de vitesse à Quévy ce jeudi #controle #radar #Quevy",
        f"text_{fb.pk}": "Ce jeudi, le service Trafic contrôle la vitesse à Quévy.",
    }


def approval(o: ZoneObjects) -> dict[str, Any]:
    """Every line of the checklist ticked, for the version the director read."""
    data: dict[str, Any] = {
        "reviewed_fingerprint": services.post_fingerprint(post=o.in_review),
        "confidentiality_confirmed": "on",
    }
    for value in Value.objects.filter(zone=o.zone, is_active=True):
        data[f"value_{value.pk}"] = "on"
    return data


def template_form(o: ZoneObjects) -> dict[str, Any]:
    """A template for X with a usual and a free placeholder, as the template form sends it."""
    x = o.channel
    return {
        "name": "Fermeture de route",
        "channels": [x.pk],
        f"text_{x.pk}": "Route fermée à {locality} : {reason}. #fermeture {locality_hashtag}",
        "kind_reason": "text",
        "max_reason": "60",
        "hashtags": "#fermeture",
    }


def template_approval(o: ZoneObjects) -> dict[str, Any]:
    """Every line of the checklist ticked, for the version of the template in review the director read."""
    data: dict[str, Any] = {
        "reviewed_fingerprint": o.template_in_review.current_version.fingerprint,
        "confidentiality_confirmed": "on",
    }
    for value in Value.objects.filter(zone=o.zone, is_active=True):
        data[f"value_{value.pk}"] = "on"
    return data


def template_instance_form(o: ZoneObjects) -> dict[str, Any]:
    """The approved template's blanks filled in, published now on its channel (another day than the scene's
    instance: the same values again would be refused as the same message sent twice)."""
    return {
        "version": o.template.approved_version_id,
        "channels": [o.channel.pk],
        "ph_locality": "Quévy",
        "ph_road": "N6",
        "ph_date": f"{timezone.localdate() + timedelta(days=1):%Y-%m-%d}",
        "when": "now",
    }


def urgent_form(o: ZoneObjects) -> dict[str, Any]:
    """An urgent post with a reason and a code of the officer's app (the others are refused before the code)."""
    from accounts import mfa
    from tests.factories import totp_code, with_authenticator

    officer = o.users.officer
    if mfa.totp_device(officer) is None:
        with_authenticator(officer)
    return {
        "title": "Accident N6",
        "category": Category.objects.filter(zone=o.zone).first().pk,
        "channels": [o.channel.pk],
        "text_fr": "Accident sur la N6 : évitez le secteur.",
        "reason": "Route bloquée",
        "code": totp_code(officer),
    }


def sign_off(o: ZoneObjects) -> dict[str, Any]:
    """The post in review made of a category that asks for the Judiciaire head's sign-off (head2), and that head's
    confirmation of the version shown."""
    judicial = Category.objects.create(
        zone=o.zone, name="Appel à témoins", signoff_unit=Unit.objects.get(zone=o.zone, name="Judiciaire")
    )
    Post.objects.filter(pk=o.in_review.pk).update(category=judicial)
    return {"reviewed_fingerprint": services.post_fingerprint(post=o.in_review), "confirmed": "on", "note": ""}


def grant_form(o: ZoneObjects) -> dict[str, Any]:
    """The Trafic head (the member of the address) allowed to publish speed-control templates on X."""
    return {
        "scope": "templates",
        "channels": [o.channel.pk],
        "categories": [Category.objects.filter(zone=o.zone).first().pk],
    }


def revoke_form(o: ZoneObjects) -> dict[str, Any]:
    """A right of the Trafic head in force, withdrawn (each request is rolled back: it stays in force for the next)."""
    from accounts import grants
    from accounts.models import Membership

    right = grants.grant_create(
        actor=o.users.admin,
        membership=Membership.objects.get(user=o.users.unit_head, zone=o.zone),
        scope="templates",
        channels=[o.channel],
        categories=[Category.objects.filter(zone=o.zone).first()],
    )
    return {"grant": right.pk, "reason": "Changement de service"}


def theme_form(o: ZoneObjects) -> dict[str, Any]:
    monday = week_start(timezone.localdate() + timedelta(weeks=1))
    return {"week_start": f"{monday:%Y-%m-%d}", "title": "Prévention des vols", "notes": ""}


# --- The matrix ---------------------------------------------------------------------------------------------

# fmt: off
MATRIX: dict[str, Entry] = {
    #                                anon     head     head2    officer  director admin    zone B   zone B admin
    "editorial:home": entry(
        get=                        "login    302      302      302      302      302      302      302",
        post=NOT_ALLOWED,
        to="zone_dashboard",
    ),
    "editorial:zone_dashboard": entry(
        get=                        "login    200      200      200      200      200      404      404",
        post=NOT_ALLOWED,
    ),
    # Items: unit heads see their own unit's, the officer triages, the director reads.
    #                                anon     head     head2    officer  director admin    zone B   zone B admin
    "editorial:item_list": entry(
        get=                        "login    200      200      200      200      403      404      404",
        post=NOT_ALLOWED,
    ),
    # Each unit head submits for their own unit; the officer for any unit.
    "editorial:item_create": entry(
        get=                        "login    200      200      200      403      403      404      404",
        post=                       "login    302      302      302      403      403      404      404",
        to="item_detail",
        data=item_form,
    ),
    "editorial:item_detail": entry(
        get=                        "login    200      403      200      200      403      404      404",
        post=NOT_ALLOWED,
    ),
    "editorial:item_take_up": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      302      403      403      404      404",
        to="post_edit",
    ),
    "editorial:item_decline": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      302      403      403      404      404",
        to="item_detail",
        data=lambda o: {"reason": "Déjà annoncé par la commune."},
    ),
    "editorial:item_attachment": entry(
        get=                        "login    200      403      200      200      403      404      404",
        post=NOT_ALLOWED,
    ),
    # Posts: the officer drafts; the director, the administrator and the item's unit head read and comment.
    #                                anon     head     head2    officer  director admin    zone B   zone B admin
    # The Posts page (issue 14): everyone of the zone, each seeing the posts they may read.
    "editorial:post_list": entry(
        get=                        "login    200      200      200      200      200      404      404",
        post=NOT_ALLOWED,
    ),
    # The archive of what went out and its exports (issue 16): the officers and the director.
    "editorial:archive": entry(
        get=                        "login    403      403      200      200      403      404      404",
        post=NOT_ALLOWED,
    ),
    "editorial:archive_export_csv": entry(
        get=                        "login    403      403      200      200      403      404      404",
        post=NOT_ALLOWED,
        query={"start": "2026-01-01", "end": "2026-01-31"},
    ),
    "editorial:archive_export_json": entry(
        get=                        "login    403      403      200      200      403      404      404",
        post=NOT_ALLOWED,
        query={"start": "2026-01-01", "end": "2026-01-31"},
    ),
    "editorial:post_create": entry(
        get=                        "login    403      403      200      403      403      404      404",
        post=                       "login    403      403      302      403      403      404      404",
        to="post_detail",
        data=post_form,
    ),
    # A version of an X text that fits, for the drafting page while the officer types.
    "editorial:x_fit": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      200      403      403      404      404",
        data=lambda o: {"text": "Contrôle radar à Quévy ce jeudi. " * 12 + "#controle #radar"},
    ),
    "editorial:post_detail": entry(
        get=                        "login    200      403      200      200      200      404      404",
        post=NOT_ALLOWED,
        on={"post_id": "draft"},
    ),
    "editorial:post_edit": entry(
        get=                        "login    403      403      200      403      403      404      404",
        post=                       "login    403      403      302      403      403      404      404",
        to="post_detail",
        on={"post_id": "draft"},
        data=post_form,
    ),
    "editorial:post_submit": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      302      403      403      404      404",
        to="post_detail",
        on={"post_id": "draft"},
    ),
    "editorial:comment_add": entry(
        get=NOT_ALLOWED,
        post=                       "login    302      403      302      302      302      404      404",
        to="post_detail",
        on={"post_id": "draft"},
        data=lambda o: {"body": "Vu, merci pour le suivi."},
    ),
    # Multi-step review (issue 13): the head of the unit the category names (head2, Judiciaire) signs the post in
    # review off; the Trafic head reads it (their item) but does not sign it off.
    "editorial:post_sign_off": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      302      403      403      403      404      404",
        to="post_detail",
        on={"post_id": "in_review"},
        data=sign_off,
    ),
    "editorial:post_share": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      302      403      403      404      404",
        to="post_detail",
        on={"post_id": "draft"},
        data=lambda o: {"units": [Unit.objects.get(zone=o.zone, name="Judiciaire").pk]},
    ),
    # A new draft from a post (issue 14), here the approved one with its image: for who may draft; the Trafic head
    # reads the post but has no drafting right here.
    "editorial:post_duplicate": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      302      403      403      404      404",
        to="post_edit",
        creates="post_id",
    ),
    # An image of a post: whoever may not read the post cannot even tell it exists (404, not 403).
    "editorial:media_file": entry(
        get=                        "login    200      404      200      200      200      404      404",
        post=NOT_ALLOWED,
    ),
    # The evidence of a post and its exports (issue 16): for who answers for what goes out, officer and director.
    # The approved post never went out: its page says so.
    "editorial:post_evidence": entry(
        get=                        "login    403      403      200      200      403      404      404",
        post=NOT_ALLOWED,
    ),
    "editorial:post_evidence_json": entry(
        get=                        "login    403      403      200      200      403      404      404",
        post=NOT_ALLOWED,
    ),
    "editorial:post_evidence_html": entry(
        get=                        "login    403      403      200      200      403      404      404",
        post=NOT_ALLOWED,
    ),
    # While typing a post text (issue 12): the review's confidentiality scan and the partner accounts to mention, for
    # who drafts. Another zone's post sent to this zone's address is a 404 too (tests/editorial/test_views_checks.py).
    #                                anon     head     head2    officer  director admin    zone B   zone B admin
    "editorial:confidentiality_check": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      200      403      403      404      404",
        data=lambda o: {"text": "Véhicule 1-ABC-234 signalé rue de Mons", "post": o.draft.pk},
    ),
    "editorial:partner_directory": entry(
        get=                        "login    403      403      200      403      403      404      404",
        post=NOT_ALLOWED,
    ),
    # Publishing: the officer acts; the emergency brake (pauses) is for officer, director and administrator.
    #                                anon     head     head2    officer  director admin    zone B   zone B admin
    # The block htmx polls; opened in the browser itself (no HX-Request header, as here), the post page's block.
    "editorial:post_publications": entry(
        get=                        "login    302      403      302      302      302      404      404",
        post=NOT_ALLOWED,
        to="post_detail",
    ),
    "editorial:publication_confirm_published": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      302      403      403      404      404",
        to="post_detail",
        data=lambda o: {f"publication-{o.unknown.pk}-url": "https://x.com/zonepolice/status/1"},
    ),
    "editorial:publication_leave_unsent": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      302      403      403      404      404",
        to="post_detail",
        data=lambda o: {f"publication-{o.unknown.pk}-reason": "Information dépassée"},
    ),
    "editorial:publication_send_again": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      302      403      403      404      404",
        to="post_detail",
        data=lambda o: {f"publication-{o.unknown.pk}-checked": "on"},
    ),
    "editorial:post_publish_now": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      302      403      403      404      404",
        to="post_detail",
    ),
    "editorial:post_cancel": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      302      403      403      404      404",
        to="post_detail",
        data=lambda o: {"cancel-reason": "L'événement est annulé."},
    ),
    # Every publication of the zone that needs a person: for who answers for what goes out (officer, director).
    "editorial:publications_attention": entry(
        get=                        "login    403      403      200      200      403      404      404",
        post=NOT_ALLOWED,
    ),
    "editorial:channels": entry(
        get=                        "login    403      403      200      200      200      404      404",
        post=NOT_ALLOWED,
    ),
    "editorial:zone_pause": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      302      302      302      404      404",
        to="channels",
        data=lambda o: {"zone-reason": "Compte compromis, on vérifie."},
    ),
    "editorial:zone_resume": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      302      302      302      404      404",
        to="channels",
        data=lambda o: {"resume-reason": ""},
    ),
    "editorial:channel_pause": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      302      302      302      404      404",
        to="channels",
        data=lambda o: {f"channel-{o.channel.pk}-reason": "Mot de passe changé."},
    ),
    "editorial:channel_resume": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      302      302      302      404      404",
        to="channels",
        on={"channel_id": "paused_channel"},
    ),
    # Testing a connection uses the credentials: who publishes (officer) or sets them up (administrator).
    "editorial:channel_test": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      302      403      302      404      404",
        to="channels",
    ),
    # Review: the director only.
    #                                anon     head     head2    officer  director admin    zone B   zone B admin
    "editorial:review_queue": entry(
        get=                        "login    403      403      403      200      403      404      404",
        post=NOT_ALLOWED,
    ),
    "editorial:review_post": entry(
        get=                        "login    403      403      403      200      403      404      404",
        post=                       "login    403      403      403      302      403      404      404",
        to="review_queue",
        on={"post_id": "in_review"},
        data=approval,
    ),
    "editorial:request_changes": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      403      302      403      404      404",
        to="review_queue",
        on={"post_id": "in_review"},
        data=lambda o: {"comment": "Retirez le nom de la rue, s'il vous plaît."},
    ),
    # Templates (issue 13): the officer writes them, the director reviews them; both read the list. Unit heads
    # read the approved ones once a grant lets them publish (none here).
    #                                anon     head     head2    officer  director admin    zone B   zone B admin
    "editorial:template_list": entry(
        get=                        "login    403      403      200      200      403      404      404",
        post=NOT_ALLOWED,
    ),
    "editorial:template_create": entry(
        get=                        "login    403      403      200      403      403      404      404",
        post=                       "login    403      403      302      403      403      404      404",
        to="template_detail",
        data=template_form,
    ),
    "editorial:template_detail": entry(
        get=                        "login    403      403      200      200      403      404      404",
        post=NOT_ALLOWED,
    ),
    "editorial:template_edit": entry(
        get=                        "login    403      403      200      403      403      404      404",
        post=                       "login    403      403      302      403      403      404      404",
        to="template_detail",
        on={"template_id": "template_draft"},
        data=template_form,
    ),
    "editorial:template_submit": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      302      403      403      404      404",
        to="template_detail",
        on={"template_id": "template_draft"},
    ),
    "editorial:template_review": entry(
        get=                        "login    403      403      403      200      403      404      404",
        post=                       "login    403      403      403      302      403      404      404",
        to="review_queue",
        on={"template_id": "template_in_review"},
        data=template_approval,
    ),
    "editorial:template_request_changes": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      403      302      403      404      404",
        to="review_queue",
        on={"template_id": "template_in_review"},
        data=lambda o: {"comment": "Ajoutez la déviation, s'il vous plaît."},
    ),
    "editorial:template_retire": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      302      302      403      404      404",
        to="template_detail",
        data=lambda o: {"reason": "Plus utilisé."},
    ),
    # The fast lane (issue 13): who publishes (the officer; a unit head only under a grant, none here) fills in an
    # approved template or writes an urgent post; the director reads them afterwards.
    #                                anon     head     head2    officer  director admin    zone B   zone B admin
    "editorial:fast_lane": entry(
        get=                        "login    403      403      200      403      403      404      404",
        post=NOT_ALLOWED,
    ),
    "editorial:template_publish": entry(
        get=                        "login    403      403      200      403      403      404      404",
        post=                       "login    403      403      302      403      403      404      404",
        to="post_detail",
        data=template_instance_form,
    ),
    "editorial:urgent_post": entry(
        get=                        "login    403      403      200      403      403      404      404",
        post=                       "login    403      403      302      403      403      404      404",
        to="post_detail",
        data=urgent_form,
    ),
    "editorial:review_after_queue": entry(
        get=                        "login    403      403      403      200      403      404      404",
        post=NOT_ALLOWED,
    ),
    "editorial:review_after_acknowledge": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      403      302      403      404      404",
        to="review_after_queue",
        data=lambda o: {"comment": "Vu."},
    ),
    # Reports (issue 14): the officer and the director; the weekly e-mail is the director's to ask for.
    #                                anon     head     head2    officer  director admin    zone B   zone B admin
    "editorial:reports": entry(
        get=                        "login    403      403      302      302      403      404      404",
        post=NOT_ALLOWED,
        to="report_week",
    ),
    "editorial:report_week": entry(
        get=                        "login    403      403      200      200      403      404      404",
        post=NOT_ALLOWED,
    ),
    "editorial:report_week_csv": entry(
        get=                        "login    403      403      200      200      403      404      404",
        post=NOT_ALLOWED,
        query={"report": "channels"},
    ),
    "editorial:report_month": entry(
        get=                        "login    403      403      200      200      403      404      404",
        post=NOT_ALLOWED,
    ),
    "editorial:report_month_csv": entry(
        get=                        "login    403      403      200      200      403      404      404",
        post=NOT_ALLOWED,
        query={"report": "time"},
    ),
    "editorial:report_email": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      403      302      403      404      404",
        to="reports",
        data=lambda o: {"weekly_report_email": "on"},
    ),
    # Follow-ups (issue 13): read by whoever reads the original (and its author); published or dismissed by who may
    # publish the original's category on its channels (the officer here; a delegated head for their own).
    #                                anon     head     head2    officer  director admin    zone B   zone B admin
    "editorial:follow_up_list": entry(
        get=                        "login    403      403      200      200      200      404      404",
        post=NOT_ALLOWED,
    ),
    "editorial:follow_up_detail": entry(
        get=                        "login    403      403      200      200      200      404      404",
        post=NOT_ALLOWED,
    ),
    "editorial:follow_up_publish": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      302      403      403      404      404",
        to="post_detail",
    ),
    "editorial:follow_up_dismiss": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      302      403      403      404      404",
        to="follow_up_detail",
        data=lambda o: {"reason": "Rouverte plus tôt, déjà annoncé."},
    ),
    # Members and their delegated rights (issue 13): the zone's administrator and director. The member of the address
    # is the Trafic head; POSTs need a fresh proof of identity (the sessions here have one).
    #                                anon     head     head2    officer  director admin    zone B   zone B admin
    "editorial:member_list": entry(
        get=                        "login    403      403      403      200      200      404      404",
        post=NOT_ALLOWED,
    ),
    "editorial:member_detail": entry(
        get=                        "login    403      403      403      200      200      404      404",
        post=                       "login    403      403      403      302      302      404      404",
        to="member_detail",
        data=grant_form,
    ),
    "editorial:grant_revoke": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      403      302      302      404      404",
        to="member_detail",
        data=revoke_form,
    ),
    # The plan: officer, director and administrator read it; the officer plans the themes.
    #                                anon     head     head2    officer  director admin    zone B   zone B admin
    "editorial:plan": entry(
        get=                        "login    403      403      200      200      200      404      404",
        post=NOT_ALLOWED,
    ),
    "editorial:plan_week": entry(
        get=                        "login    403      403      200      200      200      404      404",
        post=NOT_ALLOWED,
    ),
    "editorial:theme_add": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      302      403      403      404      404",
        to="plan_week",
        data=theme_form,
    ),
    "editorial:theme_delete": entry(
        get=NOT_ALLOWED,
        post=                       "login    403      403      302      403      403      404      404",
        to="plan_week",
    ),
    "editorial:plan_month": entry(
        get=                        "login    403      403      200      200      200      404      404",
        post=NOT_ALLOWED,
    ),
    "editorial:plan_month_of": entry(
        get=                        "login    403      403      200      200      200      404      404",
        post=NOT_ALLOWED,
    ),
    # Moving a post (drag and drop, or the Move page): whoever may edit it, i.e. the officer.
    "editorial:post_move": entry(
        get=                        "login    403      403      200      403      403      404      404",
        post=                       "login    403      403      302      403      403      404      404",
        to="plan_week",
        on={"post_id": "draft"},
        data=lambda o: {
            "planned_at": _local(6, 11),
            "version": post_version(o.draft),
            "back": "week",
        },
    ),
    # A new post from an empty cell of the plan: the post form, with the cell's day and channel.
    "editorial:plan_post_new": entry(
        get=                        "login    403      403      200      403      403      404      404",
        post=                       "login    403      403      302      403      403      404      404",
        to="post_detail",
        data=post_form,
    ),
    # POST gives the feed a new secret address.
    "editorial:calendar_settings": entry(
        get=                        "login    403      403      200      200      200      404      404",
        post=                       "login    403      403      302      302      302      404      404",
        to="calendar_settings",
    ),
    # No session: the secret address (the officer's) is the key, whoever asks.
    "editorial:calendar_feed": entry(
        get=                        "200      200      200      200      200      200      200      200",
        post=                       "405      405      405      405      405      405      405      405",
        put_delete=                 "405      405      405      405      405      405      405      405",
    ),
    # The time budget (issue 14): everyone's own time and the pages' pings; the team's for the director; the budget
    # for the director and the administrator.
    #                                anon     head     head2    officer  director admin    zone B   zone B admin
    "editorial:time_mine": entry(
        get=                        "login    200      200      200      200      200      404      404",
        post=NOT_ALLOWED,
    ),
    "editorial:time_team": entry(
        get=                        "login    403      403      403      200      403      404      404",
        post=NOT_ALLOWED,
    ),
    "editorial:time_budget": entry(
        get=                        "login    403      403      403      200      200      404      404",
        post=                       "login    403      403      403      302      302      404      404",
        to="time_budget",
        data=lambda o: {
            "daily_budget_minutes": "40",
            "budget_items_minutes": "5",
            "budget_writing_minutes": "20",
            "budget_review_minutes": "10",
            "budget_comments_minutes": "5",
        },
    ),
    "editorial:time_ping": entry(
        get=NOT_ALLOWED,
        post=                       "login    200      200      200      200      200      404      404",
        data=lambda o: {"page": "post_edit", "seconds": "15"},
    ),
    # The audit log (issue 16, point 4): the director and the administrator (Right.VIEW_AUDIT).
    "editorial:audit_log": entry(
        get=                        "login    403      403      403      200      200      404      404",
        post=NOT_ALLOWED,
    ),
    # --- Signing in and out, the language ------------------------------------------------------------------
    # Signed in already: back to the desk, whatever the method. A visitor's wrong password: the form again.
    #                                anon     head     head2    officer  director admin    zone B   zone B admin
    "accounts:login": Entry(
        get=                        "200      302      302      302      302      302      302      302",
        post=                       "200      302      302      302      302      302      302      302",
        put=                        "405      302      302      302      302      302      302      302",
        delete=                     "405      302      302      302      302      302      302      302",
        to="home",
    ),
    "accounts:logout": entry(
        get=                        "405      405      405      405      405      405      405      405",
        post=                       "302      302      302      302      302      302      302      302",
        put_delete=                 "405      405      405      405      405      405      405      405",
        to="accounts:login",
    ),
    # The two-step sign-in. Step 2 and the set-up answer a visitor who passed the password (tests/accounts);
    # anyone else starts at step 1, and whoever is signed in goes back to the desk.
    #                                anon     head     head2    officer  director admin    zone B   zone B admin
    "accounts:mfa_verify": entry(
        get=                        "to:accounts:login 302 302 302 302 302 302 302",
        post=                       "to:accounts:login 302 302 302 302 302 302 302",
        put_delete=                 "405      405      405      405      405      405      405      405",
        to="home",
    ),
    # Signed in: another phone or app. The code posted is wrong, so the form answers with its error.
    "accounts:mfa_setup": entry(
        get=                        "to:accounts:login 200 200 200 200 200 200 200",
        post=                       "to:accounts:login 200 200 200 200 200 200 200",
        put_delete=                 "405      405      405      405      405      405      405      405",
        data=lambda o: {"code": "000000"},
    ),
    # Everyone's own account: no zone, no role.
    "accounts:security": entry(
        get=                        "login    200      200      200      200      200      200      200",
        post=NOT_ALLOWED,
    ),
    # Shown once, right after they are made; otherwise back to the security page.
    "accounts:recovery_codes": entry(
        get=                        "login    302      302      302      302      302      302      302",
        post=NOT_ALLOWED,
        to="accounts:security",
    ),
    # Officers, directors and administrators have an app: new codes, shown once. Unit heads have none yet.
    "accounts:recovery_codes_regenerate": entry(
        get=NOT_ALLOWED,
        post=                       "login to:accounts:security to:accounts:security 302 302 302 302 302",
        to="accounts:recovery_codes",
    ),
    # Refused where the role requires a second factor (with a message on the security page), done otherwise.
    "accounts:mfa_disable": entry(
        get=NOT_ALLOWED,
        post=                       "login    302      302      302      302      302      302      302",
        to="accounts:security",
    ),
    # Everyone's own e-mails: which kinds, which language. The language posted is not one of the desk's, so the
    # form answers with its error.
    "accounts:emails": entry(
        get=                        "login    200      200      200      200      200      200      200",
        post=                       "login    200      200      200      200      200      200      200",
        data=lambda o: {"language": "xx", "receive": ["item_submitted"]},
    ),
    # The old password posted is wrong: the form answers with its error.
    "accounts:password_change": entry(
        get=                        "login    200      200      200      200      200      200      200",
        post=                       "login    200      200      200      200      200      200      200",
        data=lambda o: {"old_password": "wrong", "new_password1": "a-new-pass-26", "new_password2": "a-new-pass-26"},
    ),
    # Open to everyone (a forgotten password); the answer never says whether the address is known.
    "accounts:password_reset": entry(
        get=                        "200      200      200      200      200      200      200      200",
        post=                       "302      302      302      302      302      302      302      302",
        put_delete=                 "405      405      405      405      405      405      405      405",
        to="accounts:password_reset_done",
        data=lambda o: {"email": o.users.unit_head.email},
    ),
    "accounts:password_reset_done": entry(
        get=                        "302      302      302      302      302      302      302      302",
        post=                       "405      405      405      405      405      405      405      405",
        put_delete=                 "405      405      405      405      405      405      405      405",
        to="accounts:login",
    ),
    # A token that is not the user's: the page says the link is no longer valid; nothing changes.
    "accounts:password_reset_confirm": entry(
        get=                        "200      200      200      200      200      200      200      200",
        post=                       "200      200      200      200      200      200      200      200",
        put_delete=                 "405      405      405      405      405      405      405      405",
    ),
    "accounts:password_reset_complete": entry(
        get=                        "302      302      302      302      302      302      302      302",
        post=                       "405      405      405      405      405      405      405      405",
        put_delete=                 "405      405      405      405      405      405      405      405",
        to="accounts:login",
    ),
    # The admin's password page sends to the desk's (which asks for a fresh code), whoever asks and however.
    "admin_password_change": entry(
        get=                        "302      302      302      302      302      302      302      302",
        post=                       "302      302      302      302      302      302      302      302",
        put_delete=                 "302      302      302      302      302      302      302      302",
        to="accounts:password_change",
    ),
    # The admin's sign-in address sends to the desk's two-step sign-in, whoever asks and however.
    "admin_login": entry(
        get=                        "302      302      302      302      302      302      302      302",
        post=                       "302      302      302      302      302      302      302      302",
        put_delete=                 "302      302      302      302      302      302      302      302",
        to="accounts:login",
    ),
    # The admin's sign-out address signs out through the desk's view, which audits it.
    "admin_logout": entry(
        get=                        "405      405      405      405      405      405      405      405",
        post=                       "302      302      302      302      302      302      302      302",
        put_delete=                 "405      405      405      405      405      405      405      405",
        to="accounts:login",
    ),
    # Django's view: only a POST changes the language; every method goes back to the desk.
    "set_language": entry(
        get=                        "302      302      302      302      302      302      302      302",
        post=                       "302      302      302      302      302      302      302      302",
        put_delete=                 "302      302      302      302      302      302      302      302",
        to="home",
    ),
}
# fmt: on


# --- The Django admin -------------------------------------------------------------------------------------
# Only staff get past the admin's door; everyone else is sent to its sign-in. The zone's administrator and the
# administrator of another zone are staff without any Django model permission: the admin classes decide, by
# zone (editorial/admin.py, accounts/admin.py).


def admin_line(admin: str, other_zone_admin: str) -> str:
    """Everyone but staff is sent to the admin's sign-in."""
    return f"admin-login admin-login admin-login admin-login admin-login {admin} admin-login {other_zone_admin}"


def admin_entry(get: tuple[str, str], post: tuple[str, str], put_delete: tuple[str, str], **options: Any) -> Entry:
    return entry(admin_line(*get), admin_line(*post), admin_line(*put_delete), **options)


# The site's own pages: (zone admin, other zone's admin) for GET, POST, PUT/DELETE.
ADMIN_SITE: dict[str, Entry] = {
    "admin:index": admin_entry(("200", "200"), ("200", "200"), ("200", "200")),
    # The admin's own sign-in form would skip the second step: the desk's sign-in answers its address, for all.
    "admin:login": entry(
        "302 302 302 302 302 302 302 302",
        "302 302 302 302 302 302 302 302",
        "302 302 302 302 302 302 302 302",
        to="accounts:login",
        shadowed_by="admin_login",
    ),
    "admin:app_list": admin_entry(("200", "200"), ("200", "200"), ("200", "200")),
    # Unknown admin addresses: a 404 for staff, the door for everyone else.
    "admin/(?P<url>.*)$": admin_entry(("404", "404"), ("404", "404"), ("404", "404")),
    # The admin's sign-out is the desk's, which audits it: the same answers for everyone.
    "admin:logout": entry(
        "405 405 405 405 405 405 405 405",
        "302 302 302 302 302 302 302 302",
        "405 405 405 405 405 405 405 405",
        to="accounts:login",
        shadowed_by="admin_logout",
    ),
    # The admin's own password form is replaced by the desk's, which asks for a fresh code first.
    "admin:password_change": entry(
        "302 302 302 302 302 302 302 302",
        "302 302 302 302 302 302 302 302",
        "302 302 302 302 302 302 302 302",
        to="accounts:password_change",
        shadowed_by="admin_password_change",
    ),
    "admin:password_change_done": admin_entry(("200", "200"), ("405", "405"), ("405", "405")),
    "admin:jsi18n": admin_entry(("200", "200"), ("405", "405"), ("405", "405")),
    # The user field of a membership: each administrator gets the people they manage.
    "admin:autocomplete": admin_entry(
        ("200", "200"),
        ("405", "405"),
        ("405", "405"),
        query={"app_label": "accounts", "model_name": "membership", "field_name": "user"},
    ),
    # "View on site" of a post: posts have no public address, so there is nothing to redirect to.
    "admin:view_on_site": admin_entry(("404", "404"), ("404", "404"), ("404", "404")),
    # Setting a member's password: the other zone's administrator does not manage this zone's people.
    "admin:auth_user_password_change": admin_entry(("200", "404"), ("200", "404"), ("200", "404")),
}

# What a zone administrator may do with each model registered in the admin. A model missing here fails the
# test, naming its pages.
ADMIN_MODELS: dict[str, set[str]] = {
    "auth.group": set(),  # installation-level: superusers only
    "editorial.zone": {"view", "change"},  # adding or removing a zone is an installation decision
    "editorial.value": {"view", "add", "change", "delete"},
    "editorial.unit": {"view", "add", "change", "delete"},
    "editorial.category": {"view", "add", "change", "delete"},
    "editorial.locality": {"view", "add", "change", "delete"},
    "editorial.channel": {"view", "add", "change", "delete"},
    "editorial.channeltarget": {"view", "add", "change", "delete"},  # the plan's gaps are counted against them
    "editorial.partneraccount": {"view", "add", "change", "delete"},  # the accounts posts mention
    "editorial.road": {"view", "add", "change", "delete"},  # the roads a template's {road} picks from
    "editorial.template": {"view"},  # written and reviewed on the desk, where every change is audited
    "editorial.auditevent": {"view"},  # append-only: read, never added, changed or deleted
    "accounts.membership": {"view", "add", "change", "delete"},
    "accounts.grant": {"view"},  # granted and withdrawn on the desk's members page (checked, audited): read here
    "accounts.user": {"view", "add", "change"},  # people are deactivated, never deleted
    # django-axes' records of sign-in attempts name people and addresses of every zone: superusers only.
    "axes.accessattempt": set(),
    "axes.accesslog": set(),
    "axes.accessfailurelog": set(),
}


def admin_model_entry(kind: str, model: str, rights: set[str]) -> Entry:
    """The answers of one model page, from the zone administrator's rights on the model.

    The other zone's administrator holds the same rights on their own rows; this zone's rows are not in their
    lists, and Django answers an object outside the list with a redirect to the admin's index ("perhaps it was
    deleted"), exactly as for an id that does not exist. Django's admin handles PUT and DELETE like GET: pages
    show, nothing changes (only a POST changes anything).
    """

    def ok(right: str) -> str:
        return "200" if right in rights else "403"

    def elsewhere(right: str) -> str:
        return "to:admin:index" if right in rights else "403"

    same = {"changelist": ok("view"), "add": ok("add")}
    if kind in same:
        return admin_entry((same[kind],) * 2, (same[kind],) * 2, (same[kind],) * 2)
    if kind == "change":  # a read-only page for a model that can be viewed but not changed
        return admin_entry(
            (ok("view"), elsewhere("view")), (ok("change"), elsewhere("change")), (ok("view"), elsewhere("view"))
        )
    if kind in ("delete", "history"):
        right = "delete" if kind == "delete" else "view"
        answer = (ok(right), elsewhere(right))
        return admin_entry(answer, answer, answer)
    assert kind == "object", kind
    # admin/<app>/<model>/<id>/: an old address of the change page, redirected whoever is staff.
    change = f"to:admin:{model.replace('.', '_')}_change"
    return admin_entry((change, change), (change, change), (change, change))


def admin_kind(route_key: str, route: str) -> str | None:
    for kind in ("changelist", "add", "change", "delete", "history"):
        if route_key.endswith(f"_{kind}"):
            return kind
    return "object" if route.endswith("<path:object_id>/") else None


# --- Finding the entry of a pattern, asking, comparing -------------------------------------------------------


def entry_for(route: Any) -> Entry:
    if route.key in MATRIX:
        return MATRIX[route.key]
    if route.key in ADMIN_SITE:
        return ADMIN_SITE[route.key]
    model = admin_model(route)
    kind = admin_kind(route.key, route.route) if model else None
    if model is not None and kind is not None:
        if model not in ADMIN_MODELS:
            pytest.fail(
                f"URL pattern {route.key} ({route.route}): the admin model {model} has no line in ADMIN_MODELS "
                "(tests/test_permission_matrix.py): say what a zone administrator may do with it"
            )
        return admin_model_entry(kind, model, ADMIN_MODELS[model])
    pytest.fail(
        f"URL pattern {route.key} ({route.route}) has no entry in the permission matrix: add one to MATRIX "
        "(tests/test_permission_matrix.py) with the answer of each role to each method"
    )


def _kwargs_of(path: str) -> dict[str, Any]:
    try:
        return dict(resolve(path).kwargs)
    except Resolver404:
        return {}


def compare(expected: Answer, response: Any, asked: str, creates: str = "") -> str | None:
    """None if the response is the expected answer, else what it was."""
    got = str(response.status_code)
    if response.status_code in (301, 302, 303, 307, 308):
        location = urlsplit(response["Location"])
        try:
            got += f" to {resolve(location.path).view_name}"
        except Resolver404:
            got += f" to {location.path}"
    if response.status_code != expected.status:
        return got
    if expected.login:
        location = urlsplit(response["Location"])
        back = parse_qs(location.query).get("next")
        if location.path != reverse(expected.login) or back != [asked]:
            return f"{got} ({response['Location']})"
    elif expected.to:
        location = urlsplit(response["Location"])
        try:
            match = resolve(location.path)
        except Resolver404:
            return got
        if match.view_name != expected.to:
            return got
        # Same zone, same post, same item...: a redirect never leads to someone else's object.
        mine = _kwargs_of(urlsplit(asked).path)
        different = {k: v for k, v in match.kwargs.items() if k in mine and mine[k] != v and k != creates}
        if different:
            return f"{got} with {different}"
    return None


# --- The tests ----------------------------------------------------------------------------------------------

ROUTES = {route.key: route for route in project_routes()}


@pytest.mark.parametrize("key", list(ROUTES))
def test_the_matrix(client, objects, key):
    route = ROUTES[key]
    matrix_entry = entry_for(route)
    chosen = {name: getattr(objects, attribute) for name, attribute in matrix_entry.on.items()}
    url = build_url(route, objects.values_for(route, **chosen))
    if matrix_entry.query:
        url = f"{url}?{urlencode(matrix_entry.query)}"
    answering = answered_by(urlsplit(url).path)
    if matrix_entry.shadowed_by is not None:
        assert answering == matrix_entry.shadowed_by, f"{key}: {url} is answered by {answering}"
    else:
        assert answering == key, f"{key}: {url} is answered by another pattern, {answering}"

    # Each role signs in once; each request then starts from that session and is rolled back.
    sessions = {role: sign_in(client, objects.user(role)) for role in ROLES}
    wrong: list[str] = []
    for method in METHODS:
        data = matrix_entry.data(objects) if method == "post" and matrix_entry.data else {}
        for role, expected in matrix_entry.expected(method).items():
            try:
                response = ask(client, sessions[role], method, url, data)
            except Exception as error:  # a server error: 500 for the user
                wrong.append(f"{method.upper():6} {role:16} expected {expected}, got 500 ({error!r})")
                continue
            got = compare(expected, response, url, matrix_entry.creates)
            if got is not None:
                wrong.append(f"{method.upper():6} {role:16} expected {expected}, got {got}")
    assert not wrong, f"{key} ({url}):\n" + "\n".join(wrong)


def test_every_entry_is_a_url_of_the_project():
    """An entry left behind by a removed URL would make the matrix lie about what it covers."""
    stale = sorted(set(MATRIX) - set(ROUTES)) + sorted(set(ADMIN_SITE) - set(ROUTES))
    assert stale == []


def test_another_zone_never_learns_that_an_object_exists():
    """Checked on the matrix itself: on every zone address, a user of another zone gets 404 (or 405 for a
    method the page never takes, answered before anything is looked up), never 403 or a page."""
    for key, route in ROUTES.items():
        if not route.route.startswith("z/<slug:zone_slug>/") or key not in MATRIX:
            continue  # a missing entry fails test_the_matrix
        for method in METHODS:
            expected = MATRIX[key].expected(method)
            for role in ("outsider", "other_zone_admin"):
                assert expected[role].status in (404, 405), (key, method, role)


def test_every_zone_page_sends_anonymous_visitors_to_sign_in():
    for key, route in ROUTES.items():
        if route.route.startswith("z/<slug:zone_slug>/") and key in MATRIX:
            for method in METHODS:
                assert MATRIX[key].expected(method)["anonymous"].login == "accounts:login", (key, method)

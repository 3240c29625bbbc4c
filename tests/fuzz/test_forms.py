"""Every form of the desk, fuzzed (issue 5, point 8; DESIGN.md section 6, invariant 9).

The forms are not listed by hand: ``test_every_form_is_fuzzed`` walks every URL of the desk as every role, in
the states that show every form, reads the ``<form method="post">`` of each page, and fails on a form missing
from ``FORMS`` (say which role uses it and on which page) or a form of ``FORMS`` that no page shows any more.
Each fuzz test then reads its form from the page, as a browser would, and posts what Hypothesis makes of each
field: arbitrary Unicode text, markup, huge strings, numbers, dates and times (the clock changes in Brussels,
year 1 and 9999, garbage), files (random bytes, truncated images, a PNG declaring 100 000 x 100 000 pixels,
names with markup), and fields left out, sent twice or added. Half the examples are instead a person filling the
form (markup and pasted oddities in plausible values, at most one field typed anyhow), so that forms are also
accepted and what they saved is shown on the page they lead to. Whatever is sent:

- the answer is never a server error, and a redirect never leaves the site;
- a refused form answers 200, says what is wrong and shows again what was typed (passwords and write-only
  fields excepted; a body with none of the form's fields, which no browser sends, may get the blank form);
- nothing sent comes back as markup: no typed tag unescaped, no event-handler attribute, no inline script, no
  ``javascript:`` link, on the answer or on the page it redirects to.

Pages that only a request shows (the re-authentication page asked before approving after 15 minutes) are not
crawled: their form posts to the action it interrupts, whose own form is fuzzed here.

Each example runs in a savepoint rolled back at its end, and signs in again: examples never see each other's
writes (the fixtures are built once per test, before the first example, and only read afterwards).
"""

from __future__ import annotations

import functools
import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from accounts.models import Membership, TOTPDevice
from editorial import publishing, services
from editorial.admin import CREDENTIAL_KEYS
from editorial.clock import week_start
from editorial.models import Channel, ItemAttachment, Publication, WeekTheme
from tests.factories import PASSWORD, make_item, make_post, submit_and_approve
from tests.fuzz import inputs
from tests.fuzz.pages import PageForm, error_count, forms_of, kept, markup_problems

ROLES = ("anonymous", "officer", "director", "unit_head", "admin")


@dataclass(frozen=True)
class Spec:
    """Where a form is, who uses it, and what of it a refused form must not show again."""

    role: str
    page: str  # URL name of a page that shows the form
    post: str = "draft"  # the post of the scene that page is about (draft, in_review, approved)
    state: str = ""  # a state of STATES the page must be in to show the form
    write_only: frozenset[str] = frozenset()
    # Fields fuzzed with a narrower strategy than their type's, each for a reason written where it is set.
    narrowed: tuple[tuple[str, Any], ...] = ()
    # What a person knows to type in a field (a password, credentials), so that the form is sometimes accepted.
    plausible: tuple[tuple[str, Any], ...] = ()


_SIGN_IN = (
    ("username", st.sampled_from(["officer", "director", "unithead", "zoneadmin", "nobody", "OFFICER", "x"])),
    ("password", st.sampled_from([PASSWORD, PASSWORD + " ", ""])),
)
_CREDENTIALS = (
    (
        "credentials",
        st.sampled_from(
            ["", '{"page_access_token": "EAAB<b>zx</b>"}', json.dumps(dict.fromkeys(CREDENTIAL_KEYS["x"], "k"))]
        ),
    ),
)

FORMS: dict[str, Spec] = {
    # Items
    "editorial:item_create": Spec("unit_head", "editorial:item_create"),
    "editorial:item_decline": Spec("officer", "editorial:item_detail"),
    "editorial:item_take_up": Spec("officer", "editorial:item_detail"),
    # Drafting and the post page
    "editorial:post_create": Spec("officer", "editorial:post_create"),
    "editorial:post_edit": Spec("officer", "editorial:post_edit"),
    "editorial:post_submit": Spec("officer", "editorial:post_detail"),
    "editorial:comment_add": Spec("unit_head", "editorial:post_detail"),
    "editorial:post_share": Spec("officer", "editorial:post_detail"),
    "editorial:post_cancel": Spec("officer", "editorial:post_detail"),
    "editorial:post_duplicate": Spec("officer", "editorial:post_detail", post="approved"),
    # Publishing
    "editorial:publication_confirm_published": Spec("officer", "editorial:post_detail", post="approved"),
    "editorial:publication_send_again": Spec("officer", "editorial:post_detail", post="approved"),
    "editorial:publication_leave_unsent": Spec("officer", "editorial:post_detail", post="approved"),
    "editorial:post_publish_now": Spec("officer", "editorial:post_detail", post="approved"),
    "editorial:zone_pause": Spec("officer", "editorial:channels"),
    "editorial:zone_resume": Spec("officer", "editorial:channels", state="paused"),
    "editorial:channel_pause": Spec("officer", "editorial:channels"),
    "editorial:channel_resume": Spec("officer", "editorial:channels", state="paused"),
    "editorial:channel_test": Spec("officer", "editorial:channels"),
    # Review
    "editorial:review_post": Spec("director", "editorial:review_post", post="in_review"),
    "editorial:request_changes": Spec("director", "editorial:review_post", post="in_review"),
    # Multi-step review (issue 13): the unit head the category names signs the post in review off
    "editorial:post_sign_off": Spec("unit_head", "editorial:post_detail", post="in_review", state="signoff"),
    # Members and their delegated rights (issue 13): the zone's administrator grants and withdraws them
    "editorial:member_detail": Spec("admin", "editorial:member_detail"),
    "editorial:grant_revoke": Spec("admin", "editorial:member_detail", state="granted"),
    # Templates (issue 13): the draft's page and form, the director's review of the one in review
    "editorial:template_create": Spec("officer", "editorial:template_create"),
    "editorial:template_edit": Spec("officer", "editorial:template_edit"),
    "editorial:template_submit": Spec("officer", "editorial:template_detail"),
    "editorial:template_retire": Spec("officer", "editorial:template_detail"),
    "editorial:template_review": Spec("director", "editorial:template_review"),
    "editorial:template_request_changes": Spec("director", "editorial:template_review"),
    # Plan
    # Follow-ups (issue 13): "Publish now" and "Not needed" on the follow-up page.
    "editorial:follow_up_publish": Spec("officer", "editorial:follow_up_detail"),
    "editorial:follow_up_dismiss": Spec("officer", "editorial:follow_up_detail"),
    # The fast lane (issue 13): publishing from an approved template, an urgent post, the director's review after.
    "editorial:template_publish": Spec("officer", "editorial:template_publish"),
    # The code of the authenticator app is used once: a refused form never shows it again.
    "editorial:urgent_post": Spec("officer", "editorial:urgent_post", write_only=frozenset({"code"})),
    "editorial:review_after_acknowledge": Spec("director", "editorial:review_after_queue"),
    "editorial:theme_add": Spec("officer", "editorial:plan"),
    "editorial:theme_delete": Spec("officer", "editorial:plan"),
    "editorial:calendar_settings": Spec("officer", "editorial:calendar_settings"),
    # The time budget (issue 14): the daily minutes and their split, set by the director or the administrator
    "editorial:time_budget": Spec("director", "editorial:time_budget"),
    # The plan moved with the mouse (issue 14): the move page's form (a drop sends the same one), a new post's.
    "editorial:post_move": Spec("officer", "editorial:post_move"),
    "editorial:plan_post_new": Spec("officer", "editorial:plan_post_new"),
    "editorial:report_email": Spec("director", "editorial:report_week"),
    # Signing in and out, the sign-in settings, the language menu of every page
    "accounts:login": Spec("anonymous", "accounts:login", plausible=_SIGN_IN),
    "accounts:mfa_verify": Spec("signing_in", "accounts:mfa_verify", state="signing in"),
    "accounts:logout": Spec("officer", "editorial:zone_dashboard"),
    "accounts:password_reset": Spec("anonymous", "accounts:password_reset"),
    "accounts:password_change": Spec("officer", "accounts:password_change"),
    "accounts:mfa_setup": Spec("officer", "accounts:mfa_setup"),
    "accounts:recovery_codes_regenerate": Spec("officer", "accounts:security"),
    "accounts:mfa_disable": Spec("unit_head", "accounts:security", state="authenticator"),
    "accounts:emails": Spec("officer", "accounts:emails"),
    "set_language": Spec("officer", "editorial:zone_dashboard"),
    # The set-up (Django admin), as the zone's administrator. Credentials are write-only: never shown again.
    "admin:editorial_channel_add": Spec(
        "admin", "admin:editorial_channel_add", write_only=frozenset({"credentials"}), plausible=_CREDENTIALS
    ),
    "admin:editorial_channel_change": Spec(
        "admin", "admin:editorial_channel_change", write_only=frozenset({"credentials"}), plausible=_CREDENTIALS
    ),
    "admin:accounts_membership_add": Spec("admin", "admin:accounts_membership_add"),
    "admin:accounts_membership_change": Spec("admin", "admin:accounts_membership_change"),
    "admin_logout": Spec("admin", "admin:editorial_channel_add"),
}
# The admin's pages are crawled for these forms only: the admin is Django's, the set-up data is ours.
ADMIN_PAGES = sorted({spec.page for spec in FORMS.values() if spec.page.startswith("admin:")})


# --- The scene: one zone with an object in every state that shows a form -------------------------------


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    return SimpleUploadedFile("p.png", buffer.getvalue(), content_type="image/png")


@dataclass
class Scene:
    users: Any
    objects: dict[str, Any]
    posts: dict[str, int]

    def user(self, role: str) -> Any:
        return getattr(self.users, role)

    def page_url(self, spec: Spec) -> str:
        return _reverse(spec.page, self.objects | {"post_id": self.posts[spec.post]})


@pytest.fixture
def scene(zone_users) -> Scene:
    zone, officer, director = zone_users.zone, zone_users.officer, zone_users.director
    x = Channel.objects.get(zone=zone, kind=Channel.Kind.X)
    soon = timezone.now() + timedelta(days=2)
    item = make_item(zone, submitted_by=zone_users.unit_head)
    attachment = ItemAttachment.objects.create(item=item, file=_png())
    # A draft from the unit head's item (so they may read and comment on it), with an image to re-describe.
    draft = make_post(zone, officer, planned_at=soon, item=item)
    services.post_update(
        actor=officer,
        post=draft,
        media_add=[services.NewMedia(channel=x, image=_png(), alt_text="Un radar", sha256="b" * 64)],
    )
    in_review = make_post(zone, officer, planned_at=soon, title="En relecture")
    services.post_submit(actor=officer, post=in_review)
    # Approved, one channel's outcome unknown (settle it) and the other waiting (publish now).
    approved = submit_and_approve(make_post(zone, officer, planned_at=soon, title="Approuvé"), officer, director)
    Publication.objects.filter(post=approved, channel=x).update(
        status=Publication.Status.UNKNOWN, last_error="Délai dépassé après l'envoi"
    )
    theme = WeekTheme.objects.create(
        zone=zone, week_start=week_start(timezone.localdate()), title="Sécurité", created_by=officer
    )
    feed = services.calendar_feed_get_or_create(actor=officer, zone=zone)
    year, week, _ = timezone.localdate().isocalendar()
    template_draft, template_in_review = _templates(zone_users)
    follow_up = _follow_up(zone_users)
    objects = {
        "zone_slug": zone.slug,
        "item_id": item.pk,
        "attachment_id": attachment.pk,
        "post_id": draft.pk,
        "media_id": draft.variants.get(channel=x).media.get().pk,
        "publication_id": Publication.objects.get(post=approved, channel=x).pk,
        "channel_id": x.pk,
        "theme_id": theme.pk,
        "token": feed.token,
        "year": year,
        "week": week,
        "month": timezone.localdate().month,
        "membership_id": Membership.objects.get(user=zone_users.officer).pk,
        # The members' page of the unit head: the one that offers to delegate a right.
        "editorial:member_detail": {"membership_id": Membership.objects.get(user=zone_users.unit_head).pk},
        "template_id": template_draft.pk,
        "follow_up_id": follow_up.pk,
        # The instance the follow-up belongs to went out in the fast lane: its review after, its approved template.
        "review_after_id": follow_up.post.review_after.pk,
        "editorial:template_publish": {"template_id": follow_up.post.template_version.template_id},
        "editorial:template_review": {"template_id": template_in_review.pk},
        "editorial:template_request_changes": {"template_id": template_in_review.pk},
        # Values for one URL only, where a name means something else than elsewhere.
        "accounts:password_reset_confirm": {
            "uidb64": urlsafe_base64_encode(force_bytes(officer.pk)),
            "token": default_token_generator.make_token(officer),
        },
    }
    return Scene(
        users=zone_users, objects=objects, posts={"draft": draft.pk, "in_review": in_review.pk, "approved": approved.pk}
    )


def _follow_up(zone_users: Any) -> Any:
    """A follow-up due now of a template instance that went out (its page shows "Publish now" and "Not needed")."""
    from tests.editorial.followup_data import approved_template, mark_published, publish_instance

    version = approved_template(zone_users.zone, zone_users.officer, name="Route fermée (suivi)")
    values = {"locality": "Quévy", "date": timezone.localdate().isoformat(), "from": "09:00", "until": "10:00"}
    post, follow_up = publish_instance(version, actor=zone_users.officer, director=zone_users.director, values=values)
    mark_published(post)
    return follow_up


def _templates(zone_users: Any) -> tuple[Any, Any]:
    """A draft template (its page and form) and one in review (the director's review page)."""
    from editorial import template_services

    zone, officer = zone_users.zone, zone_users.officer
    x = Channel.objects.get(zone=zone, kind=Channel.Kind.X)
    texts = {x: "Contrôle radar à {locality} le {date} de {from} à {until} : {detail}"}
    free = [template_services.templating.Placeholder(name="detail", kind="text", max_length=40)]
    draft = template_services.template_create(actor=officer, zone=zone, name="Radar", texts=texts, placeholders=free)
    in_review = template_services.template_create(
        actor=officer, zone=zone, name="Radar mobile", texts=texts, placeholders=free
    )
    template_services.template_submit(actor=officer, template=in_review)
    return draft, in_review


def _pause(scene: Scene) -> None:
    zone = scene.users.zone
    publishing.zone_pause(actor=scene.users.officer, zone=zone, reason="Exercice")
    channel = Channel.objects.get(zone=zone, kind=Channel.Kind.FACEBOOK)
    publishing.channel_pause(actor=scene.users.officer, channel=channel, reason="Exercice")


def _unit_head_authenticator(scene: Scene) -> None:
    # A unit head is not required to use two-step verification: with an app set up, they may turn it off.
    TOTPDevice.objects.create(user=scene.users.unit_head, name="app", confirmed=True, secret="ab" * 20)


def _signoff(scene: Scene) -> None:
    # The post in review becomes of a category the unit head (Trafic) signs off before the director's review.
    from editorial.models import Category, Post, Unit

    zone = scene.users.zone
    category = Category.objects.create(
        zone=zone, name="Appel à témoins", signoff_unit=Unit.objects.get(zone=zone, name="Trafic")
    )
    Post.objects.filter(pk=scene.posts["in_review"]).update(category=category)


def _granted(scene: Scene) -> None:
    # A right of the unit head in force: its member page offers to withdraw it.
    from accounts import grants
    from editorial.models import Category

    zone = scene.users.zone
    grants.grant_create(
        actor=scene.users.admin,
        membership=Membership.objects.get(user=scene.users.unit_head),
        scope="templates",
        channels=[Channel.objects.get(zone=zone, kind=Channel.Kind.X)],
        categories=[Category.objects.filter(zone=zone).first()],
    )


# States that show more forms, and the roles whose pages are crawled in them (every role in the plain scene).
STATES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "": (lambda scene: None, ROLES),
    "paused": (_pause, ("officer",)),  # the resume forms
    "authenticator": (_unit_head_authenticator, ("unit_head",)),  # turning two-step verification off
    "signoff": (_signoff, ("unit_head",)),  # signing a post off before the director's review
    "granted": (_granted, ("admin",)),  # withdrawing a delegated right
    "signing in": (lambda scene: None, ("signing_in",)),  # the second step of the sign-in
}


def _reverse(name: str, objects: dict[str, Any]) -> str:
    if name in ("admin:editorial_channel_change",):
        return reverse(name, args=[objects["channel_id"]])
    if name in ("admin:accounts_membership_change",):
        return reverse(name, args=[objects["membership_id"]])
    if name.startswith("admin:"):
        return reverse(name)
    pattern = _patterns()[name]
    values = objects | objects.get(name, {})
    wanted = set(pattern.pattern.converters)
    missing = wanted - set(values)
    assert not missing, f"{name}: no value for {missing}: add one to the scene's objects"
    return reverse(name, kwargs={k: values[k] for k in wanted})


@functools.cache
def _patterns() -> dict[str, URLPattern]:
    """Every named URL of the desk's own apps (the admin is Django's, the language switch is Django's view)."""

    def walk(resolver: URLResolver) -> Iterator[tuple[str, URLPattern]]:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace in ("editorial", "accounts"):
                    yield from ((f"{entry.namespace}:{n}", p) for n, p in walk(entry))
            elif entry.name:
                yield entry.name, entry

    return dict(walk(get_resolver()))


@contextmanager
def rolled_back() -> Iterator[None]:
    """A savepoint undone at the end: what one example writes is gone before the next one."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def sign_in(client: Any, scene: Scene, role: str) -> None:
    """``role`` signed in; "signing_in" is the officer between the two steps (password given, code not yet)."""
    # A clean browser each time: no language cookie, no message, no session left by the previous example.
    client.cookies.clear()
    cache.clear()  # sign-in attempts are counted in the cache
    if role == "signing_in":
        officer = scene.users.officer
        if not TOTPDevice.objects.filter(user=officer, confirmed=True).exists():
            TOTPDevice.objects.create(user=officer, name="app", confirmed=True, secret="cd" * 20)
        response = client.post(reverse("accounts:login"), {"username": officer.username, "password": PASSWORD})
        assert response.status_code == 302 and response["Location"] == reverse("accounts:mfa_verify"), response
    elif role != "anonymous":
        client.force_login(scene.user(role))


def _view_name(path: str) -> str:
    return resolve(path).view_name


# --- Every form is known --------------------------------------------------------------------------------

_TEMPLATE_ACTION = re.compile(r"""<form\b[^>]*\baction="\{%\s*url\s+['"]([\w:]+)['"]""", re.IGNORECASE)
# GET forms, which change nothing and are fuzzed through their addresses by their own tests.
GET_FORMS = {
    "editorial:post_list": "tests/fuzz/test_search_form.py",
    "editorial:audit_log": "tests/fuzz/test_audit_log_filters.py",
    "editorial:archive": "tests/fuzz/test_archive_filters.py",
}


def test_every_form_is_fuzzed(client, scene):
    """A form added to any page (or any template) without an entry in FORMS fails here, by name."""
    seen: dict[str, str] = {}
    urls = {name: _reverse(name, scene.objects) for name in _patterns()}
    for state, (prepare, roles) in STATES.items():
        with rolled_back():
            prepare(scene)
            for role in roles:
                sign_in(client, scene, role)
                pages = [url for _name, url in _page_targets(urls, scene)]
                if role == "admin":
                    pages += [_reverse(name, scene.objects) for name in ADMIN_PAGES]
                for url in pages:
                    response = client.get(url)
                    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                        continue
                    for form in forms_of(response.content.decode(), url):
                        seen.setdefault(
                            _view_name(form.action), f"{url} as {role}{' (' + state + ')' if state else ''}"
                        )
    unknown = {name: where for name, where in seen.items() if name not in FORMS}
    assert not unknown, f"forms nobody fuzzes: add them to FORMS with the role that uses them: {unknown}"
    gone = sorted(set(FORMS) - set(seen))
    assert not gone, f"forms of FORMS that no page shows (renamed? add the state that shows them): {gone}"
    root = Path(django_settings.BASE_DIR) / "templates"
    in_templates = {m for path in root.rglob("*.html") for m in _TEMPLATE_ACTION.findall(path.read_text())}
    unseen = sorted(in_templates - set(seen) - set(GET_FORMS))
    assert not unseen, f"forms of a template that no crawled page showed (add the state that shows them): {unseen}"


def _page_targets(urls: dict[str, str], scene: Scene) -> Iterator[tuple[str, str]]:
    """Each page of the desk; the pages about a post once per post of the scene."""
    for name, url in urls.items():
        if "post_id" not in _patterns()[name].pattern.converters:
            yield name, url
            continue
        for post_id in scene.posts.values():
            yield name, _reverse(name, scene.objects | {"post_id": post_id})


# --- Fuzzing one form -------------------------------------------------------------------------------------

HOW = st.sampled_from(["typed", "typed", "typed", "typed", "untouched", "missing", "twice"])
CONTENT_TYPES = st.sampled_from(["image/png", "image/jpeg", "text/html", "application/octet-stream", ""])
TEXT_KINDS = {"text", "search", "tel", "email", "textarea", "password"}
TYPED_KINDS = {"text", "search", "tel", "email", "textarea", "url", "number", "datetime-local", "date"}


class BrowserFile(io.BytesIO):
    """A file as a browser sends it: any name, any declared type (SimpleUploadedFile would refuse some names
    before they reach the desk)."""

    def __init__(self, name: str, content: bytes, content_type: str) -> None:
        super().__init__(content)
        self.name = name
        self.content_type = content_type


def _value(data: st.DataObject, name: str, field: Any, narrowed: dict[str, Any]) -> Any:
    kind = field.kind
    if name in narrowed:
        return data.draw(narrowed[name], label=name)
    if kind == "file":
        return BrowserFile(
            data.draw(inputs.file_names, label=f"{name} file name"),
            data.draw(inputs.file_contents, label=f"{name} file"),
            data.draw(CONTENT_TYPES, label=f"{name} content type"),
        )
    if name.endswith("_fold"):
        strategy = inputs.folds
    elif kind in TEXT_KINDS:
        strategy = inputs.text
    elif kind == "url":
        strategy = inputs.urls
    elif kind == "number":
        strategy = inputs.numbers
    elif kind == "datetime-local":
        strategy = inputs.datetimes
    elif kind == "date":
        strategy = inputs.dates
    elif kind in ("select", "radio"):
        strategy = st.one_of(st.sampled_from(field.options or [""]), inputs.numbers, inputs.text)
    elif kind == "checkbox":
        strategy = st.one_of(st.sampled_from(field.options or ["on"]), inputs.checkbox_values)
    else:  # hidden fields and input types a browser lets one type anything into
        strategy = st.one_of(st.sampled_from(field.values or [""]), inputs.text, inputs.numbers, inputs.dates)
    if field.multiple:
        return data.draw(st.lists(strategy, max_size=4), label=name)
    return data.draw(strategy, label=name)


@dataclass
class Submission:
    data: dict[str, Any]
    texts: list[str]  # every string sent, to look for in the answer
    typed: dict[str, str]  # text fields as the view reads them (the last value sent), to find again on a refusal
    body_bytes: int


def _plausible(data: st.DataObject, name: str, field: Any, known: dict[str, Any]) -> Any:
    """What a person would put in the field, markup and odd characters included: such forms are often accepted,
    so what they saved is then shown on the page the form leads to."""
    kind = field.kind
    if name in known:
        return data.draw(known[name], label=name)
    if kind == "file":
        return BrowserFile(
            data.draw(st.sampled_from(["photo.png", "radar.jpg", "<b>zx26</b>.png"]), label=f"{name} file name"),
            data.draw(inputs.real_images, label=f"{name} file"),
            "image/png",
        )
    if kind in ("select", "radio", "checkbox"):
        options = [option for option in field.options if option] or [""]
        if field.multiple:
            return data.draw(st.lists(st.sampled_from(options), min_size=1, max_size=len(options), unique=True))
        return data.draw(st.sampled_from(options), label=name)
    if kind == "hidden" or name.endswith("_fold"):
        return field.values[0] if field.values else ""
    strategy = {
        "url": st.integers(1, 10**18).map(lambda n: f"https://x.com/zone/status/{n}"),
        "email": st.sampled_from(["agent@example.test", "<b>zx</b>@example.test"]),
        "number": st.integers(0, 100).map(str),
        "datetime-local": st.integers(10, 60 * 24 * 60).map(inputs._soon),
        "date": inputs.dates,
    }.get(kind, inputs.plausible_text)
    return data.draw(strategy, label=name)


def _submission(data: st.DataObject, form: PageForm, spec: Spec) -> Submission:
    payload: dict[str, Any] = {}
    narrowed, known = dict(spec.narrowed), dict(spec.plausible)
    # Half the examples are a person filling the form (with at most one field typed anyhow), half anything at all.
    person = data.draw(st.booleans(), label="a person filling the form")
    odd = data.draw(st.one_of(st.none(), st.sampled_from(list(form.fields))), label="odd field") if person else None
    for name, field in form.fields.items():
        if person and name != odd:
            # A person fills some fields and leaves the others as the page gave them.
            how = data.draw(st.sampled_from(["fills", "fills", "leaves"]), label=f"{name}: person")
        else:
            how = data.draw(HOW, label=f"{name}: how")
        if how == "fills":
            payload[name] = _plausible(data, name, field, known)
            continue
        if how == "missing":
            continue
        if how in ("untouched", "leaves"):
            if field.values:
                payload[name] = field.values if len(field.values) > 1 else field.values[0]
            continue
        values = []
        for _ in range(2 if how == "twice" else 1):
            value = _value(data, name, field, narrowed)
            values += value if isinstance(value, list) else [value]
        payload[name] = values if len(values) != 1 or field.multiple else values[0]
    extra = data.draw(st.dictionaries(st.text(inputs.BROWSER_CHARS, min_size=1, max_size=12), inputs.text, max_size=2))
    for name, value in extra.items():
        payload.setdefault(name, value)
    texts, typed, size = [], {}, 0
    for name, value in payload.items():
        for one in value if isinstance(value, list) else [value]:
            if isinstance(one, str):
                texts.append(one)
                size += len(one.encode()) + len(name.encode())
            else:
                texts.append(one.name)
        field = form.fields.get(name)
        last = (value or [None])[-1] if isinstance(value, list) else value
        # A password is never shown again; every other text field of a refused form is.
        if field is not None and field.kind in TYPED_KINDS and isinstance(last, str):
            typed[name] = last
    return Submission(payload, texts, typed, size)


def _post(client: Any, url: str, submission: Submission, data: st.DataObject) -> Any:
    has_files = any(
        not isinstance(v, str)
        for value in submission.data.values()
        for v in (value if isinstance(value, list) else [value])
    )
    if not has_files and data.draw(st.booleans(), label="url-encoded body"):
        return client.post(
            url, urlencode(submission.data, doseq=True), content_type="application/x-www-form-urlencoded"
        )
    return client.post(url, submission.data)


def _same_site(location: str) -> bool:
    parts = urlsplit(location)
    return parts.netloc in ("", "testserver") and not location.startswith("//")


def check_answer(
    client: Any,
    response: Any,
    *,
    url: str,
    spec: Spec,
    submission: Submission,
    baseline: int,
    form_fields: set[str],
) -> None:
    status = response.status_code
    assert status < 500, f"server error {status}"
    if status == 400:
        # Django's own request limits (a body over DATA_UPLOAD_MAX_MEMORY_SIZE) answer 400 before any view runs.
        assert submission.body_bytes > django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE, "400 for a body within limits"
        return
    # 429: too many password reset links asked for, refused on the form with a message (and nowhere else).
    allowed = (200, 302, 429) if spec.page == "accounts:password_reset" else (200, 302)
    assert status in allowed, f"answered {status}"
    if status in (200, 429):
        page = response.content.decode()
        assert markup_problems(page, url, submission.texts) == []
        # A body with none of the form's fields is no person's submission (a browser sends every text field, even
        # empty): showing the blank form again is a fair answer to it.
        nothing_sent = not any(name in submission.data for name in form_fields)
        assert nothing_sent or error_count(page) > baseline, "the form was refused without a message saying why"
        lost = [
            name
            for name, value in submission.typed.items()
            if value.strip() and name not in spec.write_only and not kept(page, value)
        ]
        assert lost == [], f"a refused form lost what was typed in {lost}"
        return
    for _hop in range(3):
        location = response["Location"]
        assert _same_site(location), f"redirected off the site, to {location!r}"
        response = client.get(location)
        assert response.status_code < 500, f"server error {response.status_code} on {location} after the redirect"
        if response.status_code != 302:
            break
    if "html" in response.get("Content-Type", ""):
        assert markup_problems(response.content.decode(), location, submission.texts) == []


def _form_on_page(client: Any, scene: Scene, name: str) -> tuple[PageForm, int]:
    spec = FORMS[name]
    url = scene.page_url(spec)
    response = client.get(url)
    assert response.status_code == 200, f"{url} as {spec.role}: {response.status_code}"
    page = response.content.decode()
    forms = [form for form in forms_of(page, url) if _view_name(form.action) == name]
    assert forms, f"{url} as {spec.role} shows no form posting to {name}"
    return forms[0], error_count(page)


@pytest.mark.parametrize("name", sorted(FORMS))
def test_fuzzed_form(client, scene, name):
    spec = FORMS[name]
    STATES[spec.state][0](scene)
    sign_in(client, scene, spec.role)
    form, baseline = _form_on_page(client, scene, name)

    # The fixtures are built once, above, and only read by the examples; each example undoes its writes.
    @inputs.fuzz_settings(15)
    @given(data=st.data())
    def post_anything(data: st.DataObject) -> None:
        with rolled_back():
            sign_in(client, scene, spec.role)
            submission = _submission(data, form, spec)
            response = _post(client, form.action, submission, data)
            check_answer(
                client,
                response,
                url=form.action,
                spec=spec,
                submission=submission,
                baseline=baseline,
                form_fields=set(form.fields) - {"csrfmiddlewaretoken"},
            )

    post_anything()


def test_a_membership_with_a_user_that_is_not_an_id_is_refused(client, zone_users):
    """Found by fuzzing the Membership form of the set-up: a server error instead of the form's message (also for
    an id past 64 bits, on SQLite: OverflowError)."""
    client.force_login(zone_users.admin)
    for user in ("0.0", str(2**70), "-1"):
        response = client.post(
            reverse("admin:accounts_membership_add"),
            {"user": user, "zone": str(zone_users.zone.pk), "role": "officer", "is_active": "on"},
        )
        assert response.status_code == 200, user
        assert "errornote" in response.content.decode(), user

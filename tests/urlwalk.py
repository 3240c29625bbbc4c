"""Walking every URL of the project: each pattern of the root resolver (the Django admin's included) and a zone
full of objects in the states that give each page something to show. Shared by the permission matrix
(tests/test_permission_matrix.py) and the security headers test (tests/test_security_headers.py), so a new URL
pattern is walked by both without anyone having to add it twice.
"""

from __future__ import annotations

import copy
import io
import re
from dataclasses import dataclass
from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any

import pytest
from axes.models import AccessFailureLog
from django.apps import apps
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from PIL import Image

from accounts.models import Membership, Role, User
from editorial import publishing, services
from editorial.audit import audit_record
from editorial.clock import week_start
from editorial.models import (
    AuditEvent,
    CalendarFeed,
    Category,
    Channel,
    ChannelTarget,
    Item,
    ItemAttachment,
    Language,
    Locality,
    PartnerAccount,
    Post,
    Publication,
    Road,
    Unit,
    Value,
    VariantMedia,
    WeekTheme,
    Zone,
)
from tests.factories import PASSWORD, make_item, make_member, make_post, submit_and_approve

# --- The patterns -------------------------------------------------------------------------------------------

_ROUTE_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
_REGEX_PARAM = re.compile(r"\(\?P<(\w+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    """One URL pattern as the root resolver sees it."""

    key: str  # the namespaced name ("editorial:item_detail"), or the full route of an unnamed pattern
    name: str | None
    route: str  # the full route, prefixes included ("z/<slug:zone_slug>/items/<int:item_id>/")
    pattern: URLPattern

    @property
    def params(self) -> list[str]:
        return _ROUTE_PARAM.findall(self.route) + _REGEX_PARAM.findall(self.route)


def _walk(resolver: URLResolver, prefix: str, namespace: str) -> list[Route]:
    routes: list[Route] = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            routes += _walk(entry, prefix + str(entry.pattern), inner)
            continue
        route = prefix + str(entry.pattern)
        name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
        routes.append(Route(key=name or route, name=name, route=route, pattern=entry))
    return routes


def project_routes() -> list[Route]:
    """Every pattern of the project, in resolver order. Two patterns with the same key would make the matrix
    ambiguous, so they are refused here."""
    routes = _walk(get_resolver(), "", "")
    keys = [r.key for r in routes]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    assert not duplicates, f"several URL patterns share these names: {duplicates}"
    return routes


def admin_model(route: Route) -> str | None:
    """``app_label.model`` of a Django admin page of one model (``admin/editorial/channel/...``), else None."""
    match = re.match(r"admin/(\w+)/(\w+)/", route.route)
    if match is None or match[1] in ("r", "password_change"):
        return None
    return f"{match[1]}.{match[2]}"


def _is_regex(route: Route) -> bool:
    return isinstance(route.pattern.pattern, RegexPattern) or "(?P<" in route.route


def build_url(route: Route, values: dict[str, Any]) -> str:
    """The address of ``route`` with ``values`` for its parameters (what answers it may be an earlier pattern of
    the same address: see ``answered_by``)."""
    missing = [p for p in route.params if p not in values]
    assert not missing, f"{route.key}: no test value for {missing}: add one to ZoneObjects.values_for()"
    if route.name is not None:
        url = reverse(route.name, kwargs={p: values[p] for p in route.params})
    elif _is_regex(route):
        url = "/" + _REGEX_PARAM.sub(lambda m: str(values[m.group(1)]), route.route).lstrip("^").rstrip("$")
    else:
        assert isinstance(route.pattern.pattern, RoutePattern)
        url = "/" + _ROUTE_PARAM.sub(lambda m: str(values[m.group(1)]), route.route)
    return url


def answered_by(url: str) -> str:
    """The key of the pattern that answers ``url``: the route's own, unless an earlier pattern shadows it."""
    match = resolve(url)
    return match.view_name if match.url_name else match.route


# --- The objects ------------------------------------------------------------------------------------------


def png_upload(name: str = "photo.png", color: str = "blue") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@dataclass
class ZoneObjects:
    """The zone of ``zone_users`` with something in every state a page shows; fresh for each test.

    The unit head (Trafic) submitted ``item``; every post below was made from it, so the Trafic head may read
    them and the Judiciaire head ("unit head of another unit") may not.
    """

    users: Any  # tests.conftest.ZoneUsers, plus other_zone_admin below
    other_zone_admin: User  # staff, administrator of the other zone only
    item: Item  # new, with a photo
    attachment: ItemAttachment
    draft: Post  # texts and a planned time: ready to submit
    in_review: Post
    approved: Post  # with an image and its publications; the X publication's outcome is unknown
    media: VariantMedia
    unknown: Publication
    channel: Channel  # X, active
    paused_channel: Channel  # a second X account (Dutch), paused by the officer
    theme: WeekTheme
    feed: CalendarFeed  # the officer's
    event: AuditEvent
    group: Group
    # Templates (issue 13): an approved one (with the zone's road), one in review, a draft.
    template: Any = None
    template_in_review: Any = None
    template_draft: Any = None
    # The fast lane (issue 13): an instance of ``template`` the officer published, waiting for review after.
    review_after: Any = None
    # Follow-ups (issue 13): one of that instance, due now; the instance is out on X.
    follow_up: Any = None

    @property
    def zone(self) -> Zone:
        return self.users.zone

    def user(self, role: str) -> User | None:
        if role == "anonymous":
            return None
        if role == "other_zone_admin":
            return self.other_zone_admin
        return getattr(self.users, role)

    def values_for(self, route: Route, **chosen: Any) -> dict[str, Any]:
        """Parameters for ``route``: this zone's objects, ``chosen`` ones first (``post_id=objects.draft``)."""
        year, week, _ = timezone.localdate().isocalendar()
        values: dict[str, Any] = {
            "zone_slug": self.zone.slug,
            "item_id": self.item.pk,
            "attachment_id": self.attachment.pk,
            "post_id": self.approved.pk,
            "media_id": self.media.pk,
            "publication_id": self.unknown.pk,
            "channel_id": self.channel.pk,
            "theme_id": self.theme.pk,
            "membership_id": Membership.objects.get(user=self.users.unit_head, zone=self.zone).pk,
            "template_id": self.template.pk,
            "review_after_id": self.review_after.pk if self.review_after is not None else 0,
            "follow_up_id": self.follow_up.pk if self.follow_up is not None else 0,
            "token": self.feed.token,
            "year": year,
            "week": week,
            "month": timezone.localdate().month,
            # The admin: one object of the zone per model, reached through the route's app and model.
            "app_label": "editorial",
            "content_type_id": ContentType.objects.get_for_model(Post).pk,
            "id": self.users.unit_head.pk,
            "url": "no-such-page/",
            # Password reset links: a real user's id with a token that is not theirs.
            "uidb64": urlsafe_base64_encode(force_bytes(self.users.unit_head.pk)),
        }
        model = admin_model(route)
        if model is not None:
            obj = self.admin_object(model)
            # A model without an object here still gets an address (of no object): the matrix names it as missing.
            values["object_id"] = obj.pk if obj is not None else 0
        else:
            values["object_id"] = self.approved.pk  # view_on_site: /admin/r/<content type>/<object>/
        values.update({key: getattr(obj, "pk", obj) for key, obj in chosen.items()})
        return values

    def admin_object(self, model: str) -> Any | None:
        zone = self.zone
        objects = {
            "auth.group": self.group,
            "editorial.zone": zone,
            "editorial.value": Value.objects.filter(zone=zone).first(),
            "editorial.unit": Unit.objects.get(zone=zone, name="Trafic"),
            "editorial.category": Category.objects.filter(zone=zone).first(),
            "editorial.locality": Locality.objects.filter(zone=zone).first(),
            "editorial.channel": self.channel,
            "editorial.channeltarget": ChannelTarget.objects.get_or_create(zone=zone, channel=self.channel)[0],
            "editorial.partneraccount": PartnerAccount.objects.filter(zone=zone).first(),
            "editorial.road": Road.objects.filter(zone=zone).first(),
            "editorial.template": self.template,
            "editorial.auditevent": self.event,
            "accounts.membership": Membership.objects.get(user=self.users.unit_head, zone=zone),
            "accounts.user": self.users.unit_head,
        }
        if model in objects:
            return objects[model]
        if model == "accounts.grant":
            return withdrawn_grant(self)
        # Any other model (a library's): one of its rows, if the zone's life so far made one.
        return apps.get_model(model).objects.order_by("pk").first()


def withdrawn_grant(objects: ZoneObjects) -> Any:
    """A right once delegated to the Trafic head and withdrawn (issue 13): a row for the admin's pages that gives
    nobody any right."""
    from accounts import grants

    right = grants.grant_create(
        actor=objects.users.admin,
        membership=Membership.objects.get(user=objects.users.unit_head, zone=objects.zone),
        scope="templates",
        channels=[objects.channel],
        categories=[Category.objects.filter(zone=objects.zone).first()],
    )
    return grants.grant_revoke(actor=objects.users.admin, grant=right)


def make_zone_objects(zone_users: Any) -> ZoneObjects:
    zone, officer, director = zone_users.zone, zone_users.officer, zone_users.director
    other_zone = Zone.objects.get(slug="boraine")
    other_zone_admin = make_member(other_zone, Role.ADMIN, username="otherzoneadmin", is_staff=True)

    # Someone mistyped the officer's password, and the unit head signed in: the sign-in records have rows.
    login = reverse("accounts:login")
    Client().post(login, {"username": officer.username, "password": "not-the-password"})
    Client().post(login, {"username": zone_users.unit_head.username, "password": PASSWORD})
    # django-axes keeps this log only when AXES_ENABLE_ACCESS_FAILURE_LOG is on; its admin pages are there anyway.
    AccessFailureLog.objects.create(
        user_agent="test", ip_address="127.0.0.1", username=officer.username, http_accept="*/*", path_info=login
    )

    item = make_item(zone, submitted_by=zone_users.unit_head, title="Radar rue de Binche")
    attachment = ItemAttachment.objects.create(item=item, file=png_upload())
    soon = timezone.now() + timedelta(days=2)
    draft = make_post(zone, officer, planned_at=soon, item=item, title="Brouillon")
    in_review = make_post(zone, officer, planned_at=soon, item=item, title="En relecture")
    services.post_submit(actor=officer, post=in_review)
    in_review.refresh_from_db()

    approved = make_post(zone, officer, planned_at=soon, item=item, title="Approuvé")
    x = Channel.objects.get(zone=zone, kind=Channel.Kind.X)
    services.post_update(
        actor=officer,
        post=approved,
        media_add=[services.NewMedia(channel=x, image=png_upload(), alt_text="Un radar")],
    )
    approved = submit_and_approve(approved, officer, director)
    unknown = Publication.objects.get(post=approved, channel=x)
    # What a read timeout after sending leaves (editorial.publishing records it the same way).
    Publication.objects.filter(pk=unknown.pk).update(
        status=Publication.Status.UNKNOWN, last_error="Délai dépassé après l'envoi", attempts=1
    )
    unknown.refresh_from_db()

    theme = services.week_theme_add(
        actor=officer, zone=zone, week_start=week_start(timezone.localdate()), title="Sécurité routière", notes=""
    )
    feed = services.calendar_feed_get_or_create(actor=officer, zone=zone)
    paused_channel = Channel.objects.create(
        zone=zone, kind=Channel.Kind.X, name="X (nl)", handle="@zone_nl", language=Language.NL
    )
    publishing.channel_pause(actor=officer, channel=paused_channel, reason="Compte en cours de vérification")
    paused_channel.refresh_from_db()
    PartnerAccount.objects.create(zone=zone, name="Police fédérale", x_handle="FedPol_Belgium")
    event = audit_record(action="test.urlwalk", actor=officer, zone=zone, obj=zone)
    return ZoneObjects(
        users=zone_users,
        other_zone_admin=other_zone_admin,
        item=item,
        attachment=attachment,
        draft=draft,
        in_review=in_review,
        approved=approved,
        media=approved.variants.get(channel=x).media.get(),
        unknown=unknown,
        channel=x,
        paused_channel=paused_channel,
        theme=theme,
        feed=feed,
        event=event,
        group=Group.objects.create(name="Relecteurs"),
        **(templates := make_templates(zone_users)),
        review_after=make_fast_lane(zone_users, templates["template"]),
        follow_up=make_follow_up(zone_users),
    )


def make_fast_lane(zone_users: Any, template: Any) -> Any:
    """An instance of the approved template published by the officer: its review after waits for the director."""
    from editorial import fastlane
    from editorial.models import ReviewAfter

    x = Channel.objects.filter(zone=zone_users.zone, kind=Channel.Kind.X, language=Language.FR).order_by("pk").first()
    post = fastlane.template_instance_publish(
        actor=zone_users.officer,
        template=template,
        version_id=template.approved_version_id,
        raw_values={"locality": "Quévy", "road": "N6", "date": timezone.localdate().isoformat()},
        channels=[x],
    )
    return ReviewAfter.objects.get(post=post)


def make_follow_up(zone_users: Any) -> Any:
    """A follow-up of the fast lane's instance (made just before), due now; the instance went out on X, so the
    follow-up can be published as a reply there."""
    from editorial.models import FollowUp, ReviewAfter

    post = ReviewAfter.objects.filter(zone=zone_users.zone).latest("pk").post
    publication = Publication.objects.filter(post=post).order_by("pk").first()
    Publication.objects.filter(pk=publication.pk).update(
        status=Publication.Status.PUBLISHED,
        external_id="1900000000000000001",
        external_url="https://x.com/zone/status/1900000000000000001",
        published_at=timezone.now(),
    )
    return FollowUp.objects.create(
        zone=zone_users.zone,
        post=post,
        due_at=timezone.now(),
        texts={str(publication.channel_id): "Route rouverte à Quévy."},
        created_by=zone_users.officer,
    )


def make_templates(zone_users: Any) -> dict[str, Any]:
    """A template in each state a page shows: approved, in review, draft (``editorial.template_services``)."""
    from editorial import template_services
    from editorial.services import ValueAnswer

    zone, officer = zone_users.zone, zone_users.officer
    Road.objects.create(zone=zone, name="N6", hashtag="#N6")
    x = Channel.objects.filter(zone=zone, kind=Channel.Kind.X, language=Language.FR).order_by("pk").first()
    made = {}
    for key, name in (
        ("template", "Contrôle radar"),
        ("template_in_review", "Route fermée"),
        ("template_draft", "Bouchon"),
    ):
        made[key] = template_services.template_create(
            actor=officer, zone=zone, name=name, texts={x: f"{name} à {{locality}} sur la {{road}} le {{date}}"}
        )
    for key in ("template", "template_in_review"):
        template_services.template_submit(actor=officer, template=made[key])
    template_services.template_approve(
        actor=zone_users.director,
        template=made["template"],
        reviewed_fingerprint=made["template"].current_version.fingerprint,
        answers={v.pk: ValueAnswer(True) for v in Value.objects.filter(zone=zone, is_active=True)},
        confidentiality_confirmed=True,
    )
    for template in made.values():
        template.refresh_from_db()
    return made


@pytest.fixture
def objects(zone_users, settings) -> ZoneObjects:
    # Nothing may reach a network, and "test connection" must not print to the test's output.
    locmem = {"BACKEND": "editorial.publishers.locmem.Publisher", "OPTIONS": {}}
    settings.PUBLISHERS = {"x": locmem, "facebook": locmem}
    return make_zone_objects(zone_users)


# --- Asking -------------------------------------------------------------------------------------------------


def sign_in(client: Any, user: User | None) -> SimpleCookie:
    """The cookies of a session of ``user`` (none for an anonymous visitor), to start requests from."""
    # Not client.logout(): it would end the session kept for the user signed in before.
    client.cookies = SimpleCookie()
    if user is not None:
        client.force_login(user)
    return copy.deepcopy(client.cookies)


def ask(client: Any, session: SimpleCookie, method: str, url: str, data: dict[str, Any] | None = None) -> Any:
    """One request from ``session``, as if it were the first: the database changes it makes are rolled back, and
    the session, messages and cache are as they were before it."""
    with transaction.atomic():
        cache.clear()
        client.cookies = copy.deepcopy(session)
        try:
            if method == "post":
                return client.post(url, data or {})
            return getattr(client, method)(url)
        finally:
            transaction.set_rollback(True)

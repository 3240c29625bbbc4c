"""E-mails the workflow sends. Called on commit by services and the pipeline, so a rolled-back change never notifies.

Every e-mail links to the page it speaks of (``settings.DESK_BASE_URL`` and the page's address: no request to
build it from) and is written in its recipient's language (``accounts.User.language``): recipients are grouped by
language, one e-mail per group. Each person may turn off the kinds of ``KINDS`` (``User.muted_emails``) on their
"E-mails" page; alerts about publishing problems cannot be turned off, because a due publication must never wait
without someone being told (DESIGN.md, invariant 4).

A mail server that fails is logged and never undoes or hides the change that sent the e-mail.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts import permissions
from accounts.models import Role, User
from accounts.permissions import Right
from editorial.models import Alert, Channel, FollowUp, Item, Post, Publication, Review, Zone

logger = logging.getLogger(__name__)

# The kinds of e-mail a person may turn off, with what the preferences page says of each.
ITEM_SUBMITTED = "item_submitted"
POST_AWAITS_REVIEW = "post_awaits_review"
POST_REVIEWED = "post_reviewed"
POST_PUBLISHED = "post_published"
FOLLOW_UP_DUE = "follow_up_due"
POST_AWAITS_SIGNOFF = "post_awaits_signoff"
KINDS = {
    ITEM_SUBMITTED: gettext_lazy("A unit submits an item"),
    POST_AWAITS_REVIEW: gettext_lazy("A post waits for my review"),
    POST_REVIEWED: gettext_lazy("The director approved my post or asked for changes"),
    POST_PUBLISHED: gettext_lazy("A post made from my item is published"),
    FOLLOW_UP_DUE: gettext_lazy("A follow-up of a real-time post is due"),
    POST_AWAITS_SIGNOFF: gettext_lazy("A post waits for my unit's sign-off"),
}

# Who receives each kind: whoever holds this right in a zone (an officer drafts the posts a director reviews, and
# may submit an item too).
RECEIVED_WITH = {
    ITEM_SUBMITTED: Right.TRIAGE_ITEMS,
    POST_AWAITS_REVIEW: Right.REVIEW_POST,
    POST_REVIEWED: Right.DRAFT_POST,
    POST_PUBLISHED: Right.SUBMIT_ITEM,
    # The officers; and the author of the original, a unit head with a delegated right (see kinds_for).
    FOLLOW_UP_DUE: Right.PUBLISH_POST,
}

Writer = Callable[[], tuple[str, str]]


def _kinds_by_duty(user: User) -> set[str]:
    """Kinds a unit head receives because of what the zone asks of them rather than by their role: the sign-off of a
    category's posts (``Category.signoff_unit``), the director's decision on free posts drafted under a grant."""
    from editorial.models import Category

    kinds = set()
    zones = permissions.zones_of(user)
    units = {unit for zone in zones for unit in permissions.unit_ids_in(user, zone)}
    if units and Category.objects.filter(signoff_unit_id__in=units).exists():
        kinds.add(POST_AWAITS_SIGNOFF)
    if any(permissions.can_draft_post(user, zone) for zone in zones):
        kinds.add(POST_REVIEWED)
    return kinds


def kinds_for(user: User) -> list[str]:
    """The kinds of e-mail the user's roles may bring them, in the order of ``KINDS``."""
    by_duty = _kinds_by_duty(user)
    return [
        kind
        for kind in KINDS
        if (kind in RECEIVED_WITH and permissions.zone_ids_with(user, RECEIVED_WITH[kind]))
        or kind in by_duty
        # A unit head who publishes from templates under a delegated right is reminded of their follow-ups.
        or (
            kind == FOLLOW_UP_DUE
            and any(permissions.can_use_templates(user, zone) for zone in permissions.zones_of(user))
        )
    ]


def receives_alerts(user: User) -> bool:
    """Whether the user is among those told of publishing problems (the zone's officers): always on."""
    return bool(permissions.zone_ids_with(user, Right.PUBLISH_POST))


def desk_url(name: str, *args: object) -> str:
    """The absolute address of a page of the desk, for an e-mail."""
    return settings.DESK_BASE_URL + reverse(name, args=args)


def _send(subject: str, body: str, recipients: list[str]) -> None:
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:
        # A mail server outage must not undo or hide the change itself; it is logged for the operators.
        logger.exception("notification mail failed: %s", subject)


def _language(person: User) -> str:
    known = {code for code, _name in settings.LANGUAGES}
    return person.language if person.language in known else settings.LANGUAGE_CODE


def _wants(person: User, kind: str | None) -> bool:
    if not person.is_active or not person.email:
        return False
    muted = person.muted_emails if isinstance(person.muted_emails, list) else []
    return kind is None or kind not in muted


def _mail(*, kind: str | None, people: Iterable[User], write: Writer) -> None:
    """One e-mail per language of the ``people`` who want this ``kind`` (None: an alert, for everyone), written by
    ``write`` in that language. E-mails a person may turn off say where."""
    by_language: dict[str, set[str]] = defaultdict(set)
    for person in people:
        if _wants(person, kind):
            by_language[_language(person)].add(person.email)
    for language, addresses in sorted(by_language.items()):
        with translation.override(language):
            subject, body = write()
            if kind is not None:
                body += "\n\n-- \n" + _("Choose which e-mails you receive: %(url)s") % {
                    "url": desk_url("accounts:emails")
                }
        _send(subject, body, sorted(addresses))


def _members(zone: Zone, role: str) -> list[User]:
    """The zone's active people in this role (a head of several units once)."""
    return list(
        User.objects.filter(memberships__zone=zone, memberships__role=role, memberships__is_active=True, is_active=True)
        .distinct()
        .order_by("pk")
    )


def _when(moment: datetime | None, zone: Zone) -> str:
    """A time in the zone's time zone, written the way the current language writes it."""
    if moment is None:
        return "—"
    return formats.date_format(timezone.localtime(moment, zone.tzinfo), "SHORT_DATETIME_FORMAT")


def _name(person: User) -> str:
    return person.get_full_name() or person.username


# --- The e-mails -----------------------------------------------------------------------------------------------


def item_submitted(*, item_id: int) -> None:
    """The zone's officers learn that a unit submitted an item (not the officer who submitted it)."""
    item = Item.objects.select_related("zone", "unit", "submitted_by").get(pk=item_id)
    zone = item.zone
    officers = [person for person in _members(zone, Role.OFFICER) if person.pk != item.submitted_by_id]
    url = desk_url("editorial:item_detail", zone.slug, item.pk)

    def write() -> tuple[str, str]:
        subject = _("[%(zone)s] New item from %(unit)s: %(title)s") % {
            "zone": zone.name,
            "unit": item.unit.name,
            "title": item.title,
        }
        lines = [
            _("%(person)s (%(unit)s) submitted an item: “%(title)s”.")
            % {"person": _name(item.submitted_by), "unit": item.unit.name, "title": item.title}
        ]
        start, end = _when(item.wanted_start, zone), _when(item.wanted_end, zone)
        if item.wanted_start and item.wanted_end:
            lines.append(_("Wanted from %(start)s until %(end)s.") % {"start": start, "end": end})
        elif item.wanted_start:
            lines.append(_("Wanted from %(start)s.") % {"start": start})
        elif item.wanted_end:
            lines.append(_("Wanted until %(end)s.") % {"end": end})
        lines.append(_("Take it up or decline it: %(url)s") % {"url": url})
        return subject, "\n\n".join(lines)

    _mail(kind=ITEM_SUBMITTED, people=officers, write=write)


def post_awaits_review(*, post_id: int) -> None:
    """The zone's directors learn that a post waits for their review (not its author)."""
    post = Post.objects.select_related("zone").get(pk=post_id)
    zone = post.zone
    directors = [person for person in _members(zone, Role.DIRECTOR) if person.pk != post.author_id]
    url = desk_url("editorial:review_post", zone.slug, post.pk)

    def write() -> tuple[str, str]:
        subject = _("[%(zone)s] Post awaiting your review: %(title)s") % {"zone": zone.name, "title": post.title}
        body = "\n\n".join(
            [
                _("A post waits for your review on the zone desk: %(title)s") % {"title": post.title},
                _("Planned for %(when)s.") % {"when": _when(post.planned_at, zone)},
                _("Review it: %(url)s") % {"url": url},
            ]
        )
        return subject, body

    _mail(kind=POST_AWAITS_REVIEW, people=directors, write=write)


def post_awaits_signoff(*, post_id: int) -> None:
    """The head of the unit a post's category names (``Category.signoff_unit``) learns that the post waits for their
    sign-off before the director may approve it (not its author)."""
    post = Post.objects.select_related("zone", "category__signoff_unit").get(pk=post_id)
    category = post.category
    if category is None or category.signoff_unit is None:
        return
    zone, unit = post.zone, category.signoff_unit
    heads = list(
        User.objects.filter(
            memberships__zone=zone,
            memberships__role=Role.UNIT_HEAD,
            memberships__unit=unit,
            memberships__is_active=True,
            is_active=True,
        )
        .exclude(pk=post.author_id)
        .distinct()
        .order_by("pk")
    )
    url = desk_url("editorial:post_detail", zone.slug, post.pk)

    def write() -> tuple[str, str]:
        subject = _("[%(zone)s] Post awaiting your sign-off: %(title)s") % {"zone": zone.name, "title": post.title}
        body = "\n\n".join(
            [
                _(
                    "A post of the category “%(category)s” waits for the sign-off of the head of %(unit)s before the "
                    "director may approve it: %(title)s"
                )
                % {"category": category.name, "unit": unit.name, "title": post.title},
                _("Planned for %(when)s.") % {"when": _when(post.planned_at, zone)},
                _("Read it and sign it off: %(url)s") % {"url": url},
            ]
        )
        return subject, body

    _mail(kind=POST_AWAITS_SIGNOFF, people=heads, write=write)


def post_reviewed(*, review_id: int) -> None:
    """The post's author learns the director's decision, with the comment and the notes written on the values."""
    review = Review.objects.select_related("post__zone", "post__author", "reviewer").get(pk=review_id)
    post = review.post
    zone = post.zone
    notes = list(review.value_checks.exclude(note="").order_by("pk"))
    url = desk_url("editorial:post_detail", zone.slug, post.pk)

    def write() -> tuple[str, str]:
        if review.decision == Review.Decision.APPROVE:
            subject = _("[%(zone)s] Post approved: %(title)s") % {"zone": zone.name, "title": post.title}
            lines = [
                _("%(reviewer)s approved the post “%(title)s”.") % {"reviewer": review.reviewer, "title": post.title}
            ]
        else:
            subject = _("[%(zone)s] Changes requested: %(title)s") % {"zone": zone.name, "title": post.title}
            lines = [
                _("%(reviewer)s asks for changes to “%(title)s”:\n\n%(comment)s")
                % {"reviewer": review.reviewer, "title": post.title, "comment": review.comment}
            ]
        if notes:
            lines.append(
                _("Notes on the values:") + "\n" + "\n".join(f"- {check.value_name}: {check.note}" for check in notes)
            )
        lines.append(_("Open the post: %(url)s") % {"url": url})
        return subject, "\n\n".join(lines)

    _mail(kind=POST_REVIEWED, people=[post.author], write=write)


def template_awaits_review(*, template_id: int) -> None:
    """The zone's directors learn that a template waits for their review (not its author); the same kind of
    e-mail as a post's."""
    from editorial.models import Template

    template = Template.objects.select_related("zone", "current_version").get(pk=template_id)
    zone = template.zone
    authors = {template.created_by_id, getattr(template.current_version, "created_by_id", None)}
    directors = [person for person in _members(zone, Role.DIRECTOR) if person.pk not in authors]
    url = desk_url("editorial:template_review", zone.slug, template.pk)

    def write() -> tuple[str, str]:
        subject = _("[%(zone)s] Template awaiting your review: %(name)s") % {"zone": zone.name, "name": template.name}
        body = "\n\n".join(
            [
                _(
                    "A template waits for your review on the zone desk: %(name)s. Once approved, messages made from it "
                    "are published without a new review, and you read them afterwards."
                )
                % {"name": template.name},
                _("Review it: %(url)s") % {"url": url},
            ]
        )
        return subject, body

    _mail(kind=POST_AWAITS_REVIEW, people=directors, write=write)


def template_reviewed(*, review_id: int) -> None:
    """The author of the template's version learns the director's decision, with the comment and the notes."""
    review = Review.objects.select_related(
        "template_version__template__zone", "template_version__created_by", "reviewer"
    ).get(pk=review_id)
    template = review.template_version.template
    zone = template.zone
    notes = list(review.value_checks.exclude(note="").order_by("pk"))
    url = desk_url("editorial:template_detail", zone.slug, template.pk)

    def write() -> tuple[str, str]:
        names = {"zone": zone.name, "name": template.name, "reviewer": review.reviewer}
        if review.decision == Review.Decision.APPROVE:
            subject = _("[%(zone)s] Template approved: %(name)s") % names
            lines = [_("%(reviewer)s approved the template “%(name)s”.") % names]
        else:
            subject = _("[%(zone)s] Changes requested: %(name)s") % names
            lines = [
                _("%(reviewer)s asks for changes to the template “%(name)s”:\n\n%(comment)s")
                % {**names, "comment": review.comment}
            ]
        if notes:
            lines.append(
                _("Notes on the values:") + "\n" + "\n".join(f"- {check.value_name}: {check.note}" for check in notes)
            )
        lines.append(_("Open the template: %(url)s") % {"url": url})
        return subject, "\n\n".join(lines)

    _mail(kind=POST_REVIEWED, people=[review.template_version.created_by], write=write)


def post_published(*, post_id: int) -> None:
    """The unit head whose item became this post learns it is out, with the links."""
    post = Post.objects.select_related("zone", "item__submitted_by").get(pk=post_id)
    if post.item is None:
        return
    zone = post.zone
    Channel.forget_networks()
    published = list(
        Publication.objects.filter(post=post, status=Publication.Status.PUBLISHED)
        .select_related("channel")
        .order_by("published_at", "pk")
    )
    url = desk_url("editorial:item_detail", zone.slug, post.item.pk)

    def write() -> tuple[str, str]:
        links = "\n".join(f"- {p.channel.label}: {p.external_url}" for p in published)
        subject = _("[%(zone)s] Published: %(title)s") % {"zone": zone.name, "title": post.item.title}
        body = "\n\n".join(
            [
                _("The post made from your item “%(title)s” is published:\n\n%(links)s")
                % {"title": post.item.title, "links": links},
                _("Your item on the zone desk: %(url)s") % {"url": url},
            ]
        )
        return subject, body

    _mail(kind=POST_PUBLISHED, people=[post.item.submitted_by], write=write)


def follow_up_due(*, follow_up_id: int) -> None:
    """The author of a real-time post and the zone's officers learn that its follow-up is due (the reopening after a
    closure), with the proposed texts and the link to the page where it is published in one more click."""
    follow_up = FollowUp.objects.select_related("zone", "post__author").get(pk=follow_up_id)
    if follow_up.status != FollowUp.Status.PENDING:
        return
    zone, post = follow_up.zone, follow_up.post
    Channel.forget_networks()
    channels = {str(c.pk): c for c in Channel.objects.filter(zone=zone, pk__in=[int(pk) for pk in follow_up.texts])}
    people = {person.pk: person for person in [post.author, *_members(zone, Role.OFFICER)]}
    url = desk_url("editorial:follow_up_detail", zone.slug, follow_up.pk)

    def write() -> tuple[str, str]:
        subject = _("[%(zone)s] Follow-up due: %(title)s") % {"zone": zone.name, "title": post.title}
        texts = "\n\n".join(f"{channels[pk].label}:\n{text}" for pk, text in follow_up.texts.items() if pk in channels)
        lines = [
            _("The follow-up of “%(title)s” is due since %(when)s. Proposed texts:")
            % {"title": post.title, "when": _when(follow_up.due_at, zone)},
            texts,
            _("Publish it, or say it is not needed: %(url)s") % {"url": url},
        ]
        return subject, "\n\n".join(lines)

    _mail(kind=FOLLOW_UP_DUE, people=people.values(), write=write)


def publishing_alerts(*, alert_ids: list[int]) -> None:
    """One e-mail to a zone's officers listing its publishing problems: late, failed or unknown publications, a
    stopped publishing service (the alerts are grouped per zone by editorial.publishing.alerts). Never turned off."""
    alerts = list(
        Alert.objects.filter(pk__in=alert_ids)
        .select_related("zone", "publication__post", "publication__channel")
        .order_by("raised_at", "pk")
    )
    if not alerts:
        return
    zone = alerts[0].zone
    Channel.forget_networks()
    url = desk_url("editorial:publications_attention", zone.slug)

    def write() -> tuple[str, str]:
        lines = []
        for alert in alerts:
            when = timezone.localtime(alert.raised_at, zone.tzinfo).strftime("%d/%m/%Y %H:%M")
            if alert.publication is not None:
                lines.append(
                    _("- %(time)s, “%(title)s” on %(channel)s: %(message)s")
                    % {
                        "time": when,
                        "title": alert.publication.post.title,
                        "channel": alert.publication.channel.label,
                        "message": alert.message,
                    }
                )
            else:
                lines.append(_("- %(time)s: %(message)s") % {"time": when, "message": alert.message})
        subject = ngettext(
            "[%(zone)s] Publishing needs you: %(count)s problem",
            "[%(zone)s] Publishing needs you: %(count)s problems",
            len(alerts),
        ) % {"zone": zone.name, "count": len(alerts)}
        body = _("%(problems)s\n\nEvery publication that needs a person, to settle them: %(url)s") % {
            "problems": "\n".join(lines),
            "url": url,
        }
        return subject, body

    _mail(kind=None, people=_members(zone, Role.OFFICER), write=write)


def urgent_post_published(*, post_id: int) -> None:
    """The zone's directors learn that an urgent post went out without a review, with its reason: they read it in
    their review-after queue. Not one a director may turn off: it went out in the police's name unread."""
    post = Post.objects.select_related("zone", "author").get(pk=post_id)
    zone = post.zone
    directors = [person for person in _members(zone, Role.DIRECTOR) if person.pk != post.author_id]
    url = desk_url("editorial:review_after_queue", zone.slug)

    def write() -> tuple[str, str]:
        subject = _("[%(zone)s] Urgent post published without review: %(title)s") % {
            "zone": zone.name,
            "title": post.title,
        }
        body = "\n\n".join(
            [
                _("%(person)s published an urgent post without a review first: “%(title)s”.")
                % {"person": _name(post.author), "title": post.title},
                _("Reason given: %(reason)s") % {"reason": post.urgent_reason},
                _("Read it and acknowledge it: %(url)s") % {"url": url},
            ]
        )
        return subject, body

    _mail(kind=None, people=directors, write=write)

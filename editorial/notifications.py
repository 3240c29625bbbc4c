"""E-mails the workflow sends. Called on commit by services, so a rolled-back change never notifies.

Each mail is written in the zone's default language (French) whatever the request's language, because
the recipient did not make the request.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Membership, Role
from editorial.models import Alert, Post, Publication, Review

logger = logging.getLogger(__name__)


def _send(subject: str, body: str, recipients: list[str]) -> None:
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:
        # A mail server outage must not undo or hide the change itself; it is logged for the operators.
        logger.exception("notification mail failed: %s", subject)


def post_awaits_review(*, post_id: int) -> None:
    post = Post.objects.select_related("zone").get(pk=post_id)
    directors = Membership.objects.filter(zone=post.zone, role=Role.DIRECTOR, is_active=True, user__is_active=True)
    with translation.override(settings.LANGUAGE_CODE):
        _send(
            _("[%(zone)s] Post awaiting your review: %(title)s") % {"zone": post.zone.name, "title": post.title},
            _("A post waits for your review on the zone desk: %(title)s") % {"title": post.title},
            [m.user.email for m in directors.select_related("user") if m.user_id != post.author_id],
        )


def post_reviewed(*, review_id: int) -> None:
    review = Review.objects.select_related("post__zone", "post__author", "reviewer").get(pk=review_id)
    post = review.post
    with translation.override(settings.LANGUAGE_CODE):
        if review.decision == Review.Decision.APPROVE:
            subject = _("[%(zone)s] Post approved: %(title)s") % {"zone": post.zone.name, "title": post.title}
            body = _("%(reviewer)s approved the post “%(title)s”.") % {
                "reviewer": review.reviewer,
                "title": post.title,
            }
        else:
            subject = _("[%(zone)s] Changes requested: %(title)s") % {"zone": post.zone.name, "title": post.title}
            body = _("%(reviewer)s asks for changes to “%(title)s”:\n\n%(comment)s") % {
                "reviewer": review.reviewer,
                "title": post.title,
                "comment": review.comment,
            }
        _send(subject, body, [post.author.email])


def post_published(*, post_id: int) -> None:
    """The unit head whose item became this post learns it is out, with the links."""
    post = Post.objects.select_related("zone", "item__submitted_by").get(pk=post_id)
    if post.item is None:
        return
    links = [
        f"- {p.channel.name}: {p.external_url}"
        for p in Publication.objects.filter(post=post, status=Publication.Status.PUBLISHED).select_related("channel")
    ]
    with translation.override(settings.LANGUAGE_CODE):
        _send(
            _("[%(zone)s] Published: %(title)s") % {"zone": post.zone.name, "title": post.item.title},
            _("The post made from your item “%(title)s” is published:\n\n%(links)s")
            % {"title": post.item.title, "links": "\n".join(links)},
            [post.item.submitted_by.email],
        )


def publishing_alerts(*, alert_ids: list[int]) -> None:
    """One e-mail to a zone's officers listing its publishing problems: late, failed or unknown publications, a
    stopped publishing service (the alerts are grouped per zone by editorial.publishing.alerts)."""
    alerts = list(
        Alert.objects.filter(pk__in=alert_ids)
        .select_related("zone", "publication__post", "publication__channel")
        .order_by("raised_at", "pk")
    )
    if not alerts:
        return
    zone = alerts[0].zone
    officers = Membership.objects.filter(zone=zone, role=Role.OFFICER, is_active=True, user__is_active=True)
    with translation.override(settings.LANGUAGE_CODE):
        lines = []
        for alert in alerts:
            when = timezone.localtime(alert.raised_at, zone.tzinfo).strftime("%d/%m/%Y %H:%M")
            if alert.publication is not None:
                lines.append(
                    _("- %(time)s, “%(title)s” on %(channel)s: %(message)s")
                    % {
                        "time": when,
                        "title": alert.publication.post.title,
                        "channel": alert.publication.channel.name,
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
        body = _("%(problems)s\n\nOpen the zone desk: the dashboard lists every publication that needs a person.") % {
            "problems": "\n".join(lines)
        }
        _send(subject, body, [m.user.email for m in officers.select_related("user")])

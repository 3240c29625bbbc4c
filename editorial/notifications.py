"""E-mails the workflow sends. Called on commit by services, so a rolled-back change never notifies.

Each mail is written in the zone's default language (French) whatever the request's language, because
the recipient did not make the request.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Membership, Role
from editorial.models import Post, Review

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

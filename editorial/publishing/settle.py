"""What a person decides after an unknown or failed outcome: it was published (with its link), leave it unsent,
or send it again. Each decision is audited with the outcome it replaces."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.permissions import Right
from editorial.audit import Entry, audit_record, audit_record_many
from editorial.errors import WorkflowError
from editorial.fingerprint import post_is_approved_as_is
from editorial.locks import post_lock
from editorial.models import PostVariant, Publication
from editorial.publishing.dispatch import publications_dispatch
from editorial.publishing.state import Status, post_complete


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _locked_publication(publication: Publication) -> Publication:
    return (
        Publication.objects.select_for_update(of=("self",), no_key=True)
        .select_related("post__zone", "channel")
        .get(pk=publication.pk)
    )


def _external_id_from(parsed: Any) -> str:
    """The post's id in a pasted link: x.com/<handle>/status/<id>, facebook.com/<id>, or Facebook's
    permalink.php?story_fbid=<id> and photo.php?fbid=<id> forms."""
    query = parse_qs(parsed.query)
    for key in ("story_fbid", "fbid", "id"):
        if query.get(key):
            return query[key][0]
    return parsed.path.rstrip("/").rsplit("/", 1)[-1]


def _settle(
    *, actor: Any, publication: Publication, refusal: str, changes: dict[str, Any], action: str, data: dict[str, Any]
) -> Publication:
    """A person's decision about an unknown (or failed) outcome, in one transaction: the publication takes
    ``changes``, the decision is audited with ``data`` (and the outcome it replaces), and the post is published if
    that was its last channel to settle. ``refusal`` is said when the publication is no longer unknown or failed."""
    with transaction.atomic():
        # The post before its publication, the order every writer of both follows (no deadlock with a late
        # outcome of the same publication).
        post_lock(publication.post_id)
        publication = _locked_publication(publication)
        _require(permissions.has_right(actor, publication.post.zone, Right.PUBLISH_POST))
        if publication.status not in (Status.UNKNOWN, Status.FAILED):
            raise WorkflowError(refusal)
        Publication.objects.filter(pk=publication.pk).update(**changes, updated_at=timezone.now())
        decided = Entry(
            action=action,
            actor=actor,
            zone=publication.post.zone,
            obj=publication,
            data={
                "post": publication.post_id,
                **data,
                "previous_status": publication.status,
                "previous_error": publication.last_error,
            },
        )
        audit_record_many([decided, *post_complete(publication.post)])
    publication.refresh_from_db()
    return publication


def publication_confirm_published(*, actor: Any, publication: Publication, url: str) -> Publication:
    """After an unknown (or failed) outcome, the officer checked the account and found the post: record its link."""
    url = url.strip()
    try:
        parsed = urlparse(url)
    except ValueError:
        parsed = None  # a host in brackets that is not an IPv6 address ("https://[")
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise WorkflowError(_("Paste the address of the published post (it starts with https://)."))
    external_id = _external_id_from(parsed) or url
    return _settle(
        actor=actor,
        publication=publication,
        refusal=_("Only a publication whose outcome is unknown or failed can be marked published."),
        changes={
            "status": Status.PUBLISHED,
            "external_id": external_id[:120],
            "external_url": url[:500],
            "published_at": timezone.now(),
            "last_error": "",
        },
        action="editorial.publication.confirm_published",
        data={"url": url},
    )


def publication_leave_unsent(*, actor: Any, publication: Publication, reason: str) -> Publication:
    """After an unknown (or failed) outcome, the officer checked the account, did not find the post, and decides
    it will not go out on this channel (the news is stale, the channel was dropped from the post): the publication
    is closed with the reason and the desk never sends it, unless a new approval asks for it again."""
    reason = reason.strip()
    if not reason:
        raise WorkflowError(_("Say why it will not be sent: the team will read it."))
    said = _("Left unsent by %(person)s: %(reason)s") % {"person": actor.get_username(), "reason": reason}
    return _settle(
        actor=actor,
        publication=publication,
        refusal=_("Only a publication whose outcome is unknown or failed can be left unsent."),
        changes={"status": Status.CANCELLED, "last_error": said[:2000]},
        action="editorial.publication.leave_unsent",
        data={"reason": reason},
    )


def publication_send_again(*, actor: Any, publication: Publication) -> Publication:
    """A deliberate, logged choice to send again after an unknown or failed outcome (the officer checked that
    the post is not on the account). It still goes out only if the post is approved as it stands."""
    with transaction.atomic():
        post = post_lock(publication.post_id)
        publication = _locked_publication(publication)
        _require(permissions.can_publish_post(actor, post))
        if publication.status not in (Status.UNKNOWN, Status.FAILED):
            raise WorkflowError(_("Only a publication whose outcome is unknown or failed can be sent again."))
        if not post_is_approved_as_is(post=post):
            raise WorkflowError(_("The post is not the version that was approved: it needs a new review first."))
        if not PostVariant.objects.filter(post=post, channel_id=publication.channel_id).exists():
            raise WorkflowError(_("The post no longer has a text for this channel."))
        now = timezone.now()
        Publication.objects.filter(pk=publication.pk).update(
            status=Status.PENDING, next_attempt_at=now, last_error="", alerted_at=None, updated_at=now
        )
        audit_record(
            action="editorial.publication.send_again",
            actor=actor,
            zone=post.zone,
            obj=publication,
            data={"post": post.pk, "previous_status": publication.status, "previous_error": publication.last_error},
        )
        publications_dispatch(now=now, only=[publication.pk])
    publication.refresh_from_db()
    return publication

"""Forms of the publishing pages (settling an unknown outcome, pausing, cancelling) and the publications block
of the post page, which gathers them per publication."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from accounts.permissions import Right
from editorial.forms.common import clean_text
from editorial.models import Post, Publication, Zone
from editorial.selectors import publishing as selectors

REASON_MAX_CHARS = 1_000
# Inputs the polling of the publications block must not wipe while someone is typing in them.
_KEEP_WHILE_POLLING = {"hx-preserve": "true"}


class _CleanTextField(forms.CharField):
    def to_python(self, value: Any) -> str:
        return clean_text(super().to_python(value) or "").strip()


class ConfirmPublishedForm(forms.Form):
    url = _CleanTextField(
        label=_("Address of the published post"),
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "off", **_KEEP_WHILE_POLLING}),
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            parsed = urlparse(url)
        except ValueError:
            # urlparse refuses a host in brackets that is not an IPv6 address ("https://[").
            parsed = None
        if parsed is None or parsed.scheme.lower() not in ("http", "https") or not parsed.netloc:
            raise forms.ValidationError(_("Paste the address of the published post (it starts with https://)."))
        return url


class SendAgainForm(forms.Form):
    checked = forms.BooleanField(
        label=_("I checked the account: the post is not there"),
        error_messages={"required": _("Check the account first, then tick this box: sending again is on purpose.")},
        widget=forms.CheckboxInput(attrs=_KEEP_WHILE_POLLING),
    )


class LeaveUnsentForm(forms.Form):
    reason = _CleanTextField(
        label=_("Why it will not be sent"),
        max_length=REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2, **_KEEP_WHILE_POLLING}),
        error_messages={"required": _("Say why it will not be sent: the team will read it.")},
    )


class ReasonForm(forms.Form):
    """A reason the team will read (pausing, cancelling); required unless the form is built with required=False."""

    reason = _CleanTextField(
        label=_("Reason"),
        max_length=REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why: the team will read it.")},
    )

    def __init__(self, *args: Any, required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        if not required:
            self.fields["reason"].label = _("Note (optional)")


# --- The publications block of the post page -------------------------------------------------------------


@dataclass(frozen=True)
class PublicationRow:
    publication: Publication
    link: str
    needs_decision: bool
    confirm_form: ConfirmPublishedForm | None
    send_again_form: SendAgainForm | None
    leave_unsent_form: LeaveUnsentForm | None


@dataclass(frozen=True)
class PublicationsBlock:
    rows: list[PublicationRow]
    polling: bool
    can_publish_now: bool
    can_cancel: bool
    cancel_form: ReasonForm | None
    # The post went back to draft (or was cancelled): a failed publication can only be marked published.
    send_again_needs_approval: bool


def publication_prefix(publication_id: int) -> str:
    return f"publication-{publication_id}"


def publications_block(
    *,
    user: Any,
    zone: Zone,
    post: Post,
    bound: dict[int, forms.Form] | None = None,
    cancel_form: ReasonForm | None = None,
) -> PublicationsBlock:
    """The post's publications with the officer's forms; ``bound`` holds a submitted form (by publication id) to
    show again with what was typed and what is wrong."""
    bound = bound or {}
    publications = selectors.post_publications(post=post)
    may_decide = permissions.has_right(user, zone, Right.PUBLISH_POST)
    may_send_again = permissions.can_publish_post(user, post)
    rows = []
    for publication in publications:
        needs_decision = publication.status in selectors.NEEDS_DECISION
        prefix = publication_prefix(publication.pk)
        confirm_form = send_again_form = leave_unsent_form = None
        if needs_decision and may_decide:
            submitted = bound.get(publication.pk)
            confirm_form = (
                submitted if isinstance(submitted, ConfirmPublishedForm) else ConfirmPublishedForm(prefix=prefix)
            )
            leave_unsent_form = submitted if isinstance(submitted, LeaveUnsentForm) else LeaveUnsentForm(prefix=prefix)
            if may_send_again:
                send_again_form = submitted if isinstance(submitted, SendAgainForm) else SendAgainForm(prefix=prefix)
        rows.append(
            PublicationRow(
                publication=publication,
                link=selectors.safe_link(publication.external_url),
                needs_decision=needs_decision,
                confirm_form=confirm_form,
                send_again_form=send_again_form,
                leave_unsent_form=leave_unsent_form,
            )
        )
    statuses = {p.status for p in publications}
    can_cancel = (
        permissions.has_right(user, zone, Right.DRAFT_POST)
        and post.status not in (Post.Status.PUBLISHED, Post.Status.CANCELLED)
        and not statuses & selectors.MAY_BE_ONLINE
    )
    return PublicationsBlock(
        rows=rows,
        polling=bool(statuses & selectors.IN_FLIGHT),
        can_publish_now=may_send_again and bool(statuses & {Publication.Status.PENDING, Publication.Status.RETRYING}),
        can_cancel=can_cancel,
        cancel_form=(cancel_form or ReasonForm(prefix="cancel")) if can_cancel else None,
        send_again_needs_approval=may_decide and not may_send_again,
    )

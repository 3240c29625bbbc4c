"""Forms of the director's review: the checklist that approves a post, and the comment that sends it back.

The checklist does not refuse unticked lines itself: services.post_approve does, and each of its refusals is
shown at the line it is about (``ApproveForm.add_refusal``) with the ticks and notes kept, so the rule lives in
one place. The values are shown in the director's language when the zone has it (``selectors.review.ValueText``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _

from editorial.errors import WorkflowError
from editorial.forms.common import clean_text
from editorial.selectors.review import ValueText
from editorial.services import ValueAnswer

NOTE_MAX = 2000
COMMENT_MAX = 5000


class _TextField(forms.CharField):
    """CRLF and control characters are cleaned away before validation (PostgreSQL refuses NUL)."""

    def to_python(self, value: Any) -> str:
        return clean_text(super().to_python(value)).strip()


class ApproveForm(forms.Form):
    # Rendered by the template from the fingerprint of the version shown, never from what was posted, so
    # that the page read again after a change carries the new version's fingerprint.
    reviewed_fingerprint = forms.CharField(
        max_length=64,
        widget=forms.HiddenInput,
        error_messages={
            "required": _("The page was not sent completely: read the post again before approving."),
            "max_length": _("The page was not sent completely: read the post again before approving."),
        },
    )
    confidentiality_confirmed = forms.BooleanField(
        label=_(
            "The confidentiality rules are respected (no names, licence plates, national register numbers, "
            "addresses or phone numbers of private persons, no details of an ongoing investigation)."
        ),
        required=False,
    )
    override_reason = _TextField(
        label=_("Why publish despite the findings of the confidentiality scan?"),
        help_text=_("Required to approve: the scan found something. Your reason is kept in the audit log."),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "data-review-override": ""}),
    )

    def __init__(self, *args: Any, values: Sequence[ValueText], has_findings: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.values = list(values)
        # The refusal for want of a unit head's sign-off (``services.post_approve``'s ``signoff_missing``).
        self.signoff_refusal = ""
        for value in self.values:
            self.fields[f"value_{value.pk}"] = forms.BooleanField(
                label=value.name, required=False, widget=forms.CheckboxInput(attrs={"data-review-check": ""})
            )
            self.fields[f"note_{value.pk}"] = _TextField(
                label=_("Note on “%(value)s” (optional)") % {"value": value.name},
                max_length=NOTE_MAX,
                required=False,
                widget=forms.Textarea(attrs={"rows": 1}),
            )
        self.fields["confidentiality_confirmed"].widget.attrs["data-review-check"] = ""
        if not has_findings:
            del self.fields["override_reason"]

    def value_rows(self) -> list[tuple[ValueText, BoundField, BoundField]]:
        return [(value, self[f"value_{value.pk}"], self[f"note_{value.pk}"]) for value in self.values]

    def add_refusal(self, error: WorkflowError) -> None:
        """Show a refusal of ``services.post_approve`` at the lines it is about; any other at the top."""
        self.is_valid()  # cleans a form made for the occasion (the post changed): its ticks are read below
        for refusal in error.error_list:
            if refusal.code == "values_unconfirmed":
                unticked = [v for v in self.values if not self.cleaned_data.get(f"value_{v.pk}")]
                for value in unticked:
                    self.add_error(
                        f"value_{value.pk}",
                        _("Confirm “%(value)s”, or send the post back.") % {"value": value.name},
                    )
                if unticked:
                    continue
            elif refusal.code == "confidentiality_unconfirmed":
                self.add_error("confidentiality_confirmed", refusal)
                continue
            elif refusal.code == "signoff_missing":
                # Shown at the sign-off's place on the page (``#signoff``), not in the checklist.
                self.signoff_refusal = " ".join(refusal.messages)
                continue
            elif refusal.code == "override_reason_missing" and "override_reason" in self.fields:
                self.add_error(
                    "override_reason",
                    _("Say why the post may be published despite the findings, or send it back to correct the text."),
                )
                continue
            self.add_error(None, refusal)

    def error_links(self) -> list[tuple[str, str]]:
        """The error summary's lines, in the order of the page: (the id of the field it is about, or "" for the
        form as a whole, the message)."""
        links: list[tuple[str, str]] = [("", str(message)) for message in self.non_field_errors()]
        if self.signoff_refusal:
            links.append(("signoff", self.signoff_refusal))
        links += [("", str(message)) for message in self["reviewed_fingerprint"].errors]
        names = [name for value in self.values for name in (f"value_{value.pk}", f"note_{value.pk}")]
        names += [name for name in ("confidentiality_confirmed", "override_reason") if name in self.fields]
        for name in names:
            links += [(self[name].id_for_label, str(message)) for message in self[name].errors]
        return links

    def answers(self) -> dict[int, ValueAnswer]:
        return {
            value.pk: ValueAnswer(
                confirmed=bool(self.cleaned_data.get(f"value_{value.pk}")),
                note=self.cleaned_data.get(f"note_{value.pk}", ""),
            )
            for value in self.values
        }


class RequestChangesForm(forms.Form):
    comment = _TextField(
        label=_("What should change"),
        help_text=_("The officer receives it by e-mail."),
        max_length=COMMENT_MAX,
        error_messages={"required": _("Say what should change: the officer will read it.")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SignOffForm(forms.Form):
    """A unit head's sign-off of a post before the director's review (a category that asks for it)."""

    # The fingerprint of the version the page showed (rendered by the template, like the approval's).
    reviewed_fingerprint = forms.CharField(
        max_length=64,
        widget=forms.HiddenInput,
        error_messages={
            "required": _("The page was not sent completely: read the post again before signing it off."),
            "max_length": _("The page was not sent completely: read the post again before signing it off."),
        },
    )
    confirmed = forms.BooleanField(
        label=_("Nothing in this post compromises an investigation or a person."),
        error_messages={
            "required": _("Tick the confirmation to sign off, or tell the officer in a comment what should change.")
        },
    )
    note = _TextField(
        label=_("Note for the director (optional)"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

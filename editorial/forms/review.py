"""Forms of the director's review: the checklist that approves a post, and the comment that sends it back.

The checklist does not refuse unticked lines itself: services.post_approve does, and its message is shown on
the form with the ticks and notes kept, so the rule lives in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _

from editorial.forms.common import clean_text
from editorial.models import Value
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

    def __init__(self, *args: Any, values: Sequence[Value], has_findings: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.values = list(values)
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

    def value_rows(self) -> list[tuple[Value, BoundField, BoundField]]:
        return [(value, self[f"value_{value.pk}"], self[f"note_{value.pk}"]) for value in self.values]

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

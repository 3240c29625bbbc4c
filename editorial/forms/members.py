"""The forms of the members' pages: delegating a right to a unit head, and withdrawing it (issue 13, point 3).

The forms offer the zone's channels and categories only; ``accounts.grants`` refuses anything else, and each of its
refusals is shown at its field (``GrantForm.add_refusal``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Grant
from editorial.errors import WorkflowError
from editorial.forms.common import clean_text
from editorial.models import Category, Channel

REASON_MAX = 500


class GrantForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("What the unit head may publish"),
        choices=Grant.Scope.choices,
        initial=Grant.Scope.TEMPLATES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the unit head may publish.")},
    )
    channels = forms.MultipleChoiceField(
        label=_("On these channels"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one channel.")},
    )
    categories = forms.MultipleChoiceField(
        label=_("For these categories"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one category.")},
    )

    def __init__(self, *args: Any, channels: list[Channel], categories: list[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.channel_objects = {str(c.pk): c for c in channels}
        self.category_objects = {str(c.pk): c for c in categories}
        self.fields["channels"].choices = [(key, c.label) for key, c in self.channel_objects.items()]
        self.fields["categories"].choices = [(key, c.name) for key, c in self.category_objects.items()]

    @property
    def chosen_channels(self) -> list[Channel]:
        return [self.channel_objects[key] for key in self.cleaned_data.get("channels", [])]

    @property
    def chosen_categories(self) -> list[Category]:
        return [self.category_objects[key] for key in self.cleaned_data.get("categories", [])]

    def add_refusal(self, error: WorkflowError) -> None:
        fields = {"scope": "scope", "channels_missing": "channels", "categories_missing": "categories"}
        for refusal in error.error_list:
            self.add_error(fields.get(refusal.code or ""), refusal)

    def error_links(self) -> list[tuple[str, str]]:
        """The error summary's lines: (the id of the field, or "" for the form as a whole, the message)."""
        links: list[tuple[str, str]] = [("", str(message)) for message in self.non_field_errors()]
        for name in ("scope", "channels", "categories"):
            # A radio or checkbox group is reached through its first box (Django's id for the group is that one).
            target = f"{self[name].auto_id}_0"
            links += [(target, str(message)) for message in self[name].errors]
        return links


class RevokeForm(forms.Form):
    grant = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    reason = forms.CharField(
        label=_("Why (optional, kept in the audit log)"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_reason(self) -> str:
        return clean_text(self.cleaned_data.get("reason") or "").strip()

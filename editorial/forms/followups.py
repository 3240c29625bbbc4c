"""The follow-up page's form: why a follow-up is not needed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from editorial.forms.common import clean_text

REASON_MAX_CHARS = 1_000


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is not needed"),
        max_length=REASON_MAX_CHARS,
        help_text=_("For example: the road reopened earlier and was announced in another message."),
        error_messages={"required": _("Say why the follow-up is not needed.")},
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_reason(self) -> str:
        reason: Any = self.cleaned_data["reason"]
        reason = clean_text(reason or "").strip()
        if not reason:
            raise forms.ValidationError(_("Say why the follow-up is not needed."))
        return reason

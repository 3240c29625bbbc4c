"""Forms of the weekly plan: a theme for the week."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit
from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from editorial.forms.common import clean_text
from editorial.models import WeekTheme, Zone
from editorial.selectors.plan import FIRST_YEAR, LAST_YEAR


class _CleanTextField(forms.CharField):
    """Control characters are dropped before validation: a stray NUL is cleaned away rather than refused."""

    def to_python(self, value: Any) -> str:
        return clean_text(super().to_python(value))


class WeekThemeForm(forms.Form):
    week_start = forms.DateField(widget=forms.HiddenInput, input_formats=["%Y-%m-%d"])
    title = _CleanTextField(label=_("Theme"), max_length=WeekTheme._meta.get_field("title").max_length)
    notes = _CleanTextField(label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, zone: Zone, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].widget.attrs["placeholder"] = _("Road safety week, burglary prevention…")
        self.helper = FormHelper()
        self.helper.form_action = reverse("editorial:theme_add", args=[zone.slug])
        self.helper.form_id = "theme-form"
        self.helper.layout = Layout(
            "week_start",
            Field("title"),
            Field("notes"),
            Submit("add", _("Add the theme"), css_class="btn-sm"),
        )

    def clean_week_start(self) -> dt.date:
        day = self.cleaned_data["week_start"]
        if day.weekday() != 0:
            raise forms.ValidationError(_("A week starts on a Monday."))
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise forms.ValidationError(_("That week is out of the plan's range."))
        return day

    def clean_title(self) -> str:
        # A theme is a one-line label: newlines typed or pasted into it become spaces.
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError(_("Give the theme a name."))
        return title

    def clean_notes(self) -> str:
        return self.cleaned_data["notes"].strip()

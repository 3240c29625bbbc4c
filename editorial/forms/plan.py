"""Forms of the plan: a theme for the week, and moving a post to another day or time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit
from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from editorial.forms.common import ZoneTimeFormMixin, clean_text
from editorial.forms.posts import error_summary
from editorial.models import Post, WeekTheme, Zone
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


class PostMoveForm(ZoneTimeFormMixin, forms.Form):
    """The new time of a post, as the Move page and a drop in the plan send it (a drop is this form, filled by
    plan.js). The time is Brussels time, checked like the post form's: a time the clock change skips is refused, a
    time it repeats is asked about, a past time is refused. ``version`` is what the page showed of the post."""

    zone_time_fields = ("planned_at",)
    future_fields = ("planned_at",)

    planned_at = forms.DateTimeField(label=_("New date and time"), help_text=_("Brussels time."))
    version = forms.CharField(widget=forms.HiddenInput, max_length=64)
    # The explicit yes to voiding an approval or a pending review: the Move page's button, or plan.js's dialog.
    void_confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # Where to go back to: the week of the new date, or its month.
    back = forms.ChoiceField(choices=[("week", "week"), ("month", "month")], required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, zone: Zone, post: Post, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        if post.planned_at is not None:
            kwargs["initial"].setdefault("planned_at", post.planned_at.replace(second=0, microsecond=0))
        super().__init__(*args, **kwargs)
        self.post = post
        self._setup_zone_times(zone)
        self.fields["planned_at"].help_text = _("Brussels time.")

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        self.clean_zone_times(cleaned_data)
        return cleaned_data

    def error_summary(self) -> list[tuple[str, str]]:
        return error_summary(self)

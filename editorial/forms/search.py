"""The Posts page's search form: a GET form whose every value comes from the address, so a search is shared by its
link. A value it does not understand (a channel of another zone, a date that is not one, an old link) is left out
of the search and named, never an error."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from editorial.models import Category, Channel, Locality, Post, Unit, Zone
from editorial.selectors.search import DEFAULT_SORT, MAX_SEARCH_CHARS, PostFilters, search_text

# Dates the period accepts: outside, a typo (year 20256) rather than a period anyone means.
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)

SORT_CHOICES = [
    ("planned", _("Planned time, latest first")),
    ("created", _("Created, newest first")),
    ("title", _("Title, A to Z")),
]


def _person(user: User) -> str:
    return user.get_full_name() or user.username


class PostSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Words"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "maxlength": MAX_SEARCH_CHARS}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    channel = forms.TypedChoiceField(label=_("Channel"), required=False, coerce=int, empty_value=None)
    unit = forms.TypedChoiceField(label=_("Unit"), required=False, coerce=int, empty_value=None)
    category = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int, empty_value=None)
    locality = forms.TypedChoiceField(label=_("Locality"), required=False, coerce=int, empty_value=None)
    author = forms.TypedChoiceField(label=_("Author"), required=False, coerce=int, empty_value=None)
    start = forms.DateField(label=_("Planned from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Planned until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(self, data: Any, *, zone: Zone) -> None:
        super().__init__(data)
        anything = [("", _("Any"))]
        self.fields["status"].choices = anything + list(Post.Status.choices)
        channels = Channel.objects.filter(zone=zone).order_by("kind", "name", "pk")
        Channel.read_networks(zone.pk)  # the labels below, and the rows', without a query each
        self.fields["channel"].choices = anything + [(c.pk, c.label) for c in channels]
        for name, model in (("unit", Unit), ("category", Category), ("locality", Locality)):
            rows = model.objects.filter(zone=zone).order_by("name", "pk").values_list("pk", "name")
            self.fields[name].choices = anything + list(rows)
        people = User.objects.filter(memberships__zone=zone).distinct().order_by("first_name", "last_name", "username")
        self.fields["author"].choices = anything + [(u.pk, _person(u)) for u in people]

    def clean_q(self) -> str:
        return search_text(self.cleaned_data.get("q") or "")

    def _clean_date(self, name: str) -> dt.date | None:
        day = self.cleaned_data.get(name)
        if day is not None and not EARLIEST <= day <= LATEST:
            raise forms.ValidationError(_("Choose a date between the years 2000 and 2100."), code="out_of_range")
        return day

    def clean_start(self) -> dt.date | None:
        return self._clean_date("start")

    def clean_end(self) -> dt.date | None:
        return self._clean_date("end")

    def search(self) -> tuple[PostFilters, list[str]]:
        """The filters understood, and the labels of those left out."""
        self.is_valid()
        ignored = [str(self.fields[name].label) for name in self.errors if name in self.fields]
        values = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        start, end = values.get("start"), values.get("end")
        if start is not None and end is not None and end < start:
            start, end = end, start  # a period typed backwards is still the same period
        return (
            PostFilters(
                text=values.get("q") or "",
                status=values.get("status") or "",
                channel=values.get("channel"),
                unit=values.get("unit"),
                category=values.get("category"),
                locality=values.get("locality"),
                author=values.get("author"),
                start=start,
                end=end,
                sort=values.get("sort") or DEFAULT_SORT,
            ),
            ignored,
        )

    @property
    def narrowed(self) -> bool:
        """Whether a filter besides the words and the sort is in use (the filters stay open on the page)."""
        fields = ("status", "channel", "unit", "category", "locality", "author", "start", "end")
        return any(self.data.get(name) for name in fields)

"""The audit log page's filters: a GET form whose every value comes from the address, so a view of the log is shared
by its link. A value it does not understand (a person of another zone, an unknown kind, a date that is not one, an
old link) is left out and named, never an error (the pattern of the Posts page, editorial/forms/search.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from editorial.audit_sentences import kind_choices
from editorial.forms.search import EARLIEST, LATEST
from editorial.models import Zone
from editorial.selectors.audit_log import OBJECT_TYPES, AuditFilters

OBJECT_LABELS = {
    "editorial.post": _("Post"),
    "editorial.publication": _("Publication"),
    "editorial.item": _("Item"),
    "editorial.template": _("Template"),
    "editorial.channel": _("Channel"),
    "editorial.followup": _("Follow-up"),
    "accounts.membership": _("Member"),
    "accounts.grant": _("Delegated right"),
    "accounts.user": _("Person"),
}
MAX_ID = 2**31 - 1


def _person(user: User) -> str:
    return user.get_full_name() or user.username


class AuditLogFilterForm(forms.Form):
    person = forms.TypedChoiceField(label=_("Person"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("Kind of event"), required=False)
    object_type = forms.ChoiceField(label=_("Object"), required=False)
    object = forms.IntegerField(
        label=_("Object number"), required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    before = forms.IntegerField(label=_("Position"), required=False, min_value=1, max_value=MAX_ID)
    after = forms.IntegerField(label=_("Position"), required=False, min_value=1, max_value=MAX_ID)

    def __init__(self, data: Any, *, zone: Zone) -> None:
        super().__init__(data)
        anything = [("", _("Any"))]
        people = User.objects.filter(memberships__zone=zone).distinct().order_by("first_name", "last_name", "username")
        self.fields["person"].choices = anything + [(u.pk, _person(u)) for u in people]
        self.fields["kind"].choices = anything + kind_choices()
        self.fields["object_type"].choices = anything + [(key, OBJECT_LABELS[key]) for key in OBJECT_TYPES]

    def _clean_date(self, name: str) -> dt.date | None:
        day = self.cleaned_data.get(name)
        if day is not None and not EARLIEST <= day <= LATEST:
            raise forms.ValidationError(_("Choose a date between the years 2000 and 2100."), code="out_of_range")
        return day

    def clean_start(self) -> dt.date | None:
        return self._clean_date("start")

    def clean_end(self) -> dt.date | None:
        return self._clean_date("end")

    def filters(self) -> tuple[AuditFilters, list[str]]:
        """The filters understood, and the labels of those left out."""
        self.is_valid()
        ignored = [str(self.fields[name].label) for name in self.errors if name in self.fields]
        values = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        start, end = values.get("start"), values.get("end")
        if start is not None and end is not None and end < start:
            start, end = end, start  # a period typed backwards is still the same period
        object_type = values.get("object_type") or ""
        object_id = values.get("object")
        if object_id is not None and not object_type:
            ignored.append(str(self.fields["object"].label))
            object_id = None
        return (
            AuditFilters(
                person=values.get("person"),
                action=values.get("kind") or "",
                object_type=object_type,
                object_id=str(object_id) if object_id is not None and object_type else "",
                start=start,
                end=end,
                before=values.get("before"),
                after=values.get("after") if values.get("before") is None else None,
            ),
            ignored,
        )

"""Forms of the items area: a unit's item with its photos, and the officer's reason for declining one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from editorial.forms.common import ZoneTimeFormMixin, clean_text
from editorial.images import CleanImage, clean_image
from editorial.models import Category, Locality, Unit, Zone

MAX_PHOTOS = 6
MAX_LINKS = 10
_URL = URLValidator(schemes=["http", "https"])


class CleanCharField(forms.CharField):
    """Control characters are dropped before validation, so a stray NUL is cleaned away instead of refused
    (and never reaches PostgreSQL, which would refuse it)."""

    def __init__(self, *args: Any, single_line: bool = False, **kwargs: Any) -> None:
        self.single_line = single_line
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        value = clean_text(value)
        if self.single_line:
            value = " ".join(value.split("\n"))
        return value.strip() if self.strip else value


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several images in one input; each is checked from its content and replaced by its re-encoded copy,
    without metadata and named after its real format (``editorial.images``)."""

    def __init__(self, *args: Any, max_files: int = MAX_PHOTOS, **kwargs: Any) -> None:
        self.max_files = max_files
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[CleanImage]:
        uploads = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if self.required and not uploads:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(uploads) > self.max_files:
            raise forms.ValidationError(
                _("At most %(max)s photos per item (you chose %(count)s).")
                % {"max": self.max_files, "count": len(uploads)},
                code="too_many",
            )
        cleaned: list[CleanImage] = []
        errors: list[forms.ValidationError] = []
        single_clean = super().clean
        for upload in uploads:
            try:
                upload = single_clean(upload, initial)
                image = clean_image(upload)
            except forms.ValidationError as error:
                name = getattr(upload, "name", "") or "?"
                errors.extend(
                    forms.ValidationError("%(name)s: %(message)s", params={"name": name, "message": message})
                    for message in error.messages
                )
                continue
            cleaned.append(image)
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


class LinksField(CleanCharField):
    """Web addresses, one per line: each must be a whole http(s) address (the draft offers them as buttons)."""

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        lines = [line.strip() for line in value.split("\n") if line.strip()]
        wrong = []
        for line in lines:
            try:
                _URL(line)
            except forms.ValidationError:
                wrong.append(line)
        if wrong:
            raise forms.ValidationError(
                _("Not a web address: %(links)s. Write one address per line, starting with https://.")
                % {"links": ", ".join(wrong)},
                code="invalid",
            )
        if len(lines) > MAX_LINKS:
            raise forms.ValidationError(
                _("At most %(max)s links per item (you gave %(count)s).") % {"max": MAX_LINKS, "count": len(lines)},
                code="too_many",
            )
        return "\n".join(dict.fromkeys(lines))


class ItemForm(ZoneTimeFormMixin, forms.Form):
    zone_time_fields = ("wanted_start", "wanted_end")
    future_fields = ("wanted_start", "wanted_end")

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    title = CleanCharField(label=_("Title"), max_length=200, single_line=True)
    facts = CleanCharField(
        label=_("Facts"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What, where, when, who to contact: what the officer needs to write the post."),
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none(), required=False)
    locality = forms.ModelChoiceField(label=_("Locality"), queryset=Locality.objects.none(), required=False)
    wanted_start = forms.DateTimeField(
        label=_("Publish from"), required=False, help_text=_("Brussels time. Leave empty if any time suits.")
    )
    wanted_end = forms.DateTimeField(
        label=_("Publish until"), required=False, help_text=_("Brussels time. After this, the item is out of date.")
    )
    photos = MultipleImageField(
        label=_("Photos"),
        required=False,
        help_text=_("Optional, at most %(max)s: JPEG, PNG, GIF or WebP.") % {"max": MAX_PHOTOS},
    )
    links = LinksField(
        label=_("Links"),
        max_length=5_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "https://"}),
        help_text=_("Web addresses the post may give (a detour map, a form), one per line."),
    )
    confidentiality_notes = CleanCharField(
        label=_("Confidentiality notes"),
        max_length=10_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "What must never be published: names, number plates, addresses, anything that identifies a person "
            "or harms an investigation."
        ),
    )

    def __init__(self, *args: Any, zone: Zone, units: Sequence[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fixed_unit: Unit | None = units[0] if len(units) == 1 else None
        if self.fixed_unit is not None:
            del self.fields["unit"]
        else:
            self.fields["unit"].queryset = Unit.objects.filter(zone=zone, pk__in=[u.pk for u in units])
        self.fields["category"].queryset = Category.objects.filter(zone=zone).order_by("name")
        self.fields["locality"].queryset = Locality.objects.filter(zone=zone).order_by("name")
        self._setup_zone_times(zone)

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        self.clean_zone_times(cleaned_data)
        start, end = cleaned_data.get("wanted_start"), cleaned_data.get("wanted_end")
        # A time still naive here is one the form is asking about (clocks going back): compare once answered.
        both_known = all(isinstance(t, dt.datetime) and timezone.is_aware(t) for t in (start, end))
        if both_known and end < start:
            self.add_error("wanted_end", _("The end comes before the start."))
        return cleaned_data

    @property
    def chosen_unit(self) -> Unit:
        return self.fixed_unit or self.cleaned_data["unit"]

    def note_lost_files(self) -> None:
        """After an error, the browser has dropped the chosen files; say so where the photos are chosen."""
        self.add_error(
            "photos",
            _("Your browser cannot keep chosen files after an error: choose the photos again before sending."),
        )


class DeclineForm(forms.Form):
    reason = CleanCharField(
        label=_("Reason for declining"),
        max_length=2_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The unit head will read it."),
        error_messages={"required": _("Say why the item is declined: the unit head will read it.")},
    )

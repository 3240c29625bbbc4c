"""Form pieces shared by the editorial pages: zone times with the clock changes, text cleaning.

Images are checked and re-encoded by ``editorial.images.clean_image``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.forms.fields import BaseTemporalField
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from editorial.clock import AmbiguousLocalTime, NonexistentLocalTime, zone_time

# Control characters other than tab and newline have no place in a post or a form and can break previews.
_CONTROL = {c: None for c in range(32) if c not in (9, 10)} | {127: None}


def clean_text(value: str) -> str:
    """Browsers send CRLF; X and Facebook count a newline as one character, so only LF is kept."""
    return value.replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROL)


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class ZoneDateTimeField(forms.DateTimeField):
    """A wall-clock time kept naive: Django would place it in the current timezone and refuse the clock-change
    hours with a vague message; ZoneTimeFormMixin places it in the zone's timezone and explains."""

    def __init__(self, *, zone_tz: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", LocalDateTimeInput())
        kwargs.setdefault("input_formats", ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"])
        super().__init__(**kwargs)
        self.zone_tz = zone_tz

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            return value.astimezone(self.zone_tz).replace(tzinfo=None)
        return value

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return self.prepare_value(value)
        if isinstance(value, dt.date):
            return dt.datetime(value.year, value.month, value.day)
        if not isinstance(value, str):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        # BaseTemporalField parses with input_formats and raises the "invalid" error, without any timezone.
        parsed = BaseTemporalField.to_python(self, value)
        # Year 1 overflows when placed in UTC (a server error otherwise); nothing is planned that far anyway.
        if not 1900 <= parsed.year <= 9998:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


class ZoneTimeFormMixin:
    """Turns naive ``datetime-local`` fields into aware UTC instants in the zone's timezone.

    Each name in ``zone_time_fields`` gets a companion ``<name>_fold`` choice, hidden until the time typed
    happens twice (clocks going back), when the form asks which of the two is meant. A time that does not
    exist (clocks going forward) is refused. ``future_fields`` must not be in the past when typed or changed.
    """

    zone_time_fields: tuple[str, ...] = ()
    future_fields: tuple[str, ...] = ()

    def _setup_zone_times(self, zone: Any) -> None:
        self.zone_tz = zone.tzinfo
        for name in self.zone_time_fields:
            old = self.fields[name]
            self.fields[name] = ZoneDateTimeField(
                zone_tz=self.zone_tz, label=old.label, required=old.required, help_text=old.help_text
            )
            initial = self.initial.get(name)
            if isinstance(initial, dt.datetime) and timezone.is_aware(initial):
                self.initial[name] = initial.astimezone(self.zone_tz).replace(tzinfo=None)
            self.fields[f"{name}_fold"] = forms.TypedChoiceField(
                label=_("Which one?"),
                # Both answers are valid from the start; the labels with their UTC times come with the question.
                choices=[("0", "0"), ("1", "1")],
                coerce=int,
                required=False,
                widget=forms.HiddenInput,
            )

    def _ask_fold(self, name: str, choices: tuple[dt.datetime, dt.datetime]) -> None:
        fold_field = self.fields[f"{name}_fold"]
        labels = (
            _("the first time, still in summer time (%(time)s UTC)"),
            _("the second time, in winter time (%(time)s UTC)"),
        )
        fold_field.choices = [
            (str(i), label % {"time": formats.time_format(moment, "H:i")})
            for i, (label, moment) in enumerate(zip(labels, choices, strict=True))
        ]
        fold_field.widget = forms.RadioSelect(choices=fold_field.choices)

    def clean_zone_times(self, cleaned_data: dict[str, Any]) -> None:
        """Call from ``clean()``: replaces each naive value with its aware instant, or adds the error."""
        now = timezone.now()
        for name in self.zone_time_fields:
            naive = cleaned_data.get(name)
            if not isinstance(naive, dt.datetime):
                continue
            fold_raw = self.data.get(self.add_prefix(f"{name}_fold"), "")
            fold = int(fold_raw) if fold_raw in ("0", "1") else None
            try:
                aware = zone_time(naive, self.zone_tz, fold=fold)
            except NonexistentLocalTime:
                self.add_error(
                    name,
                    _(
                        "%(time)s does not exist in Brussels: that night the clocks jump from 02:00 to 03:00. "
                        "Choose another time."
                    )
                    % {"time": naive.strftime("%d/%m/%Y %H:%M")},
                )
                continue
            except AmbiguousLocalTime as ambiguous:
                self._ask_fold(name, ambiguous.choices)
                self.add_error(
                    f"{name}_fold",
                    _(
                        "%(time)s happens twice in Brussels: that night the clocks go back from 03:00 to 02:00. "
                        "Say which one you mean."
                    )
                    % {"time": naive.strftime("%d/%m/%Y %H:%M")},
                )
                continue
            if fold is not None:
                self._ask_fold(name, (zone_time(naive, self.zone_tz, fold=0), zone_time(naive, self.zone_tz, fold=1)))
            changed = name in self.changed_data or not self.initial.get(name)
            if name in self.future_fields and changed and aware <= now:
                self.add_error(name, _("This time is already past: choose a time to come."))
                continue
            cleaned_data[name] = aware

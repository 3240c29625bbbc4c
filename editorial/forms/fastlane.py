"""Forms of the fast lane (issue 13): filling an approved template's placeholders, an urgent post, the director's
acknowledgement after the fact. The services decide; these forms only keep what was typed and say what is wrong at
the field it concerns."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from editorial import templating
from editorial.compose import languages_of
from editorial.forms.common import ZoneTimeFormMixin, clean_text
from editorial.models import Category, Channel, Locality, Zone

PREFIX = "ph_"
NOW = "now"
LATER = "later"


def field_name(placeholder: templating.Placeholder) -> str:
    return f"{PREFIX}{placeholder.name}"


class _ChannelChoice(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})


def _mark_invalid(form: forms.Form) -> None:
    """Bootstrap's red border on the fields with an error (their message is shown below them)."""
    for name in form.errors:
        if name in form.fields:
            widget = form.fields[name].widget
            classes = widget.attrs.get("class", "")
            if "is-invalid" not in classes:
                widget.attrs["class"] = f"{classes} is-invalid".strip()


class TemplateInstanceForm(ZoneTimeFormMixin, forms.Form):
    """One field per placeholder of the version, by kind; the channels the user's right covers (all ticked); now,
    or at a time. ``version`` is the version the page showed: the service refuses if it is no longer approved."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    channels = _ChannelChoice(
        label=_("Channels"), error_messages={"required": _("Tick at least one channel.")}, required=True
    )
    when = forms.ChoiceField(
        label=_("When"),
        choices=[(NOW, _("Now")), (LATER, _("At a time"))],
        initial=NOW,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    planned_at = forms.DateTimeField(label=_("Time"), required=False)

    zone_time_fields = ("planned_at",)
    future_fields = ("planned_at",)

    def __init__(
        self,
        *args: Any,
        zone: Zone,
        version_id: int,
        placeholders: list[templating.Placeholder],
        channels: list[Channel],
        choices: templating.Choices,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.placeholders = placeholders
        self.choices = choices
        self.channel_objects = {str(c.pk): c for c in channels}
        self.fields["version"].initial = version_id
        self.fields["channels"].choices = [(str(c.pk), c.label) for c in channels]
        self.fields["channels"].initial = list(self.channel_objects)
        self._setup_zone_times(zone)
        today = timezone.localtime(timezone.now(), zone.tzinfo).date()
        for placeholder in placeholders:
            self.fields[field_name(placeholder)] = self._field(placeholder, today)
        self.fields["planned_at"].widget.attrs["class"] = "form-control"

    def full_clean(self) -> None:
        super().full_clean()
        _mark_invalid(self)

    def _field(self, placeholder: templating.Placeholder, today: dt.date) -> forms.Field:
        label = placeholder.display_label
        attrs = {"data-placeholder": placeholder.name, "data-kind": placeholder.kind, "class": "form-control"}
        kind = placeholder.kind
        if kind in (templating.Kind.LOCALITY, templating.Kind.ROAD):
            names = self.choices.localities if kind == templating.Kind.LOCALITY else self.choices.roads
            return forms.CharField(
                label=label,
                required=False,
                widget=forms.Select(
                    choices=[("", _("Choose…")), *((name, name) for name in names)],
                    attrs=attrs | {"class": "form-select"},
                ),
            )
        if kind == templating.Kind.TIME:
            return forms.CharField(
                label=label, required=False, max_length=8, widget=forms.TimeInput(attrs=attrs | {"type": "time"})
            )
        if kind == templating.Kind.DATE:
            return forms.CharField(
                label=label,
                required=False,
                max_length=10,
                initial=today.isoformat(),
                widget=forms.DateInput(attrs=attrs | {"type": "date"}),
            )
        limit = placeholder.max_length or templating.DEFAULT_TEXT_MAX
        return forms.CharField(
            label=label,
            required=False,
            # Longer input is kept and refused with the count, rather than cut by the browser.
            max_length=10_000,
            help_text=_("At most %(max)s characters.") % {"max": limit},
            widget=forms.TextInput(
                attrs=attrs
                | {
                    "maxlength": limit,
                    "data-max": limit,
                    "aria-describedby": f"id_{PREFIX}{placeholder.name}_help",
                }
            ),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        raw = {p.name: clean_text(cleaned.get(field_name(p)) or "") for p in self.placeholders}
        values, errors = templating.clean_values(self.placeholders, raw, self.choices)
        for name, message in errors.items():
            self.add_error(f"{PREFIX}{name}", message)
        cleaned["values"] = values
        if cleaned.get("when") == LATER and not cleaned.get("planned_at") and "planned_at" not in self.errors:
            self.add_error("planned_at", _("Choose the time it goes out, or publish now."))
        self.clean_zone_times(cleaned)
        return cleaned

    def placeholder_fields(self) -> list[forms.BoundField]:
        return [self[field_name(p)] for p in self.placeholders]

    def add_service_error(self, error: ValidationError) -> None:
        """A refusal of the service, at the placeholder it names or at the top."""
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                target = f"{PREFIX}{name}" if f"{PREFIX}{name}" in self.fields else None
                for item in errors:
                    self.add_error(target, item.messages)
        else:
            self.add_error(None, error)

    def selected_channels(self) -> list[Channel]:
        return [self.channel_objects[pk] for pk in self.cleaned_data.get("channels", []) if pk in self.channel_objects]

    def planned(self) -> dt.datetime | None:
        return self.cleaned_data.get("planned_at") if self.cleaned_data.get("when") == LATER else None

    def raw_values(self) -> dict[str, str]:
        return dict(self.cleaned_data.get("values") or {})


class UrgentPostForm(forms.Form):
    """An urgent post: what it says (per language of the zone), where, why it cannot wait, and a fresh code."""

    title = forms.CharField(
        label=_("Working title"), max_length=200, help_text=_("Internal, never published."), required=True
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none(), required=True)
    locality = forms.ModelChoiceField(label=_("Locality"), queryset=Locality.objects.none(), required=False)
    channels = _ChannelChoice(label=_("Channels"), error_messages={"required": _("Tick at least one channel.")})
    reason = forms.CharField(
        label=_("Why it cannot wait for a review"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why this post cannot wait for a review.")},
    )
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=20,
        help_text=_("The 6 digits your app shows now: a code already used to sign in does not work again."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*", "size": 8}
        ),
        error_messages={"required": _("Type the code your authenticator app shows now.")},
    )

    def __init__(
        self,
        *args: Any,
        zone: Zone,
        categories: list[Category],
        localities: list[Locality],
        channels: list[Channel],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.languages = languages_of(zone.languages)
        self.fields["category"].queryset = Category.objects.filter(pk__in=[c.pk for c in categories]).order_by("name")
        self.fields["locality"].queryset = Locality.objects.filter(pk__in=[c.pk for c in localities]).order_by("name")
        self.channel_objects = {str(c.pk): c for c in channels}
        self.fields["channels"].choices = [(str(c.pk), c.label) for c in channels]
        self.fields["channels"].initial = [str(c.pk) for c in channels if c.ticked_by_default]
        bilingual = len(self.languages) > 1
        for language in self.languages:
            label = _("Text") if not bilingual else (_("Text in French") if language == "fr" else _("Text in Dutch"))
            self.fields[f"text_{language}"] = forms.CharField(
                label=label,
                max_length=5000,
                widget=forms.Textarea(
                    attrs={"rows": 4, "lang": language, "data-x-counter": f"xcount-id_text_{language}"}
                ),
                error_messages={"required": _("Write the text of the post.")},
            )
        # Reason and code last: the order a person fills the page in.
        self.order_fields(["title", "category", "locality", *[f"text_{lang}" for lang in self.languages]])
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select")
            elif not isinstance(field.widget, forms.CheckboxSelectMultiple):
                field.widget.attrs.setdefault("class", "form-control")

    def full_clean(self) -> None:
        super().full_clean()
        _mark_invalid(self)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for language in self.languages:
            if f"text_{language}" in cleaned:
                cleaned[f"text_{language}"] = clean_text(cleaned[f"text_{language}"]).strip()
        return cleaned

    def text_fields(self) -> list[forms.BoundField]:
        return [self[f"text_{lang}"] for lang in self.languages]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "main_texts": {lang: data.get(f"text_{lang}", "") for lang in self.languages},
            "channels": [self.channel_objects[pk] for pk in data["channels"] if pk in self.channel_objects],
            "category": data["category"],
            "locality": data.get("locality"),
            "reason": data["reason"],
            "code": data["code"],
        }

    def add_service_error(self, error: ValidationError) -> None:
        code = getattr(error, "code", None)
        if code in ("code", "no_device"):
            self.add_error("code", error)
        elif code == "reason":
            self.add_error("reason", error)
        else:
            self.add_error(None, error)


class AcknowledgeForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment for the author (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )

    def clean_comment(self) -> str:
        return clean_text(self.cleaned_data.get("comment") or "").strip()

"""The form of a template (issue 13, point 1): name, category, hashtags, one text per ticked channel with its
{placeholders}, the kind of each free placeholder, and an optional follow-up per channel with its delay.

The placeholders asked about are those of the texts as typed: a new {name} in a text gets its kind question when
the page comes back (after "Check the placeholders" or a save refused for it). Nothing typed is lost on an error:
every field is rendered from what was posted. The rules of a sound template are ``editorial.templating``'s and
the service's; the form only puts their answers at the right field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from editorial import templating
from editorial.errors import WorkflowError
from editorial.forms.common import clean_text
from editorial.forms.posts import error_summary
from editorial.models import Category, Channel, Template, TemplateVersion, validate_hashtags
from editorial.templating import Kind, Placeholder

TEXT_MAX = 5000
FOLLOW_UP_MAX_MINUTES = 7 * 24 * 60


class _TextField(forms.CharField):
    def to_python(self, value: Any) -> str:
        return clean_text(super().to_python(value)).strip()


@dataclass(frozen=True)
class ChannelBlock:
    channel: Channel
    ticked: forms.BoundField
    text: forms.BoundField
    follow_up: forms.BoundField
    checked: bool


@dataclass(frozen=True)
class PlaceholderRow:
    name: str
    standard: bool
    kind_label: str  # for a standard one
    kind: forms.BoundField | None  # for a free one
    label: forms.BoundField | None
    max_length: forms.BoundField | None


class TemplateForm(forms.Form):
    name = _TextField(
        label=_("Name"),
        max_length=120,
        help_text=_("As the team will look for it, e.g. “Radar control”."),
        error_messages={"required": _("Give the template a name.")},
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("— no category —"),
        help_text=_("Unit heads publish a template only under a right for its category."),
    )
    hashtags = _TextField(
        label=_("Hashtags"),
        max_length=200,
        required=False,
        validators=[validate_hashtags],
        help_text=_(
            "The hashtags the texts carry, separated by spaces, e.g. #controle #radar; each must be written in a "
            "text. Write {locality_hashtag} in a text for the place's."
        ),
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one channel.")},
    )
    follow_up_after_minutes = forms.IntegerField(
        label=_("Follow-up after (minutes)"),
        required=False,
        min_value=1,
        max_value=FOLLOW_UP_MAX_MINUTES,
        help_text=_("Proposed delay when the message gives no end time ({until}); e.g. 120 for two hours."),
        error_messages={
            "invalid": _("Write the delay as a whole number of minutes, e.g. 120."),
            "min_value": _("The follow-up comes at least one minute after."),
            "max_value": _("The follow-up comes at most a week (10080 minutes) after."),
        },
    )

    def __init__(
        self,
        data: Any = None,
        *,
        zone: Any,
        channels: list[Channel],
        categories: list[Category],
        template: Template | None = None,
    ) -> None:
        version: TemplateVersion | None = template.current_version if template is not None else None
        initial: dict[str, Any] = {}
        if template is not None and version is not None:
            initial = {
                "name": template.name,
                "category": template.category_id,
                "hashtags": version.hashtags,
                "channels": [str(k) for k in version.texts],
                "follow_up_after_minutes": version.follow_up_after_minutes,
            }
            initial |= {f"text_{k}": v for k, v in version.texts.items()}
            initial |= {f"follow_up_{k}": v for k, v in version.follow_up_texts.items()}
            for p in templating.declared(version.placeholders):
                if p.name not in templating.STANDARD or p.kind != templating.STANDARD[p.name]:
                    initial |= {f"kind_{p.name}": p.kind, f"label_{p.name}": p.label, f"max_{p.name}": p.max_length}
        super().__init__(data, initial=initial)
        self.zone = zone
        self.template = template
        self.channel_list = channels
        self.channel_map = {str(c.pk): c for c in channels}
        self.fields["category"].queryset = Category.objects.filter(pk__in=[c.pk for c in categories]).order_by("name")
        self.fields["channels"].choices = [(str(c.pk), c.label) for c in channels]
        for channel in channels:
            self.fields[f"text_{channel.pk}"] = _TextField(
                label=_("Text for %(channel)s") % {"channel": channel.label},
                max_length=TEXT_MAX,
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
            )
            self.fields[f"follow_up_{channel.pk}"] = _TextField(
                label=_("Follow-up for %(channel)s (optional)") % {"channel": channel.label},
                max_length=TEXT_MAX,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        # The placeholders the texts use, and those whose answers were posted although the texts no longer use
        # them (kept on the page, so that nothing typed is lost; not declared).
        self.used_names = self._names()
        self.placeholder_names = self.used_names + [n for n in self._posted_names() if n not in self.used_names]
        for name in self.placeholder_names:
            if name in templating.STANDARD:
                continue
            self.fields[f"kind_{name}"] = forms.ChoiceField(
                label=_("Kind of {%(name)s}") % {"name": name},
                choices=[("", _("— choose —")), *Kind.CHOICES],
                required=False,
            )
            self.fields[f"label_{name}"] = _TextField(
                label=_("Label of {%(name)s} (shown to who fills it)") % {"name": name},
                max_length=60,
                required=False,
            )
            self.fields[f"max_{name}"] = forms.IntegerField(
                label=_("Length limit of {%(name)s}") % {"name": name},
                required=False,
                min_value=1,
                max_value=templating.TEXT_MAX_LIMIT,
                error_messages={
                    "invalid": _("Write the length limit as a whole number of characters."),
                    "min_value": _("The length limit is at least one character."),
                    "max_value": _("A free placeholder takes at most %(limit_value)s characters."),
                },
            )

    # --- What was typed ---------------------------------------------------------------------------------------

    def _raw(self, name: str) -> str:
        value = self[name].value() if name in self.fields else None
        return clean_text(str(value or ""))

    def _ticked_ids(self) -> list[str]:
        value = self["channels"].value() or []
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in value if str(v) in self.channel_map]

    def _typed_texts(self) -> list[str]:
        ticked = self._ticked_ids()
        texts = [self._raw(f"text_{cid}") for cid in ticked]
        return texts + [self._raw(f"follow_up_{cid}") for cid in ticked]

    def _posted_names(self) -> list[str]:
        if not self.is_bound:
            return []
        names: dict[str, None] = {}
        for key in self.data:
            prefix, _sep, name = str(key).partition("_")
            if (
                prefix in ("kind", "label", "max")
                and templating.NAME_RE.match(name)
                and name not in templating.STANDARD
            ):
                names.setdefault(name, None)
        return list(names)[:20]

    def _names(self) -> list[str]:
        names: dict[str, None] = {}
        for text in self._typed_texts():
            for name in templating.names_in(text):
                names.setdefault(name, None)
        return list(names)

    # --- Checks --------------------------------------------------------------------------------------------------

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        ticked = [self.channel_map[cid] for cid in self._ticked_ids()]
        for channel in ticked:
            if not cleaned.get(f"text_{channel.pk}") and f"text_{channel.pk}" not in self.errors:
                self.add_error(f"text_{channel.pk}", _("Write the text for %(channel)s.") % {"channel": channel.label})
        for name in self.used_names:
            if name in templating.STANDARD:
                continue
            kind = cleaned.get(f"kind_{name}")
            if not kind:
                self.add_error(
                    f"kind_{name}",
                    _("Say what {%(name)s} is: a locality, a road, a time, a date or a short text.") % {"name": name},
                )
            elif kind == Kind.TEXT and not cleaned.get(f"max_{name}") and f"max_{name}" not in self.errors:
                self.add_error(f"max_{name}", _("A short free text needs its length limit, e.g. 60."))
        # The hashtags are the template's own (shown where it is listed and reviewed) and are published only as the
        # texts write them: one listed and written in no text would promise what never goes out.
        main_texts = " ".join(cleaned.get(f"text_{channel.pk}") or "" for channel in ticked).casefold()
        absent = [tag for tag in (cleaned.get("hashtags") or "").split() if tag.casefold() not in main_texts]
        if absent and "hashtags" not in self.errors:
            self.add_error(
                "hashtags",
                _("Write %(tags)s in a text, or take it off the list: hashtags go out only as the texts write them.")
                % {"tags": ", ".join(absent)},
            )
        if not self.errors:
            texts = self._typed_texts()
            for problem in templating.template_problems(texts, templating.placeholders_for(texts, self.placeholders())):
                self.add_error(None, problem)
        return cleaned

    def placeholders(self) -> list[Placeholder]:
        """The declarations of the free placeholders as typed (the standard ones need none)."""
        declared = []
        for name in self.used_names:
            if name in templating.STANDARD:
                continue
            kind = self.cleaned_data.get(f"kind_{name}") if hasattr(self, "cleaned_data") else None
            if not kind:
                continue
            declared.append(
                Placeholder(
                    name=name,
                    kind=kind,
                    label=self.cleaned_data.get(f"label_{name}") or "",
                    max_length=self.cleaned_data.get(f"max_{name}") if kind == Kind.TEXT else None,
                )
            )
        return declared

    def service_kwargs(self) -> dict[str, Any]:
        ticked = [self.channel_map[cid] for cid in self._ticked_ids()]
        data = self.cleaned_data
        return {
            "name": data["name"],
            "category": data.get("category"),
            "hashtags": data.get("hashtags", ""),
            "texts": {channel: data.get(f"text_{channel.pk}", "") for channel in ticked},
            "follow_up_texts": {
                channel: data[f"follow_up_{channel.pk}"] for channel in ticked if data.get(f"follow_up_{channel.pk}")
            },
            "follow_up_after_minutes": data.get("follow_up_after_minutes"),
            "placeholders": self.placeholders(),
        }

    def add_refusal(self, error: WorkflowError) -> None:
        """A refusal of the service at its field (the name), or at the top."""
        for refusal in error.error_list:
            field = {"name": "name", "channels": "channels"}.get(refusal.code or "")
            self.add_error(field, refusal)

    # --- Rendering -----------------------------------------------------------------------------------------------

    def error_summary(self) -> list[tuple[str, str]]:
        return error_summary(self)

    def channel_blocks(self) -> list[ChannelBlock]:
        ticked = set(self._ticked_ids())
        choices = list(self["channels"])
        return [
            ChannelBlock(
                channel=channel,
                ticked=choices[i],
                text=self[f"text_{channel.pk}"],
                follow_up=self[f"follow_up_{channel.pk}"],
                checked=str(channel.pk) in ticked,
            )
            for i, channel in enumerate(self.channel_list)
        ]

    def placeholder_rows(self) -> list[PlaceholderRow]:
        kinds = dict(Kind.CHOICES)
        rows = []
        for name in self.placeholder_names:
            if name in templating.STANDARD:
                rows.append(
                    PlaceholderRow(
                        name=name,
                        standard=True,
                        kind_label=str(kinds[templating.STANDARD[name]]),
                        kind=None,
                        label=None,
                        max_length=None,
                    )
                )
            else:
                rows.append(
                    PlaceholderRow(
                        name=name,
                        standard=False,
                        kind_label="",
                        kind=self[f"kind_{name}"],
                        label=self[f"label_{name}"],
                        max_length=self[f"max_{name}"],
                    )
                )
        return rows


class RetireForm(forms.Form):
    reason = _TextField(label=_("Why retire it (optional)"), max_length=1000, required=False)

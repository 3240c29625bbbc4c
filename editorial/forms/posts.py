"""The drafting form (one text and images per channel, built from the zone's channels), comments and sharing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from editorial import services
from editorial.forms.common import ZoneTimeFormMixin, clean_text
from editorial.images import clean_image
from editorial.models import Category, Channel, Locality, Post, PostVariant, Unit, Zone
from editorial.selectors.posts import PreviewImage, media_url
from editorial.xtext import MAX_WEIGHTED_LENGTH, XCount, parse_tweet

FACEBOOK_MAX_CHARS = 63_206
X_MAX_IMAGES = 4
ALT_MAX_CHARS = 1_000
_IMAGE_ACCEPT = "image/jpeg,image/png,image/gif,image/webp"
ALT_REQUIRED = _("Describe the image for people who cannot see it.")


def _clean(value: Any) -> str:
    return clean_text(value or "").strip()


class TextField(forms.CharField):
    """Text cleaned (CRLF to LF, control characters dropped) before validation: a stray NUL is removed, not refused,
    and never reaches PostgreSQL, which would refuse it."""

    def to_python(self, value: Any) -> str:
        return _clean(super().to_python(value))


@dataclass(frozen=True)
class ExistingImage:
    preview: PreviewImage
    alt: forms.BoundField
    remove: forms.BoundField


@dataclass(frozen=True)
class ChannelBlock:
    """One channel's part of the drafting page: its text, its images, its preview."""

    channel: Channel
    chosen: bool
    text: forms.BoundField
    text_value: str
    x_count: XCount | None
    image: forms.BoundField
    image_alt: forms.BoundField
    existing: list[ExistingImage]
    images: list[PreviewImage]


class PostForm(ZoneTimeFormMixin, forms.Form):
    zone_time_fields = ("planned_at",)
    future_fields = ("planned_at",)

    title = TextField(label=_("Working title"), max_length=200, help_text=_("Internal, never published."))
    category = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int, empty_value=None)
    locality = forms.TypedChoiceField(label=_("Locality"), required=False, coerce=int, empty_value=None)
    planned_at = forms.DateTimeField(
        label=_("Planned for"),
        required=False,
        help_text=_("Brussels time. It may stay empty while drafting; it is needed before review."),
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one channel.")},
    )

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        zone: Zone,
        channels: list[Channel],
        categories: list[Category],
        localities: list[Locality],
        post: Post | None = None,
        variants: list[PostVariant] | None = None,
    ) -> None:
        self.zone = zone
        self.post = post
        self.channel_list = channels
        self.categories = {c.pk: c for c in categories}
        self.localities = {loc.pk: loc for loc in localities}
        self.variants = {v.channel_id: v for v in variants or []}
        super().__init__(data, files, initial=self._initial_from_post())
        self.fields["category"].choices = [("", "---------"), *((c.pk, c.name) for c in categories)]
        self.fields["locality"].choices = [("", "---------"), *((loc.pk, loc.name) for loc in localities)]
        self.fields["channels"].choices = [(str(c.pk), self._channel_label(c)) for c in channels]
        for channel in channels:
            self._add_channel_fields(channel)
        self._setup_zone_times(zone)
        self.new_media: list[services.NewMedia] = []
        self.media_alt_texts: dict[int, str] = {}
        self.media_remove: list[int] = []

    # --- Building ------------------------------------------------------------------------------------------

    def _initial_from_post(self) -> dict[str, Any]:
        post = self.post
        if post is None:
            return {}
        initial: dict[str, Any] = {
            "title": post.title,
            "category": post.category_id,
            "locality": post.locality_id,
            "channels": [str(channel_id) for channel_id in self.variants],
        }
        if post.planned_at is not None:
            # The widget shows minutes: seconds would make an untouched time look changed (and void an approval).
            initial["planned_at"] = post.planned_at.replace(second=0, microsecond=0)
            local = post.planned_at.astimezone(self.zone.tzinfo)
            if local.utcoffset() != local.replace(fold=1 - local.fold).utcoffset():
                initial["planned_at_fold"] = local.fold
        for channel_id, variant in self.variants.items():
            initial[f"text_{channel_id}"] = variant.text
            for media in variant.media.all():
                initial[f"alt_{media.pk}"] = media.alt_text
        return initial

    @staticmethod
    def _channel_label(channel: Channel) -> str:
        label = f"{channel.name} · {channel.get_kind_display()} · {channel.handle}"
        if channel.status != Channel.Status.ACTIVE:
            label += f" ({channel.get_status_display()})"
        return label

    def _add_channel_fields(self, channel: Channel) -> None:
        cid = channel.pk
        attrs = {"rows": 6, "class": "js-post-text", "data-channel": str(cid)}
        if channel.kind == Channel.Kind.X:
            attrs["data-x-counter"] = f"xcount-{cid}"
            help_text = _(
                "Counted as X counts it (a link is 23, an emoji 2): at most 280. It may stay empty while drafting; "
                "it is needed before review."
            )
        else:
            help_text = _("At most 63,206 characters. It may stay empty while drafting; it is needed before review.")
        self.fields[f"text_{cid}"] = TextField(
            label=_("Text for %(channel)s") % {"channel": channel.name},
            required=False,
            widget=forms.Textarea(attrs=attrs),
            help_text=help_text,
        )
        self.fields[f"image_{cid}"] = forms.FileField(
            label=_("Add an image"),
            required=False,
            widget=forms.FileInput(attrs={"accept": _IMAGE_ACCEPT}),
            help_text=_("JPEG, PNG, GIF or WebP.")
            if channel.kind != Channel.Kind.X
            else _("JPEG, PNG, GIF or WebP; X takes 4 images at most."),
        )
        self.fields[f"image_alt_{cid}"] = TextField(
            label=_("Alternative text of the new image"),
            required=False,
            max_length=ALT_MAX_CHARS,
            help_text=_("What the image shows, for people who cannot see it."),
        )
        variant = self.variants.get(cid)
        for media in variant.media.all() if variant else []:
            self.fields[f"alt_{media.pk}"] = TextField(
                label=_("Alternative text"), required=False, max_length=ALT_MAX_CHARS
            )
            self.fields[f"remove_{media.pk}"] = forms.BooleanField(label=_("Remove this image"), required=False)

    # --- Checking ------------------------------------------------------------------------------------------

    def clean_title(self) -> str:
        return " ".join(_clean(self.cleaned_data.get("title")).split())

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        self.clean_zone_times(cleaned_data)
        self._keep_untouched_time(cleaned_data)
        category_id, locality_id = cleaned_data.get("category"), cleaned_data.get("locality")
        cleaned_data["category"] = self.categories.get(category_id) if category_id else None
        cleaned_data["locality"] = self.localities.get(locality_id) if locality_id else None
        chosen_ids = {int(pk) for pk in cleaned_data.get("channels") or []}
        self.chosen_channels = [c for c in self.channel_list if c.pk in chosen_ids]
        for channel in self.channel_list:
            name = f"text_{channel.pk}"
            cleaned_data[name] = _clean(cleaned_data.get(name))
            if channel.pk in chosen_ids:
                self._check_text(channel, cleaned_data[name])
                self._check_images(channel, cleaned_data)
            elif cleaned_data.get(f"image_{channel.pk}"):
                self.add_error(f"image_{channel.pk}", _("Tick this channel to attach an image to it."))
        return cleaned_data

    def _keep_untouched_time(self, cleaned_data: dict[str, Any]) -> None:
        """An untouched time keeps its stored value to the second, so that saving a title does not move it."""
        if self.post is None or "planned_at" in self.errors or "planned_at_fold" in self.errors:
            return
        if "planned_at" not in self.changed_data and "planned_at_fold" not in self.changed_data:
            cleaned_data["planned_at"] = self.post.planned_at

    def _check_text(self, channel: Channel, text: str) -> None:
        name = f"text_{channel.pk}"
        if not text:
            return
        if channel.kind == Channel.Kind.X:
            count = parse_tweet(text)
            if count.weighted_length > MAX_WEIGHTED_LENGTH:
                self.add_error(
                    name,
                    _("This text counts %(count)s characters on X; the limit is %(max)s.")
                    % {"count": count.weighted_length, "max": MAX_WEIGHTED_LENGTH},
                )
            elif not count.is_valid:
                self.add_error(name, _("This text holds a character X refuses (U+FEFF, U+FFFE or U+FFFF): remove it."))
        elif len(text) > FACEBOOK_MAX_CHARS:
            self.add_error(
                name,
                _("This text has %(count)s characters; Facebook takes at most %(max)s.")
                % {
                    "count": formats.number_format(len(text), force_grouping=True),
                    "max": formats.number_format(FACEBOOK_MAX_CHARS, force_grouping=True),
                },
            )

    def _check_images(self, channel: Channel, cleaned_data: dict[str, Any]) -> None:
        cid = channel.pk
        variant = self.variants.get(cid)
        kept = 0
        for media in variant.media.all() if variant else []:
            if cleaned_data.get(f"remove_{media.pk}"):
                self.media_remove.append(media.pk)
                continue
            kept += 1
            alt = _clean(cleaned_data.get(f"alt_{media.pk}"))
            if not alt:
                self.add_error(f"alt_{media.pk}", ALT_REQUIRED)
            else:
                self.media_alt_texts[media.pk] = alt
        upload = cleaned_data.get(f"image_{cid}")
        alt = _clean(cleaned_data.get(f"image_alt_{cid}"))
        if not upload:
            if alt and f"image_{cid}" not in self.errors:
                self.add_error(
                    f"image_{cid}", _("Choose the image this alternative text describes, or clear the text.")
                )
            return
        try:
            # What is kept, hashed and later published is the re-encoded copy, never the upload.
            image = clean_image(upload)
        except forms.ValidationError as error:
            self.add_error(f"image_{cid}", error)
            return
        if channel.kind == Channel.Kind.X and kept + 1 > X_MAX_IMAGES:
            self.add_error(
                f"image_{cid}",
                _("X takes at most %(max)s images per post: remove one before adding another.") % {"max": X_MAX_IMAGES},
            )
            return
        if not alt:
            self.add_error(f"image_alt_{cid}", ALT_REQUIRED)
            return
        self.new_media.append(services.NewMedia(channel=channel, image=image, alt_text=alt))

    # --- Results -------------------------------------------------------------------------------------------

    @property
    def texts(self) -> dict[Channel, str]:
        return {channel: self.cleaned_data[f"text_{channel.pk}"] for channel in self.chosen_channels}

    def create_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "texts": self.texts,
            "category": data["category"],
            "locality": data["locality"],
            "planned_at": data.get("planned_at"),
            "media_add": self.new_media,
        }

    def update_kwargs(self) -> dict[str, Any]:
        return {
            **self.create_kwargs(),
            "media_alt_texts": self.media_alt_texts,
            "media_remove": self.media_remove,
        }

    @property
    def lost_files(self) -> bool:
        """Browsers drop chosen files when the page comes back with an error."""
        return self.is_bound and bool(self.files) and bool(self.errors)

    # --- Showing -------------------------------------------------------------------------------------------

    def _chosen_ids(self) -> set[str]:
        value = self["channels"].value() or []
        return {str(v) for v in value}

    def channel_blocks(self) -> list[ChannelBlock]:
        chosen = self._chosen_ids()
        blocks = []
        for channel in self.channel_list:
            cid = channel.pk
            text_value = clean_text(str(self[f"text_{cid}"].value() or ""))
            variant = self.variants.get(cid)
            existing = []
            for media in variant.media.all() if variant else []:
                existing.append(
                    ExistingImage(
                        preview=PreviewImage(pk=media.pk, url=media_url(self.post, media), alt_text=media.alt_text),
                        alt=self[f"alt_{media.pk}"],
                        remove=self[f"remove_{media.pk}"],
                    )
                )
            blocks.append(
                ChannelBlock(
                    channel=channel,
                    chosen=str(cid) in chosen,
                    text=self[f"text_{cid}"],
                    text_value=text_value,
                    x_count=parse_tweet(text_value) if channel.kind == Channel.Kind.X else None,
                    image=self[f"image_{cid}"],
                    image_alt=self[f"image_alt_{cid}"],
                    existing=existing,
                    images=[e.preview for e in existing],
                )
            )
        return blocks

    def selected_hashtags(self) -> list[str]:
        tags: list[str] = []
        for field_name, options in (("category", self.categories), ("locality", self.localities)):
            try:
                chosen = options.get(int(self[field_name].value() or 0))
            except (TypeError, ValueError):
                chosen = None
            if isinstance(chosen, Category):
                tags += chosen.hashtag_list
            elif isinstance(chosen, Locality) and chosen.hashtag:
                tags.append(chosen.hashtag)
        return tags


class CommentForm(forms.Form):
    body = TextField(
        label=_("Your comment"),
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("The comment is empty.")},
    )

    def clean_body(self) -> str:
        body = _clean(self.cleaned_data.get("body"))
        if not body:
            raise forms.ValidationError(_("The comment is empty."))
        return body


class ShareForm(forms.Form):
    units = forms.MultipleChoiceField(
        label=_("Units that may read this post and comment on it"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unit_map = {u.pk: u for u in units}
        self.fields["units"].choices = [(str(u.pk), u.name) for u in units]

    @property
    def chosen_units(self) -> list[Unit]:
        return [self.unit_map[int(pk)] for pk in self.cleaned_data.get("units", [])]

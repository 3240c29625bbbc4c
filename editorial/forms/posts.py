"""The drafting form (compose once: a main text per language of the zone, each chosen channel's text following it
or adapted in place; the item's photos and links; images per channel), comments and sharing."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from editorial import services
from editorial.compose import (
    MAIN_TEXT_MISSING,
    NO_CHANNEL_FOR,
    X_MAX_IMAGES,
    channel_languages,
    languages_of,
    takes_images,
    text_from_main,
    text_limit_problem,
)
from editorial.forms.common import ZoneTimeFormMixin, clean_text
from editorial.images import clean_image
from editorial.models import Category, Channel, Item, ItemAttachment, Locality, Post, PostVariant, Unit, Zone
from editorial.selectors.posts import PreviewImage, media_url
from editorial.xtext import MAX_WEIGHTED_LENGTH, XCount, fit_proposal, parse_tweet, split_at_limit

ALT_MAX_CHARS = 1_000
_IMAGE_ACCEPT = "image/jpeg,image/png,image/gif,image/webp"
_IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".webp"}
ALT_REQUIRED = _("Describe the image for people who cannot see it.")
TITLE_FROM_TEXT_CHARS = 80
# Whole sentences per language: a language's name glued into a sentence does not agree in French or Dutch.
_MAIN_LABELS = {"fr": _("Main text in French"), "nl": _("Main text in Dutch")}


def _clean(value: Any) -> str:
    return clean_text(value or "").strip()


def _is_image(attachment: ItemAttachment) -> bool:
    return os.path.splitext(attachment.file.name or "")[1].lower() in _IMAGE_EXTENSIONS


def item_links(item: Item | None) -> list[str]:
    """The item's web addresses, one per line; only http(s) ones are offered (the item form checks them)."""
    if item is None:
        return []
    lines = (line.strip() for line in (item.links or "").splitlines())
    return [line for line in lines if line.lower().startswith(("https://", "http://"))]


def error_summary(form: forms.Form) -> list[tuple[str, str]]:
    """Every error of a bound form, for the summary at the top of its page (GOV.UK's error summary): (id of the
    field, message), in the order of the fields; the id is empty for an error of the whole form."""
    if not form.is_bound:
        return []
    summary: list[tuple[str, str]] = [("", str(message)) for message in form.non_field_errors()]
    for name in form.fields:
        if name not in form.errors:
            continue
        field = form[name]
        anchor = field.auto_id
        if isinstance(field.field.widget, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
            anchor = f"{anchor}_0"
        summary += [(anchor, str(message)) for message in field.errors]
    return summary


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
class MainBlock:
    """One main text: the language it is written in and its field."""

    language: str
    field: forms.BoundField


@dataclass(frozen=True)
class ChannelBlock:
    """One channel's part of the drafting page: its text (following the main text or adapted), its images, its
    preview, and on X the count, the part that does not fit and a proposal that does."""

    channel: Channel
    chosen: bool
    follows: bool
    text: forms.BoundField
    follows_field: forms.BoundField
    text_value: str
    x_count: XCount | None
    x_fits: str
    x_overflow: str
    x_proposal: str | None
    limit_problem: str | None
    image: forms.BoundField
    image_alt: forms.BoundField
    existing: list[ExistingImage]
    images: list[PreviewImage]

    @property
    def x_over(self) -> bool:
        return self.x_count is not None and self.x_count.weighted_length > MAX_WEIGHTED_LENGTH

    @property
    def x_proposal_count(self) -> int:
        return parse_tweet(self.x_proposal).weighted_length if self.x_proposal else 0


@dataclass(frozen=True)
class PhotoBlock:
    """One photo of the item, offered on the draft: tick it to publish it, with its alternative text."""

    attachment: ItemAttachment
    number: int
    url: str
    pick: forms.BoundField
    alt: forms.BoundField


class PostForm(ZoneTimeFormMixin, forms.Form):
    zone_time_fields = ("planned_at",)
    future_fields = ("planned_at",)

    title = TextField(
        label=_("Working title"),
        max_length=200,
        required=False,
        help_text=_("Internal, never published. Left empty, it is the beginning of the text."),
    )
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
        item: Item | None = None,
        attachments: Sequence[ItemAttachment] = (),
        initial_channels: Sequence[Channel] = (),
    ) -> None:
        self.zone = zone
        self.post = post
        self.item = item
        self.languages = languages_of(zone.languages)
        self.channel_list = channels
        self.categories = {c.pk: c for c in categories}
        self.localities = {loc.pk: loc for loc in localities}
        self.variants = {v.channel_id: v for v in variants or []}
        # The item's photos (never another item's: the view passes the post's own item).
        self.attachments = [a for a in attachments if item is not None and a.item_id == item.pk and _is_image(a)]
        self.initial_channels = list(initial_channels)
        super().__init__(data, files, initial=self._initial_from_post())
        self.fields["category"].choices = [("", "---------"), *((c.pk, c.name) for c in categories)]
        self.fields["locality"].choices = [("", "---------"), *((loc.pk, loc.name) for loc in localities)]
        self.fields["channels"].choices = [(str(c.pk), self._channel_label(c)) for c in channels]
        for lang in self.languages:
            self._add_main_field(lang)
        for channel in channels:
            self._add_channel_fields(channel)
        for attachment in self.attachments:
            self._add_photo_fields(attachment)
        self._setup_zone_times(zone)
        self.new_media: list[services.NewMedia] = []
        self.media_alt_texts: dict[int, str] = {}
        self.media_remove: list[int] = []
        self.photos: list[services.ItemPhoto] = []
        self.main_texts: dict[str, str] = {}
        self.follows: set[int] = set()

    # --- Building ------------------------------------------------------------------------------------------

    def _carried(self) -> dict[int, str]:
        """The item's photos the post publishes already: attachment id -> alternative text."""
        carried: dict[int, str] = {}
        for variant in self.variants.values():
            for media in variant.media.all():
                if media.source_id is not None:
                    carried.setdefault(media.source_id, media.alt_text)
        return carried

    def _initial_main(self) -> dict[str, str]:
        return dict(self.post.main_texts or {}) if self.post is not None else {}

    def _initial_from_post(self) -> dict[str, Any]:
        post = self.post
        main = self._initial_main()
        initial: dict[str, Any] = {f"main_{lang}": main.get(lang, "") for lang in self.languages}
        for channel in self.channel_list:
            initial[f"text_{channel.pk}"] = self.text_from_main(channel, main)
            initial[f"follows_{channel.pk}"] = "1"
        if post is None:
            initial["channels"] = [str(channel.pk) for channel in self.initial_channels]
            return initial
        initial |= {
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
            initial[f"follows_{channel_id}"] = "1" if variant.follows_main else "0"
            for media in variant.media.all():
                if media.source_id is None:
                    initial[f"alt_{media.pk}"] = media.alt_text
        for attachment_id, alt in self._carried().items():
            initial[f"photo_{attachment_id}"] = True
            initial[f"photo_alt_{attachment_id}"] = alt
        return initial

    @staticmethod
    def _channel_label(channel: Channel) -> str:
        # The label names the network, and the handle where the zone has two accounts on it.
        label = channel.label
        if channel.status != Channel.Status.ACTIVE:
            label += f" ({channel.get_status_display()})"
        return label

    def _add_main_field(self, lang: str) -> None:
        bilingual = len(self.languages) > 1
        self.fields[f"main_{lang}"] = TextField(
            label=_MAIN_LABELS[lang] if bilingual else _("Main text"),
            required=False,
            widget=forms.Textarea(
                attrs={
                    "rows": 6,
                    "class": "js-post-text js-main-text",
                    "data-post-text": True,
                    "data-channel-kind": "main",
                    "data-language": lang,
                    "lang": lang,
                }
            ),
            help_text=_("Written once: every channel ticked below starts from it. Adapt a channel's text below."),
        )

    def _add_channel_fields(self, channel: Channel) -> None:
        cid = channel.pk
        attrs: dict[str, Any] = {
            "rows": 5,
            "class": "js-post-text js-channel-text",
            "data-channel": str(cid),
            "data-post-text": True,
            "data-channel-kind": channel.kind,
            "data-language": channel.language,
        }
        languages = channel_languages(channel_language=channel.language, zone_languages=self.zone.languages)
        attrs["data-main-languages"] = " ".join(languages)
        if len(languages) == 1:
            attrs["lang"] = languages[0]
        if channel.kind == Channel.Kind.X:
            attrs["data-x-counter"] = f"xcount-{cid}"
            attrs["aria-describedby"] = f"xcount-{cid}"
            help_text = _(
                "Counted as X counts it (a link is 23, an emoji 2): at most 280 to submit it for review; a draft may "
                "be longer."
            )
        else:
            help_text = _("At most 63,206 characters to submit it for review.")
        self.fields[f"text_{cid}"] = TextField(
            label=_("Text for %(channel)s") % {"channel": channel.label},
            required=False,
            widget=forms.Textarea(attrs=attrs),
            help_text=help_text,
        )
        self.fields[f"follows_{cid}"] = forms.CharField(
            required=False, widget=forms.HiddenInput(attrs={"data-follows": str(cid)})
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
            if media.source_id is not None:
                continue  # a photo of the item: ticked or not in the photos of the item, for every channel at once
            self.fields[f"alt_{media.pk}"] = TextField(
                label=_("Alternative text"), required=False, max_length=ALT_MAX_CHARS
            )
            self.fields[f"remove_{media.pk}"] = forms.BooleanField(label=_("Remove this image"), required=False)

    def _add_photo_fields(self, attachment: ItemAttachment) -> None:
        aid = attachment.pk
        self.fields[f"photo_{aid}"] = forms.BooleanField(
            label=_("Publish this photo"),
            required=False,
            widget=forms.CheckboxInput(attrs={"data-photo": str(aid)}),
        )
        self.fields[f"photo_alt_{aid}"] = TextField(
            label=_("Alternative text"),
            required=False,
            max_length=ALT_MAX_CHARS,
            widget=forms.Textarea(attrs={"data-photo-alt": str(aid), "rows": 2}),
            help_text=_("What the photo shows, for people who cannot see it: written once for every channel."),
        )

    def text_from_main(self, channel: Channel, main: dict[str, str] | None = None) -> str:
        main = self.main_texts if main is None else main
        return text_from_main(main, channel_language=channel.language, zone_languages=self.zone.languages)

    # --- Checking ------------------------------------------------------------------------------------------

    @property
    def wants_submit(self) -> bool:
        """The officer asked to save and submit for review: the review's own checks apply before saving."""
        return self.is_bound and self.data.get("then") == "submit"

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
        self.main_texts = {lang: _clean(cleaned_data.get(f"main_{lang}")) for lang in self.languages}
        self._check_photos(cleaned_data)
        for channel in self.channel_list:
            name = f"text_{channel.pk}"
            text = _clean(cleaned_data.get(name))
            if channel.pk in chosen_ids:
                text = self._follow_or_keep(channel, text)
                self._check_images(channel, cleaned_data)
            elif cleaned_data.get(f"image_{channel.pk}"):
                self.add_error(f"image_{channel.pk}", _("Tick this channel to attach an image to it."))
            cleaned_data[name] = text
        if not cleaned_data.get("title") and "title" not in self.errors:
            cleaned_data["title"] = self._title_from_text(cleaned_data)
            if not cleaned_data["title"]:
                self.add_error("title", _("Give the post a working title, or write its text."))
        if self.wants_submit:
            self._check_before_review(cleaned_data)
        return cleaned_data

    def _follow_or_keep(self, channel: Channel, text: str) -> str:
        """A channel follows the main text when the page says so (``follows_<id>``, kept by drafting.js) and its
        text is the main text's or the one the page showed (a browser without script). Any other text is the
        officer's own: it is kept as written, whatever the flag says, so that nothing typed is ever replaced."""
        cid = channel.pk
        derived = self.text_from_main(channel)
        shown = _clean(self.initial.get(f"text_{cid}"))
        if self.data.get(self.add_prefix(f"follows_{cid}")) == "1" and text in (derived, shown):
            self.follows.add(cid)
            return derived
        return text

    def _title_from_text(self, cleaned_data: dict[str, Any]) -> str:
        texts = [*self.main_texts.values(), *(cleaned_data.get(f"text_{c.pk}", "") for c in self.chosen_channels)]
        first = next((text for text in texts if text), "")
        line = " ".join(first.split("\n", 1)[0].split())
        if len(line) <= TITLE_FROM_TEXT_CHARS:
            return line
        return line[:TITLE_FROM_TEXT_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"

    def _keep_untouched_time(self, cleaned_data: dict[str, Any]) -> None:
        """An untouched time keeps its stored value to the second, so that saving a title does not move it."""
        if self.post is None or "planned_at" in self.errors or "planned_at_fold" in self.errors:
            return
        if "planned_at" not in self.changed_data and "planned_at_fold" not in self.changed_data:
            cleaned_data["planned_at"] = self.post.planned_at

    def _check_photos(self, cleaned_data: dict[str, Any]) -> None:
        carried = self._carried()
        for attachment in self.attachments:
            aid = attachment.pk
            alt = _clean(cleaned_data.get(f"photo_alt_{aid}"))
            if not cleaned_data.get(f"photo_{aid}"):
                if alt and alt != carried.get(aid) and f"photo_alt_{aid}" not in self.errors:
                    self.add_error(
                        f"photo_{aid}", _("Tick “Publish this photo” to publish it, or clear its alternative text.")
                    )
                continue
            if not alt:
                if f"photo_alt_{aid}" not in self.errors:
                    self.add_error(f"photo_alt_{aid}", ALT_REQUIRED)
                continue
            image = None
            if aid not in carried:
                try:
                    # Re-encoded exactly as an upload is: what is published is the clean copy.
                    image = clean_image(attachment.file)
                except forms.ValidationError as error:
                    self.add_error(f"photo_{aid}", error)
                    continue
                except (OSError, ValueError):
                    self.add_error(f"photo_{aid}", _("This photo of the item cannot be read any more: untick it."))
                    continue
            self.photos.append(services.ItemPhoto(attachment=attachment, alt_text=alt, image=image))

    def _check_images(self, channel: Channel, cleaned_data: dict[str, Any]) -> None:
        cid = channel.pk
        variant = self.variants.get(cid)
        kept = len(self.photos) if takes_images(channel.kind) else 0
        too_many = f"photo_{self.photos[X_MAX_IMAGES].attachment.pk}" if kept > X_MAX_IMAGES else ""
        if channel.kind == Channel.Kind.X and too_many and too_many not in self.errors:
            self.add_error(
                too_many,
                _("X takes at most %(max)s images per post: publish fewer photos.") % {"max": X_MAX_IMAGES},
            )
        for media in variant.media.all() if variant else []:
            if media.source_id is not None:
                continue
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
            name = getattr(upload, "name", "") or "?"
            for message in error.messages:
                self.add_error(f"image_{cid}", f"{name}: {message}")
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

    def _check_before_review(self, cleaned_data: dict[str, Any]) -> None:
        """What review needs, said at each field before anything is saved (services.post_submit checks it again)."""
        empty_main: set[str] = set()
        if len(self.languages) > 1:
            # A bilingual zone writes every post in both languages, and publishes each on a channel of its own.
            for lang in self.languages:
                if not self.main_texts.get(lang):
                    empty_main.add(lang)
                    self.add_error(f"main_{lang}", MAIN_TEXT_MISSING[lang])
            covered = {lang for channel in self.chosen_channels for lang in languages_of(channel.language)}
            for lang in self.languages:
                if self.chosen_channels and lang not in covered:
                    self.add_error("channels", NO_CHANNEL_FOR[lang])
        for channel in self.chosen_channels:
            name = f"text_{channel.pk}"
            text = cleaned_data.get(name, "")
            if name in self.errors:
                continue
            if not text and channel.pk in self.follows:
                if not empty_main:
                    empty_main.update(self.languages)
                    self.add_error(f"main_{self.languages[0]}", _("Write the main text before review."))
            elif not text:
                self.add_error(name, _("Write the text for %(channel)s before review.") % {"channel": channel.label})
            elif problem := text_limit_problem(channel, text):
                self.add_error(name, problem)
        if cleaned_data.get("planned_at") is None and not {"planned_at", "planned_at_fold"} & set(self.errors):
            self.add_error("planned_at", _("Plan a date and time before review."))

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
            "main_texts": self.main_texts,
            "follows_main": [channel for channel in self.chosen_channels if channel.pk in self.follows],
        }

    def update_kwargs(self) -> dict[str, Any]:
        return {
            **self.create_kwargs(),
            "media_alt_texts": self.media_alt_texts,
            "media_remove": self.media_remove,
            "photos": self.photos if self.item is not None else None,
        }

    @property
    def lost_files(self) -> bool:
        """Browsers drop chosen files when the page comes back with an error."""
        return self.is_bound and bool(self.files) and bool(self.errors)

    # --- Showing -------------------------------------------------------------------------------------------

    def error_summary(self) -> list[tuple[str, str]]:
        return error_summary(self)

    def _chosen_ids(self) -> set[str]:
        value = self["channels"].value() or []
        return {str(v) for v in value}

    def main_blocks(self) -> list[MainBlock]:
        return [MainBlock(language=lang, field=self[f"main_{lang}"]) for lang in self.languages]

    def _shown_main(self) -> dict[str, str]:
        return {lang: clean_text(str(self[f"main_{lang}"].value() or "")).strip() for lang in self.languages}

    def channel_blocks(self) -> list[ChannelBlock]:
        chosen = self._chosen_ids()
        main = self._shown_main()
        blocks = []
        for channel in self.channel_list:
            cid = channel.pk
            text_value = clean_text(str(self[f"text_{cid}"].value() or ""))
            follows = str(self[f"follows_{cid}"].value() or "") == "1"
            variant = self.variants.get(cid)
            existing = []
            carried = []
            for media in variant.media.all() if variant else []:
                preview = PreviewImage(pk=media.pk, url=media_url(self.post, media), alt_text=media.alt_text)
                if media.source_id is not None:
                    carried.append(preview)
                    continue
                existing.append(
                    ExistingImage(preview=preview, alt=self[f"alt_{media.pk}"], remove=self[f"remove_{media.pk}"])
                )
            x_count = fits = overflow = proposal = None
            if channel.kind == Channel.Kind.X:
                x_count = parse_tweet(text_value)
                fits, overflow = split_at_limit(text_value)
                if overflow:
                    languages = channel_languages(channel_language=channel.language, zone_languages=self.zone.languages)
                    parts = [main[lang] for lang in languages] if follows else [text_value]
                    proposal = fit_proposal(parts)
            blocks.append(
                ChannelBlock(
                    channel=channel,
                    chosen=str(cid) in chosen,
                    follows=follows,
                    text=self[f"text_{cid}"],
                    follows_field=self[f"follows_{cid}"],
                    text_value=text_value,
                    x_count=x_count,
                    x_fits=fits or "",
                    x_overflow=overflow or "",
                    x_proposal=proposal,
                    limit_problem=text_limit_problem(channel, text_value.strip()) if text_value.strip() else None,
                    image=self[f"image_{cid}"],
                    image_alt=self[f"image_alt_{cid}"],
                    existing=existing,
                    images=carried + [e.preview for e in existing],
                )
            )
        return blocks

    def photo_blocks(self) -> list[PhotoBlock]:
        if self.item is None:
            return []
        return [
            PhotoBlock(
                attachment=attachment,
                number=number,
                url=reverse("editorial:item_attachment", args=[self.zone.slug, self.item.pk, attachment.pk]),
                pick=self[f"photo_{attachment.pk}"],
                alt=self[f"photo_alt_{attachment.pk}"],
            )
            for number, attachment in enumerate(self.attachments, start=1)
        ]

    def selected_hashtags(self) -> list[str]:
        tags: list[str] = []
        for field_name, options in (("category", self.categories), ("locality", self.localities)):
            try:
                chosen = options.get(int(self[field_name].value() or 0))
            except (TypeError, ValueError, OverflowError):
                chosen = None
            if isinstance(chosen, Category):
                tags += chosen.hashtag_list
            elif isinstance(chosen, Locality) and chosen.hashtag:
                tags.append(chosen.hashtag)
        return list(dict.fromkeys(tags))


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

"""Every state change of the editorial workflow: one function per transition (DESIGN.md section 4).

Each function checks the actor's right and the current state, changes state in one transaction with a row lock
or a conditional update, writes an AuditEvent, and schedules its side effects (e-mails, tasks) on commit.
Views, admin actions, commands and tasks call these; they never change state themselves.

Errors: ``PermissionDenied`` when the actor may not do it at all; ``WorkflowError`` (a ValidationError, so
forms can show it) when the action is refused in the current state or with this input.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.permissions import Right
from editorial import notifications, publishing
from editorial.audit import audit_record
from editorial.compose import language_gaps, languages_of, takes_images, text_from_main, text_limit_problem
from editorial.errors import WorkflowError
from editorial.fingerprint import post_fingerprint
from editorial.images import EXTENSIONS, CleanImage, clean_image
from editorial.locks import post_lock
from editorial.models import (
    VALUE_TEXT_FIELDS,
    CalendarFeed,
    Category,
    Channel,
    Comment,
    Item,
    ItemAttachment,
    Locality,
    Post,
    PostVariant,
    Review,
    SignOff,
    Unit,
    Value,
    ValueCheck,
    ValueVersion,
    VariantMedia,
    WeekTheme,
    Zone,
)
from editorial.selectors.posts import default_channels
from editorial.selectors.review import ValueText, value_texts


def post_snapshot(*, post: Post) -> dict[str, Any]:
    """What a reviewer reads, kept with their review so that a later version can be compared with it."""
    variants = PostVariant.objects.filter(post=post).select_related("channel").prefetch_related("media")
    return {
        "planned_at": post.planned_at.astimezone(UTC).isoformat() if post.planned_at else None,
        "variants": [
            {
                "channel_id": variant.channel_id,
                "channel": str(variant.channel),
                "text": variant.text,
                "media": [m.alt_text for m in variant.media.all()],
            }
            for variant in variants.order_by("channel__kind", "channel_id")
        ],
    }


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _require_same_zone(zone: Zone, *objects: Any) -> None:
    """Categories, localities, units and channels of another zone are refused as if they did not exist."""
    _require(all(obj is None or obj.zone_id == zone.pk for obj in objects))


# Marks a keyword argument the caller did not give, so that None can mean "clear this field".
UNCHANGED: Any = object()


# --- Items ---------------------------------------------------------------------------------------------


def item_submit(
    *,
    actor: Any,
    zone: Zone,
    unit: Unit,
    title: str,
    facts: str,
    category: Category | None = None,
    locality: Locality | None = None,
    wanted_start: datetime | None = None,
    wanted_end: datetime | None = None,
    confidentiality_notes: str = "",
    attachments: Sequence[File] = (),
    links: str = "",
) -> Item:
    """A unit head submits an item for their own unit (an officer may submit for any unit of the zone); the zone's
    officers are told by e-mail.

    ``attachments`` are photos the officer may use; each is stored re-encoded without metadata
    (``editorial.images``), and an unreadable one is refused with a ``WorkflowError``. ``links``: web addresses
    the post may give, one per line (the form checks them)."""
    _require(permissions.has_right(actor, zone, Right.SUBMIT_ITEM))
    is_officer = permissions.has_right(actor, zone, Right.TRIAGE_ITEMS)
    _require_same_zone(zone, unit, category, locality)
    _require(is_officer or unit.pk in permissions.unit_ids_in(actor, zone))
    if wanted_start and wanted_end and wanted_end < wanted_start:
        raise WorkflowError(_("The wanted window ends before it starts."))
    attachments = [_stored_image(upload) for upload in attachments]
    with transaction.atomic():
        item = Item.objects.create(
            zone=zone,
            unit=unit,
            submitted_by=actor,
            title=title,
            facts=facts,
            category=category,
            locality=locality,
            wanted_start=wanted_start,
            wanted_end=wanted_end,
            confidentiality_notes=confidentiality_notes,
            links=links.strip(),
        )
        for upload in attachments:
            ItemAttachment.objects.create(item=item, file=upload)
        audit_record(
            action="editorial.item.submit",
            actor=actor,
            zone=zone,
            obj=item,
            data={"unit": unit.name, "attachments": len(attachments)},
        )
        # The zone's officers learn of the new item (a rolled-back submission tells nobody).
        transaction.on_commit(lambda: notifications.item_submitted(item_id=item.pk))
    return item


def _item_leave_new(item: Item, **changes: Any) -> None:
    """Move a new item to its next state with a conditional update: of two officers acting at once, the
    second is told the item was handled, instead of handling it twice."""
    updated = Item.objects.filter(pk=item.pk, status=Item.Status.NEW).update(updated_at=timezone.now(), **changes)
    if updated != 1:
        raise WorkflowError(_("This item has already been handled."))


def item_take_up(*, actor: Any, item: Item) -> Post:
    """The officer takes an item up: it becomes a draft post linked to it, with the item's title, category,
    locality and wanted start, and the channels ticked by default (the category's, else the zone's), each
    following the main text still to write. The item's photos are offered on the draft, never attached here:
    a photo the officer does not pick is not published."""
    _require(permissions.has_right(actor, item.zone, Right.TRIAGE_ITEMS))
    channels = default_channels(zone=item.zone, category=item.category)
    with transaction.atomic():
        _item_leave_new(item, status=Item.Status.TAKEN_UP)
        post = Post.objects.create(
            zone=item.zone,
            item=item,
            author=actor,
            title=item.title,
            category=item.category,
            locality=item.locality,
            planned_at=item.wanted_start,
        )
        PostVariant.objects.bulk_create(
            [PostVariant(post=post, channel=channel, text="", follows_main=True) for channel in channels]
        )
        audit_record(
            action="editorial.item.take_up",
            actor=actor,
            zone=item.zone,
            obj=item,
            data={"post": post.pk, "channels": [channel.pk for channel in channels]},
        )
    item.refresh_from_db()
    return post


def item_decline(*, actor: Any, item: Item, reason: str) -> None:
    _require(permissions.has_right(actor, item.zone, Right.TRIAGE_ITEMS))
    reason = reason.strip()
    if not reason:
        raise WorkflowError(_("Say why the item is declined: the unit head will read it."))
    with transaction.atomic():
        _item_leave_new(item, status=Item.Status.DECLINED, decline_reason=reason)
        audit_record(action="editorial.item.decline", actor=actor, zone=item.zone, obj=item, data={"reason": reason})
    item.refresh_from_db()


# --- Posts ---------------------------------------------------------------------------------------------


def _stored_image(upload: File) -> CleanImage:
    """What may be stored of an image: the forms hand over cleaned ones; any other file is cleaned here, so that
    no caller can store an image with its metadata (EXIF position...) or a hash that is not the stored bytes'."""
    if isinstance(upload, CleanImage):
        return upload
    try:
        return clean_image(upload)
    except ValidationError as error:
        raise WorkflowError(error.messages) from None


@dataclass(frozen=True)
class NewMedia:
    """An image to attach to one channel's text; it is stored re-encoded without metadata.

    ``sha256`` is not used: the hash recorded (and fingerprinted) is always that of the stored bytes. It stays
    optional for callers written before images were re-encoded."""

    channel: Channel
    image: File
    alt_text: str
    sha256: str = ""


def _with_stored_images(media: Sequence[NewMedia]) -> list[NewMedia]:
    """Clean the images before the transaction: decoding a photo must not hold the post's row lock."""
    return [replace(new, image=_stored_image(new.image)) for new in media]


@dataclass(frozen=True)
class ItemPhoto:
    """A photo of the post's item that the officer picked, with its one alternative text: it goes to every
    channel of the post that takes images, re-encoded like an upload (``editorial.images.clean_image``), and
    ``VariantMedia.source`` records the photo it came from, so saving again adds no second copy.

    ``image``: its cleaned copy when the caller made it already (the form does, to say at the photo what is
    wrong with it); otherwise it is cleaned here, only for a channel that does not have it yet."""

    attachment: ItemAttachment
    alt_text: str
    image: File | None = None


def _with_cleaned_photos(
    post: Post, photos: Sequence[ItemPhoto] | None, channels: Iterable[Channel]
) -> list[ItemPhoto] | None:
    """Check that every photo is one of the post's item (so of its zone), and clean, before the transaction, those
    that some channel taking images does not carry yet."""
    if photos is None:
        return None
    photos = list(photos)
    _require(all(p.attachment.item_id is not None and p.attachment.item_id == post.item_id for p in photos))
    _require(post.item_id is None or post.item.zone_id == post.zone_id)
    wanted = {channel.pk for channel in channels if takes_images(channel.kind)}
    carried: dict[int, set[int]] = {}
    pairs = VariantMedia.objects.filter(variant__post=post, source__isnull=False)
    for source_id, channel_id in pairs.values_list("source_id", "variant__channel_id"):
        carried.setdefault(source_id, set()).add(channel_id)
    cleaned = []
    for photo in photos:
        if photo.image is None and not wanted <= carried.get(photo.attachment.pk, set()):
            try:
                image = _stored_image(photo.attachment.file)
            except (OSError, ValueError):
                raise WorkflowError(_("A photo of the item cannot be read any more: untick it.")) from None
            photo = replace(photo, image=image)
        elif photo.image is not None:
            photo = replace(photo, image=_stored_image(photo.image))
        cleaned.append(photo)
    return cleaned


def _copy(image: CleanImage) -> CleanImage:
    """A fresh file of the same clean bytes: each image row stores its own file (a file object is read once)."""
    image.seek(0)
    return CleanImage(image.read(), name=image.name, kind=image.kind)


def _media_apply(
    post: Post,
    *,
    add: Sequence[NewMedia] = (),
    alt_texts: Mapping[int, str] | None = None,
    remove: Iterable[int] = (),
    photos: Sequence[ItemPhoto] | None = None,
) -> None:
    """Add, re-describe and remove images of a post's texts (ids of another post are ignored); ``photos``, when
    given, are the item's photos the post publishes: each on every channel that takes images, the others off."""
    own = VariantMedia.objects.filter(variant__post=post)
    remove = set(remove)
    if remove:
        for media in own.filter(pk__in=remove):
            media.image.delete(save=False)
            media.delete()
    for media_id, alt in (alt_texts or {}).items():
        if media_id in remove:
            continue
        if not alt.strip():
            raise WorkflowError(_("Every image needs its alternative text."))
        own.filter(pk=media_id).update(alt_text=alt.strip())
    variants = {v.channel_id: v for v in PostVariant.objects.filter(post=post).select_related("channel")}
    for new in add:
        variant = variants.get(new.channel.pk)
        if variant is None:
            raise WorkflowError(_("An image was added for a channel the post does not use."))
        if not new.alt_text.strip():
            raise WorkflowError(_("Every image needs its alternative text."))
        # After the last image, even when earlier ones were removed (counting them would put it before others).
        last = variant.media.aggregate(last=Max("order"))["last"]
        order = 0 if last is None else last + 1
        image = _stored_image(new.image)
        # Named after its hash and real type: the name a browser sent may be anything.
        image.name = f"{image.sha256[:32]}.{image.extension}"
        VariantMedia.objects.create(
            variant=variant, image=image, alt_text=new.alt_text.strip(), sha256=image.sha256, order=order
        )
    if photos is not None:
        _photos_apply(post, photos, list(variants.values()))


def _photos_apply(post: Post, photos: Sequence[ItemPhoto], variants: list[PostVariant]) -> None:
    picked = {photo.attachment.pk: photo for photo in photos}
    for photo in photos:
        if not photo.alt_text.strip():
            raise WorkflowError(_("Every image needs its alternative text."))
    carried = list(VariantMedia.objects.filter(variant__post=post, source__isnull=False))
    by_variant: dict[int, dict[int, VariantMedia]] = {}
    kinds = {variant.pk: variant.channel.kind for variant in variants}
    for media in carried:
        if media.source_id not in picked or not takes_images(kinds.get(media.variant_id, "")):
            media.image.delete(save=False)
            media.delete()
            continue
        by_variant.setdefault(media.variant_id, {})[media.source_id] = media
    for variant in variants:
        if not takes_images(variant.channel.kind):
            continue
        have = by_variant.get(variant.pk, {})
        last = variant.media.aggregate(last=Max("order"))["last"]
        order = -1 if last is None else last
        for photo in photos:
            alt = photo.alt_text.strip()
            media = have.get(photo.attachment.pk)
            if media is not None:
                if media.alt_text != alt:
                    VariantMedia.objects.filter(pk=media.pk).update(alt_text=alt)
                continue
            if photo.image is None:
                raise WorkflowError(_("A photo of the item cannot be read any more: untick it."))
            image = _copy(photo.image)
            image.name = f"{image.sha256[:32]}.{image.extension}"
            order += 1
            VariantMedia.objects.create(
                variant=variant, image=image, alt_text=alt, sha256=image.sha256, order=order, source=photo.attachment
            )


def _check_texts(zone: Zone, texts: Mapping[Channel, str]) -> None:
    if not texts:
        raise WorkflowError(_("Choose at least one channel."))
    _require_same_zone(zone, *texts)


def _main_texts(zone: Zone, main_texts: Mapping[str, str]) -> dict[str, str]:
    """The main texts kept: one per language of the zone."""
    return {lang: (main_texts.get(lang) or "").strip() for lang in languages_of(zone.languages)}


def _channel_text(zone: Zone, main_texts: Mapping[str, str], channel: Channel) -> str:
    return text_from_main(main_texts, channel_language=channel.language, zone_languages=zone.languages)


def _require_delegated_draft(actor: Any, zone: Zone, *, category: Category | None, channels: list[Channel]) -> None:
    """Officers draft any post; a unit head only under a grant of scope "posts" that covers the post's category and
    every one of its channels. Read again at each save and submission: a right withdrawn while the form was open is
    refused (``PermissionDenied`` once no grant lets them draft at all, ``WorkflowError`` when their grants no
    longer cover this category or channel)."""
    _require(permissions.can_draft_post(actor, zone))
    if permissions.draft_right(actor, zone, category=category, channels=channels):
        return
    if category is None:
        raise WorkflowError(
            _("Choose the post's category: your delegated right covers some categories only."), code="not_delegated"
        )
    raise WorkflowError(
        _("Your delegated right does not cover the category “%(category)s” on every channel ticked.")
        % {"category": category.name},
        code="not_delegated",
    )


def post_create(
    *,
    actor: Any,
    zone: Zone,
    title: str,
    texts: Mapping[Channel, str],
    category: Category | None = None,
    locality: Locality | None = None,
    planned_at: datetime | None = None,
    media_add: Sequence[NewMedia] = (),
    main_texts: Mapping[str, str] | None = None,
    follows_main: Iterable[Channel] = (),
) -> Post:
    """A new draft with one text per chosen channel (and their images).

    ``main_texts``: the post's main text per language of the zone. The channels of ``follows_main`` take their
    text from it (``editorial.compose.text_from_main``), whatever ``texts`` says for them; the others keep the
    text given, as written."""
    _require(permissions.can_draft_post(actor, zone))
    _check_texts(zone, texts)
    _require_same_zone(zone, category, locality)
    _require_delegated_draft(actor, zone, category=category, channels=list(texts))
    main = _main_texts(zone, main_texts or {})
    following = {channel.pk for channel in follows_main}
    media_add = _with_stored_images(media_add)
    with transaction.atomic():
        post = Post.objects.create(
            zone=zone,
            author=actor,
            title=title,
            category=category,
            locality=locality,
            planned_at=planned_at,
            main_texts=main,
        )
        PostVariant.objects.bulk_create(
            [
                PostVariant(
                    post=post,
                    channel=channel,
                    text=_channel_text(zone, main, channel) if channel.pk in following else text,
                    follows_main=channel.pk in following,
                )
                for channel, text in texts.items()
            ]
        )
        _media_apply(post, add=media_add)
        audit_record(
            action="editorial.post.create",
            actor=actor,
            zone=zone,
            obj=post,
            data={"fingerprint": post_fingerprint(post=post)},
        )
    return post


def post_update(
    *,
    actor: Any,
    post: Post,
    texts: Mapping[Channel, str] | None = None,
    title: str | None = None,
    category: Category | None = UNCHANGED,
    locality: Locality | None = UNCHANGED,
    planned_at: datetime | None = UNCHANGED,
    media_add: Sequence[NewMedia] = (),
    media_alt_texts: Mapping[int, str] | None = None,
    media_remove: Iterable[int] = (),
    main_texts: Mapping[str, str] | None = None,
    follows_main: Iterable[Channel] = (),
    photos: Sequence[ItemPhoto] | None = None,
) -> Post:
    """Change a post; arguments not given stay as they are, None clears a category, locality or time.

    ``main_texts`` replaces the main texts; ``texts`` the channels and their texts, where the channels of
    ``follows_main`` follow the main text and every other one keeps the text given (an edited text stays as
    written). Every channel that follows the main text gets it again, from the main texts as saved: what is
    stored is what the main text makes. ``photos``, when given, are the item's photos to publish (see
    ``ItemPhoto``); the item's other photos come off.

    If what would be published changes (a text, a channel, an image or its alternative text, the planned time),
    an approval or a pending review is void: the post goes back to draft and must be reviewed again."""
    media_add = _with_stored_images(media_add)
    following = {channel.pk for channel in follows_main}
    if photos is not None:
        channels = list(texts) if texts is not None else [v.channel for v in post.variants.select_related("channel")]
        photos = _with_cleaned_photos(post, photos, channels)
    with transaction.atomic():
        post = post_lock(post)
        _require(permissions.can_edit_post(actor, post))
        if not permissions.has_right(actor, post.zone, Right.DRAFT_POST):
            # A unit head saves under a grant that covers what the post becomes.
            if category is not UNCHANGED:
                _require_same_zone(post.zone, category)
            if texts is not None:
                _check_texts(post.zone, texts)
            _require_delegated_draft(
                actor,
                post.zone,
                category=post.category if category is UNCHANGED else category,
                channels=list(texts)
                if texts is not None
                else [v.channel for v in post.variants.select_related("channel")],
            )
        before = post_fingerprint(post=post)
        if title is not None:
            post.title = title
        if category is not UNCHANGED:
            _require_same_zone(post.zone, category)
            post.category = category
        if locality is not UNCHANGED:
            _require_same_zone(post.zone, locality)
            post.locality = locality
        if planned_at is not UNCHANGED:
            post.planned_at = planned_at
        if main_texts is not None:
            post.main_texts = _main_texts(post.zone, main_texts)
        if texts is not None:
            _check_texts(post.zone, texts)
            PostVariant.objects.filter(post=post).exclude(channel__in=list(texts)).delete()
            for channel, text in texts.items():
                PostVariant.objects.update_or_create(
                    post=post, channel=channel, defaults={"text": text, "follows_main": channel.pk in following}
                )
        for variant in PostVariant.objects.filter(post=post, follows_main=True).select_related("channel"):
            text = _channel_text(post.zone, post.main_texts or {}, variant.channel)
            if variant.text != text:
                PostVariant.objects.filter(pk=variant.pk).update(text=text)
        _media_apply(post, add=media_add, alt_texts=media_alt_texts, remove=media_remove, photos=photos)
        post.save()
        after = post_fingerprint(post=post)
        data: dict[str, Any] = {"fingerprint_before": before, "fingerprint": after}
        if after != before and post.status in (Post.Status.APPROVED, Post.Status.IN_REVIEW):
            data["voided_status"] = post.status
            Post.objects.filter(pk=post.pk).update(
                status=Post.Status.DRAFT, approved_fingerprint="", approved_by=None, approved_at=None
            )
            data["publications_cancelled"] = publishing.publications_void(post=post)
            post.refresh_from_db()
        audit_record(action="editorial.post.update", actor=actor, zone=post.zone, obj=post, data=data)
    return post


_KINDS = {extension: kind for kind, extension in EXTENSIONS.items()} | {"jpeg": "JPEG"}


def _copied_image(media: VariantMedia) -> CleanImage:
    """A new file with the stored bytes of a post's image, its hash theirs. Bytes that are not those the desk stored
    (another hash than recorded) go through ``clean_image`` again, like any file coming in."""
    try:
        with media.image.open("rb") as handle:
            content = handle.read()
    except (OSError, ValueError):
        raise WorkflowError(
            _("An image of this post cannot be read any more: the post cannot be duplicated."), code="image_missing"
        ) from None
    kind = _KINDS.get(media.image.name.rsplit(".", 1)[-1].lower())
    image = CleanImage(content, name=media.image.name, kind=kind) if kind else None
    if image is None or image.sha256 != media.sha256:
        image = _stored_image(ContentFile(content, name=os.path.basename(media.image.name)))
    image.name = f"{image.sha256[:32]}.{image.extension}"
    return image


def _copy_title(title: str) -> str:
    """The working title marked as a copy, shortened (not the mark) to fit the field."""
    limit = Post._meta.get_field("title").max_length
    marked = _("%(title)s (copy)") % {"title": title}
    if len(marked) > limit:
        marked = _("%(title)s (copy)") % {"title": title[: len(title) - (len(marked) - limit) - 1] + "…"}
    return marked


def post_duplicate(*, actor: Any, post: Post) -> Post:
    """A new draft of the actor's made from ``post``, whatever its state (a published or cancelled post is the
    usual source: a recurring speed control, a yearly event): its texts, channels, category, locality, main texts
    and images with their alternative texts, each image a new file of the same bytes (so the same hash).

    Not copied: the planned time (the officer sets the new date), the approval, reviews, sign-offs, publications,
    comments, sharing and history, the item link (the new post is the actor's own, not the unit's item again), and
    the fast lane (an instance of a template or an urgent post becomes an ordinary draft, to be reviewed). The title
    is marked as a copy. A channel's text follows the main text only where it still is what the main text makes,
    so that no text changes from the source's. The fingerprint therefore differs from the source's by the planned
    time alone.

    ``PermissionDenied`` unless the actor reads the post and may draft in its zone; ``WorkflowError`` when a unit
    head's grants do not cover its category and channels (``not_delegated``) or an image cannot be read any more
    (``image_missing``)."""
    zone = post.zone
    _require(permissions.can_draft_post(actor, zone))
    _require(permissions.can_view_post(actor, post))
    media = VariantMedia.objects.order_by("order", "pk")
    variants = list(
        PostVariant.objects.filter(post=post)
        .select_related("channel")
        .prefetch_related(Prefetch("media", queryset=media))
        .order_by("channel_id")
    )
    channels = [variant.channel for variant in variants]
    _require_same_zone(zone, post.category, post.locality, *channels)
    _require_delegated_draft(actor, zone, category=post.category, channels=channels)
    main = _main_texts(zone, post.main_texts if isinstance(post.main_texts, dict) else {})
    # Reading the files outside the transaction: copying a photo must not hold the audit chain's lock.
    images = {m.pk: _copied_image(m) for variant in variants for m in variant.media.all()}
    with transaction.atomic():
        copy = Post.objects.create(
            zone=zone,
            author=actor,
            title=_copy_title(post.title),
            category=post.category,
            locality=post.locality,
            planned_at=None,
            main_texts=main,
        )
        for variant in variants:
            follows = variant.follows_main and variant.text == _channel_text(zone, main, variant.channel)
            new_variant = PostVariant.objects.create(
                post=copy, channel=variant.channel, text=variant.text, follows_main=follows
            )
            for old in variant.media.all():
                image = images[old.pk]
                VariantMedia.objects.create(
                    variant=new_variant, image=image, alt_text=old.alt_text, sha256=image.sha256, order=old.order
                )
        audit_record(
            action="editorial.post.duplicate",
            actor=actor,
            zone=zone,
            obj=copy,
            data={"source": post.pk, "fingerprint": post_fingerprint(post=copy), "images": len(images)},
        )
    return copy


def _require_every_language(post: Post, variants: Sequence[PostVariant]) -> None:
    """A post of a bilingual zone has a main text in each language of the zone, and each language is published
    by at least one of its channels. Refused with one whole sentence per missing piece (``compose.language_gaps``)."""
    missing = language_gaps(
        zone_languages=post.zone.languages,
        main_texts=post.main_texts,
        channel_settings=[v.channel.language for v in variants],
    )
    if missing:
        raise WorkflowError(missing)


def post_submit(*, actor: Any, post: Post) -> Post:
    """Draft -> in review: the directors of the zone are told by e-mail.

    Refused (``WorkflowError``) for anything but a draft with a channel, a text per channel and a planned time;
    in a bilingual zone, also while a language is missing (``_require_every_language``)."""
    with transaction.atomic():
        post = post_lock(post)
        _require(permissions.can_edit_post(actor, post))
        if post.status != Post.Status.DRAFT:
            raise WorkflowError(_("Only a draft can be submitted for review."))
        variants = list(PostVariant.objects.filter(post=post).select_related("channel"))
        if not variants:
            raise WorkflowError(_("Choose at least one channel."))
        if any(not v.text.strip() for v in variants):
            raise WorkflowError(_("Every channel needs its text before review."))
        # The networks' limits are enforced here, not when saving: a draft keeps whatever was typed.
        too_long = [problem for v in variants if (problem := text_limit_problem(v.channel, v.text))]
        if too_long:
            raise WorkflowError(too_long)
        if post.planned_at is None:
            raise WorkflowError(_("Plan a date and time before review."))
        _require_every_language(post, variants)
        if not permissions.has_right(actor, post.zone, Right.DRAFT_POST):
            _require_delegated_draft(actor, post.zone, category=post.category, channels=[v.channel for v in variants])
        Post.objects.filter(pk=post.pk).update(status=Post.Status.IN_REVIEW, updated_at=timezone.now())
        post.refresh_from_db()
        audit_record(
            action="editorial.post.submit",
            actor=actor,
            zone=post.zone,
            obj=post,
            data={"fingerprint": post_fingerprint(post=post)},
        )
        transaction.on_commit(lambda: notifications.post_awaits_review(post_id=post.pk))
        if post.category is not None and post.category.signoff_unit_id is not None:
            transaction.on_commit(lambda: notifications.post_awaits_signoff(post_id=post.pk))
    return post


@dataclass(frozen=True)
class ValueAnswer:
    confirmed: bool
    note: str = ""


def approval_checklist(
    *,
    zone: Zone,
    answers: Mapping[int, ValueAnswer],
    confidentiality_confirmed: bool,
    override_reason: str,
    findings: list[dict[str, Any]] | None,
    language: str,
) -> list[ValueText]:
    """The checklist of an approval, the same for a post and a template (DESIGN.md section 4): every active value
    of the zone confirmed, the confidentiality rules confirmed, and a reason for any finding of the scan.

    Returns the values as the director read them (in ``language`` when the zone has it), for
    ``value_checks_record``. Missing lines are refused all at once (``WorkflowError``), each with a code so that
    the page shows it at its line: ``values_unconfirmed``, ``confidentiality_unconfirmed``,
    ``override_reason_missing``."""
    values = value_texts(
        list(Value.objects.filter(zone=zone, is_active=True).order_by("order", "name")),
        zone=zone,
        language=language,
    )
    # Every missing line at once, so that the director completes the checklist in one go.
    missing: list[WorkflowError] = []
    unconfirmed = [v.name for v in values if not answers.get(v.pk, ValueAnswer(False)).confirmed]
    if unconfirmed:
        missing.append(
            WorkflowError(
                _("Confirm every value before approving (missing: %(values)s).") % {"values": ", ".join(unconfirmed)},
                code="values_unconfirmed",
            )
        )
    if not confidentiality_confirmed:
        missing.append(
            WorkflowError(
                _("Confirm that the confidentiality rules are respected."), code="confidentiality_unconfirmed"
            )
        )
    if findings and not override_reason.strip():
        missing.append(
            WorkflowError(
                _("The confidentiality scan found something: correct the text, or give the reason to publish anyway."),
                code="override_reason_missing",
            )
        )
    if missing:
        raise WorkflowError(missing)
    return values


def value_versions_current(*, values: Sequence[Value], actor: Any = None) -> dict[int, ValueVersion]:
    """The version of each value that holds its texts as they are now (by value id), written when its texts changed
    since its last version (or it has none yet): numbered after the last one, dated now, by ``actor`` (None when the
    change was not made through the admin, e.g. a value found changed when a review records its checks).

    One query when nothing changed; a changed value is locked while its version is written, so that two writers
    never number two versions alike. Call it inside a transaction."""
    if not values:
        return {}
    latest: dict[int, ValueVersion] = {}
    # Each value's last version wins (a value has a few versions in its life, never many).
    for version in ValueVersion.objects.filter(value__in=values).order_by("value_id", "number"):
        latest[version.value_id] = version
    current: dict[int, ValueVersion] = {}
    for value in values:
        version = latest.get(value.pk)
        if version is not None and version.same_texts(value):
            current[value.pk] = version
            continue
        Value.objects.select_for_update().filter(pk=value.pk).first()
        version = ValueVersion.objects.filter(value=value).order_by("-number").first()
        if version is None or not version.same_texts(value):
            version = ValueVersion.objects.create(
                value=value,
                number=(version.number + 1) if version is not None else 1,
                created_at=timezone.now(),
                created_by=actor,
                **{field: getattr(value, field) for field in VALUE_TEXT_FIELDS},
            )
        current[value.pk] = version
    return current


def value_checks_record(*, review: Review, values: Sequence[ValueText], answers: Mapping[int, ValueAnswer]) -> None:
    """One ValueCheck per value of an approval, with the value's text as the director read it and the value's
    version that holds that text (``value_versions_current``)."""
    versions = value_versions_current(values=[v.value for v in values])
    ValueCheck.objects.bulk_create(
        [
            ValueCheck(
                review=review,
                value=v.value,
                value_name=v.name,
                value_question=v.question,
                value_version=versions[v.pk],
                language=v.language,
                confirmed=True,
                note=answers[v.pk].note,
            )
            for v in values
        ]
    )


def post_approve(
    *,
    actor: Any,
    post: Post,
    reviewed_fingerprint: str,
    answers: Mapping[int, ValueAnswer],
    confidentiality_confirmed: bool,
    override_reason: str = "",
    findings: list[dict[str, Any]] | None = None,
    language: str = "",
) -> Review:
    """The director approves exactly the version they reviewed (``reviewed_fingerprint``).

    Refused unless every active value of the zone is confirmed, the confidentiality rules are confirmed, and
    any confidentiality finding is overridden with a reason (logged). The author never approves their post.
    ``language`` is the one the director read the checklist in (their interface's): each check keeps the value's
    text in that language when the zone has it (``selectors.review.value_texts``), and that language.
    Missing lines are refused all at once, each with a code so that the page shows it at its line:
    ``values_unconfirmed``, ``confidentiality_unconfirmed``, ``override_reason_missing``.
    """
    with transaction.atomic():
        # Rights depend on the state, so they are checked on the locked, current row.
        post = post_lock(post)
        _require(permissions.has_right(actor, post.zone, Right.REVIEW_POST))
        # A director who finds the post already handled is told so, not refused as if they had no right.
        if post.status != Post.Status.IN_REVIEW:
            raise WorkflowError(_("This post is no longer waiting for review."))
        _require(permissions.can_approve_post(actor, post))
        current = post_fingerprint(post=post)
        if current != reviewed_fingerprint:
            raise WorkflowError(_("The post changed while you were reviewing it: read it again before approving."))
        # A category may ask for a unit head's sign-off of exactly this version first (multi-step review).
        signoff_missing = None
        if not signoff_done(post=post, fingerprint=current):
            signoff_missing = WorkflowError(
                _("The head of %(unit)s must sign this post off before it is approved.")
                % {"unit": post.category.signoff_unit.name},
                code="signoff_missing",
            )
        try:
            values = approval_checklist(
                zone=post.zone,
                answers=answers,
                confidentiality_confirmed=confidentiality_confirmed,
                override_reason=override_reason,
                findings=findings,
                language=language,
            )
        except WorkflowError as error:
            if signoff_missing is None:
                raise
            raise WorkflowError([signoff_missing, *error.error_list]) from None
        if signoff_missing is not None:
            raise WorkflowError([signoff_missing])
        # Every approval is its own review, with this director's checks and notes, even of a version approved
        # before (voided by an edit, put back by another): the record says who approved what was published.
        review = Review.objects.create(
            post=post,
            reviewer=actor,
            decision=Review.Decision.APPROVE,
            fingerprint=current,
            confidentiality_confirmed=True,
            confidentiality_findings=findings or [],
            confidentiality_override_reason=override_reason.strip() if findings else "",
            snapshot=post_snapshot(post=post),
        )
        value_checks_record(review=review, values=values, answers=answers)
        now = timezone.now()
        updated = Post.objects.filter(pk=post.pk, status=Post.Status.IN_REVIEW).update(
            status=Post.Status.APPROVED, approved_fingerprint=current, approved_by=actor, approved_at=now
        )
        if updated != 1:
            raise WorkflowError(_("This post is no longer waiting for review."))
        post.refresh_from_db()
        publications = publishing.publications_prepare(post=post, actor=actor)
        audit_record(
            action="editorial.post.approve",
            actor=actor,
            zone=post.zone,
            obj=post,
            data={"fingerprint": current, "review": review.pk, "publications": [p.pk for p in publications]},
        )
        if findings:
            audit_record(
                action="editorial.post.confidentiality_override",
                actor=actor,
                zone=post.zone,
                obj=post,
                data={"reason": override_reason.strip(), "findings": findings, "fingerprint": current},
            )
        transaction.on_commit(lambda: notifications.post_reviewed(review_id=review.pk))
    post.refresh_from_db()
    return review


def signoff_done(*, post: Post, fingerprint: str) -> bool:
    """Whether the post may go to the director: its category asks for no sign-off, or the head of the unit it names
    signed off exactly this version (``fingerprint``: an edit after the sign-off voids it, like an approval)."""
    category = post.category
    if category is None or category.signoff_unit_id is None:
        return True
    return SignOff.objects.filter(post=post, unit_id=category.signoff_unit_id, fingerprint=fingerprint).exists()


def post_sign_off(*, actor: Any, post: Post, note: str = "", reviewed_fingerprint: str | None = None) -> SignOff:
    """The head of the unit the post's category names (``Category.signoff_unit``) confirms, before the director's
    approval, that nothing in the post compromises an investigation or a person. The sign-off is bound to the post's
    current fingerprint; ``reviewed_fingerprint``, when given, is the version the unit head read, and a post changed
    since is refused.

    ``PermissionDenied`` unless ``permissions.can_sign_off_post`` (a post in review); ``WorkflowError`` when the post
    is no longer in review (``not_in_review``), changed while it was read (``changed``), or this version is signed
    off already (``already_signed``)."""
    with transaction.atomic():
        post = post_lock(post)
        if post.status != Post.Status.IN_REVIEW and permissions.signs_off_for(actor, post):
            # The unit head is told why, rather than refused as if they had no right.
            raise WorkflowError(_("This post is no longer waiting for review."), code="not_in_review")
        _require(permissions.can_sign_off_post(actor, post))
        current = post_fingerprint(post=post)
        if reviewed_fingerprint is not None and reviewed_fingerprint != current:
            raise WorkflowError(
                _("The post changed while you were reading it: read it again before signing it off."), code="changed"
            )
        unit = post.category.signoff_unit
        if SignOff.objects.filter(post=post, unit=unit, fingerprint=current).exists():
            raise WorkflowError(_("This version is signed off already."), code="already_signed")
        signoff = SignOff.objects.create(post=post, unit=unit, signed_by=actor, fingerprint=current, note=note.strip())
        audit_record(
            action="editorial.post.sign_off",
            actor=actor,
            zone=post.zone,
            obj=post,
            data={"unit": unit.name, "fingerprint": current, "note": note.strip(), "signoff": signoff.pk},
        )
    return signoff


def post_request_changes(*, actor: Any, post: Post, comment: str) -> Review:
    """In review -> draft, with the director's comment for the officer."""
    _require(permissions.has_right(actor, post.zone, Right.REVIEW_POST))
    if not comment.strip():
        raise WorkflowError(_("Say what should change: the officer will read it."))
    with transaction.atomic():
        post = post_lock(post)
        if post.status != Post.Status.IN_REVIEW:
            raise WorkflowError(_("This post is no longer waiting for review."))
        current = post_fingerprint(post=post)
        review = Review.objects.create(
            post=post,
            reviewer=actor,
            decision=Review.Decision.REQUEST_CHANGES,
            comment=comment.strip(),
            fingerprint=current,
            snapshot=post_snapshot(post=post),
        )
        Post.objects.filter(pk=post.pk).update(status=Post.Status.DRAFT, updated_at=timezone.now())
        audit_record(
            action="editorial.post.request_changes",
            actor=actor,
            zone=post.zone,
            obj=post,
            data={"fingerprint": current, "comment": comment.strip()},
        )
        transaction.on_commit(lambda: notifications.post_reviewed(review_id=review.pk))
    return review


def comment_add(*, actor: Any, post: Post, body: str) -> Comment:
    _require(permissions.can_comment_post(actor, post))
    if not body.strip():
        raise WorkflowError(_("The comment is empty."))
    with transaction.atomic():
        comment = Comment.objects.create(post=post, author=actor, body=body.strip())
        audit_record(
            action="editorial.comment.add", actor=actor, zone=post.zone, obj=post, data={"comment": comment.pk}
        )
    return comment


def post_share(*, actor: Any, post: Post, units: Iterable[Unit]) -> None:
    """The officer lets unit heads of other units read a post (and comment on it); replaces the list."""
    _require(permissions.has_right(actor, post.zone, Right.DRAFT_POST))
    units = list(units)
    _require_same_zone(post.zone, *units)
    with transaction.atomic():
        post.shared_with_units.set(units)
        audit_record(
            action="editorial.post.share",
            actor=actor,
            zone=post.zone,
            obj=post,
            data={"units": sorted(unit.name for unit in units)},
        )


# --- Plan ----------------------------------------------------------------------------------------------


def week_theme_add(*, actor: Any, zone: Zone, week_start: dt.date, title: str, notes: str = "") -> WeekTheme:
    """A theme planned for the week starting on Monday ``week_start``."""
    _require(permissions.has_right(actor, zone, Right.DRAFT_POST))
    title = title.strip()
    if not title:
        raise WorkflowError(_("Give the theme a name."))
    if week_start.weekday() != 0:
        raise WorkflowError(_("A week starts on a Monday."))
    duplicate = WorkflowError(_("This theme is already planned for that week."))
    if WeekTheme.objects.filter(zone=zone, week_start=week_start, title=title).exists():
        raise duplicate
    with transaction.atomic():
        try:
            # A savepoint: two officers adding the same theme at once, the unique rule decides, the second is told.
            with transaction.atomic():
                theme = WeekTheme.objects.create(
                    zone=zone, week_start=week_start, title=title, notes=notes.strip(), created_by=actor
                )
        except IntegrityError:
            raise duplicate from None
        audit_record(
            action="editorial.theme.add",
            actor=actor,
            zone=zone,
            obj=theme,
            data={"week": week_start.isoformat(), "title": title},
        )
    return theme


def week_theme_delete(*, actor: Any, theme: WeekTheme) -> None:
    _require(permissions.has_right(actor, theme.zone, Right.DRAFT_POST))
    with transaction.atomic():
        audit_record(
            action="editorial.theme.delete",
            actor=actor,
            zone=theme.zone,
            obj=theme,
            data={"week": theme.week_start.isoformat(), "title": theme.title},
        )
        theme.delete()


def calendar_feed_get_or_create(*, actor: Any, zone: Zone, renew: bool = False) -> CalendarFeed:
    """The user's secret feed address for the zone's plan; ``renew`` replaces it (the old one stops working)."""
    _require(permissions.has_right(actor, zone, Right.VIEW_PLAN))
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().filter(zone=zone, user=actor).first()
        if feed is not None and not renew:
            return feed
        token = secrets.token_urlsafe(32)
        if feed is None:
            feed = CalendarFeed.objects.create(zone=zone, user=actor, token=token)
            action = "editorial.calendar_feed.create"
        else:
            feed.token = token
            feed.save(update_fields=["token"])
            action = "editorial.calendar_feed.renew"
        audit_record(action=action, actor=actor, zone=zone, obj=feed)
    return feed

"""Uploaded images made safe to store and publish: checked, decoded, re-encoded from their pixels alone.

``clean_image(upload)`` is the one door for an image into the desk (item photos, post images). It returns a
``CleanImage``: new bytes written by Pillow in the same format family, upright, with no metadata, and their
SHA-256 (the one the post fingerprint uses). What it decides:

- **Limits before decoding.** The bytes are counted first (``DESK_MAX_IMAGE_BYTES``); then only the header is
  read and the pixel count checked (``DESK_MAX_IMAGE_PIXELS``) before any pixel is decoded, so a small file that
  declares 30,000 x 30,000 pixels costs nothing. Pillow's own bomb guard (``Image.MAX_IMAGE_PIXELS``, raised in
  ``Image.open``) is answered the same way. Only the JPEG, PNG, GIF and WebP decoders are ever tried.
- **Same family.** JPEG stays JPEG (quality 90), PNG stays PNG (lossless, palette and transparency kept), GIF
  stays GIF, WebP stays WebP (quality 90). An MPO (a phone JPEG carrying extra pictures: depth map, preview)
  is a JPEG: its main picture is kept, the others dropped.
- **Animated images are refused** (GIF, WebP and APNG with more than one frame): the publishers send every image
  as a still photo (X ``tweet_image``, Facebook ``/photos``), so the frames would be lost or refused there anyway,
  and each frame is another decompression budget. The user is told to choose a still image.
- **Orientation first.** The EXIF orientation is applied to the pixels (a phone photo must not come out
  sideways once its EXIF is gone).
- **Nothing but pixels.** The new file is written from a copy of the pixels with an empty ``info``, so no EXIF
  (GPS position, camera serial, times), XMP, IPTC/Photoshop blocks, comments, PNG text chunks, MakerNotes or
  thumbnails survive. **No ICC profile is kept**: a profile can hold free text (device, author, software) and
  is not needed once the pixels are converted to sRGB, which is what browsers and the networks assume without
  one. A profile that cannot be applied (damaged, or for another colour space) is dropped without conversion.
- **Every refusal is a ``ValidationError``** with a translatable message; forms show it next to the field, and
  services turn it into a ``WorkflowError``. Nothing an upload contains may become a server error.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import hashlib
import io
import logging
import os
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms, ImageOps

logger = logging.getLogger(__name__)

# Pillow reports a MPO (multi-picture JPEG, common from phones) under its own name: it is a JPEG to us.
_FAMILY = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "GIF": "GIF", "WEBP": "WEBP"}
# The decoders Pillow may try (its JPEG opener is the one that answers MPO).
_OPENERS = ("JPEG", "PNG", "GIF", "WEBP")
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
_QUALITY = 90
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


# Images from this many pixels give their memory back at once (below, what glibc keeps is small).
_GIVE_BACK_PIXELS = 2_000_000
# The size of the image being cleaned in this thread, for clean_image's give-back once its pixels are freed.
_pixels_seen: ContextVar[int] = ContextVar("desk_image_pixels", default=0)


class CleanImage(ContentFile):
    """Bytes written by ``clean_image``: re-encoded, upright, without metadata. ``sha256`` is theirs."""

    def __init__(self, content: bytes, *, name: str, kind: str) -> None:
        super().__init__(content, name=name)
        self.kind = kind
        self.sha256 = hashlib.sha256(content).hexdigest()

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.kind]


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f}"


def _read_limited(upload: File, max_bytes: int) -> bytes:
    """The upload's bytes, refused above ``max_bytes``; never reads more than one byte past the limit."""
    too_heavy = _("This image weighs %(size)s MB; the limit is %(max)s MB.")
    limit = {"max": f"{max_bytes / 1_000_000:.0f}"}
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(too_heavy % {"size": _megabytes(upload.size), **limit}, code="too_heavy")
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    upload.seek(0)
    # The size a client announces is not proof: count what was really received.
    if len(data) > max_bytes:
        raise ValidationError(too_heavy % {"size": _megabytes(upload.size or len(data)), **limit}, code="too_heavy")
    return data


def _too_many_pixels(max_pixels: int) -> ValidationError:
    return ValidationError(
        _("This image declares more than %(max)s million pixels, too large to publish.")
        % {"max": f"{max_pixels / 1_000_000:.0f}"},
        code="too_many_pixels",
    )


def _in_srgb(image: Image.Image) -> Image.Image:
    """The pixels converted from the image's ICC profile to sRGB, or as they are when it has none."""
    icc = image.info.get("icc_profile")
    if not icc:
        return image
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    work = image if image.mode in ("RGB", "RGBA", "CMYK") else image.convert("RGBA" if has_alpha else "RGB")
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(work, source, _SRGB, outputMode="RGB" if work.mode == "CMYK" else work.mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # A damaged profile, or one for another colour space (a grey profile on a grey image): the pixels stay
        # as they are. Colours may shift a little; the profile is dropped all the same.
        return image


def _encode(image: Image.Image, kind: str, transparency: Any) -> bytes:
    out = io.BytesIO()
    if kind == "JPEG":
        image = image if image.mode in ("RGB", "L") else image.convert("RGB")
        image.save(out, "JPEG", quality=_QUALITY, optimize=True)
    elif kind == "WEBP":
        if image.mode not in ("RGB", "RGBA"):
            has_alpha = image.mode in ("LA", "PA") or transparency is not None
            image = image.convert("RGBA" if has_alpha else "RGB")
        image.save(out, "WEBP", quality=_QUALITY)
    else:  # PNG and GIF: lossless, in their own mode; transparency is passed on explicitly, nothing else.
        params = {} if transparency is None else {"transparency": transparency}
        image.save(out, kind, **params)
    return out.getvalue()


def _stem(upload: File) -> str:
    return slugify(os.path.splitext(os.path.basename(upload.name or ""))[0])[:60] or "image"


def clean_image(upload: File) -> CleanImage:
    """Check ``upload`` and return it re-encoded without metadata (``_clean_image``); the memory of a large photo's
    pixels goes back to the system once they are freed, whatever the outcome."""
    try:
        return _clean_image(upload)
    finally:
        # Every pixel buffer of the decoding is unreferenced here: the locals of _clean_image are gone.
        if _pixels_seen.get() >= _GIVE_BACK_PIXELS:
            give_memory_back()
        _pixels_seen.set(0)


def _clean_image(upload: File) -> CleanImage:
    """Check ``upload`` and return it re-encoded without metadata, named ``<slug of its name>.<real type>``.

    Raises ``ValidationError`` (with a message for the user) for a file too heavy, not a JPEG/PNG/GIF/WebP,
    declaring too many pixels, animated, damaged or cut short, or too heavy once re-encoded.
    """
    max_bytes, max_pixels = settings.DESK_MAX_IMAGE_BYTES, settings.DESK_MAX_IMAGE_PIXELS
    data = _read_limited(upload, max_bytes)
    try:
        # Reads the header only. Only the formats we publish are tried: no other decoder sees these bytes.
        source = Image.open(io.BytesIO(data), formats=_OPENERS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own guard (twice Image.MAX_IMAGE_PIXELS; the warning, below that, is an error under pytest).
        raise _too_many_pixels(max_pixels) from None
    except Exception as exc:
        # Pillow's errors for unreadable input have no common base (its own fuzzer catches Exception).
        logger.info("Upload refused as not an image: %s: %s", type(exc).__name__, exc)
        raise ValidationError(_("This file is not an image that can be read."), code="not_an_image") from None
    with source:
        kind = _FAMILY[source.format or ""]
        if kind not in settings.DESK_IMAGE_FORMATS:
            raise ValidationError(
                _("Images in %(kind)s format cannot be published; use JPEG, PNG, GIF or WebP.") % {"kind": kind},
                code="format",
            )
        width, height = source.size
        _pixels_seen.set(width * height)
        if width * height > max_pixels:
            raise ValidationError(
                _("This image is %(w)s by %(h)s pixels, too large to publish.") % {"w": width, "h": height},
                code="too_many_pixels",
            )
        damaged = ValidationError(
            _("This image is damaged or incomplete (perhaps cut short while copying): send the original again."),
            code="damaged",
        )
        try:
            # A MPO's extra pictures are not frames of an animation: only its main picture is decoded.
            animated = kind != "JPEG" and getattr(source, "is_animated", False)
        except Exception:
            raise damaged from None
        if animated:
            raise ValidationError(_("Animated images cannot be published: choose a still image."), code="animated")
        try:
            source.load()
            content = _reencoded(source, kind)
        except Exception as exc:
            logger.info("Image refused while decoding: %s: %s", type(exc).__name__, exc)
            raise damaged from None
    if len(content) > max_bytes:
        raise ValidationError(
            _("Once re-encoded without its metadata, this image weighs %(size)s MB; the limit is %(max)s MB.")
            % {"size": _megabytes(len(content)), "max": f"{max_bytes / 1_000_000:.0f}"},
            code="too_heavy",
        )
    return CleanImage(content, name=f"{_stem(upload)}.{EXTENSIONS[kind]}", kind=kind)


def _reencoded(source: Image.Image, kind: str) -> bytes:
    """Upright, in sRGB, written from its pixels alone. The decoded pixels are turned in place, not copied: a
    photo's pixels are the largest thing a web worker holds, and a copy doubled its peak."""
    # A broken EXIF block gives no orientation: the pixels are kept as stored.
    with contextlib.suppress(Exception):
        ImageOps.exif_transpose(source, in_place=True)
    mode = source.mode
    image = _in_srgb(source)
    # A palette or grey image keeps its transparent colour only while its mode is unchanged.
    transparency = image.info.get("transparency") if image.mode == mode else None
    # The encoders fall back on ``info`` for the ICC profile, comments and more: emptying it is what
    # guarantees that nothing but the pixels (and palette) is written.
    image.info = {}
    return _encode(image, kind, transparency)


@functools.cache
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or None elsewhere (musl, macOS): nothing to give back there."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def give_memory_back() -> None:
    """Return freed memory to the system. glibc keeps what a thread freed in that thread's arena: after a large
    photo, each thread of a web worker would hold the peak of its largest image for the life of the process
    (docs/performance.md)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)

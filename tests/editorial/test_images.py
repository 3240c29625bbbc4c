"""Uploaded images are stored re-encoded, upright and without metadata; bombs and broken files are refused.

The files are built here with Pillow (and, where Pillow cannot write a block, by inserting its bytes), so every
test knows exactly which metadata went in and searches the stored bytes for it.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from editorial import services
from editorial.images import clean_image
from editorial.models import Category, Item, Locality, Post, Unit, VariantMedia
from editorial.services import WorkflowError
from tests.editorial.test_views_posts import form_data as post_form_data
from tests.editorial.test_views_posts import x_channel
from tests.factories import make_post

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SERIAL = "SN-4711-QUEVY"
COMMENT = "Photo prise par l'inspecteur Dupont"
XMP_NAMESPACE = b"http://ns.adobe.com/xap/1.0/"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="50,24.6085N"/>'
    b"</rdf:RDF></x:xmpmeta>"
)
# IPTC in a Photoshop APP13 block, which Pillow cannot write: inserted after the JPEG's SOI marker.
IPTC_CITY = b"Rue de Binche 12, Quevy"
_IPTC = b"\x1c\x02\x5a" + struct.pack(">H", len(IPTC_CITY)) + IPTC_CITY
_IRB = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(_IPTC)) + _IPTC
APP13 = b"\xff\xed" + struct.pack(">H", 2 + len(b"Photoshop 3.0\x00") + len(_IRB)) + b"Photoshop 3.0\x00" + _IRB


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (French is the default language, and an earlier request may leave it on)."""
    with translation.override("en"):
        yield


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def picture(size: tuple[int, int] = (40, 20)) -> Image.Image:
    """Left half red, right half blue: a rotation shows in where the colours end up."""
    image = Image.new("RGB", size, (255, 0, 0))
    image.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    return image


def phone_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Samsung"
    exif[ExifTags.Base.Model] = "SM-G991B"
    exif[ExifTags.Base.Orientation] = orientation
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.BodySerialNumber] = SERIAL
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (50.0, 24.0, 36.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (3.0, 56.0, 12.25)
    return exif


def phone_jpeg(orientation: int = 1, image: Image.Image | None = None) -> bytes:
    """A JPEG as a phone writes it: EXIF with GPS, camera and serial, XMP, a comment, IPTC."""
    buffer = io.BytesIO()
    (image or picture()).save(buffer, "JPEG", quality=95, exif=phone_exif(orientation), xmp=XMP, comment=COMMENT)
    data = buffer.getvalue()
    return data[:2] + APP13 + data[2:]


def png_bytes(image: Image.Image, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **params)
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A valid 1x1 PNG whose header is rewritten to declare another size: a few dozen bytes."""
    data = png_bytes(Image.new("L", (1, 1)))
    ihdr = b"IHDR" + struct.pack(">II", width, height) + data[24:29]
    return data[:12] + ihdr + struct.pack(">I", zlib.crc32(ihdr)) + data[33:]


# --- An ICC profile built by hand: sRGB's red and green primaries swapped, with personal text inside ------------


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ \0\0\0\0" + _s15(x) + _s15(y) + _s15(z)


def swapped_profile(text: str) -> bytes:
    """A matrix/curve ICC v2 profile in which pure red is sRGB's pure green: converting is visible."""
    ascii_text = text.encode("ascii") + b"\0"
    description = b"desc\0\0\0\0" + struct.pack(">I", len(ascii_text)) + ascii_text + b"\0" * 78
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(2.2 * 256)) + b"\0\0"
    srgb_red, srgb_green, srgb_blue = (0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606, 0.7141)
    tags = [
        (b"desc", description),
        (b"wtpt", _xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", _xyz(*srgb_green)),
        (b"gXYZ", _xyz(*srgb_red)),
        (b"bXYZ", _xyz(*srgb_blue)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text\0\0\0\0" + text.encode("ascii") + b"\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    entries, body = b"", b""
    for signature, data in tags:
        data += b"\0" * (-len(data) % 4)
        entries += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    header = (
        struct.pack(">I", offset + len(body))
        + b"\0" * 4
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"\0" * 28
        + _s15(0.9642)
        + _s15(1.0)
        + _s15(0.8249)
        + b"\0" * 48
    )
    return header + struct.pack(">I", len(tags)) + entries + body


def assert_no_metadata(data: bytes) -> None:
    """Neither Pillow nor a byte search finds any of what the phone wrote."""
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif(), dict(image.getexif())
        assert not {"exif", "xmp", "comment", "icc_profile", "photoshop", "XML:com.adobe.xmp"} & set(image.info)
        assert not getattr(image, "text", {})
    for marker in (
        b"Exif\x00\x00",  # the EXIF block (GPS IFD, camera, serial) as JPEG and WebP store it
        b"GPS",
        XMP_NAMESPACE,  # the XMP block's APP1 header
        b"xmpmeta",
        b"Photoshop 3.0",  # the IPTC block
        b"8BIM",
        IPTC_CITY,
        SERIAL.encode(),
        b"SM-G991B",
        b"Samsung",
        COMMENT.encode(),
        b"ICC_PROFILE",
        b"Dupont",
    ):
        assert marker not in data, marker


# --- The cleaning itself ----------------------------------------------------------------------------------------


def test_a_phone_jpeg_loses_gps_camera_serial_xmp_iptc_and_comment():
    original = phone_jpeg()
    for marker in (b"Exif\x00\x00", XMP_NAMESPACE, b"Photoshop 3.0", SERIAL.encode(), COMMENT.encode()):
        assert marker in original  # the test file really carries them
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] == (50.0, 24.0, 36.5)

    clean = clean_image(upload(original, "IMG_2041.JPG"))

    data = clean.read()
    assert_no_metadata(data)
    assert clean.kind == "JPEG" and clean.name == "img_2041.jpg"
    assert clean.sha256 == hashlib.sha256(data).hexdigest()
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and image.size == (40, 20)
        assert _near(image.getpixel((5, 10)), (255, 0, 0)) and _near(image.getpixel((35, 10)), (0, 0, 255))


def _near(pixel, expected, tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


@pytest.mark.parametrize(
    ("orientation", "size", "red_at", "blue_at"),
    [
        (1, (40, 20), (5, 10), (35, 10)),  # as stored
        (3, (40, 20), (35, 10), (5, 10)),  # upside down
        (6, (20, 40), (10, 5), (10, 35)),  # phone held upright, sensor sideways: turn right
        (8, (20, 40), (10, 35), (10, 5)),  # turn left
    ],
)
def test_a_phone_photo_comes_out_upright(orientation, size, red_at, blue_at):
    data = clean_image(upload(phone_jpeg(orientation))).read()
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == size
        assert ExifTags.Base.Orientation not in image.getexif()  # nothing left to rotate it a second time
        assert _near(image.getpixel(red_at), (255, 0, 0))
        assert _near(image.getpixel(blue_at), (0, 0, 255))


def test_the_same_picture_with_other_metadata_gives_the_same_bytes():
    """Nothing of the metadata reaches the stored file, not even indirectly: only the pixels decide the bytes."""
    image = picture()
    plain = io.BytesIO()
    image.save(plain, "JPEG", quality=95)
    assert plain.getvalue() != phone_jpeg()
    assert clean_image(upload(plain.getvalue())).sha256 == clean_image(upload(phone_jpeg())).sha256


def test_a_png_loses_its_text_chunks_exif_and_profile_and_keeps_its_transparency():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Inspecteur Dupont")
    info.add_text("Location", IPTC_CITY.decode(), zip=True)
    info.add_itxt("Comment", COMMENT, zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    original = png_bytes(Image.new("RGBA", (8, 8), (255, 0, 0, 128)), pnginfo=info, exif=phone_exif(), icc_profile=srgb)
    for chunk in (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP"):
        assert chunk in original

    clean = clean_image(upload(original, "carte.png"))

    data = clean.read()
    for chunk in (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP"):
        assert chunk not in data, chunk
    assert_no_metadata(data)
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.mode) == ("PNG", "RGBA")
        assert image.getpixel((3, 3)) == (255, 0, 0, 128)
    assert clean.name == "carte.png"


def test_a_palette_png_keeps_its_palette_and_transparent_colour():
    image = Image.new("P", (8, 8), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0, 0, 0] * 254)
    image.paste(0, (0, 0, 4, 8))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Inspecteur Dupont")
    data = clean_image(upload(png_bytes(image, transparency=1, pnginfo=info), "logo.png")).read()
    assert b"tEXt" not in data
    with Image.open(io.BytesIO(data)) as clean:
        assert clean.mode == "P"
        rgba = clean.convert("RGBA")
        assert rgba.getpixel((6, 3)) == (255, 0, 0, 0)  # the transparent index stays transparent
        assert rgba.getpixel((1, 3)) == (0, 0, 0, 255)


def test_a_webp_loses_its_exif_and_xmp():
    buffer = io.BytesIO()
    picture().save(buffer, "WEBP", exif=phone_exif(), xmp=XMP, quality=95)
    original = buffer.getvalue()
    assert b"EXIF" in original and b"XMP " in original
    clean = clean_image(upload(original, "photo.webp"))
    data = clean.read()
    assert b"EXIF" not in data and b"XMP " not in data and b"ICCP" not in data
    assert_no_metadata(data)
    assert clean.kind == "WEBP" and data[8:12] == b"WEBP"


def test_a_still_gif_loses_its_comment_and_stays_a_gif():
    image = Image.new("P", (8, 8), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0, 0, 0] * 254)
    buffer = io.BytesIO()
    image.save(buffer, "GIF", comment=COMMENT.encode())
    assert COMMENT.encode() in buffer.getvalue()
    clean = clean_image(upload(buffer.getvalue(), "signal.gif"))
    data = clean.read()
    assert COMMENT.encode() not in data
    with Image.open(io.BytesIO(data)) as gif:
        assert gif.format == "GIF" and "comment" not in gif.info
        assert gif.convert("RGB").getpixel((2, 2)) == (255, 0, 0)
    assert clean.name == "signal.gif"


def test_an_icc_profile_is_applied_to_the_pixels_then_dropped():
    profile = swapped_profile("Camera of inspector Dupont")
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (255, 0, 0)).save(buffer, "JPEG", quality=95, icc_profile=profile)
    data = clean_image(upload(buffer.getvalue())).read()
    assert_no_metadata(data)
    with Image.open(io.BytesIO(data)) as image:
        # Red in that profile is green in sRGB, which is what a browser assumes of a file without a profile.
        assert _near(image.getpixel((4, 4)), (0, 255, 0))


def test_a_damaged_icc_profile_is_dropped_and_the_image_kept():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (255, 0, 0)).save(buffer, "JPEG", quality=95, icc_profile=b"Dupont" * 40)
    data = clean_image(upload(buffer.getvalue())).read()
    assert_no_metadata(data)
    with Image.open(io.BytesIO(data)) as image:
        assert _near(image.getpixel((4, 4)), (255, 0, 0))


def test_a_multi_picture_jpeg_keeps_its_main_picture_only():
    buffer = io.BytesIO()
    picture().save(buffer, "MPO", save_all=True, append_images=[Image.new("RGB", (40, 20), "green")])
    with Image.open(io.BytesIO(buffer.getvalue())) as mpo:
        assert (mpo.format, mpo.n_frames) == ("MPO", 2)
    clean = clean_image(upload(buffer.getvalue()))
    data = clean.read()
    assert b"MPF" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and getattr(image, "n_frames", 1) == 1
        assert _near(image.getpixel((5, 10)), (255, 0, 0))
    assert clean.kind == "JPEG" and clean.name.endswith(".jpg")


# --- Refusals -----------------------------------------------------------------------------------------------


def animated(kind: str) -> bytes:
    buffer = io.BytesIO()
    frames = [Image.new("RGB", (8, 8), colour) for colour in ("red", "blue")]
    frames[0].save(buffer, kind, save_all=True, append_images=frames[1:], duration=100, loop=0)
    with Image.open(io.BytesIO(buffer.getvalue())) as image:
        assert image.n_frames == 2
    return buffer.getvalue()


def truncated_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((64, 64), 64).convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()[: len(buffer.getvalue()) // 2]


def tiff() -> bytes:
    buffer = io.BytesIO()
    picture().save(buffer, "TIFF")
    return buffer.getvalue()


# (file, name, words of the message, setting overrides); each must be refused with its own clear message.
REFUSED = {
    # 900 million pixels: past twice Image.MAX_IMAGE_PIXELS, Pillow's DecompressionBombError in Image.open.
    "bomb": (png_claiming(30_000, 30_000), "bombe.png", "too large to publish", {}),
    # 100 million: Pillow only warns (an error under this suite's filterwarnings); the desk's limit refuses it.
    "bomb_pillow_warns_of": (png_claiming(10_000, 10_000), "bombe.png", "too large to publish", {}),
    "too_many_pixels": (png_claiming(7_000, 7_000), "grande.png", "7000 by 7000 pixels, too large", {}),
    "truncated": (truncated_jpeg(), "coupee.jpg", "damaged or incomplete", {}),
    "not_an_image": (b"%PDF-1.7 this is a report, not a photo", "rapport.jpg", "not an image", {}),
    "html_named_jpg": (b"<html><script>alert(1)</script></html>", "photo.jpg", "not an image", {}),
    "other_format": (tiff(), "scan.jpg", "not an image", {}),
    "animated_gif": (animated("GIF"), "anime.gif", "Animated images cannot be published", {}),
    "animated_webp": (animated("WEBP"), "anime.webp", "Animated images cannot be published", {}),
    "animated_png": (animated("PNG"), "anime.png", "Animated images cannot be published", {}),
    "too_heavy": (phone_jpeg(), "lourde.jpg", "the limit is", {"DESK_MAX_IMAGE_BYTES": 500}),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_what_cannot_be_published_is_refused_with_a_clear_message(case, settings):
    data, name, words, overrides = REFUSED[case]
    for key, value in overrides.items():
        setattr(settings, key, value)
    with pytest.raises(ValidationError) as refused:
        clean_image(upload(data, name))
    assert words in " ".join(refused.value.messages)


def test_pixels_are_counted_before_any_is_decoded():
    """The PNG declares 7000 x 7000 but holds one pixel: decoding would fail as damaged, so a "too large" answer
    proves the limit was checked on the header alone."""
    with pytest.raises(ValidationError) as refused:
        clean_image(upload(png_claiming(7_000, 7_000), "grande.png"))
    assert refused.value.code == "too_many_pixels"


def test_a_file_larger_than_it_claims_is_refused(settings):
    settings.DESK_MAX_IMAGE_BYTES = 500
    lying = upload(phone_jpeg())
    lying.size = 10
    with pytest.raises(ValidationError) as refused:
        clean_image(lying)
    assert "the limit is" in " ".join(refused.value.messages)


def test_an_image_too_heavy_once_re_encoded_is_refused(settings):
    buffer = io.BytesIO()
    Image.effect_noise((256, 256), 80).convert("RGB").save(buffer, "JPEG", quality=20)
    small = buffer.getvalue()
    assert len(clean_image(upload(small)).read()) > len(small)  # quality 90 weighs more than quality 20
    settings.DESK_MAX_IMAGE_BYTES = len(small)
    with pytest.raises(ValidationError) as refused:
        clean_image(upload(small))
    assert "Once re-encoded" in " ".join(refused.value.messages)


# --- Through the pages: what is stored, and what the user sees when it is refused ------------------------------


def item_data(zone) -> dict:
    return {
        "title": "Contrôle vitesse à Quévy",
        "facts": "Jeudi de 14 h à 16 h, chaussée Brunehault.",
        "category": str(Category.objects.get(zone=zone).pk),
        "locality": str(Locality.objects.get(zone=zone).pk),
        "wanted_start": "2027-06-10T14:00",
        "wanted_end": "2027-06-10T16:00",
        "confidentiality_notes": "Pas de plaques.",
    }


def test_an_item_photo_is_stored_without_its_metadata(client, zone_users):
    client.force_login(zone_users.unit_head)
    data = item_data(zone_users.zone) | {"photos": [upload(phone_jpeg(6), "IMG_2041.jpg")]}
    response = client.post(reverse("editorial:item_create", args=[zone_users.zone.slug]), data)
    assert response.status_code == 302
    attachment = Item.objects.get().attachments.get()
    with attachment.file.open("rb") as handle:
        stored = handle.read()
    assert_no_metadata(stored)
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (20, 40)  # upright
    assert attachment.file.name.rsplit("/", 1)[-1].startswith("img_2041")
    served = client.get(
        reverse("editorial:item_attachment", args=[zone_users.zone.slug, attachment.item_id, attachment.pk])
    )
    assert b"".join(served.streaming_content) == stored


def test_a_post_image_is_stored_without_its_metadata_and_hashed_as_stored(client, zone_users):
    zone = zone_users.zone
    x = x_channel(zone)
    client.force_login(zone_users.officer)
    data = post_form_data(zone, **{f"image_{x.pk}": upload(phone_jpeg(6)), f"image_alt_{x.pk}": "Un radar"})
    response = client.post(reverse("editorial:post_create", args=[zone.slug]), data)
    assert response.status_code == 302
    media = VariantMedia.objects.get()
    with media.image.open("rb") as handle:
        stored = handle.read()
    assert_no_metadata(stored)
    # The fingerprint the director approves binds the stored bytes, the ones the publishers send.
    assert media.sha256 == hashlib.sha256(stored).hexdigest()
    assert media.sha256 != hashlib.sha256(phone_jpeg(6)).hexdigest()
    assert media.image.name.rsplit("/", 1)[-1] == f"{media.sha256[:32]}.jpg"
    post = media.variant.post
    served = client.get(reverse("editorial:media_file", args=[zone.slug, post.pk, media.pk]))
    assert b"".join(served.streaming_content) == stored


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_refused_post_image_is_a_form_error_that_keeps_what_was_typed(en_client, zone_users, case, settings):
    data, name, words, overrides = REFUSED[case]
    for key, value in overrides.items():
        setattr(settings, key, value)
    zone = zone_users.zone
    x = x_channel(zone)
    en_client.force_login(zone_users.officer)
    form = post_form_data(
        zone, title="Radar rue de Binche", **{f"image_{x.pk}": upload(data, name), f"image_alt_{x.pk}": "Un radar"}
    )
    response = en_client.post(reverse("editorial:post_create", args=[zone.slug]), form)
    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors[f"image_{x.pk}"])
    page = response.content.decode()
    assert "Radar rue de Binche" in page and "Contrôle de vitesse à Quévy" in page and "Un radar" in page
    assert not Post.objects.exists() and not VariantMedia.objects.exists()


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_refused_item_photo_is_a_form_error_that_keeps_what_was_typed(en_client, zone_users, case, settings):
    data, name, words, overrides = REFUSED[case]
    for key, value in overrides.items():
        setattr(settings, key, value)
    en_client.force_login(zone_users.unit_head)
    form = item_data(zone_users.zone) | {"photos": [upload(data, name)]}
    response = en_client.post(reverse("editorial:item_create", args=[zone_users.zone.slug]), form)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["photos"])
    assert words in errors and name in errors  # which of the chosen files, and why
    page = response.content.decode()
    assert "chaussée Brunehault" in page and "Contrôle vitesse à Quévy" in page
    assert not Item.objects.exists()


@pytest.fixture
def en_client(client):
    client.defaults.update(EN)
    return client


# --- The services clean what any other caller hands them ---------------------------------------------------------


def test_the_service_cleans_an_image_that_did_not_come_through_a_form(zone_users):
    post = make_post(zone_users.zone, zone_users.officer)
    x = x_channel(zone_users.zone)
    raw = upload(phone_jpeg(), "../../raw.jpg")
    services.post_update(
        actor=zone_users.officer, post=post, media_add=[services.NewMedia(channel=x, image=raw, alt_text="Radar")]
    )
    media = VariantMedia.objects.get()
    with media.image.open("rb") as handle:
        stored = handle.read()
    assert_no_metadata(stored)
    assert media.sha256 == hashlib.sha256(stored).hexdigest()
    assert "raw" not in media.image.name and media.image.name.endswith(".jpg")


def test_the_service_refuses_an_unreadable_image_from_any_caller(zone_users):
    post = make_post(zone_users.zone, zone_users.officer)
    x = x_channel(zone_users.zone)
    with pytest.raises(WorkflowError) as refused:
        services.post_update(
            actor=zone_users.officer,
            post=post,
            media_add=[services.NewMedia(channel=x, image=upload(b"not an image"), alt_text="Radar")],
        )
    assert "not an image" in " ".join(refused.value.messages)
    assert not VariantMedia.objects.exists()


def test_an_item_submitted_by_the_service_stores_clean_photos(zone_users):
    unit = Unit.objects.get(zone=zone_users.zone, name="Trafic")
    item = services.item_submit(
        actor=zone_users.unit_head,
        zone=zone_users.zone,
        unit=unit,
        title="Radar",
        facts="Jeudi",
        attachments=[upload(phone_jpeg(), "photo.jpg")],
    )
    with item.attachments.get().file.open("rb") as handle:
        assert_no_metadata(handle.read())


# --- Security review (issue 16, point 6): a 40-megapixel PNG held 400 MB of a web worker -------------------------


def test_the_default_limit_is_a_phone_photo(settings):
    """20 million pixels: a 16 MP phone photo at full resolution passes, a 40 MP image is refused before decoding."""
    from django.conf import settings as live

    assert live.DESK_MAX_IMAGE_PIXELS == 20_000_000
    with pytest.raises(ValidationError) as refused:
        clean_image(upload(png_claiming(7300, 5480), "huge.png"))
    assert refused.value.code == "too_many_pixels"


def test_a_large_photo_gives_its_memory_back_and_a_small_one_does_not_bother(monkeypatch):
    import editorial.images as images

    calls = []
    monkeypatch.setattr(images, "give_memory_back", lambda: calls.append("trim"))
    clean_image(upload(png_bytes(Image.new("RGB", (2000, 1200), "#9fc6e7")), "large.png"))
    assert calls == ["trim"]
    clean_image(upload(png_bytes(Image.new("RGB", (800, 600), "#9fc6e7")), "small.png"))
    assert calls == ["trim"]
    # Refused after decoding began, the pixels' memory goes back too.
    with pytest.raises(ValidationError):
        clean_image(upload(png_bytes(Image.new("RGB", (2000, 1200), "#9fc6e7"))[:-40], "cut.png"))
    assert calls == ["trim", "trim"]


def test_turning_a_phone_photo_upright_does_not_copy_it(monkeypatch):
    """The pixels are turned in place: ImageOps.exif_transpose is asked for in_place, never for a copy."""
    from PIL import ImageOps

    seen = []
    original = ImageOps.exif_transpose

    def spy(image, *, in_place=False):
        seen.append(in_place)
        return original(image, in_place=in_place)

    monkeypatch.setattr(ImageOps, "exif_transpose", spy)
    cleaned = clean_image(upload(phone_jpeg(orientation=6, image=picture((40, 20)))))
    assert seen == [True]
    assert Image.open(io.BytesIO(cleaned.read())).size == (20, 40)

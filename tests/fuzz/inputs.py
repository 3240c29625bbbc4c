"""What a person, a browser or a hand-made request can put in a form: Hypothesis strategies for the fuzz tests.

Text is any sequence of Unicode scalar values: a UTF-8 form body can carry every code point except the surrogates
(U+D800-U+DFFF cannot be encoded, so no browser sends them). Control characters, NUL included, come from
hand-made requests; CRLF from every browser's textarea; bidirectional controls, combining marks, emoji sequences
and the non-characters X refuses from pasted text.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import struct
import zlib

from hypothesis import settings
from hypothesis import strategies as st
from PIL import Image

SCALE = int(os.environ.get("DESK_FUZZ_SCALE", "0") or 0)


def fuzz_settings(n: int, **overrides: object) -> settings:
    """The fuzz profile of conftest.py with ``n`` examples in CI, ``DESK_FUZZ_SCALE`` times more when asked."""
    profile = settings.get_profile("fuzz-deep" if SCALE > 0 else "fuzz-ci")
    return settings(profile, max_examples=n * SCALE if SCALE > 0 else n, **overrides)


# --- Text ------------------------------------------------------------------------------------------------

# Every code point a UTF-8 body can carry: the "utf-8" codec leaves out the surrogates.
BROWSER_CHARS = st.characters(codec="utf-8")
AWKWARD = [
    "\x00",
    "\x01",
    "\x1b",
    "\x7f",
    "\t",
    "\r\n",
    "\r",
    "\n",
    "\u00a0",
    "\u2028",
    "\u2029",
    "\u202e",  # right-to-left override
    "\u200f",
    "\u2066",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\ufffe",
    "\uffff",
    "\U0010ffff",
    "\u0301",
    "e\u0301",
    "👮‍♀️",
    "🇧🇪",
    "\U0001d54f",  # mathematical double-struck X
    "ﷺ",
    "مرحبا",
    "שלום",
    "漢字",
    "Ⅻ",
    "٣",
    "%s",
    "%(name)s",
    "{0}",
    "{}",
    "\\",
    "'",
    '"',
    "&",
    "&amp;",
    "&lt;",
    "#",
    "@",
    "https://",
]
# Markup that must never come back raw. Each carries "zx" so that a raw copy in a page is easy to spot.
PAYLOADS = [
    '<script>alert("zx1")</script>',
    '"><img src=x onerror=alert("zx2")>',
    "'><svg onload=alert('zx3')>",
    '</textarea><script>alert("zx4")</script>',
    "</title><script>alert('zx5')</script>",
    '" autofocus onfocus="alert(\'zx6\')" x="',
    "javascript:alert('zx7')",
    "<a href=javascript:alert('zx8')>zx8</a>",
    "{{ 7|add:'zx9' }}{% debug %}",
    "<!--zx10--><![CDATA[zx10]]>",
    "&lt;script&gt;alert('zx11')&lt;/script&gt;",
    "#zx12<b>tag</b> @zx12<i>user</i>",
    'https://example.test/<script>zx13</script>?a=1&b="2"',
    "www.<img src=x onerror=alert(14)>zx14.be",
    "<style>*{display:none}</style>zx15",
    '<iframe srcdoc="<script>alert(16)</script>">zx16',
    "\u202e<script>zx17</script>",
    "<svg><a xlink:href=\"javascript:alert('zx18')\">zx18</a></svg>",
]


def _huge(piece: str, times: int) -> str:
    return (piece * times)[:200_000]


HUGE_TEXT = st.builds(_huge, st.text(BROWSER_CHARS, min_size=1, max_size=6), st.integers(1_000, 50_000))
# JSON and hashtag parsers meet their worst case in deep nesting and long runs of one character.
NESTED = st.integers(100, 100_000).flatmap(
    lambda n: st.sampled_from(["[" * n + "]" * n, '{"a":' * n + "1" + "}" * n, "#" * n, "@" * n, "&" * n])
)


def _join(parts: list[str]) -> str:
    return "".join(parts)


mixed_text = st.lists(
    st.one_of(st.text(BROWSER_CHARS, max_size=12), st.sampled_from(AWKWARD), st.sampled_from(PAYLOADS)),
    max_size=8,
).map(_join)

# Branches are repeated to weigh them: huge values are slow to send and to read back, so they come 1 time in 10.
text = st.one_of(
    mixed_text,
    mixed_text,
    mixed_text,
    st.text(BROWSER_CHARS, max_size=300),
    st.text(BROWSER_CHARS, max_size=300),
    st.sampled_from(PAYLOADS),
    st.sampled_from(PAYLOADS),
    st.sampled_from(["", " ", "\r\n", "\t \u00a0\u200b", "\x00"]),
    st.one_of(HUGE_TEXT, NESTED),
)

# What a person types: short, never blank, with markup and pasted oddities now and then.
plausible_text = st.one_of(
    st.sampled_from(["Contrôle radar rue de Mons", "Travaux sur la N6 #Quevy", "@zone Fermeture ✅"]),
    st.sampled_from(PAYLOADS),
    mixed_text.map(lambda t: t[:150]),
    st.text(BROWSER_CHARS, min_size=1, max_size=80),
).filter(str.strip)

numbers = st.one_of(
    st.integers().map(str),
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(
        ["-0", "0", "1e309", "NaN", "inf", "0x10", "٣", "\uff11\uff12", " 1 ", "1_000", "1.0", "--1", "9" * 40]
    ),
)

ODD_URLS = [
    "https://x.com/zone/status/1234567890",
    "https://www.facebook.com/permalink.php?story_fbid=1&id=2",
    "http://[",
    "https://[::1",
    "http://]",
    "https://[zx]/",
    "https://[::1]:80/status/1",
    "https://example.test:99999999/",
    "https://user:pa ss@example.test/",
    "https://\x00/",
    "javascript:alert('zx19')//https://x.com",
    " JaVaScRiPt:alert(20)",
    "data:text/html,<script>alert('zx21')</script>",
    "https://x.com/%ZZ/status/%",
    "https://x.com/" + "a" * 600,
    "//evil.test/status/1",
    "https:/x.com",
    "https://",
]
urls = st.one_of(
    st.sampled_from(ODD_URLS),
    st.sampled_from(ODD_URLS),
    st.builds(lambda scheme, rest: f"{scheme}://{rest}", st.sampled_from(["http", "https", "HTTPS", "ftp"]), text),
    text,
)

# --- Dates and times ---------------------------------------------------------------------------------------


def _stamp(moment: dt.datetime, style: int) -> str:
    # strftime writes year 1 as "1", not "0001": build the text by hand so every year looks like a browser's.
    day = f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
    clock = f"{moment.hour:02d}:{moment.minute:02d}"
    return [
        f"{day}T{clock}",
        f"{day}T{clock}:{moment.second:02d}",
        f"{day} {clock}",
        day,
        f"{moment.day:02d}/{moment.month:02d}/{moment.year:04d} {clock}",
        f"{day}T{clock}Z",
        f"{day}T{clock}+02:00",
    ][style]


def _last_sunday(year: int, month: int) -> dt.date:
    day = dt.date(year, month, 31)
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


def _clock_change(year: int, month: int, minute: int) -> str:
    # 02:00-02:59 is skipped on the last Sunday of March and happens twice on the last Sunday of October.
    return f"{_last_sunday(year, month):%Y-%m-%d}T02:{minute:02d}"


def _soon(minutes: int) -> str:
    from zoneinfo import ZoneInfo

    moment = dt.datetime.now(ZoneInfo("Europe/Brussels")) + dt.timedelta(minutes=minutes)
    return f"{moment:%Y-%m-%dT%H:%M}"


datetimes = st.one_of(
    # Times to come, so that forms also succeed (and what they saved is shown again).
    st.integers(10, 60 * 24 * 400).map(_soon),
    st.builds(
        _stamp,
        st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59)),
        st.integers(0, 6),
    ),
    st.builds(_clock_change, st.integers(2020, 2045), st.sampled_from([3, 10]), st.integers(0, 59)),
    st.sampled_from(
        [
            "0001-01-01T00:00",
            "9999-12-31T23:59",
            "0000-01-01T00:00",
            "10000-01-01T00:00",
            "2026-02-29T10:00",
            "2028-02-29T10:00",
            "2026-13-01T10:00",
            "2026-03-29T24:00",
            "2026-03-29T02:30:60",
            "\uff12\uff10\uff12\uff16-\uff10\uff13-\uff12\uff19T10:00",  # full-width digits
            "T",
            "now",
            "1e9",
        ]
    ),
    text,
)
dates = st.one_of(
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(
        lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}"
    ),
    # Mondays around now, the ones the plan actually shows.
    st.integers(-60, 60).map(
        lambda weeks: f"{dt.date.today() - dt.timedelta(days=dt.date.today().weekday()) + dt.timedelta(weeks=weeks)}"
    ),
    st.sampled_from(["0001-01-01", "9999-12-27", "9999-12-31", "0000-01-01", "2026-02-30", "2026-W10", ""]),
    text,
)
folds = st.one_of(st.sampled_from(["0", "1", "2", "-1", "", " 1", "true"]), text)
checkbox_values = st.one_of(st.sampled_from(["on", "", "false", "0", "1", "True", "off"]), text)

# --- Files -------------------------------------------------------------------------------------------------


def _image(kind: str, width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, kind)
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_declaring(width: int, height: int) -> bytes:
    """A few hundred bytes whose header claims ``width`` x ``height`` pixels: a decompression bomb's shape."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _png_chunk(b"IEND", b"")
    )


colours = st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255))
real_images = st.builds(
    _image,
    st.sampled_from(["PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF", "ICO"]),
    st.integers(1, 48),
    st.integers(1, 48),
    colours,
)
file_contents = st.one_of(
    real_images,
    real_images.flatmap(lambda data: st.integers(0, max(0, len(data) - 1)).map(lambda cut: data[:cut])),
    st.sampled_from(
        [
            (100_000, 100_000),
            (9_500, 9_500),  # between Pillow's warning and its error
            (6_000, 6_000),
            (2**31 - 1, 1),
            (1, 2**31 - 1),
            (2**32 - 1, 2**32 - 1),
            (0, 0),
        ]
    ).map(lambda size: png_declaring(*size)),
    st.binary(max_size=4_000),
    st.sampled_from(
        [
            b"",
            b"<html><script>alert('zx22')</script></html>",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(23)"/>',
            b"GIF89a" + b"\x00" * 20,
            b"\xff\xd8\xff\xe0" + b"\x00" * 40,
            b"RIFF\x00\x00\x00\x00WEBPVP8 ",
        ]
    ),
)


def _browser_file_name(name: str) -> str:
    # Browsers escape these three in a multipart file name (HTML's form-data encoding); no file system allows NUL.
    return name.replace("\x00", "").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


file_names = st.one_of(
    st.sampled_from(
        [
            "photo.png",
            "photo.jpg",
            "page.html",
            "x.svg",
            "no-extension",
            ".png",
            "&quot;&gt;&lt;img src=x onerror=alert(24)&gt;zx24.png",
            "<script>zx25</script>.png",
            "a" * 300 + ".png",
            "..",
            "\u202egnp.exe",
        ]
    ),
    st.builds(lambda stem, ext: stem + ext, st.text(BROWSER_CHARS, max_size=40), st.sampled_from([".png", ".jpg", ""])),
).map(_browser_file_name)

"""Small bar charts drawn on the server as SVG, for the reports (issue 14, point 6).

No JavaScript and no library: an SVG in the page works under the strict Content-Security-Policy (presentation
attributes only, no style attribute), prints sharp, and scales to a phone's width through its ``viewBox``. The bars
are horizontal, so that long names (a channel, a category) stay readable beside them on a narrow screen.

Every chart is an image with a name (``role="img"``, ``<title>`` and ``<desc>``, ``aria-labelledby``); each bar
carries its figure as text and its own ``<title>`` (the tooltip). The colours are Okabe and Ito's palette, told
apart with the usual colour-blindnesses, and every chart has its table beside it on the page anyway.

Everything drawn is escaped: the labels come from what people typed (unit and category names).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Okabe-Ito, with the text colour that reads on each (white on the dark ones).
PALETTE: dict[str, tuple[str, str]] = {
    "blue": ("#0072B2", "#ffffff"),
    "orange": ("#E69F00", "#000000"),
    "green": ("#009E73", "#ffffff"),
    "vermillion": ("#D55E00", "#ffffff"),
    "purple": ("#CC79A7", "#000000"),
    "sky": ("#56B4E9", "#000000"),
    "yellow": ("#F0E442", "#000000"),
    "grey": ("#767676", "#ffffff"),
}
DEFAULT_COLOURS = ("blue", "orange", "green", "vermillion", "purple", "sky", "yellow", "grey")

WIDTH = 440  # viewBox units: shown at 100 % of its box, a phone's 360 px keeps the text above 11 px
LABEL_WIDTH = 150
VALUE_ROOM = 44
PAD = 8
FONT = 14
SMALL = 12
TEXT = "#212529"
MUTED = "#6c757d"
GRID = "#dee2e6"
_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    label: str
    colour: str = ""  # a PALETTE name; empty: the next default colour


@dataclass(frozen=True)
class Row:
    label: str
    values: Sequence[float]


@dataclass(frozen=True)
class Reference:
    """A vertical line across the chart: the budget, a target."""

    value: float
    label: str


def bar_chart(
    *,
    title: str,
    rows: Sequence[tuple[str, float]],
    series_label: str,
    colour: str = "blue",
    description: str = "",
    reference: Reference | None = None,
    empty_text: str = "",
) -> SafeString:
    """One bar per row."""
    return _chart(
        mode="single",
        title=title,
        series=[Series(series_label, colour)],
        rows=[Row(label, [value]) for label, value in rows],
        description=description,
        reference=reference,
        empty_text=empty_text,
    )


def grouped_bar_chart(
    *,
    title: str,
    series: Sequence[Series],
    rows: Sequence[Row],
    description: str = "",
    reference: Reference | None = None,
    empty_text: str = "",
) -> SafeString:
    """One bar per series in each row, one under the other."""
    return _chart(
        mode="grouped",
        title=title,
        series=series,
        rows=rows,
        description=description,
        reference=reference,
        empty_text=empty_text,
    )


def stacked_bar_chart(
    *,
    title: str,
    series: Sequence[Series],
    rows: Sequence[Row],
    description: str = "",
    reference: Reference | None = None,
    empty_text: str = "",
) -> SafeString:
    """One bar per row, made of one segment per series; the row's total at its end."""
    return _chart(
        mode="stacked",
        title=title,
        series=series,
        rows=rows,
        description=description,
        reference=reference,
        empty_text=empty_text,
    )


# --- Drawing ----------------------------------------------------------------------------------------------------


def _fmt(value: float) -> str:
    if float(value).is_integer():
        return number_format(int(value))
    return number_format(round(value, 1), decimal_pos=1)


def _nice_step(top: float) -> float:
    """A step of 1, 2 or 5 times a power of ten that draws four or five grid lines up to ``top``."""
    if top <= 0:
        return 1
    raw = top / 4
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return max(factor * power, 1)
    return 10 * power


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _text_width(text: str, size: int) -> float:
    # An estimate (no font metrics on the server): an average glyph is a little over half the font size wide.
    return len(text) * size * 0.55


def _colours(series: Sequence[Series]) -> list[tuple[str, str]]:
    defaults = iter(DEFAULT_COLOURS)
    return [PALETTE[s.colour] if s.colour in PALETTE else PALETTE[next(defaults)] for s in series]


def _legend(series: Sequence[Series], colours: list[tuple[str, str]], top: float) -> tuple[list[str], float]:
    """The legend at the top, wrapped to the width; the parts and the height it took."""
    parts, x, y = [], PAD, top
    for item, (fill, _ink) in zip(series, colours, strict=True):
        width = 12 + 6 + _text_width(item.label, FONT) + 16
        if x > PAD and x + width > WIDTH - PAD:
            x, y = PAD, y + 20
        parts.append(
            f'<rect x="{x}" y="{y}" width="12" height="12" fill="{fill}"/>'
            f'<text x="{x + 18}" y="{y + 11}" font-size="{FONT}" fill="{TEXT}">{escape(item.label)}</text>'
        )
        x += width
    return parts, (y - top) + 22


def _chart(
    *,
    mode: str,
    title: str,
    series: Sequence[Series],
    rows: Sequence[Row],
    description: str,
    reference: Reference | None,
    empty_text: str,
) -> SafeString:
    uid = f"chart-{next(_ids)}"
    colours = _colours(series)
    parts: list[str] = []
    y = float(PAD)
    if len(series) > 1 or mode == "grouped":
        legend, height = _legend(series, colours, y)
        parts += legend
        y += height
    if reference is not None:
        y += 18  # the reference's label sits above the bars

    totals = [sum(row.values) if mode == "stacked" else max(row.values, default=0) for row in rows]
    top = max([*totals, reference.value if reference else 0, 0])
    if not rows or top <= 0:
        message = escape(empty_text or "—")
        parts.append(f'<text x="{PAD}" y="{y + 16}" font-size="{FONT}" fill="{MUTED}">{message}</text>')
        return _svg(uid, title, description, parts, y + 28)

    step = _nice_step(top)
    axis_top = math.ceil(top / step) * step
    # A name too long for the column beside the bars goes above its bars, on the whole width: a channel's
    # "Police Mons-Quévy (Facebook)" is not cut where the networks differ.
    above = any(_text_width(row.label, FONT) > LABEL_WIDTH - 10 for row in rows)
    plot_left = PAD + 1 if above else LABEL_WIDTH
    plot_right = WIDTH - VALUE_ROOM
    scale = (plot_right - plot_left) / axis_top

    bar = 14 if mode == "grouped" else 20
    label_room = 18 if above else 0
    row_height = (bar * len(series) + 2 * (len(series) - 1) if mode == "grouped" else bar) + 10 + label_room
    plot_top = y
    plot_bottom = plot_top + row_height * len(rows)

    # Grid lines and their figures below the plot.
    tick = 0.0
    while tick <= axis_top + step / 2:
        x = plot_left + tick * scale
        parts.append(f'<line x1="{x:.1f}" y1="{plot_top}" x2="{x:.1f}" y2="{plot_bottom}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{plot_bottom + 14}" font-size="{SMALL}" fill="{MUTED}" '
            f'text-anchor="middle">{_fmt(tick)}</text>'
        )
        tick += step

    for index, row in enumerate(rows):
        top_y = plot_top + index * row_height + 5
        short = _shorten(row.label, 62 if above else 22)
        # A shortened name keeps its whole text as the tooltip (and for a screen reader).
        full = f"<title>{escape(row.label)}</title>" if short != row.label else ""
        if above:
            parts.append(
                f'<text x="{plot_left + 4}" y="{top_y + 9:.1f}" font-size="{FONT}" fill="{TEXT}">'
                f"{full}{escape(short)}</text>"
            )
            top_y += label_room
        else:
            parts.append(
                f'<text x="{plot_left - 6}" y="{top_y + (row_height - 10) / 2 + 4.5:.1f}" font-size="{FONT}" '
                f'fill="{TEXT}" text-anchor="end">{full}{escape(short)}</text>'
            )
        if mode == "stacked":
            parts += _stacked_bar(row, series, colours, top_y, bar, plot_left, scale)
        else:
            for n, (value, item, (fill, _ink)) in enumerate(zip(row.values, series, colours, strict=True)):
                bar_y = top_y + n * (bar + 2)
                width = value * scale
                parts.append(
                    f'<rect x="{plot_left}" y="{bar_y:.1f}" width="{width:.1f}" height="{bar}" fill="{fill}">'
                    f"<title>{escape(row.label)} — {escape(item.label)}: {_fmt(value)}</title></rect>"
                )
                parts.append(
                    f'<text x="{plot_left + width + 4:.1f}" y="{bar_y + bar / 2 + 4:.1f}" font-size="{SMALL + 1}" '
                    f'fill="{TEXT}">{_fmt(value)}</text>'
                )
    parts.append(
        f'<line x1="{plot_left}" y1="{plot_top}" x2="{plot_left}" y2="{plot_bottom}" stroke="{TEXT}" stroke-width="1"/>'
    )
    if reference is not None:
        x = plot_left + reference.value * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{plot_top - 4}" x2="{x:.1f}" y2="{plot_bottom}" stroke="{TEXT}" '
            f'stroke-width="2" stroke-dasharray="5 3"/>'
        )
        text = escape(reference.label)
        anchor = "end" if x + _text_width(reference.label, SMALL) / 2 > WIDTH - PAD else "middle"
        if anchor == "middle" and x - _text_width(reference.label, SMALL) / 2 < PAD:
            anchor = "start"
        parts.append(
            f'<text x="{x:.1f}" y="{plot_top - 8}" font-size="{SMALL}" fill="{TEXT}" text-anchor="{anchor}" '
            f'font-weight="bold">{text}</text>'
        )
    return _svg(uid, title, description, parts, plot_bottom + 22)


def _stacked_bar(
    row: Row,
    series: Sequence[Series],
    colours: list[tuple[str, str]],
    top_y: float,
    bar: int,
    left: float,
    scale: float,
) -> list[str]:
    parts, x = [], float(left)
    for value, item, (fill, ink) in zip(row.values, series, colours, strict=True):
        if value <= 0:
            continue
        width = value * scale
        parts.append(
            f'<rect x="{x:.1f}" y="{top_y:.1f}" width="{width:.1f}" height="{bar}" fill="{fill}" stroke="#ffffff" '
            f'stroke-width="1"><title>{escape(row.label)} — {escape(item.label)}: {_fmt(value)}</title></rect>'
        )
        figure = _fmt(value)
        if width >= _text_width(figure, SMALL) + 6:
            parts.append(
                f'<text x="{x + width / 2:.1f}" y="{top_y + bar / 2 + 4:.1f}" font-size="{SMALL}" fill="{ink}" '
                f'text-anchor="middle">{figure}</text>'
            )
        x += width
    total = sum(row.values)
    parts.append(
        f'<text x="{x + 4:.1f}" y="{top_y + bar / 2 + 4.5:.1f}" font-size="{SMALL + 1}" fill="{TEXT}" '
        f'font-weight="bold">{_fmt(total)}</text>'
    )
    return parts


def _svg(uid: str, title: str, description: str, parts: list[str], height: float) -> SafeString:
    height = math.ceil(height)
    desc = f'<desc id="{uid}-desc">{escape(description)}</desc>' if description else ""
    labelled_by = f"{uid}-title {uid}-desc" if description else f"{uid}-title"
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" aria-label="{escape(title)}" '
        f'aria-labelledby="{labelled_by}" '
        f"font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\">"
        f'<title id="{uid}-title">{escape(title)}</title>{desc}{"".join(parts)}</svg>'
    )
    return mark_safe(svg)  # noqa: S308 - every text inside went through escape()

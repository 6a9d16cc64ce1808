"""Charts as inline SVG, drawn on the server: no script, no outside assets.

The Content-Security-Policy forbids inline styles, so everything is drawn with SVG
presentation attributes (fill, stroke, width...). Each chart is an image to assistive
technology (role="img") named by its <title> and described by its <desc>, and every text is
escaped. These functions are pure: they take plain values and return markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")

SVG_NS = "http://www.w3.org/2000/svg"
#: Outline of a bar, and the fill of a bar with nothing in it.
OUTLINE = "#8a939c"
EMPTY = "#eef0f2"


@dataclass(frozen=True)
class Segment:
    """One part of a bar. `label` is what a tooltip and a screen reader say about it."""

    label: str
    value: float
    color: str


def _num(x: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _color(value: str) -> str:
    if not _COLOR.fullmatch(value):
        raise ValueError(f"colour must be #rrggbb, not {value!r}")
    return value


def _ident(value: str | None) -> str | None:
    if value is not None and not _IDENT.fullmatch(value):
        raise ValueError(f"not a usable element ID: {value!r}")
    return value


def segment_widths(values: Sequence[float], width: float) -> list[float]:
    """Split `width` in proportion to the values; the widths add up to `width` exactly
    (or are all 0 when the values are). Negative values count as 0."""
    clean = [max(0.0, float(v)) for v in values]
    total = sum(clean)
    if not total:
        return [0.0 for _v in clean]
    widths = [round(width * v / total, 2) for v in clean]
    # Give the rounding error to the widest part, where it shows least.
    if widths:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        widths[widest] = round(widths[widest] + width - sum(widths), 2)
    return widths


def _open_svg(width: int, height: int, title: str, desc: str, ident: str | None) -> str:
    labelled = (
        f' id="{ident}" aria-labelledby="{ident}-title {ident}-desc"' if ident is not None else ""
    )
    title_id = f' id="{ident}-title"' if ident is not None else ""
    desc_id = f' id="{ident}-desc"' if ident is not None else ""
    return (
        f'<svg xmlns="{SVG_NS}" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"{labelled}>'
        f"<title{title_id}>{escape(title)}</title>"
        f"<desc{desc_id}>{escape(desc)}</desc>"
    )


def stacked_bar(
    segments: Sequence[Segment],
    width: int = 240,
    height: int = 18,
    *,
    title: str,
    desc: str | None = None,
    ident: str | None = None,
) -> Markup:
    """A horizontal 100 % stacked bar: each segment's length is its share of the sum.

    `title` names the chart; `desc` (by default the segments' labels, one after another)
    describes it. `ident`, when given, becomes the element's ID and links the title and
    description with aria-labelledby; it must be unique on the page.
    """
    if width <= 0 or height <= 0:
        raise ValueError("width and height must be positive")
    ident = _ident(ident)
    if desc is None:
        desc = "; ".join(s.label for s in segments)
    parts = [
        _open_svg(width, height, title, desc, ident),
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="{EMPTY}"/>',
        *_segment_rects(segments, width, height),
        # The outline last, so it is drawn over the segments' edges.
        f'<rect x="0.5" y="0.5" width="{_num(width - 1)}" height="{_num(height - 1)}" '
        f'fill="none" stroke="{OUTLINE}" stroke-width="1"/>',
        "</svg>",
    ]
    # Every text and attribute value above is escaped or validated.
    return Markup("".join(parts))  # noqa: S704


def _segment_rects(segments: Sequence[Segment], width: int, height: int) -> list[str]:
    """One rectangle per segment with a length, left to right, each titled with its label."""
    rects = []
    x = 0.0
    for segment, w in zip(
        segments, segment_widths([s.value for s in segments], width), strict=True
    ):
        if w <= 0:
            continue
        rects.append(
            f'<rect x="{_num(x)}" y="0" width="{_num(w)}" height="{height}" '
            f'fill="{_color(segment.color)}"><title>{escape(segment.label)}</title></rect>'
        )
        x += w
    return rects


def swatch(color: str, size: int = 12) -> Markup:
    """A small square of colour for a legend; decorative, so hidden from assistive technology
    (the text beside it says what it stands for)."""
    if size <= 0:
        raise ValueError("size must be positive")
    return Markup(  # noqa: S704 - numbers and a validated colour only
        f'<svg xmlns="{SVG_NS}" aria-hidden="true" focusable="false" width="{size}" '
        f'height="{size}" viewBox="0 0 {size} {size}">'
        f'<rect x="0.5" y="0.5" width="{_num(size - 1)}" height="{_num(size - 1)}" '
        f'fill="{_color(color)}" stroke="{OUTLINE}" stroke-width="1"/></svg>'
    )

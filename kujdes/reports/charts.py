"""Charts drawn on the server as SVG: no JavaScript, printable, and the same in pages and PDFs.

Each chart is an `<svg role="img">` with a title and a description that states every value, so a screen
reader gets the figures; pages also show the data table next to it. Colours are attributes (not CSS) so
that WeasyPrint draws them as the browser does; right-to-left pages mirror nothing (numbers read the same).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import count

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR = "#0b5c6b"
HIDDEN = "#c9d1d9"
INK = "#1b1f23"
MUTED = "#4a5560"
GRID = "#e3e8ec"
FONTS = "DejaVu Sans, system-ui, sans-serif"

Row = tuple[str, float | int | None, str]  # label, value (None: hidden or none), text shown

_ids = count(1)


def _rect(x: float, y: float, width: float, height: float, fill: str) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" fill="{fill}"/>'


def _description(rows: Sequence[Row]) -> str:
    return "; ".join(f"{label}: {shown}" for label, _, shown in rows)


def _short(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bars_svg(rows: Sequence[Row], *, title: str, percent: bool = False) -> SafeString:
    """Horizontal bars, one per row: the label, the bar, the figure as shown (hidden cells: a grey stub)."""
    if not rows:
        return mark_safe("")  # noqa: S308 - constant
    number = next(_ids)
    width, label_width, value_width, row_height = 420, 150, 56, 24
    bar_space = width - label_width - value_width - 16
    top = 4
    height = top + row_height * len(rows) + 4
    values = [float(v) for _, v, _ in rows if v is not None]
    largest = 100.0 if percent else max(values, default=0.0) or 1.0
    parts = [
        f'<svg class="chart" role="img" aria-labelledby="chart-{number}-t chart-{number}-d" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="{FONTS}" font-size="11">',
        f'<title id="chart-{number}-t">{escape(title)}</title>',
        f'<desc id="chart-{number}-d">{escape(_description(rows))}</desc>',
    ]
    for index, (label, value, shown) in enumerate(rows):
        y = top + index * row_height
        middle = y + row_height / 2 + 4.5
        parts.append(
            f'<text x="{label_width - 8}" y="{middle:.1f}" text-anchor="end" fill="{INK}">'
            f"{escape(_short(label, 20))}</text>"
        )
        if value is None:
            parts.append(_rect(label_width, y + 5, 6, row_height - 10, HIDDEN))
        else:
            length = max(bar_space * float(value) / largest, 1.0 if value else 0.0)
            parts.append(_rect(label_width, y + 5, length, row_height - 10, BAR))
        parts.append(
            f'<text x="{width - value_width}" y="{middle:.1f}" fill="{INK}" font-weight="600">'
            f"{escape(shown)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text escaped above


def trend_svg(points: Sequence[Row], *, title: str) -> SafeString:
    """Columns for consecutive months, each labelled under its column (hidden months: a grey stub)."""
    if not points:
        return mark_safe("")  # noqa: S308 - constant
    number = next(_ids)
    width, height, bottom, top, left = 420, 160, 30, 16, 6
    plot_height = height - bottom - top
    slot = (width - 2 * left) / len(points)
    column = max(min(slot * 0.7, 48), 3)
    values = [float(v) for _, v, _ in points if v is not None]
    largest = max(values, default=0.0) or 1.0
    parts = [
        f'<svg class="chart" role="img" aria-labelledby="chart-{number}-t chart-{number}-d" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="{FONTS}" font-size="12">',
        f'<title id="chart-{number}-t">{escape(title)}</title>',
        f'<desc id="chart-{number}-d">{escape(_description(points))}</desc>',
        f'<line x1="{left}" y1="{top + plot_height}" x2="{width - left}" y2="{top + plot_height}" '
        f'stroke="{GRID}"/>',
    ]
    every = max(1, len(points) // 12)
    for index, (label, value, shown) in enumerate(points):
        x = left + index * slot + (slot - column) / 2
        centre = x + column / 2
        if value is None:
            parts.append(_rect(x, top + plot_height - 4, column, 4, HIDDEN))
        else:
            bar = plot_height * float(value) / largest
            y = top + plot_height - bar
            parts.append(_rect(x, y, column, bar, BAR))
            if len(points) <= 24:
                parts.append(
                    f'<text x="{centre:.1f}" y="{max(y - 4, 12):.1f}" text-anchor="middle" fill="{INK}" '
                    f'font-size="10">{escape(shown)}</text>'
                )
        if index % every == 0:
            parts.append(
                f'<text x="{centre:.1f}" y="{height - bottom + 16}" text-anchor="middle" fill="{MUTED}">'
                f"{escape(label)}</text>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text escaped above

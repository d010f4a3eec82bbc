"""Charts drawn on the server as SVG: no JavaScript, printable, and the same in pages and PDFs.

Each chart is an `<svg role="img">` with a title. Its figures are described either by the data table
next to it (`described_by`, the table's id: pages) or by a `<desc>` listing every value (PDFs). Shared
attributes sit on groups, once per chart, so a page of charts stays light; colours are attributes (not
CSS) so that WeasyPrint draws them as the browser does.
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


def _short(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _open(
    width: int, height: int, title: str, rows: Sequence[Row], described_by: str, size: int
) -> list[str]:
    number = next(_ids)
    label = f"chart-{number}"
    described = described_by or f"{label}-d"
    parts = [
        f'<svg class="chart" role="img" aria-labelledby="{label}" aria-describedby="{escape(described)}" '
        f'viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="{FONTS}" font-size="{size}">',
        f'<title id="{label}">{escape(title)}</title>',
    ]
    if not described_by:
        text = "; ".join(f"{name}: {shown}" for name, _, shown in rows)
        parts.append(f'<desc id="{label}-d">{escape(text)}</desc>')
    return parts


def bars_svg(rows: Sequence[Row], *, title: str, percent: bool = False, described_by: str = "") -> SafeString:
    """Horizontal bars, one per row: the label, the bar, the figure as shown (hidden cells: a grey stub)."""
    if not rows:
        return mark_safe("")  # noqa: S308 - constant
    width, label_width, value_x, row_height = 420, 150, 370, 24
    bar_space = value_x - label_width - 10
    height = 8 + row_height * len(rows)
    values = [float(v) for _, v, _ in rows if v is not None]
    largest = 100.0 if percent else max(values, default=0.0) or 1.0
    labels, bars, figures = [], [], []
    for index, (label, value, shown) in enumerate(rows):
        y = 4 + index * row_height
        text_y = y + 16
        labels.append(f'<text x="{label_width - 8}" y="{text_y}">{escape(_short(label, 20))}</text>')
        if value is None:
            bars.append(f'<rect x="{label_width}" y="{y + 5}" width="6" height="14" fill="{HIDDEN}"/>')
        else:
            length = max(round(bar_space * float(value) / largest), 1 if value else 0)
            bars.append(f'<rect x="{label_width}" y="{y + 5}" width="{length}" height="14"/>')
        figures.append(f'<text x="{value_x}" y="{text_y}">{escape(shown)}</text>')
    parts = _open(width, height, title, rows, described_by, 11)
    parts.append(f'<g text-anchor="end" fill="{INK}">{"".join(labels)}</g>')
    parts.append(f'<g fill="{BAR}">{"".join(bars)}</g>')
    parts.append(f'<g fill="{INK}" font-weight="600">{"".join(figures)}</g></svg>')
    return mark_safe("".join(parts))  # noqa: S308 - every text escaped above


def trend_svg(points: Sequence[Row], *, title: str, described_by: str = "") -> SafeString:
    """Columns for consecutive months, each labelled under its column (hidden months: a grey stub)."""
    if not points:
        return mark_safe("")  # noqa: S308 - constant
    width, height, bottom, top, left = 420, 160, 30, 16, 6
    plot = height - bottom - top
    base = top + plot
    slot = (width - 2 * left) / len(points)
    column = round(max(min(slot * 0.7, 48), 3), 1)
    values = [float(v) for _, v, _ in points if v is not None]
    largest = max(values, default=0.0) or 1.0
    bars, figures, months = [], [], []
    every = max(1, len(points) // 12)
    for index, (label, value, shown) in enumerate(points):
        x = round(left + index * slot + (slot - column) / 2, 1)
        centre = round(x + column / 2, 1)
        if value is None:
            bars.append(f'<rect x="{x}" y="{base - 4}" width="{column}" height="4" fill="{HIDDEN}"/>')
        else:
            bar = round(plot * float(value) / largest, 1)
            bars.append(f'<rect x="{x}" y="{round(base - bar, 1)}" width="{column}" height="{bar}"/>')
            if len(points) <= 24:
                figures.append(
                    f'<text x="{centre}" y="{round(max(base - bar - 4, 12), 1)}">{escape(shown)}</text>'
                )
        if index % every == 0:
            months.append(f'<text x="{centre}" y="{height - bottom + 16}">{escape(label)}</text>')
    parts = _open(width, height, title, points, described_by, 12)
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - left}" y2="{base}" stroke="{GRID}"/>')
    parts.append(f'<g fill="{BAR}">{"".join(bars)}</g>')
    parts.append(f'<g text-anchor="middle" fill="{INK}" font-size="10">{"".join(figures)}</g>')
    parts.append(f'<g text-anchor="middle" fill="{MUTED}">{"".join(months)}</g></svg>')
    return mark_safe("".join(parts))  # noqa: S308 - every text escaped above

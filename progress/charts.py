"""Server-rendered SVG bar charts after the Government Analysis Function guidance.

Hand-written SVG with presentation attributes only (``fill="#12436D"``): no ``style`` attributes, no ``<style>``
elements and no scripts, so the charts work without JavaScript and under a strict Content Security Policy. Each chart
has ``role="img"`` and is named by its ``<title>`` and described by its ``<desc>`` (``aria-labelledby``); every bar
carries its value as text, so no meaning rests on colour. The same numbers follow each chart as a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from markupsafe import Markup

# Analysis Function categorical palette; the first colour is used for single-series charts.
PALETTE = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")
TEXT = "#0B0C0C"
AXIS = "#505A5F"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    shown: str  # the value as words/number written next to the bar ("45%", "12", "No releases")


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def horizontal_bars(*, chart_id: str, title: str, description: str, bars: Sequence[Bar],
                    maximum: float | None = None) -> Markup:  # fmt: skip
    """One bar per group (a producer, a network, a quarter), labels on the left and values at the bar ends."""
    label_width, bar_width, row, top = 230, 360, 30, 8
    width = label_width + bar_width + 90
    height = top + row * max(len(bars), 1) + 8
    top_value = maximum if maximum is not None else max([b.value or 0 for b in bars] + [1])
    top_value = top_value or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" width="100%" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f'<line x1="{label_width}" y1="{top - 4}" x2="{label_width}" y2="{height - 4}" stroke="{AXIS}" '
        'stroke-width="1"/>',
    ]
    for index, bar in enumerate(bars):
        y = top + index * row
        length = 0.0 if bar.value is None else max(bar.value, 0) / top_value * bar_width
        label = bar.label if len(bar.label) <= 32 else bar.label[:31] + "…"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 18}" text-anchor="end" font-family="Arial, sans-serif" '
            f'font-size="14" fill="{TEXT}">{escape(label)}</text>'
        )
        if length > 0:
            parts.append(f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="20" fill="{PALETTE[0]}"/>')
        parts.append(
            f'<text x="{label_width + length + 6:.1f}" y="{y + 18}" font-family="Arial, sans-serif" font-size="14" '
            f'font-weight="bold" fill="{TEXT}">{escape(bar.shown)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text above is escaped


def columns(*, chart_id: str, title: str, description: str, bars: Sequence[Bar],
            maximum: float | None = None) -> Markup:  # fmt: skip
    """A trend: one column per quarter, oldest on the left, values written above the columns."""
    left, column, gap, chart_height, top = 10, 62, 14, 150, 24
    width = left * 2 + (column + gap) * max(len(bars), 1)
    height = top + chart_height + 44
    top_value = maximum if maximum is not None else max([b.value or 0 for b in bars] + [1])
    top_value = top_value or 1
    base = top + chart_height
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" width="100%" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f'<line x1="{left}" y1="{base}" x2="{width - left}" y2="{base}" stroke="{AXIS}" stroke-width="1"/>',
    ]
    for index, bar in enumerate(bars):
        x = left + index * (column + gap) + gap / 2
        size = 0.0 if bar.value is None else max(bar.value, 0) / top_value * chart_height
        if size > 0:
            parts.append(f'<rect x="{x:.1f}" y="{base - size:.1f}" width="{column}" height="{size:.1f}" '
                         f'fill="{PALETTE[0]}"/>')  # fmt: skip
        parts.append(
            f'<text x="{x + column / 2:.1f}" y="{base - size - 6:.1f}" text-anchor="middle" '
            f'font-family="Arial, sans-serif" font-size="13" font-weight="bold" fill="{TEXT}">'
            f"{escape(bar.shown)}</text>"
        )
        words = bar.label.split(" ")
        for line, text in enumerate((" ".join(words[:-1]), words[-1]) if len(words) > 1 else (bar.label,)):
            parts.append(
                f'<text x="{x + column / 2:.1f}" y="{base + 16 + line * 15}" text-anchor="middle" '
                f'font-family="Arial, sans-serif" font-size="12" fill="{TEXT}">{escape(text)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text above is escaped

"""The report's pictures as server-side SVG: no script, the same in the page and the PDF.

Each picture is ``role="img"`` with a ``<title>`` and ``<desc>`` (aria-labelledby both), and the page puts a table of
the same figures beside it, so nothing is only in the picture. Every row is a ``<g class="...-row">`` (the tests count
them). Labels are escaped; the numbers are the published ones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

INK = "#0b0c0c"
BLUE = "#1d70b8"
GREY = "#505a5f"
LIGHT = "#b1b4b6"
WIDTH = 680
LABEL_WIDTH = 280
RIGHT_MARGIN = 24
ROW = 30
TOP = 16
AXIS = 40
FONT = 'font-family="Arial, sans-serif" font-size="14"'


@dataclass(frozen=True)
class ForestRow:
    label: str
    estimate: float | None  # None: not published (suppressed)
    low: float | None
    high: float | None
    emphasis: bool = False  # the primary outcome, in bold


@dataclass(frozen=True)
class BalanceRow:
    label: str
    before: float | None
    after: float | None


def _nice_step(span: float) -> float:
    raw = span / 4
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def _fmt(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text.replace("-", "\u2212")


class _Scale:
    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.left = LABEL_WIDTH
        self.right = WIDTH - RIGHT_MARGIN

    def x(self, value: float) -> float:
        share = (max(-self.limit, min(self.limit, value)) + self.limit) / (2 * self.limit)
        return round(self.left + share * (self.right - self.left), 1)


def _open(kind: str, uid: str, title: str, desc: str, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="datalab-plot datalab-plot--{kind}" role="img" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{uid}-title {uid}-desc" focusable="false">',
        f'<title id="{uid}-title">{escape(title)}</title>',
        f'<desc id="{uid}-desc">{escape(desc)}</desc>',
    ]


def _axis(scale: _Scale, ticks: Sequence[float], y: float, caption: str) -> list[str]:
    parts = [f'<g class="axis" {FONT} fill="{GREY}">',
             f'<line x1="{scale.left}" y1="{y}" x2="{scale.right}" y2="{y}" stroke="{GREY}"/>']  # fmt: skip
    for tick in ticks:
        x = scale.x(tick)
        parts.append(f'<line x1="{x}" y1="{y}" x2="{x}" y2="{y + 5}" stroke="{GREY}"/>')
        parts.append(f'<text x="{x}" y="{y + 19}" text-anchor="middle">{_fmt(tick)}</text>')
    # The caption ends under the axis's end: a long one runs left under the labels, never out of the picture.
    parts.append(f'<text x="{scale.right}" y="{y + 36}" text-anchor="end">{escape(caption)}</text>')
    parts.append("</g>")
    return parts


def _ticks(limit: float, step: float) -> list[float]:
    count = int(limit // step)
    return [i * step for i in range(-count, count + 1)]


def _label(row_y: float, label: str, emphasis: bool = False) -> str:
    weight = ' font-weight="bold"' if emphasis else ""
    short = label if len(label) <= 40 else label[:38] + "\u2026"
    return f'<text x="0" y="{row_y + 5}" {FONT} fill="{INK}"{weight}>{escape(short)}</text>'


def forest_plot(rows: Sequence[ForestRow], *, uid: str, title: str, desc: str, caption: str) -> Markup:
    """Each row's estimate as a dot and its interval as a line, around a zero line (no difference)."""
    values = [abs(v) for r in rows for v in (r.low, r.high, r.estimate) if v is not None]
    span = max([*values, 1.0]) * 1.1
    step = _nice_step(span)
    limit = math.ceil(span / step) * step
    scale = _Scale(limit)
    height = TOP + ROW * len(rows) + AXIS + 10
    parts = _open("forest", uid, title, desc, height)
    zero = scale.x(0)
    parts.append(f'<line x1="{zero}" y1="{TOP - 8}" x2="{zero}" y2="{TOP + ROW * len(rows)}" stroke="{INK}"/>')
    for i, row in enumerate(rows):
        y = TOP + ROW * i + ROW / 2
        parts.append('<g class="forest-row">')
        parts.append(_label(y, row.label, row.emphasis))
        if row.estimate is None or row.low is None or row.high is None:
            parts.append(f'<text x="{zero + 8}" y="{y + 5}" {FONT} fill="{GREY}">not published</text>')
        else:
            colour = INK if row.emphasis else BLUE
            parts.append(f'<line x1="{scale.x(row.low)}" y1="{y}" x2="{scale.x(row.high)}" y2="{y}" '
                         f'stroke="{colour}" stroke-width="2"/>')  # fmt: skip
            parts.append(f'<circle cx="{scale.x(row.estimate)}" cy="{y}" r="{6 if row.emphasis else 5}" '
                         f'fill="{colour}"/>')  # fmt: skip
        parts.append("</g>")
    parts += _axis(scale, _ticks(limit, step), TOP + ROW * len(rows) + 2, caption)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped; the rest is our own markup


def balance_plot(rows: Sequence[BalanceRow], *, uid: str, title: str, desc: str, line: float = 0.10) -> Markup:
    """Each covariate's SMD before (hollow) and after matching (filled), with the balance line either side of 0."""
    values = [abs(v) for r in rows for v in (r.before, r.after) if v is not None]
    limit = max([*values, line * 1.5]) * 1.1
    step = _nice_step(limit)
    limit = math.ceil(limit / step) * step
    scale = _Scale(limit)
    bottom = TOP + ROW * len(rows)
    height = bottom + AXIS + 10
    parts = _open("balance", uid, title, desc, height)
    dashed = ' stroke-dasharray="4 3"'
    for x, dash in ((scale.x(-line), dashed), (scale.x(0), ""), (scale.x(line), dashed)):
        parts.append(f'<line x1="{x}" y1="{TOP - 8}" x2="{x}" y2="{bottom}" stroke="{GREY}"{dash}/>')
    for i, row in enumerate(rows):
        y = TOP + ROW * i + ROW / 2
        parts.append('<g class="balance-row">')
        parts.append(_label(y, row.label))
        if row.before is not None:
            parts.append(f'<circle cx="{scale.x(row.before)}" cy="{y}" r="5" fill="#ffffff" stroke="{GREY}" '
                         f'stroke-width="2"/>')  # fmt: skip
        if row.after is not None:
            parts.append(f'<circle cx="{scale.x(row.after)}" cy="{y}" r="5" fill="{BLUE}"/>')
        if row.before is None and row.after is None:
            parts.append(f'<text x="{scale.x(0) + 8}" y="{y + 5}" {FONT} fill="{GREY}">not published</text>')
        parts.append("</g>")
    parts += _axis(scale, _ticks(limit, step), bottom + 2, "Standardised mean difference")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped; the rest is our own markup

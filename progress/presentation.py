"""Turning figures (live or frozen in a report) into what a page shows: headline, charts, tables, CSV rows.

Works on the plain dictionary shape of ``Figure.as_dict()``, which is also what an issued report stores, so the
dashboard and a frozen report are drawn by the same code and a report never needs the metrics to be recomputed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from ehssg.spreadsheets import csv_bytes

from .charts import Bar, columns, horizontal_bars
from .choices import Unit

NO_FIGURE: dict[str, str] = {Unit.PERCENT: "None to count", Unit.DAYS: "None to count", Unit.COUNT: "Not recorded"}


def shown(value: float | None, unit: str) -> str:
    """A figure as words: "45.5%", "26.5 days", "12"; and what no figure means."""
    if value is None:
        return NO_FIGURE.get(unit, "Not recorded")
    if unit == Unit.PERCENT:
        return f"{value:g}%"
    if unit == Unit.DAYS:
        return f"{value:g} days"
    return f"{int(value):,}"


@dataclass
class TableRow:
    label: str
    figure: str
    detail: str
    parts: list[int]
    link: str | None


@dataclass
class Shown:
    key: str
    title: str
    definition: str
    unit: str
    headline: str
    headline_detail: str
    part_labels: list[str]
    trend_chart: Markup
    trend_rows: list[TableRow]
    breakdown_chart: Markup | None
    breakdown_rows: list[TableRow]


def _detail(row: dict[str, Any], unit: str) -> str:
    if unit == Unit.PERCENT and row["denominator"]:
        return f"{row['numerator']} of {row['denominator']}"
    if unit == Unit.DAYS and row["denominator"]:
        return f"{row['denominator']} releases"
    return ""


def _table(rows: Iterable[dict[str, Any]], unit: str, link: Callable[[dict[str, Any]], str | None]) -> list[TableRow]:
    return [TableRow(label=row["label"], figure=shown(row["value"], unit), detail=_detail(row, unit),
                     parts=[p["count"] for p in row["parts"]], link=link(row)) for row in rows]  # fmt: skip


def present(figure: dict[str, Any], *, chart_prefix: str, breakdown_label: str = "",
            link: Callable[[dict[str, Any]], str | None] = lambda row: None) -> Shown:  # fmt: skip
    """What the page shows for one metric."""
    unit = figure["unit"]
    maximum = 100.0 if unit == Unit.PERCENT else None
    trend = figure["trend"]
    # Columns are narrow: "None" under a missing column (the table below says "None to count").
    trend_bars = [Bar(row.get("short_label") or row["label"], row["value"],
                      "None" if row["value"] is None else shown(row["value"], unit)) for row in trend]  # fmt: skip
    first, last = (trend[0]["label"], trend[-1]["label"]) if trend else ("", "")
    trend_chart = columns(
        chart_id=f"{chart_prefix}-{figure['key']}-trend",
        title=f"{figure['title']}: {first} to {last}",
        description="Column chart, one column per quarter. " + "; ".join(
            f"{row['label']}: {shown(row['value'], unit)}" for row in trend),
        bars=trend_bars,
        maximum=maximum,
    )  # fmt: skip
    breakdown = figure.get("breakdown") or []
    breakdown_chart = None
    if breakdown:
        breakdown_chart = horizontal_bars(
            chart_id=f"{chart_prefix}-{figure['key']}-breakdown",
            title=f"{figure['title']}, {breakdown_label.lower()}",
            description="Bar chart, one bar per group. " + "; ".join(
                f"{row['label']}: {shown(row['value'], unit)}" for row in breakdown),
            bars=[Bar(row["label"], row["value"], shown(row["value"], unit)) for row in breakdown],
            maximum=maximum,
        )  # fmt: skip
    total = figure["total"]
    return Shown(
        key=figure["key"], title=figure["title"], definition=figure["definition"], unit=unit,
        headline=shown(total["value"], unit), headline_detail=_detail(total, unit),
        part_labels=[p["label"] for p in total["parts"]],
        trend_chart=trend_chart,
        trend_rows=_table(trend, unit, lambda row: None),
        breakdown_chart=breakdown_chart,
        breakdown_rows=_table(breakdown, unit, link),
    )  # fmt: skip


CSV_HEADER = ["quarter", "metric", "title", "unit", "group", "label", "value", "numerator", "denominator", "parts"]


def csv_rows(quarter_key: str, figures: Iterable[dict[str, Any]], *, breakdown: bool) -> list[list[Any]]:
    rows = []
    for figure in figures:
        for row in [figure["total"], *(figure.get("breakdown") or [] if breakdown else [])]:
            rows.append([
                quarter_key, figure["key"], figure["title"], figure["unit"], row["group"], row["label"],
                "" if row["value"] is None else row["value"], "" if row["numerator"] is None else row["numerator"],
                "" if row["denominator"] is None else row["denominator"],
                "; ".join(f"{p['label']}: {p['count']}" for p in row["parts"]),
            ])  # fmt: skip
    return rows


def to_csv(rows: list[list[Any]]) -> bytes:
    return csv_bytes(CSV_HEADER, rows)

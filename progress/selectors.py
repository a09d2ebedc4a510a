"""Reads of the progress app that are more than a one-liner: the live figures of the /osr/ pages, kept in the cache.

Computing every figure with its 8-quarter trend reads the whole history of the register (facts.gather) and took
0.6-1.9 s a request. The figures only change when the data behind them changes, and every write leaves a history row
(house rule), so the cache key carries a fingerprint of the data: the newest history row of each model the figures
read, and the subscriptions (alerts keep no history of them). Any write anywhere gives a new fingerprint, so a page
never shows figures older than the last write; the entries expire after ``LIVE_SECONDS`` because "as of now" also
moves with the clock (an action item becomes overdue, a flag open for over 30 days, with no write).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from .metrics import BY_KEY, Calculator, Row, figures
from .quarters import Quarter

LIVE_SECONDS = 60
# The models whose history the figures read (facts.gather), as app_label.Model; each has django-simple-history.
FIGURE_MODELS = (
    "releases.Release", "releases.DateChange", "releases.ReleaseSeries", "coordination.Flag", "releases.Producer",
    "releases.Definition", "releases.Measure", "networks.TopicNetwork", "networks.ActionPlan", "networks.ActionItem",
    "networks.Lesson", "networks.EngagementActivity",
)  # fmt: skip


def figures_fingerprint() -> str:
    """Changes whenever anything the figures read changes: one query over indexed columns."""
    quote = connection.ops.quote_name
    parts: list[tuple[str, str]] = []  # (aggregate, table)
    for label in FIGURE_MODELS:
        historical = apps.get_model(label).history.model  # type: ignore[attr-defined]
        parts.append((f"MAX({quote('history_id')})", quote(historical._meta.db_table)))
        for relation in historical._meta.related_objects:  # m2m history rows point at theirs (a release's networks)
            through = relation.related_model._meta
            parts.append((f"MAX({quote(through.pk.column)})", quote(through.db_table)))
    if apps.is_installed("alerts"):
        table = quote(apps.get_model("alerts.Subscription")._meta.db_table)
        parts.append(("COUNT(*)", table))
        parts.extend((f"MAX({quote(column)})", table) for column in ("id", "confirmed_at", "unsubscribed_at"))
    # Table and column names come from the models and are quoted; there are no values in this query.
    sql = "SELECT " + ", ".join(f"(SELECT {aggregate} FROM {table})" for aggregate, table in parts)  # noqa: S608 # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return hashlib.sha256(repr(row).encode()).hexdigest()[:24]


def live_figures(*, quarter: Quarter, breakdown: str, keys: list[str] | None = None) -> list[dict[str, Any]]:
    """The figures for ``quarter`` as of now (plain values for the pages, CSV and JSON), from the cache when the data
    has not changed since they were computed."""
    wanted = [k for k in keys or [] if k in BY_KEY]
    cache_key = f"progress:live:{figures_fingerprint()}:{quarter.key}:{breakdown}:{','.join(wanted)}"
    found = cache.get(cache_key)
    if found is None:
        found = _compute(quarter, breakdown, wanted)
        cache.set(cache_key, found, LIVE_SECONDS)
    return found


def _compute(quarter: Quarter, breakdown: str, keys: list[str]) -> list[dict[str, Any]]:
    metrics = [BY_KEY[k] for k in keys] if keys else list(BY_KEY.values())
    out = []
    for figure in figures(quarter=quarter, as_of=timezone.now(), breakdown=breakdown, metrics=metrics):
        entry = figure.as_dict()
        entry["refs"] = {row.group: bool(row.refs) for row in [figure.total, *figure.breakdown]}
        missing = breakdown not in figure.metric.breakdowns
        entry["no_breakdown_reason"] = figure.metric.no_breakdown_reason if missing else ""
        out.append(entry)
    return out


def live_rows(*, metric_key: str, quarter: Quarter, breakdown: str) -> list[Row]:
    """One metric's rows (with the references behind each) for the drill-down, cached like ``live_figures``."""
    from .facts import gather

    cache_key = f"progress:rows:{figures_fingerprint()}:{metric_key}:{quarter.key}:{breakdown}"
    found = cache.get(cache_key)
    if found is None:
        as_of = min(timezone.now(), quarter.ends_at)
        facts = gather(quarters=quarter.last(1), until=as_of)
        found = Calculator(facts).rows(BY_KEY[metric_key], quarter, as_of, breakdown)
        cache.set(cache_key, found, LIVE_SECONDS)
    return found

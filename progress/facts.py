"""The database side of the OSR figures: plain facts read in a fixed number of queries.

Everything a metric needs is read here, once, as plain dictionaries and tuples, for a span of quarters; the metrics in
``metrics.py`` are then pure computations over these facts "as of" any moment in the span. The number of queries does
not depend on how many releases, flags or items there are (a test holds it to that).

Placing history rows in time: a release's history rows are ordered by ``revised_at``, the moment the service says the
change happened (it equals the history row's own time for live edits, and is the true time for imports and the demo,
which play the past through the services with ``at=``). Flags use ``settled_at`` for settling rows and the row's time
otherwise; action items and definitions use the history row's time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.db.models import Q

from coordination.choices import FlagKind, FlagStatus
from coordination.models import Flag
from networks.models import ActionItem, ActionPlan, EngagementActivity, Lesson, TopicNetwork
from releases.choices import ChangeStatus
from releases.models import DateChange, Definition, Measure, Producer, Release, ReleaseSeries

from .quarters import Quarter

RELEASE_FIELDS = (
    "id", "title", "slug", "state", "precision", "release_at", "starts_on", "ends_on", "announced_at",
    "published_at", "cancelled_at", "cancellation_reason", "withdrawn_in_favour_of_id", "lead_producer_id",
    "series_id", "revised_at", "history_id", "history_type",
)  # fmt: skip
SETTLED = (FlagStatus.RESOLVED, FlagStatus.DISMISSED)
FLAG_KINDS = (FlagKind.CLASH, FlagKind.OVERLOAD, FlagKind.AVOID_DATE, FlagKind.DUPLICATE)


@dataclass
class Facts:
    """Everything the metrics read, as plain values. ``until`` is the latest moment the facts are good for."""

    since: date
    until: datetime
    release_versions: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    release_networks: dict[int, tuple[int, ...]] = field(default_factory=dict)
    changes: list[dict[str, Any]] = field(default_factory=list)
    series: dict[int, dict[str, Any]] = field(default_factory=dict)
    series_producers: dict[int, tuple[int, ...]] = field(default_factory=dict)
    series_networks: dict[int, tuple[int, ...]] = field(default_factory=dict)
    flag_versions: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    flag_releases: dict[int, tuple[int, ...]] = field(default_factory=dict)
    producers: dict[int, str] = field(default_factory=dict)
    networks: dict[int, str] = field(default_factory=dict)
    plans: dict[int, dict[str, Any]] = field(default_factory=dict)
    item_versions: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    lessons: list[dict[str, Any]] = field(default_factory=list)
    activities: list[dict[str, Any]] = field(default_factory=list)
    definition_versions: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    measures: dict[int, str] = field(default_factory=dict)
    subscribers: dict[datetime, int | None] = field(default_factory=dict)


def _grouped(rows: Any, key: str) -> dict[int, list[dict[str, Any]]]:
    grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return dict(grouped)


def _rows(rows: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in rows]


def _pairs(rows: Any) -> dict[int, tuple[int, ...]]:
    grouped: dict[int, list[int]] = defaultdict(list)
    for a, b in rows:
        grouped[a].append(b)
    return {a: tuple(sorted(b)) for a, b in grouped.items()}


def gather(*, quarters: list[Quarter], until: datetime) -> Facts:
    """Read the facts for ``quarters`` (oldest first) as known at ``until``, in a fixed number of queries."""
    since = quarters[0].first_day
    since_at = quarters[0].starts_at
    facts = Facts(since=since, until=until)
    HistoricalRelease = Release.history.model  # type: ignore[attr-defined]
    # Every version (up to ``until``) of every release that was, at some point, due on or after the first day: a
    # release moved across the span's start is read whole, so each quarter sees it where it stood then.
    concerned = HistoricalRelease.objects.filter(Q(ends_on__gte=since) | Q(cancelled_at__gte=since_at)).values("id")
    versions = (
        HistoricalRelease.objects.filter(id__in=concerned, revised_at__lte=until)
        .order_by("id", "revised_at", "history_id")
        .values(*RELEASE_FIELDS)
    )
    facts.release_versions = _grouped(versions, "id")
    through = Release.networks.through
    facts.release_networks = _pairs(
        through.objects.filter(release_id__in=concerned).values_list("release_id", "topicnetwork_id")
    )
    facts.changes = _rows(
        DateChange.objects.filter(status=ChangeStatus.AGREED, decided_at__gte=since_at, decided_at__lte=until)
        .order_by("decided_at", "pk")
        .values("id", "release_id", "previous_release_at", "previous_starts_on", "new_release_at", "new_starts_on",
                "reason", "decided_at")  # fmt: skip
    )
    series = ReleaseSeries.objects.values("id", "title", "slug", "frequency", "is_active", "alternative_release_time",
                                          "alternative_time_approved_on")  # fmt: skip
    facts.series = {row["id"]: row for row in _rows(series)}
    facts.series_producers = _pairs(
        ReleaseSeries.producers.through.objects.values_list("releaseseries_id", "producer_id")
    )
    facts.series_networks = _pairs(
        ReleaseSeries.networks.through.objects.values_list("releaseseries_id", "topicnetwork_id")
    )
    HistoricalFlag = Flag.history.model  # type: ignore[attr-defined]
    flag_rows = (
        HistoricalFlag.objects.filter(kind__in=FLAG_KINDS)
        .filter(Q(history_date__lte=until) | Q(settled_at__lte=until))
        .order_by("id", "history_date", "history_id")
        .values("id", "kind", "status", "raised_at", "settled_at", "network_id", "history_date", "history_id",
                "explanation")  # fmt: skip
    )
    facts.flag_versions = _grouped(flag_rows, "id")
    facts.flag_releases = _pairs(
        Flag.releases.through.objects.filter(flag__kind__in=FLAG_KINDS).values_list("flag_id", "release_id")
    )
    facts.producers = dict(Producer.objects.values_list("id", "abbreviation"))
    facts.networks = dict(TopicNetwork.objects.values_list("id", "name"))
    plans = ActionPlan.objects.values("id", "network_id", "status", "published_at", "title")
    facts.plans = {row["id"]: row for row in _rows(plans)}
    HistoricalItem = ActionItem.history.model  # type: ignore[attr-defined]
    facts.item_versions = _grouped(
        HistoricalItem.objects.filter(history_date__lte=until)
        .order_by("id", "history_date", "history_id")
        .values("id", "plan_id", "title", "status", "due_on", "history_date", "history_id", "history_type"),
        "id",
    )
    facts.lessons = _rows(
        Lesson.objects.filter(recorded_on__gte=since, recorded_on__lte=until.date())
        .values("id", "network_id", "title", "recorded_on")
    )
    facts.activities = _rows(
        EngagementActivity.objects.filter(held_on__gte=since, held_on__lte=until.date())
        .values("id", "network_id", "title", "held_on", "people_reached", "kind")
    )
    HistoricalDefinition = Definition.history.model  # type: ignore[attr-defined]
    facts.definition_versions = _grouped(
        HistoricalDefinition.objects.filter(history_date__lte=until)
        .order_by("id", "history_date", "history_id")
        .values("id", "measure_id", "owner_id", "is_harmonised", "history_date", "history_id", "history_type"),
        "id",
    )
    facts.measures = dict(Measure.objects.values_list("id", "name"))
    facts.subscribers = _subscribers([min(q.ends_at, until) for q in quarters])
    return facts


def _subscribers(moments: list[datetime]) -> dict[datetime, int | None]:
    """Subscribers to alerts at each moment, from the alerts app (one count a quarter); None without that app."""
    if not apps.is_installed("alerts"):
        return dict.fromkeys(moments)
    from alerts.selectors import subscriber_count  # type: ignore[import-not-found,unused-ignore]

    return {moment: subscriber_count(as_of=moment) for moment in moments}


def release_state_at(versions: list[dict[str, Any]], as_of: datetime) -> list[dict[str, Any]]:
    """The versions of one release known at ``as_of``, oldest first (empty if it did not exist yet)."""
    return [v for v in versions if v["revised_at"] <= as_of]

"""Synthetic registers for benchmarks: realistic shape (producers, networks, series, titles, dates), any size.

The rows are written inside a transaction the benchmark rolls back, so a benchmark never leaves data behind; that is
why they are bulk-inserted without history rows (nothing here is ever committed).
"""

from __future__ import annotations

import random
import resource
import time as clock
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from networks.models import TopicNetwork
from releases.choices import Designation, Frequency, Geography, Precision, State
from releases.models import RELEASE_UID_NAMESPACE, Producer, Release, ReleaseSeries
from releases.schedule import LONDON, Schedule

TOPICS = [
    "A&E attendances and emergency admissions", "Cancer waiting times", "Mental health services monthly statistics",
    "NHS workforce statistics", "Prescription cost analysis", "Adult social care activity and finance",
    "Alcohol-specific deaths", "Hospital episode statistics for admitted patient care", "Diagnostic imaging dataset",
    "Referral to treatment waiting times", "Appointments in general practice", "Seasonal flu vaccine uptake",
    "Childhood vaccination coverage", "Smoking prevalence in adults", "Health state life expectancies",
    "Critical care bed capacity", "Ambulance quality indicators", "Community services statistics",
    "Learning disability services statistics", "Maternity services monthly statistics", "NHS sickness absence rates",
    "Dental statistics", "Ophthalmic statistics", "Deaths registered weekly", "Conceptions in England and Wales",
]  # fmt: skip
PLACES = ["England", "England and Wales", "UK", "English regions", "local authorities"]
QUALIFIERS = [
    "by ethnicity", "by age and sex", "for children and young people", "in older people", "by deprivation decile",
    "by integrated care board", "by provider", "quarterly summary", "annual report", "experimental measures",
    "in London", "in the North East", "in the South West", "in the Midlands", "in Yorkshire and the Humber",
    "by clinical commissioning group", "for people with learning disabilities", "in care homes", "by ward",
    "by trust", "workforce breakdown", "patient experience", "spending", "waiting list", "outcomes",
]  # fmt: skip


@dataclass
class Synthetic:
    producers: list[Producer]
    networks: list[TopicNetwork]
    series: list[ReleaseSeries]


def ensure_reference_data(rng: random.Random, series_count: int) -> Synthetic:
    producers = [
        Producer.objects.get_or_create(slug=f"bench-p{i}", defaults={"name": f"Bench producer {i}",
                                                                     "abbreviation": f"BP{i}"})[0]
        for i in range(7)
    ]  # fmt: skip
    networks = [
        TopicNetwork.objects.get_or_create(slug=f"bench-n{i}", defaults={"name": f"Bench network {i}"})[0]
        for i in range(7)
    ]
    series = ReleaseSeries.objects.bulk_create(
        ReleaseSeries(
            title=f"{rng.choice(TOPICS)} {rng.choice(QUALIFIERS)}, {rng.choice(QUALIFIERS)}",
            slug=f"bench-series-{uuid.uuid4().hex[:12]}",
            frequency=rng.choice([Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.ANNUAL]),
            designation=rng.choice(list(Designation)),
        )
        for i in range(series_count)
    )
    return Synthetic(producers, networks, series)


def synthetic_releases(
    count: int, *, seed: int = 1, now: datetime | None = None, upcoming_only: bool = False
) -> list[Release]:
    """Insert ``count`` releases over the past 6 and next 12 months; returns them (call inside a transaction)."""
    rng = random.Random(seed)
    now = now or timezone.now()
    today = now.astimezone(LONDON).date()
    ref = ensure_reference_data(rng, max(10, count // 40))
    # A register grows by history: about 25 releases a working day across producers, so a large register reaches
    # years back rather than packing everything into the next twelve months.
    past_days = max(180, count // 25 - 365)
    rows = []
    for i in range(count):
        series = rng.choice(ref.series) if rng.random() < 0.8 else None
        topic = series.title if series else f"{rng.choice(TOPICS)} {rng.choice(QUALIFIERS)}"
        offset = rng.randint(1 if upcoming_only else -past_days, 365)
        day = today + timedelta(days=offset)
        if day.weekday() >= 5 and rng.random() < 0.95:
            day -= timedelta(days=day.weekday() - 3)  # most producers avoid weekends: move to the Thursday
        month = day.replace(day=1)
        period_start = (month - timedelta(days=rng.choice([31, 62, 92]))).replace(day=1)
        if offset < 0:
            state = rng.choice([State.PUBLISHED] * 30 + [State.CANCELLED] * 2 + [State.CONFIRMED])
        else:
            state = rng.choice([State.CONFIRMED] * 3 + [State.PROVISIONAL] * 2 + [State.DRAFT])
        if state == State.PROVISIONAL or (state == State.DRAFT and rng.random() < 0.5):
            schedule = Schedule.window(month, rng.choice([1, 2]))
        else:
            schedule = Schedule.exact_local(day, time(16, 0) if rng.random() < 0.03 else time(9, 30))
        slug = f"bench-{seed}-{i}-{uuid.uuid4().hex[:8]}"
        rows.append(
            Release(
                uid=uuid.uuid5(RELEASE_UID_NAMESPACE, slug),
                slug=slug,
                title=f"{topic}, {rng.choice(PLACES)}: {period_start:%B %Y}",
                series=series,
                summary="Synthetic release for benchmarks.",
                lead_producer=rng.choice(ref.producers),
                designation=rng.choice(list(Designation)),
                reference_period_start=period_start,
                reference_period_end=month - timedelta(days=1),
                geography=rng.choice([Geography.ENGLAND, Geography.ENGLAND_AND_WALES, Geography.UNITED_KINGDOM]),
                lead_statistician_name="Bench Analyst",
                lead_statistician_email="bench@example.org",
                state=state,
                precision=schedule.precision,
                release_at=schedule.release_at,
                starts_on=schedule.starts_on,
                ends_on=schedule.ends_on,
                announced_at=None if state == State.DRAFT else now - timedelta(days=200),
                confirmed_at=schedule.release_at - timedelta(days=rng.choice([35] * 15 + [14]))
                if schedule.release_at
                else None,
                published_url="https://example.org/stats" if state == State.PUBLISHED else "",
                published_at=schedule.release_at if state == State.PUBLISHED else None,
                cancellation_reason="Synthetic cancellation" if state == State.CANCELLED else "",
                cancelled_at=now if state == State.CANCELLED else None,
                revised_at=now,
            )
        )
    releases = Release.objects.bulk_create(rows, batch_size=2000)
    through = Release.networks.through
    through.objects.bulk_create(
        [
            through(release_id=r.pk, topicnetwork_id=n.pk)
            for r in releases
            for n in rng.sample(ref.networks, rng.choice([1, 1, 2]))
        ],
        batch_size=5000,
    )
    analyse()
    return releases


def analyse() -> None:
    """Production tables have planner statistics (autovacuum); fresh bulk inserts have none until analysed."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


class Rollback(Exception):
    """Raised to undo everything a benchmark wrote."""


@contextmanager
def throwaway() -> Iterator[None]:
    """Run a block in a transaction that is always rolled back."""
    try:
        with transaction.atomic():
            yield
            raise Rollback
    except Rollback:
        pass


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    started = clock.perf_counter()
    result = fn(*args, **kwargs)
    return clock.perf_counter() - started, result


@contextmanager
def memory_peak() -> Iterator[dict[str, float]]:
    """Peak Python allocation (tracemalloc) inside the block, in MiB, and the process's max RSS."""
    figures: dict[str, float] = {}
    tracemalloc.start()
    try:
        yield figures
    finally:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        figures["python_peak_mib"] = round(peak / 2**20, 1)
        figures["max_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def today_plus(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


__all__ = ["synthetic_releases", "throwaway", "timed", "memory_peak", "percentile", "Precision"]

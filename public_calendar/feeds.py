"""The public calendar's data: which releases a filter shows, and the feeds built from them.

Each release's VEVENT is kept in the cache under its id and version (every service write bumps the version), so a
feed for a filter never asked before is the header, the VTIMEZONE and kept events joined. Whole feed bodies are
cached too, under a generation number that every committed release write moves on (see ``calendar_changed``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Max, Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone

from ehssg.site import absolute_url
from ehssg.spreadsheets import csv_bytes
from releases.choices import OPEN_STATES, State
from releases.hooks import ReleaseSaved
from releases.models import DateChange, Release
from releases.schedule import LONDON, Schedule, display_date

from .ical import EventData, event_bytes, feed_bytes

RECENT_DAYS = 30  # published and cancelled releases stay in feeds this long, then leave
FEED_LIMIT = 2000  # releases read for one feed at the most
FEED_MAX_BYTES = 950_000  # the events of one feed, leaving room for the header under Google's 1 MB
EVENT_CACHE_SECONDS = 60 * 60 * 24 * 30
GENERATION_KEY = "calendar:generation"

OPEN_DATA_COLUMNS = [
    "uid", "slug", "title", "summary", "state", "postponed", "overdue", "designation", "lead_producer",
    "joint_producers", "networks", "precision", "release_at", "window_start", "window_end", "display_date",
    "reference_period_start", "reference_period_end", "geography", "lead_statistician_name",
    "lead_statistician_email", "published_url", "cancellation_reason", "sequence", "last_revised", "url",
]  # fmt: skip


def calendar_generation() -> int:
    return int(cache.get_or_set(GENERATION_KEY, 1, timeout=None) or 1)


def calendar_changed() -> None:
    """Move feeds on to a new generation (called on commit of any release write)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, timeout=None)


def on_release_saved(event: ReleaseSaved) -> None:
    """What the register calls on every release write (releases/hooks.py): drafts are not in the feeds."""
    if event.release.state != State.DRAFT:
        transaction.on_commit(calendar_changed)


def public_releases() -> QuerySet[Release]:
    """Everything the public calendar may show: announced releases, with what their pages and feeds need.

    The derived overdue/postponed flags are not annotated here: counting and filtering a large register with them
    is slow. ``with_page_flags`` adds them to the few releases a page shows.
    """
    changes = Prefetch("date_changes", queryset=DateChange.objects.public(), to_attr="public_changes")
    return Release.objects.announced().for_listing().prefetch_related(changes)


def with_page_flags(releases: list[Release]) -> list[Release]:
    """Set ``is_overdue`` and ``is_postponed`` on the releases of one page, in one query."""
    flags: dict[int, tuple[bool, bool]] = {}
    rows = Release.objects.filter(pk__in=[r.pk for r in releases]).with_flags().order_by()
    for pk, overdue, postponed in rows.values_list("pk", "is_overdue", "is_postponed"):  # type: ignore[misc]
        flags[pk] = (overdue, postponed)
    for release in releases:
        release.is_overdue, release.is_postponed = flags.get(release.pk, (False, False))  # type: ignore[attr-defined]
    return releases


def feed_window(releases: QuerySet[Release], now: datetime | None = None) -> QuerySet[Release]:
    """Upcoming releases, and those published or cancelled in the last few weeks."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    recent = now - timedelta(days=RECENT_DAYS)
    upcoming = releases.filter(state__in=OPEN_STATES, ends_on__gte=today - timedelta(days=RECENT_DAYS))
    done = releases.filter(state__in=(State.PUBLISHED, State.CANCELLED), revised_at__gte=recent)
    return (upcoming | done).order_by("starts_on", "release_at", "pk")


def event_data(release: Release) -> EventData:
    schedule = Schedule.of(release)
    changes = tuple(
        f"Rescheduled from {c.previous_wording()} to {c.new_wording()}. Reason: {c.reason}"
        for c in getattr(release, "public_changes", release.date_changes.public())
    )
    return EventData(
        uid=release.uid,
        title=release.title,
        url=absolute_url(release.get_absolute_url()),
        state=release.state,
        sequence=release.sequence,
        revised_at=release.revised_at,
        created_at=release.created_at,
        release_at=release.release_at,
        window_start=None if schedule.is_exact else schedule.starts_on,
        window_label="" if schedule.is_exact else schedule.wording(),
        summary=release.summary,
        producers=tuple(p.name for p in release.producers),
        networks=tuple(n.name for n in release.networks.all()),
        designation=release.get_designation_display(),
        lead_statistician=f"{release.lead_statistician_name}, {release.lead_statistician_email}",
        cancellation_reason=release.cancellation_reason,
        published_url=release.published_url,
        changes=changes,
    )


def within_size(events: list[bytes], limit: int = FEED_MAX_BYTES) -> list[bytes]:
    """The soonest events that fit under the size calendar clients accept (Google stops at 1 MB)."""
    kept, size = [], 0
    for event in events:
        size += len(event)
        if size > limit:
            break
        kept.append(event)
    return kept


def _event_key(pk: int, version: int) -> str:
    return f"ical:event:{pk}:{version}"


def kept_events(releases: list[Release]) -> list[bytes]:
    """Each release's VEVENT from the cache, written once per version."""
    return kept_events_for([(r.pk, r.version) for r in releases], {r.pk: r for r in releases})


def kept_events_for(versions: list[tuple[int, int]], loaded: dict[int, Release] | None = None) -> list[bytes]:
    """VEVENTs for (id, version) pairs: from the cache, writing only the missing ones (one query for all of them)."""
    keys = [_event_key(pk, version) for pk, version in versions]
    found = cache.get_many(keys)
    missing = [pk for (pk, _version), key in zip(versions, keys, strict=True) if key not in found]
    if missing:
        loaded = loaded or {}
        need = [pk for pk in missing if pk not in loaded]
        if need:
            loaded = {**loaded, **{r.pk: r for r in public_releases().filter(pk__in=need)}}
        written = {_event_key(pk, loaded[pk].version): event_bytes(event_data(loaded[pk])) for pk in missing}
        cache.set_many(written, timeout=EVENT_CACHE_SECONDS)
        found.update(written)
    return [found[key] for key in keys]


@dataclass(frozen=True)
class FeedBody:
    body: bytes
    etag: str
    last_modified: datetime


def body_etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def last_modified(matching: QuerySet[Release], now: datetime | None = None) -> datetime:
    """Never goes backwards: the latest revision of anything the filter matches, or the moment the window last
    moved on past a release that has now left the feed."""
    now = now or timezone.now()
    latest = matching.order_by().aggregate(latest=Max("revised_at"))["latest"] or datetime(2026, 1, 1, tzinfo=LONDON)
    window_moved = datetime.combine(timezone.localdate(now), time(0), tzinfo=LONDON)
    if matching.filter(ends_on__lt=timezone.localdate(now) - timedelta(days=RECENT_DAYS)).exists():
        latest = max(latest, window_moved)
    return latest.replace(microsecond=0)


def calendar_feed(matching: QuerySet[Release], *, name: str, description: str, key: str) -> FeedBody:
    """The iCalendar feed of the releases ``matching`` a filter (cached per generation and filter)."""
    cache_key = f"ical:feed:{calendar_generation()}:{hashlib.sha256(key.encode()).hexdigest()}:{timezone.localdate()}"
    cached = cache.get(cache_key)
    if cached is not None:
        return FeedBody(*cached)
    versions = list(feed_window(matching).values_list("pk", "version")[:FEED_LIMIT])
    body = feed_bytes(name, description, within_size(kept_events_for(versions)))
    result = FeedBody(body, body_etag(body), last_modified(matching))
    cache.set(cache_key, (result.body, result.etag, result.last_modified), timeout=60 * 60)
    return result


def release_feed(release: Release) -> FeedBody:
    body = feed_bytes(release.title, f"{release.title}: {display_date(Schedule.of(release), release.state)}",
                      kept_events([release]))  # fmt: skip
    return FeedBody(body, body_etag(body), release.revised_at.replace(microsecond=0))


def open_data_row(release: Release) -> dict[str, Any]:
    schedule = Schedule.of(release)
    return {
        "uid": str(release.uid),
        "slug": release.slug,
        "title": release.title,
        "summary": release.summary,
        "state": release.state,
        "postponed": bool(getattr(release, "is_postponed", False)),
        "overdue": bool(getattr(release, "is_overdue", False)),
        "designation": release.get_designation_display(),
        "lead_producer": release.lead_producer.name,
        "joint_producers": "; ".join(p.name for p in release.joint_producers.all()),
        "networks": "; ".join(n.name for n in release.networks.all()),
        "precision": release.precision,
        "release_at": release.release_at.isoformat() if release.release_at else "",
        "window_start": "" if schedule.is_exact else release.starts_on.isoformat(),
        "window_end": "" if schedule.is_exact else release.ends_on.isoformat(),
        "display_date": display_date(schedule, release.state),
        "reference_period_start": release.reference_period_start.isoformat() if release.reference_period_start else "",
        "reference_period_end": release.reference_period_end.isoformat() if release.reference_period_end else "",
        "geography": release.get_geography_display(),
        "lead_statistician_name": release.lead_statistician_name,
        "lead_statistician_email": release.lead_statistician_email,
        "published_url": release.published_url,
        "cancellation_reason": release.cancellation_reason,
        "sequence": release.sequence,
        "last_revised": release.revised_at.isoformat(),
        "url": absolute_url(reverse("release-detail", kwargs={"slug": release.slug})),
    }


def open_data_csv(releases: list[Release]) -> bytes:
    rows = (open_data_row(release) for release in releases)
    return csv_bytes(OPEN_DATA_COLUMNS, ([row[column] for column in OPEN_DATA_COLUMNS] for row in rows))


def open_data_json(releases: list[Release]) -> bytes:
    rows = [open_data_row(r) for r in releases]
    return json.dumps({"columns": OPEN_DATA_COLUMNS, "count": len(rows), "releases": rows}, ensure_ascii=False,
                      indent=1).encode("utf-8")  # fmt: skip

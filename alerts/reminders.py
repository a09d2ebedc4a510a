"""Reminders to producers: what the Code of Practice asks of them that is about to slip.

Each reminder is an outbox event whose key names the kind, the object and the occasion, so the daily task can run as
often as it likes (or twice after a restart) and each person hears once:
- a provisional release due within 6 weeks with no exact date: ``remind_no_exact_date:r<id>:<window>`` (a new window
  is a new occasion);
- a date change waiting for the Head of Profession for 2 days: ``remind_change_waiting:c<id>`` (to HoPs only);
- a release overdue: ``remind_overdue:r<id>:<due>``;
- a series whose announcements will stop covering 12 months within 2 weeks: ``remind_coverage:s<id>:<reach>``, using
  the same coverage rule as the flags (``coordination.detection.coverage_findings``) looked at 2 weeks ahead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from coordination.detection import coverage_findings
from ehssg.site import absolute_url
from releases.choices import ProducerRole, State
from releases.models import DateChange, ProducerMembership, Release, ReleaseSeries
from releases.schedule import Schedule, display_date

from .choices import EventKind
from .outbox import record_event

NO_EXACT_DATE_WITHIN = timedelta(weeks=6)
CHANGE_WAITING_AFTER = timedelta(days=2)
COVERAGE_WARNING = timedelta(days=14)
# On the first run after deployment, long-forgotten overdue releases would flood inboxes: remind about recent ones.
OVERDUE_LOOKBACK = timedelta(days=30)
SERVICE = "Health statistics release calendar"


def _people(producer_ids: Iterable[int], roles: Iterable[str]) -> list[int]:
    return sorted(
        set(
            ProducerMembership.objects.filter(producer_id__in=list(producer_ids), role__in=list(roles)).values_list(
                "user_id", flat=True
            )
        )
    )


def _manage_url(release: Release) -> str:
    return absolute_url(reverse("producer:release-manage", kwargs={"slug": release.slug}))


def _footer(producer: Any, role_words: str) -> str:
    return f"You’re getting this email because you’re {role_words} at {producer} on the {SERVICE}."


def _remind(kind: EventKind, key: str, at: datetime, user_ids: list[int], **words: Any) -> int:
    if not user_ids:
        return 0
    return 1 if record_event(kind=kind, key=key, at=at, payload={"user_ids": user_ids, **words}) else 0


def reminders_due(*, now: datetime | None = None) -> int:
    """Record every reminder due at ``now`` that has not been recorded before. Returns how many are new."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    editors_and_hops = (ProducerRole.EDITOR, ProducerRole.HOP)
    new = 0

    for release in Release.objects.filter(
        state=State.PROVISIONAL, starts_on__lte=today + NO_EXACT_DATE_WITHIN, ends_on__gte=today
    ).select_related("lead_producer"):
        when = Schedule.of(release).wording()
        new += _remind(
            EventKind.REMIND_NO_EXACT_DATE, f"remind_no_exact_date:r{release.pk}:{release.starts_on}:{release.ends_on}",
            now, _people([release.lead_producer_id], editors_and_hops),
            subject=f"Give an exact release date: {release.title}",
            paragraphs=[f"{release.title} is due {when} but has no exact date and time yet.",
                        "The Code of Practice asks for the exact date and time at least 28 days ahead. Confirm the "
                        "date, or ask to change it if the release will be later."],
            link_text="Confirm the release date", url=_manage_url(release),
            footer=_footer(release.lead_producer, "an editor or Head of Profession"),
        )  # fmt: skip

    for change in (
        DateChange.objects.pending()
        .filter(requested_at__lte=now - CHANGE_WAITING_AFTER)
        .select_related("release__lead_producer")
    ):
        release = change.release
        new += _remind(
            EventKind.REMIND_CHANGE_WAITING, f"remind_change_waiting:c{change.pk}", now,
            _people([release.lead_producer_id], [ProducerRole.HOP]),
            subject=f"Date change waiting for your agreement: {release.title}",
            paragraphs=[f"A change to the release date of {release.title} is waiting for you to agree or refuse it.",
                        f"Current date: {change.previous_wording()}", f"Requested date: {change.new_wording()}",
                        f"Reason: {change.reason}",
                        "The Code of Practice asks for changes to be announced promptly."],
            link_text="Agree or refuse the change", url=_manage_url(release),
            footer=_footer(release.lead_producer, "Head of Profession for Statistics"),
        )  # fmt: skip

    for release in (
        Release.objects.overdue(now).filter(starts_on__gte=today - OVERDUE_LOOKBACK).select_related("lead_producer")
    ):
        due = release.release_at.isoformat() if release.release_at else release.ends_on.isoformat()
        new += _remind(
            EventKind.REMIND_OVERDUE, f"remind_overdue:r{release.pk}:{due}", now,
            _people([release.lead_producer_id], editors_and_hops),
            subject=f"Release overdue: {release.title}",
            paragraphs=[f"{release.title} was due {display_date(Schedule.of(release), release.state)} and is not "
                        "marked as published.",
                        "If it has been published, add the link to it. If it will be late, change the date and say "
                        "why, or cancel it with a reason."],
            link_text="Update the release", url=_manage_url(release),
            footer=_footer(release.lead_producer, "an editor or Head of Profession"),
        )  # fmt: skip

    for finding in coverage_findings(now + COVERAGE_WARNING):
        if finding.series_id is None:
            continue
        series = ReleaseSeries.objects.prefetch_related("producers").get(pk=finding.series_id)
        producers = list(series.producers.all())
        reach = finding.facts.get("reach") or "none"
        new += _remind(
            EventKind.REMIND_COVERAGE, f"remind_coverage:s{series.pk}:{reach}", now,
            _people([p.pk for p in producers], editors_and_hops),
            subject=f"Announce more releases: {series.title}",
            paragraphs=[f"In 2 weeks, the announced releases of {series.title} will no longer cover the next "
                        "12 months.", finding.explanation],
            link_text="Register a release",
            url=absolute_url(reverse("producer:release-create")),
            footer=_footer(", ".join(p.name for p in producers), "an editor or Head of Profession"),
        )  # fmt: skip
    return new

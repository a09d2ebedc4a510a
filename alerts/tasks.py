"""Celery tasks of alerts. Every one is idempotent: run twice, or after a crash, it sends nothing twice.

``dispatch_events`` is enqueued on commit of each transaction that recorded events; ``sweep`` (every minute, beat)
picks up whatever a lost task, a broker outage or a killed worker left behind; ``weekly_digest``,
``producer_reminders`` and ``forget_unconfirmed`` run on beat schedules (docs/alerts.md).
"""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from .choices import EventKind
from .delivery import fan_out, fan_out_waiting, more_due, recover_stale_claims, send_due
from .outbox import record_event
from .reminders import reminders_due
from .services import subscriptions_forget_unconfirmed

BATCH = 500


@shared_task(name="alerts.dispatch_events", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def dispatch_events(event_ids: list[int]) -> int:
    """Write the deliveries of the events one transaction recorded, then send what is due (merged per address)."""
    for event_id in event_ids:
        fan_out(event_id)
    tried = send_due(limit=BATCH)
    if tried >= BATCH and more_due():
        sweep.delay()
    return tried


@shared_task(name="alerts.sweep", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def sweep() -> dict[str, int]:
    """The safety net: fan out forgotten events, take back dead workers' claims, send what is due (retries too)."""
    fanned = fan_out_waiting()
    recovered = recover_stale_claims()
    tried = send_due(limit=BATCH)
    if tried >= BATCH and more_due():
        sweep.delay()
    return {"fanned_out": fanned, "recovered": recovered, "tried": tried}


def _iso_week(now: datetime) -> str:
    year, week, _ = timezone.localdate(now).isocalendar()
    return f"{year}-W{week:02d}"


@shared_task(name="alerts.weekly_digest")
def weekly_digest() -> bool:
    """The weekly look-ahead (Monday morning): one event per ISO week; each weekly subscriber gets the next 2 weeks."""
    at = timezone.now()
    event = record_event(
        kind=EventKind.DIGEST, key=f"digest:{_iso_week(at)}", at=at,
        payload={"start": timezone.localdate(at).isoformat()},
    )  # fmt: skip
    return event is not None


@shared_task(name="alerts.producer_reminders")
def producer_reminders() -> int:
    """Reminders to producers that fall due today (each once per occasion)."""
    return reminders_due()


@shared_task(name="alerts.forget_unconfirmed")
def forget_unconfirmed() -> int:
    """Daily: forget addresses that were never confirmed (data minimisation)."""
    return subscriptions_forget_unconfirmed()

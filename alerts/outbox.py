"""Writing to the outbox: called inside the transaction of the change, so the event exists exactly when the change does.

The sending happens later, in a Celery worker, after the transaction commits (``transaction.on_commit``); if the broker
is down at that moment, the beat ``alerts.sweep`` task finds the event anyway (its ``fanned_out_at`` is empty).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from releases.choices import State
from releases.schedule import Schedule, display_date

from .choices import RELEASE_CHANGE_KINDS, EventKind
from .models import Event


@dataclass(frozen=True)
class Change:
    """What a release service did, said by the service itself (never guessed from the data afterwards)."""

    kind: EventKind
    previous: str = ""  # the old date in GOV.UK wording, for a reschedule
    reason: str = ""  # why it moved or was cancelled


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _enqueue(event_id: int) -> None:
    from .tasks import dispatch_event

    try:
        dispatch_event.delay(event_id)
    except Exception:  # noqa: BLE001 - a broker outage must not fail the committed change: the sweep sends it later
        import logging

        logging.getLogger(__name__).warning("alerts: could not enqueue event %s; the sweep will send it", event_id)


def record_event(*, kind: EventKind, key: str, at: datetime, payload: dict[str, Any], **links: Any) -> Event | None:
    """Write one outbox row under ``key`` and have a worker send it once the transaction commits.

    Returns None when the occasion is already recorded: scheduled tasks call this freely and nothing goes twice.
    """
    try:
        with transaction.atomic():
            event = Event.objects.create(kind=kind, key=key, created_at=at, payload=payload, **links)
    except IntegrityError:
        if Event.objects.filter(key=key).exists():
            return None
        raise
    transaction.on_commit(lambda: _enqueue(event.pk))
    return event


def release_changed(release: Any, *, change: Change, at: datetime) -> Event | None:
    """Tell matching subscribers that an announced release changed (``releases.services._save_release`` calls it)."""
    if release.state == State.DRAFT or change.kind not in RELEASE_CHANGE_KINDS:
        return None
    payload = {
        "title": release.title,
        "url": _absolute(release.get_absolute_url()),
        "producer": release.lead_producer.name,
        "when": display_date(Schedule.of(release), release.state),
        "previous": change.previous,
        "reason": change.reason,
        "published_url": release.published_url,
    }
    return record_event(
        kind=change.kind, key=f"release:{release.pk}:v{release.version}:{change.kind}", at=at, payload=payload,
        release=release,
    )  # fmt: skip

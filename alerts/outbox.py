"""Writing to the outbox: called inside the transaction of the change, so the event exists exactly when the change does.

The sending happens later, in a Celery worker, after the transaction commits (``transaction.on_commit``); if the broker
is down at that moment, the beat ``alerts.sweep`` task finds the event anyway (its ``fanned_out_at`` is empty).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from releases.choices import State
from releases.hooks import Change, ReleaseSaved
from releases.schedule import Schedule, display_date

from .choices import RELEASE_CHANGE_KINDS, EventKind
from .models import Event


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


# Events recorded in this thread whose transaction has not yet committed. Every event of one transaction goes to one
# task, so a change of many releases at once (an import) reaches each subscriber as one e-mail, not one per release.
_recorded = threading.local()


# How the ids reach a worker: set by AlertsConfig.ready() to enqueue alerts.tasks.dispatch_events. The tasks import the
# outbox (to record digests), never the reverse, so the two modules do not import each other.
enqueue_dispatch: Callable[[list[int]], Any] | None = None


def _enqueue_recorded() -> None:
    ids: list[int] = getattr(_recorded, "ids", [])
    if not ids:  # an earlier callback of the same transaction took them all
        return
    _recorded.ids = []
    try:
        if enqueue_dispatch is None:
            raise RuntimeError("alerts.outbox.enqueue_dispatch is not set: is the alerts app installed?")
        enqueue_dispatch(ids)
    except Exception:  # noqa: BLE001 - a broker outage must not fail the committed change: the sweep sends it later
        logging.getLogger(__name__).warning("alerts: could not enqueue events %s; the sweep will send them", ids)


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
    # Ids of a rolled-back transaction may linger here; the task skips events that do not exist.
    _recorded.ids = [*getattr(_recorded, "ids", []), event.pk]
    transaction.on_commit(_enqueue_recorded)
    return event


def release_changed(release: Any, *, change: Change, at: datetime) -> Event | None:
    """Tell matching subscribers that an announced release changed (through ``on_release_saved``)."""
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
        kind=EventKind(change.kind), key=f"release:{release.pk}:v{release.version}:{change.kind}", at=at,
        payload=payload, release=release,
    )  # fmt: skip


def on_release_saved(event: ReleaseSaved) -> None:
    """What the register calls on every release write (releases/hooks.py), in the write's transaction."""
    if event.change is not None:
        release_changed(event.release, change=event.change, at=event.at)

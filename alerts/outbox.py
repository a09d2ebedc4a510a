"""Writing to the outbox: called inside the transaction of the change, so the event exists exactly when the change does.

The sending happens later, after the transaction commits (``transaction.on_commit``), never in the request: a Celery
worker where there is a broker, the local worker thread on the embedded default (alerts/dispatch.py). If the broker is
down at that moment, the ``alerts.sweep`` task finds the event anyway (its ``fanned_out_at`` is empty).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from ehssg.site import absolute_url
from releases.choices import State
from releases.hooks import Change, ReleaseSaved
from releases.schedule import Schedule, display_date

from .choices import RELEASE_CHANGE_KINDS, EventKind
from .models import Event

# Events recorded in this thread whose transaction has not yet committed. Every event of one transaction goes to one
# task, so a change of many releases at once (an import) reaches each subscriber as one e-mail, not one per release.
_recorded = threading.local()


# How the ids reach a worker: set by AlertsConfig.ready() to ``alerts.dispatch.events_committed`` (a Celery task where
# there is a broker, the local worker thread otherwise). The tasks import the outbox (to record digests), so the outbox
# imports neither the dispatcher nor the tasks: no loop of modules.
enqueue_dispatch: Callable[[list[int]], Any] | None = None


def _enqueue_recorded() -> None:
    ids: list[int] = getattr(_recorded, "ids", [])
    if not ids:  # an earlier callback of the same transaction took them all
        return
    _recorded.ids = []
    if enqueue_dispatch is None:
        logging.getLogger(__name__).warning("alerts: no dispatcher set (app not ready?); the sweep sends %s", ids)
        return
    enqueue_dispatch(ids)


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
        "url": absolute_url(release.get_absolute_url()),
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

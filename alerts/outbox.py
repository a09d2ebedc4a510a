"""Writing to the outbox: called inside the transaction of the change, so the event exists exactly when the change does.

The sending happens later, after the transaction commits (``transaction.on_commit``), never in the request: a Celery
worker where there is a broker, the local worker thread on the embedded default (alerts/dispatch.py). If the broker is
down at that moment, the ``alerts.sweep`` task finds the event anyway (its ``fanned_out_at`` is empty).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from ehssg.site import absolute_url
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


# Events recorded in this thread whose transaction has not yet committed. Every event of one transaction goes to one
# task, so a change of many releases at once (an import) reaches each subscriber as one e-mail, not one per release.
_recorded = threading.local()


def _enqueue_recorded() -> None:
    from .dispatch import events_committed

    ids: list[int] = getattr(_recorded, "ids", [])
    if not ids:  # an earlier callback of the same transaction took them all
        return
    _recorded.ids = []
    events_committed(ids)


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
    """Tell matching subscribers that an announced release changed (``releases.services._save_release`` calls it)."""
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
        kind=change.kind, key=f"release:{release.pk}:v{release.version}:{change.kind}", at=at, payload=payload,
        release=release,
    )  # fmt: skip

"""From outbox to inbox: fan an event out into deliveries, claim them one at a time, send, mark sent.

The guarantee (docs/decisions/0002-alert-delivery.md):
- at most one delivery row per (event, recipient): unique constraints, so fanning out twice writes nothing new;
- a delivery is claimed (pending → sending, committed) before its e-mail is sent, with ``SELECT ... FOR UPDATE SKIP
  LOCKED`` on PostgreSQL so two workers never claim the same row; it is marked sent in its own commit right after the
  mail server accepted it;
- a worker killed after claiming leaves the row "sending"; once the claim is older than the lease
  (``ALERTS_CLAIM_LEASE_SECONDS``) the sweep puts it back to pending and it is sent then. Only a kill in the instant
  between the server accepting the mail and the "sent" commit can repeat an e-mail, and the repeat carries the same
  Message-ID, so mail clients treat it as the same message.
- a passing failure (connection refused, 4xx) goes back to pending with a growing delay; a permanent one (5xx for the
  address, a malformed address) or the last attempt marks it failed.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ehssg.site import site_url

from .choices import RELEASE_CHANGE_KINDS, DeliveryState, EventKind, Frequency
from .emails import build_message, letter_for
from .matching import subscriptions_matching_release
from .models import Delivery, Event, Subscription

log = logging.getLogger(__name__)

BACKOFF_SECONDS = (60, 5 * 60, 30 * 60, 2 * 60 * 60, 6 * 60 * 60)
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1


def claim_lease() -> timedelta:
    return timedelta(seconds=getattr(settings, "ALERTS_CLAIM_LEASE_SECONDS", 600))


def _message_id() -> str:
    host = urlsplit(site_url()).hostname or "ehssg.localhost"
    return f"<{uuid.uuid4().hex}.alert@{host}>"


# --- fan-out ---------------------------------------------------------------------------------------------------------


def _active() -> Any:
    return Subscription.objects.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)


def _one_per_address(subscriptions: list[Subscription]) -> list[Subscription]:
    """One e-mail per person per change, however many of their filters match: the oldest subscription speaks."""
    chosen: dict[str, Subscription] = {}
    for subscription in sorted(subscriptions, key=lambda s: s.pk):
        chosen.setdefault(subscription.email, subscription)
    return list(chosen.values())


def _recipients(event: Event) -> list[tuple[Subscription | None, Any, str]]:
    from django.contrib.auth import get_user_model

    if event.kind in RELEASE_CHANGE_KINDS:
        if event.release is None:
            return []
        matched = subscriptions_matching_release(event.release, _active().filter(frequency=Frequency.IMMEDIATE))
        return [(s, None, s.email) for s in _one_per_address(matched)]
    if event.kind == EventKind.CONFIRM_SUBSCRIPTION:
        s = event.subscription
        return [(s, None, s.email)] if s is not None and s.unsubscribed_at is None else []
    if event.kind == EventKind.DIGEST:
        weekly = list(_active().filter(frequency=Frequency.WEEKLY))
        return [(s, None, s.email) for s in _one_per_address(weekly)]
    users = get_user_model().objects.filter(pk__in=event.payload.get("user_ids", []), is_active=True).exclude(email="")
    return [(None, u, u.email.lower()) for u in users.order_by("pk")]


def fan_out(event_id: int, *, now: datetime | None = None) -> int:
    """Write the event's deliveries (once: a second call finds ``fanned_out_at`` set and the constraints hold)."""
    now = now or timezone.now()
    # Matching reads a lot and writes nothing: done before the write transaction, so the lock (on SQLite, the whole
    # database's) is held only for the insert. A second fan-out meanwhile is stopped by the check below and the
    # unique constraints.
    found = Event.objects.select_related("release", "subscription").filter(pk=event_id, fanned_out_at=None).first()
    if found is None:  # gone with its subscription, or already done
        return 0
    recipients = _recipients(found)
    with transaction.atomic():
        event = Event.objects.select_for_update(of=("self",)).filter(pk=event_id).first()
        if event is None or event.fanned_out_at is not None:
            return 0
        rows = [
            Delivery(event=event, subscription=s, user=u, email=email, next_attempt_at=now, message_id=_message_id())
            for s, u, email in recipients
        ]
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        event.fanned_out_at = now
        event.save(update_fields=["fanned_out_at"])
    return len(rows)


def fan_out_waiting(*, now: datetime | None = None) -> int:
    """Events whose worker never came (broker down at commit time, a lost task message)."""
    return sum(
        fan_out(pk, now=now) for pk in Event.objects.filter(fanned_out_at__isnull=True).values_list("pk", flat=True)
    )


# --- claiming and sending --------------------------------------------------------------------------------------------


def recover_stale_claims(*, now: datetime | None = None) -> int:
    """Claims older than the lease belong to a worker that died: send them again (or give up after the last attempt)."""
    now = now or timezone.now()
    stale = Delivery.objects.filter(state=DeliveryState.SENDING, claimed_at__lt=now - claim_lease())
    failed = stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        state=DeliveryState.FAILED, last_error="The worker sending it stopped, on the last attempt."
    )
    return failed + stale.update(state=DeliveryState.PENDING, next_attempt_at=now)


def claim_next(*, now: datetime | None = None, event_id: int | None = None) -> Delivery | None:
    """Take one due delivery for this worker: pending → sending, committed before anything is sent.

    PostgreSQL skips rows other workers hold (SKIP LOCKED); everywhere, the claim is a conditional UPDATE (only if still
    pending), so two workers can never both own a row, whatever the database's locking.
    """
    now = now or timezone.now()
    for _ in range(10):
        with transaction.atomic():
            due = Delivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
            if event_id is not None:
                due = due.filter(event_id=event_id)
            if db_connection.features.has_select_for_update_skip_locked:
                due = due.select_for_update(skip_locked=True)
            delivery = due.order_by("next_attempt_at", "pk").first()
            if delivery is None:
                return None
            taken = Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.PENDING).update(
                state=DeliveryState.SENDING, claimed_at=now, attempts=F("attempts") + 1
            )
        if taken:
            delivery.refresh_from_db()
            return delivery
    return None


def _is_permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return isinstance(error, ValueError)  # a header or address the mail library refuses will never go


MAX_MERGED = 50


def claim_companions(first: Delivery, *, now: datetime | None = None) -> list[Delivery]:
    """Other due release changes for the same address, claimed to go in the same e-mail as ``first``.

    Several releases changed together (an import, a producer confirming a quarter's dates) reach a subscriber as one
    e-mail listing them all; each delivery row is still claimed and marked on its own, so none goes twice.
    """
    if first.subscription_id is None or first.event.kind not in RELEASE_CHANGE_KINDS:
        return []
    now = now or timezone.now()
    with transaction.atomic():
        due = Delivery.objects.filter(
            state=DeliveryState.PENDING, next_attempt_at__lte=now, email=first.email,
            subscription__isnull=False, event__kind__in=RELEASE_CHANGE_KINDS,
        ).exclude(pk=first.pk)  # fmt: skip
        if db_connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        ids = list(due.order_by("pk").values_list("pk", flat=True)[:MAX_MERGED])
        Delivery.objects.filter(pk__in=ids, state=DeliveryState.PENDING).update(
            state=DeliveryState.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    rows = list(
        Delivery.objects.filter(pk__in=ids, state=DeliveryState.SENDING, claimed_at=now)
        .select_related("event")
        .order_by("pk")
    )
    return rows


def _finish(deliveries: list[Delivery], **changes: Any) -> None:
    """Write the outcome only where the claim is still ours (a sweep may have handed a row on meanwhile)."""
    for delivery in deliveries:
        Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.SENDING, claimed_at=delivery.claimed_at).update(
            **changes
        )


def send_claimed(delivery: Delivery, *, connection: Any = None) -> str:
    """Send one claimed delivery, with its companions for the same address, and record the outcome on each row."""
    delivery = Delivery.objects.select_related("event", "subscription").get(pk=delivery.pk)
    rows = [delivery, *claim_companions(delivery)]
    subscription = delivery.subscription
    if subscription is not None and subscription.unsubscribed_at is not None:
        _finish(rows, state=DeliveryState.SKIPPED)
        return DeliveryState.SKIPPED
    attempts = max(row.attempts for row in rows)
    try:
        letter = letter_for(delivery, companions=rows[1:])
        if letter is None:
            _finish(rows, state=DeliveryState.SKIPPED, last_error="Nothing to send.")
            return DeliveryState.SKIPPED
        build_message(delivery, letter, connection=connection).send()
    except Exception as error:  # noqa: BLE001 - every failure is recorded on the row and retried or given up
        detail = f"{type(error).__name__}: {error}"[:500]
        if _is_permanent(error) or attempts >= MAX_ATTEMPTS:
            log.warning("alerts: deliveries %s failed for good: %s", [row.pk for row in rows], detail)
            _finish(rows, state=DeliveryState.FAILED, last_error=detail)
            return DeliveryState.FAILED
        wait = timedelta(seconds=BACKOFF_SECONDS[attempts - 1])
        _finish(rows, state=DeliveryState.PENDING, last_error=detail, next_attempt_at=timezone.now() + wait)
        return DeliveryState.PENDING
    _finish(rows, state=DeliveryState.SENT, sent_at=timezone.now(), last_error="")
    return DeliveryState.SENT


def send_due(*, limit: int = 500, event_id: int | None = None) -> int:
    """Claim and send due deliveries one by one, on one mail connection, up to ``limit``. Returns how many it tried."""
    tried = 0
    connection = get_connection()
    try:
        while tried < limit:
            delivery = claim_next(event_id=event_id)
            if delivery is None:
                break
            send_claimed(delivery, connection=connection)
            tried += 1
    finally:
        connection.close()
    return tried


def more_due(*, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return Delivery.objects.filter(Q(state=DeliveryState.PENDING) & Q(next_attempt_at__lte=now)).exists()

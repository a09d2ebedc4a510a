"""Writes of subscriptions: subscribe (double opt-in), confirm, unsubscribe. Keyword-only, atomic, validated.

No account is involved, so nobody "acts" in the django-simple-history sense; the subscription's own timestamps record
what happened and when. Answers never reveal whether an address was already subscribed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from networks.models import TopicNetwork
from releases.choices import Designation
from releases.models import Producer

from . import messages
from .choices import EventKind, Frequency
from .models import Event, Subscription
from .outbox import record_event

# Someone could type another person's address again and again: at most this many confirmation e-mails per address a day.
MAX_CONFIRMATIONS_PER_DAY = 3


def _confirmations_today(email: str, at: datetime) -> int:
    return Event.objects.filter(
        kind=EventKind.CONFIRM_SUBSCRIPTION, subscription__email=email, created_at__gt=at - timedelta(days=1)
    ).count()


@transaction.atomic
def subscription_subscribe(
    *,
    email: str,
    producers: Sequence[Producer] = (),
    networks: Sequence[TopicNetwork] = (),
    designations: Sequence[str] = (),
    keywords: str = "",
    frequency: str = Frequency.IMMEDIATE,
    at: datetime | None = None,
) -> Subscription:
    """Record a subscription waiting for confirmation and e-mail the confirmation link.

    The same address and filter again reuses the waiting subscription (and sends the link again, a few times a day at
    most); an already confirmed one is left as it is. The caller shows the same "check your email" page either way.
    """
    at = at or timezone.now()
    email = email.strip().lower()
    keywords = " ".join(keywords.split())
    subscription = Subscription(
        email=email, designations=sorted(set(designations)), keywords=keywords, frequency=frequency, created_at=at
    )
    unknown = set(designations) - set(Designation.values)
    if unknown:
        raise ValidationError({"designations": messages.DESIGNATION_UNKNOWN})
    subscription.full_clean(exclude=["producers", "networks"])
    wanted = ({p.pk for p in producers}, {n.pk for n in networks})
    for existing in (
        Subscription.objects.select_for_update()
        .filter(email=email, unsubscribed_at__isnull=True, frequency=frequency, keywords=keywords)
        .prefetch_related("producers", "networks")
    ):
        same = (
            {p.pk for p in existing.producers.all()},
            {n.pk for n in existing.networks.all()},
        ) == wanted and sorted(existing.designations) == subscription.designations
        if same:
            if existing.confirmed_at is None:
                _send_confirmation(existing, at=at)
            return existing
    subscription.save()
    subscription.producers.set(producers)
    subscription.networks.set(networks)
    _send_confirmation(subscription, at=at)
    return subscription


def _send_confirmation(subscription: Subscription, *, at: datetime) -> None:
    sent = _confirmations_today(subscription.email, at)
    if sent >= MAX_CONFIRMATIONS_PER_DAY:
        return
    record_event(
        kind=EventKind.CONFIRM_SUBSCRIPTION,
        key=f"confirm:{subscription.public_id.hex}:{at.isoformat()}",
        at=at,
        payload={},
        subscription=subscription,
    )


@transaction.atomic
def subscription_confirm(*, subscription: Subscription, at: datetime | None = None) -> Subscription:
    """The owner of the address clicked the link: alerts start. Confirming twice changes nothing."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.confirmed_at is None and subscription.unsubscribed_at is None:
        subscription.confirmed_at = at or timezone.now()
        subscription.save(update_fields=["confirmed_at"])
    return subscription


@transaction.atomic
def subscription_unsubscribe(*, subscription: Subscription, at: datetime | None = None) -> int:
    """Stop every alert to the subscription's address (the link in any e-mail stops them all). Returns how many ended.

    Kept, not deleted, so the engagement figures for past quarters stay true; pending e-mails to the address are
    skipped when a worker reaches them.
    """
    at = at or timezone.now()
    ended = 0
    for row in Subscription.objects.select_for_update().filter(email=subscription.email, unsubscribed_at__isnull=True):
        row.unsubscribed_at = max(at, row.created_at)
        row.save(update_fields=["unsubscribed_at"])
        ended += 1
    return ended


# A confirmation link works for 7 days; an address nobody confirmed is then kept a little longer, then forgotten.
FORGET_UNCONFIRMED_AFTER = timedelta(days=8)


@transaction.atomic
def subscriptions_forget_unconfirmed(*, at: datetime | None = None) -> int:
    """Delete subscriptions never confirmed: the address was typed by someone, not given by its owner. Returns how many.

    Only these are deleted; confirmed ones, unsubscribed included, stay for the engagement figures of past quarters.
    """
    at = at or timezone.now()
    stale = Subscription.objects.filter(confirmed_at__isnull=True, created_at__lt=at - FORGET_UNCONFIRMED_AFTER)
    deleted, _ = stale.delete()
    return deleted

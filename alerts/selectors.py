"""Reads of alerts bigger than a one-liner."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from .models import Subscription


def subscriber_count(*, as_of: datetime) -> int:
    """People subscribed to e-mail alerts at ``as_of``: distinct addresses with a confirmed subscription not yet ended.

    Feeds the engagement figures reported to OSR; only a number leaves this function, never an address.
    """
    if timezone.is_naive(as_of):
        raise ValueError("as_of must be timezone-aware.")
    return (
        Subscription.objects.filter(confirmed_at__isnull=False, confirmed_at__lte=as_of)
        .filter(Q(unsubscribed_at__isnull=True) | Q(unsubscribed_at__gt=as_of))
        .values("email")
        .distinct()
        .count()
    )

"""Which subscriptions a release, or a fortnight of releases, concerns: decided by the calendar's own filter.

A subscription's filter is turned into the calendar's GET parameters (``producer``, ``network``, ``designation``,
``q``) and run through ``releases.filtersets.ReleaseFilterSet`` over the release in question, so "what the calendar
shows for this filter" and "who gets an e-mail" can never disagree. Subscriptions with the same filter are evaluated
once together, so a thousand people following NHS England cost one query, not a thousand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils.datastructures import MultiValueDict

from releases.choices import OPEN_STATES
from releases.filtersets import ReleaseFilterSet
from releases.models import Release

from .models import Subscription

Signature = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], str]


def filter_data(subscription: Subscription) -> MultiValueDict[str, str]:
    """The calendar's GET parameters for a subscription's filter (the prefetch cache is used when there is one)."""
    return _data(_signature(subscription))


def _signature(subscription: Subscription) -> Signature:
    return (
        tuple(sorted(p.slug for p in subscription.producers.all())),
        tuple(sorted(n.slug for n in subscription.networks.all())),
        tuple(sorted(subscription.designations or [])),
        " ".join(subscription.keywords.lower().split()),
    )


def _data(signature: Signature) -> MultiValueDict[str, str]:
    producers, networks, designations, keywords = signature
    data: MultiValueDict[str, str] = MultiValueDict(
        {"producer": list(producers), "network": list(networks), "designation": list(designations)}
    )
    if keywords:
        data["q"] = keywords
    return data


def _grouped(subscriptions: Iterable[Subscription]) -> dict[Signature, list[Subscription]]:
    groups: dict[Signature, list[Subscription]] = defaultdict(list)
    for subscription in subscriptions:
        groups[_signature(subscription)].append(subscription)
    return groups


def _filtered(signature: Signature, queryset: QuerySet[Release]) -> QuerySet[Release] | None:
    filterset = ReleaseFilterSet(data=_data(signature), queryset=queryset)
    if not filterset.is_valid():  # a producer or network renamed since: the filter no longer names it
        return None
    return filterset.qs


def subscriptions_matching_release(release: Release, subscriptions: QuerySet[Subscription]) -> list[Subscription]:
    """The subscriptions whose calendar filter shows ``release``."""
    one = Release.objects.announced().filter(pk=release.pk)
    matched: list[Subscription] = []
    for signature, group in _grouped(subscriptions.prefetch_related("producers", "networks")).items():
        found = _filtered(signature, one)
        if found is not None and found.exists():
            matched.extend(group)
    return matched


def upcoming_for(subscription: Subscription, *, start: date, end: date) -> list[Release]:
    """Open releases due between ``start`` and ``end`` (inclusive) that the subscription's filter shows."""
    base: Any = Release.objects.filter(state__in=OPEN_STATES)
    data = filter_data(subscription)
    data["from"] = start.isoformat()
    data["to"] = end.isoformat()
    filterset = ReleaseFilterSet(data=data, queryset=base)
    if not filterset.is_valid():
        return []
    return list(filterset.qs.for_listing().order_by("starts_on", "release_at", "title"))

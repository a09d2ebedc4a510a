"""Date clashes and misalignment: pure functions over plain facts about dated releases.

- Cross-producer clash: releases of different producers in one topic network on one day, not marked as coordinated.
- Overload: more major releases (accredited or official statistics) in one network on one day than the network allows.
- Avoid-date: a release on a day the EHSSG or its network marked to avoid (a Budget, a pre-election period ...).
- Misalignment: related releases (declared related, or the same measure from different producers) a few days apart:
  suggest the later day, which keeps the notice already given for both.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import combinations


@dataclass(frozen=True)
class DatedRelease:
    """A release with an exact day, as the clash rules see it."""

    pk: int
    day: date
    producer_ids: frozenset[int]
    network_ids: frozenset[int]
    is_major: bool = False
    measure_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class AvoidRange:
    pk: int
    starts_on: date
    ends_on: date
    network_id: int | None  # None: the whole EHSSG
    reason: str


@dataclass(frozen=True)
class ClashGroup:
    """Releases of one network on one day that compete for the same users."""

    network_id: int
    day: date
    release_ids: tuple[int, ...]


@dataclass(frozen=True)
class Overload:
    network_id: int
    day: date
    release_ids: tuple[int, ...]
    limit: int


@dataclass(frozen=True)
class AvoidHit:
    release_id: int
    avoid_id: int


@dataclass(frozen=True)
class Misalignment:
    release_ids: tuple[int, int]
    days: tuple[date, date]
    suggested_day: date
    why: str


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def by_network_day(releases: Iterable[DatedRelease]) -> dict[tuple[int, date], list[DatedRelease]]:
    groups: dict[tuple[int, date], list[DatedRelease]] = defaultdict(list)
    for release in releases:
        for network_id in release.network_ids:
            groups[(network_id, release.day)].append(release)
    return groups


def cross_producer_clashes(
    releases: Iterable[DatedRelease], coordinated: set[tuple[int, int]] | frozenset[tuple[int, int]] = frozenset()
) -> list[ClashGroup]:
    """One group per network and day where two releases share no producer and are not marked coordinated."""
    found = []
    for (network_id, day), group in sorted(by_network_day(releases).items(), key=lambda item: item[0]):
        involved: set[int] = set()
        for a, b in combinations(group, 2):
            if a.producer_ids & b.producer_ids or _pair(a.pk, b.pk) in coordinated:
                continue
            involved.update((a.pk, b.pk))
        if involved:
            found.append(ClashGroup(network_id, day, tuple(sorted(involved))))
    return found


def overloads(releases: Iterable[DatedRelease], limits: Mapping[int, int]) -> list[Overload]:
    """Network-days with more major releases than the network's limit."""
    found = []
    for (network_id, day), group in sorted(by_network_day(releases).items(), key=lambda item: item[0]):
        major = sorted(r.pk for r in group if r.is_major)
        limit = limits.get(network_id)
        if limit is not None and len(major) > limit:
            found.append(Overload(network_id, day, tuple(major), limit))
    return found


def avoid_hits(releases: Iterable[DatedRelease], ranges: Sequence[AvoidRange]) -> list[AvoidHit]:
    """Releases on a day marked to avoid, EHSSG-wide or in one of their networks."""
    found = []
    for release in releases:
        for avoid in ranges:
            applies = avoid.network_id is None or avoid.network_id in release.network_ids
            if applies and avoid.starts_on <= release.day <= avoid.ends_on:
                found.append(AvoidHit(release.pk, avoid.pk))
    return sorted(found, key=lambda h: (h.release_id, h.avoid_id))


def misalignments(
    releases: Sequence[DatedRelease], related: set[tuple[int, int]] | frozenset[tuple[int, int]], within_days: int
) -> list[Misalignment]:
    """Related releases planned close together but not on one day, with the day that aligns them.

    Related means declared related (``related`` pairs) or the same measure from producers that share none.
    """
    by_pk = {r.pk: r for r in releases}
    pairs: dict[tuple[int, int], str] = {}
    for a_pk, b_pk in related:
        if a_pk in by_pk and b_pk in by_pk:
            pairs[_pair(a_pk, b_pk)] = "declared related"
    by_measure: dict[int, list[DatedRelease]] = defaultdict(list)
    for release in releases:
        for measure_id in release.measure_ids:
            by_measure[measure_id].append(release)
    for group in by_measure.values():
        for a, b in combinations(group, 2):
            if not a.producer_ids & b.producer_ids:
                pairs.setdefault(_pair(a.pk, b.pk), "the same measure")
    found = []
    for (a_pk, b_pk), why in sorted(pairs.items()):
        a, b = by_pk[a_pk], by_pk[b_pk]
        gap = abs((a.day - b.day).days)
        if 0 < gap <= within_days:
            found.append(Misalignment((a_pk, b_pk), (a.day, b.day), max(a.day, b.day), why))
    return found

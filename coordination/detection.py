"""The engines' database side: gather plain facts, run the pure rules, and say what should be flagged.

``findings_for_all`` feeds the full rescan; ``findings_for_release`` the check that runs on every save, which reads only
the releases that could interact with the changed one (same networks on the days concerned, overlapping reference
periods, related releases) so it stays fast however large the register grows.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from networks.models import TopicNetwork
from releases.choices import MAJOR_DESIGNATIONS, ChangeStatus, Frequency, Precision, State
from releases.models import DateChange, Definition, Producer, Release, ReleaseSeries
from releases.rules import STANDARD_TIME, bank_holiday_name, notice_days
from releases.schedule import LONDON, add_months, format_day, format_time

from . import clashes, duplicates
from .choices import FlagKind, RelationKind, Severity
from .models import AvoidDate, ReleaseRelation

# Releases the clash rules look at: dated and still to come (or out today).
DATED_STATES = (State.CONFIRMED, State.PUBLISHED)
LIVE_STATES = (State.PROVISIONAL, State.CONFIRMED, State.PUBLISHED)
# Definitions are compared among releases of the last year and the future: older releases used older definitions.
COHERENCE_WINDOW = timedelta(days=365)
LONGEST_PERIOD = timedelta(days=31 * duplicates.MAX_PERIOD_MONTHS)
COVERAGE_GAP = {
    Frequency.WEEKLY: timedelta(days=7),
    Frequency.MONTHLY: timedelta(days=31),
    Frequency.QUARTERLY: timedelta(days=92),
    Frequency.BIANNUAL: timedelta(days=183),
    Frequency.ANNUAL: timedelta(days=366),
    Frequency.BIENNIAL: timedelta(days=731),
}


@dataclass(frozen=True)
class Finding:
    """One thing to flag: its key, what it concerns, why, and the facts it rests on."""

    kind: str
    key: str
    explanation: str
    release_ids: tuple[int, ...] = ()
    network_id: int | None = None
    series_id: int | None = None
    severity: str = Severity.WARNING
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def facts_hash(self) -> str:
        payload = json.dumps(
            {"releases": sorted(self.release_ids), **self.facts}, sort_keys=True, default=str
        ).encode()
        return hashlib.sha256(payload).hexdigest()


# --- gathering facts -------------------------------------------------------------------------------------------------


@dataclass
class Facts:
    """Plain facts about a set of releases, loaded with a handful of queries."""

    rows: dict[int, dict[str, Any]]
    producers: dict[int, frozenset[int]]
    networks: dict[int, frozenset[int]]
    measures: dict[int, dict[int, int]]  # release -> {measure: definition}

    def producer_ids(self, pk: int) -> frozenset[int]:
        return self.producers.get(pk, frozenset())

    def dated(self, pk: int) -> clashes.DatedRelease:
        row = self.rows[pk]
        return clashes.DatedRelease(
            pk=pk,
            day=row["starts_on"],
            producer_ids=self.producer_ids(pk),
            network_ids=self.networks.get(pk, frozenset()),
            is_major=row["designation"] in MAJOR_DESIGNATIONS,
            measure_ids=frozenset(self.measures.get(pk, {})),
        )

    def duplicate_facts(self, pk: int) -> duplicates.ReleaseFacts:
        row = self.rows[pk]
        return duplicates.ReleaseFacts(
            pk=pk,
            title=row["title"],
            producer_ids=self.producer_ids(pk),
            network_ids=self.networks.get(pk, frozenset()),
            measure_ids=frozenset(self.measures.get(pk, {})),
            series_id=row["series_id"],
            reference_period_start=row["reference_period_start"],
            reference_period_end=row["reference_period_end"],
            geography=row["geography"],
        )


FACT_FIELDS = (
    "pk", "title", "state", "precision", "release_at", "starts_on", "ends_on", "designation", "series_id",
    "lead_producer_id", "reference_period_start", "reference_period_end", "geography", "confirmed_at",
)  # fmt: skip


def load_facts(releases: Any) -> Facts:
    """Facts for the releases of a queryset, in four queries whatever their number."""
    rows = {row["pk"]: row for row in releases.values(*FACT_FIELDS)}
    ids = list(rows)
    producers: dict[int, set[int]] = defaultdict(set)
    networks: dict[int, set[int]] = defaultdict(set)
    measures: dict[int, dict[int, int]] = defaultdict(dict)
    for pk, row in rows.items():
        producers[pk].add(row["lead_producer_id"])
    for chunk in _chunks(ids):
        for rid, pid in Release.joint_producers.through.objects.filter(release_id__in=chunk).values_list(
            "release_id", "producer_id"
        ):
            producers[rid].add(pid)
        for rid, nid in Release.networks.through.objects.filter(release_id__in=chunk).values_list(
            "release_id", "topicnetwork_id"
        ):
            networks[rid].add(nid)
        for rid, did, mid in Release.definitions.through.objects.filter(release_id__in=chunk).values_list(
            "release_id", "definition_id", "definition__measure_id"
        ):
            measures[rid][mid] = did
    return Facts(
        rows=rows,
        producers={k: frozenset(v) for k, v in producers.items()},
        networks={k: frozenset(v) for k, v in networks.items()},
        measures=dict(measures),
    )


def _chunks(ids: Sequence[int], size: int = 5000) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _relation_pairs(kind: str, release_ids: Iterable[int] | None = None) -> set[tuple[int, int]]:
    qs = ReleaseRelation.objects.filter(kind=kind)
    if release_ids is not None:
        ids = list(release_ids)
        qs = qs.filter(Q(first_id__in=ids) | Q(second_id__in=ids))
    return set(qs.values_list("first_id", "second_id"))


class Names:
    """Titles and names for explanations, loaded once per run."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.producers = dict(Producer.objects.values_list("pk", "name"))
        self.networks = dict(TopicNetwork.objects.values_list("pk", "name"))

    def release(self, pk: int) -> str:
        row = self.facts.rows[pk]
        return f"{row['title']} ({self.producers.get(row['lead_producer_id'], '')})"

    def releases(self, pks: Iterable[int]) -> str:
        names = [self.release(pk) for pk in pks]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# --- rules as findings -----------------------------------------------------------------------------------------------


def are_all(count: int) -> str:
    """The verb for a list of releases (a clash has two or more): "are both" for two, "are all" for more."""
    return "are both" if count == 2 else "are all"


def _clash_findings(facts: Facts, names: Names, dated_ids: Iterable[int]) -> list[Finding]:
    dated = [facts.dated(pk) for pk in dated_ids]
    ids = [d.pk for d in dated]
    coordinated = _relation_pairs(RelationKind.COORDINATED, ids)
    found = []
    for group in clashes.cross_producer_clashes(dated, coordinated):
        network = names.networks.get(group.network_id, "")
        found.append(
            Finding(
                kind=FlagKind.CLASH,
                key=f"clash:n{group.network_id}:{group.day:%Y-%m-%d}",
                explanation=(
                    f"{names.releases(group.release_ids)} {are_all(len(group.release_ids))} due in {network} on "
                    f"{format_day(group.day)} and are not marked as coordinated. Move one, or mark them as coordinated."
                ),
                release_ids=group.release_ids,
                network_id=group.network_id,
                facts={"day": group.day.isoformat()},
            )
        )
    limits = dict(TopicNetwork.objects.values_list("pk", "max_major_releases_per_day"))
    for overload in clashes.overloads(dated, limits):
        network = names.networks.get(overload.network_id, "")
        found.append(
            Finding(
                kind=FlagKind.OVERLOAD,
                key=f"overload:n{overload.network_id}:{overload.day:%Y-%m-%d}",
                explanation=(
                    f"{len(overload.release_ids)} major releases are due in {network} on {format_day(overload.day)}, "
                    f"more than the {overload.limit} the network allows: {names.releases(overload.release_ids)}."
                ),
                release_ids=overload.release_ids,
                network_id=overload.network_id,
                facts={"day": overload.day.isoformat(), "limit": overload.limit},
            )
        )
    if dated:
        first, last = min(d.day for d in dated), max(d.day for d in dated)
        ranges = [
            clashes.AvoidRange(a.pk, a.starts_on, a.ends_on, a.network_id, a.reason)
            for a in AvoidDate.objects.filter(starts_on__lte=last, ends_on__gte=first)
        ]
        by_pk = {r.pk: r for r in ranges}
        for hit in clashes.avoid_hits(dated, ranges):
            avoid = by_pk[hit.avoid_id]
            day = facts.rows[hit.release_id]["starts_on"]
            found.append(
                Finding(
                    kind=FlagKind.AVOID_DATE,
                    key=f"avoid_date:r{hit.release_id}:a{hit.avoid_id}",
                    explanation=(
                        f"{names.release(hit.release_id)} is due on {format_day(day)}, a day to avoid: {avoid.reason}."
                    ),
                    release_ids=(hit.release_id,),
                    network_id=avoid.network_id,
                    facts={"day": day.isoformat(), "avoid": [avoid.starts_on.isoformat(), avoid.ends_on.isoformat()]},
                )
            )
    return found


def _misalignment_findings(facts: Facts, names: Names, dated_ids: Iterable[int]) -> list[Finding]:
    dated = [facts.dated(pk) for pk in dated_ids]
    related = _relation_pairs(RelationKind.RELATED, [d.pk for d in dated])
    found = []
    for m in clashes.misalignments(dated, related, settings.EHSSG_ALIGN_WITHIN_DAYS):
        a, b = m.release_ids
        found.append(
            Finding(
                kind=FlagKind.MISALIGNED,
                key=f"misaligned:r{a}:r{b}",
                severity=Severity.INFO,
                explanation=(
                    f"{names.release(a)} on {format_day(m.days[0])} and {names.release(b)} on "
                    f"{format_day(m.days[1])} are {m.why} but not published together. Publishing both on "
                    f"{format_day(m.suggested_day)} would align them."
                ),
                release_ids=m.release_ids,
                facts={"days": [d.isoformat() for d in m.days], "suggested": m.suggested_day.isoformat()},
            )
        )
    return found


def _duplicate_finding(facts: Facts, names: Names, m: duplicates.DuplicateMatch) -> Finding:
    a, b = m.key
    row_a = facts.rows[a]
    return Finding(
        kind=FlagKind.DUPLICATE,
        key=f"duplicate:r{a}:r{b}",
        explanation=(
            f"{names.release(a)} looks like a duplicate of {names.release(b)}: {m.similarity:.0f}% similar title, "
            f"overlapping reference period and geography, and {m.shared}."
        ),
        release_ids=(a, b),
        facts={"similarity": m.similarity, "title": row_a["title"], "other": facts.rows[b]["title"]},
    )


def _last_exact_set_at(release_ids: Iterable[int]) -> dict[int, datetime]:
    """When each release's exact time was last set: a later agreed change restarts the notice clock."""
    latest: dict[int, datetime] = {}
    for rid, decided_at in DateChange.objects.filter(
        release_id__in=list(release_ids), status=ChangeStatus.AGREED, new_precision=Precision.EXACT
    ).values_list("release_id", "decided_at"):
        if decided_at and (rid not in latest or decided_at > latest[rid]):
            latest[rid] = decided_at
    return latest


def _breach_findings(facts: Facts, names: Names, ids: Iterable[int], now: datetime) -> list[Finding]:
    found = []
    ids = list(ids)
    minimum = settings.EHSSG_MIN_NOTICE_DAYS
    series_times = {
        pk: (STANDARD_TIME, alt) if alt else (STANDARD_TIME,)
        for pk, alt in ReleaseSeries.objects.filter(
            pk__in={facts.rows[i]["series_id"] for i in ids if facts.rows[i]["series_id"]}
        ).values_list("pk", "alternative_release_time")
    }
    changed_at = _last_exact_set_at(i for i in ids if facts.rows[i]["precision"] == Precision.EXACT)
    today = now.astimezone(LONDON).date()
    for pk in ids:
        row = facts.rows[pk]
        if row["state"] not in LIVE_STATES:
            continue
        label = names.release(pk)
        if row["state"] in (State.PROVISIONAL, State.CONFIRMED):
            passed = (row["release_at"] < now) if row["release_at"] else (row["ends_on"] < today)
            if passed:
                found.append(
                    Finding(
                        kind=FlagKind.OVERDUE,
                        key=f"overdue:r{pk}",
                        severity=Severity.SERIOUS,
                        explanation=(
                            f"{label} was due {_when(row)} and is neither published nor cancelled. Publish it, "
                            "or cancel it with the reason."
                        ),
                        release_ids=(pk,),
                        facts={"due": str(row["release_at"] or row["ends_on"])},
                    )
                )
        if row["precision"] != Precision.EXACT or row["release_at"] is None:
            continue
        release_at: datetime = row["release_at"]
        local = release_at.astimezone(LONDON)
        set_at = max(filter(None, [row["confirmed_at"], changed_at.get(pk)]), default=None)
        if set_at is not None:
            days = notice_days(release_at, set_at)
            if days < minimum:
                found.append(
                    Finding(
                        kind=FlagKind.SHORT_NOTICE,
                        key=f"short_notice:r{pk}",
                        explanation=(
                            f"{label} was confirmed {days} days ahead: the Code of Practice asks for at least "
                            f"{minimum} days' notice of the exact date and time."
                        ),
                        release_ids=(pk,),
                        facts={"release_at": release_at.isoformat(), "days": days},
                    )
                )
        holiday = bank_holiday_name(local.date())
        if local.weekday() >= 5 or holiday:
            what = f"a bank holiday ({holiday})" if holiday else f"a {local:%A}"
            found.append(
                Finding(
                    kind=FlagKind.NON_WORKING_DAY,
                    key=f"non_working_day:r{pk}",
                    explanation=f"{label} is due on {format_day(local.date())}, {what}: releases are on weekdays.",
                    release_ids=(pk,),
                    facts={"day": local.date().isoformat()},
                )
            )
        allowed = series_times.get(row["series_id"], (STANDARD_TIME,))
        if local.time().replace(second=0, microsecond=0) not in allowed:
            found.append(
                Finding(
                    kind=FlagKind.NON_STANDARD_TIME,
                    key=f"non_standard_time:r{pk}",
                    explanation=(
                        f"{label} is due at {format_time(local.time())}, not the standard 9:30am, and OSR has not "
                        "approved that time for its series."
                    ),
                    release_ids=(pk,),
                    facts={"time": local.time().isoformat()},
                )
            )
    return found


def _when(row: dict[str, Any]) -> str:
    if row["release_at"]:
        local = row["release_at"].astimezone(LONDON)
        return f"at {format_time(local.time())} on {format_day(local.date())}"
    return f"by {format_day(row['ends_on'])}"


def coverage_findings(now: datetime, series_ids: Iterable[int] | None = None) -> list[Finding]:
    """Active, regular series whose announcements do not reach 12 months ahead (less one interval)."""
    today = now.astimezone(LONDON).date()
    horizon = add_months(today.replace(day=1), 12) + timedelta(days=today.day - 1)
    series = ReleaseSeries.objects.active().exclude(frequency=Frequency.AD_HOC)
    if series_ids is not None:
        series = series.filter(pk__in=list(series_ids))
    furthest: dict[int, date] = {}
    for sid, ends_on in (
        Release.objects.filter(series__in=series, state__in=(State.PROVISIONAL, State.CONFIRMED))
        .values_list("series_id", "ends_on")
        .iterator()
    ):
        if sid not in furthest or ends_on > furthest[sid]:
            furthest[sid] = ends_on
    found = []
    for sid, title, frequency in series.values_list("pk", "title", "frequency"):
        needed = horizon - COVERAGE_GAP[Frequency(frequency)]
        reach = furthest.get(sid)
        if reach is not None and reach >= needed:
            continue
        reached = f"announcements reach only {format_day(reach)}" if reach else "no release is announced"
        found.append(
            Finding(
                kind=FlagKind.NO_COVERAGE,
                key=f"no_coverage:s{sid}",
                explanation=(
                    f"{title}: {reached}. The Code of Practice asks for a 12-month release calendar, so announce "
                    f"releases up to {format_day(needed)}."
                ),
                series_id=sid,
                facts={"reach": reach.isoformat() if reach else None, "month": f"{today:%Y-%m}"},
            )
        )
    return found


def _incoherence_findings(facts: Facts, names: Names, ids: Iterable[int], today: date) -> list[Finding]:
    """One measure on different definitions among the live releases of one network, this last year and ahead."""
    uses: dict[tuple[int, int], dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for pk in ids:
        row = facts.rows[pk]
        if row["state"] not in LIVE_STATES or row["starts_on"] < today - COHERENCE_WINDOW:
            continue
        for network_id in facts.networks.get(pk, ()):
            for measure_id, definition_id in facts.measures.get(pk, {}).items():
                uses[(network_id, measure_id)][definition_id].add(pk)
    incoherent = {k: v for k, v in uses.items() if len(v) > 1}
    if not incoherent:
        return []
    definitions = {
        d.pk: d for d in Definition.objects.filter(pk__in={d for v in incoherent.values() for d in v}).select_related(
            "measure", "owner"
        )
    }
    found = []
    for (network_id, measure_id), by_definition in sorted(incoherent.items()):
        release_ids = tuple(sorted({pk for pks in by_definition.values() for pk in pks}))
        described = "; ".join(
            f"{definitions[d].owner.abbreviation} version {definitions[d].version} in {names.releases(sorted(pks))}"
            for d, pks in sorted(by_definition.items())
        )
        measure = definitions[next(iter(by_definition))].measure.name
        found.append(
            Finding(
                kind=FlagKind.INCOHERENT,
                key=f"incoherent:n{network_id}:m{measure_id}",
                explanation=(
                    f"{names.networks.get(network_id, '')} publishes {measure!r} on {len(by_definition)} different "
                    f"definitions: {described}. Agree one harmonised definition, or explain the difference."
                ),
                release_ids=release_ids,
                network_id=network_id,
                facts={"definitions": sorted(by_definition)},
            )
        )
    return found


def _interacting_ids(release: Release, network_ids: list[int], measure_ids: list[int], days: set[date]) -> set[int]:
    """Releases that could share a finding with ``release``: a few narrow, indexed queries rather than one wide OR."""
    through = Release.networks.through
    ids: set[int] = set(
        through.objects.filter(
            topicnetwork_id__in=network_ids,
            release__starts_on__in=days,
            release__state__in=DATED_STATES,
            release__precision=Precision.EXACT,
        ).values_list("release_id", flat=True)
    )
    for first, second in ReleaseRelation.objects.filter(Q(first=release) | Q(second=release)).values_list(
        "first_id", "second_id"
    ):
        ids.update((first, second))
    if measure_ids:
        ids.update(
            Release.definitions.through.objects.filter(
                definition__measure__in=measure_ids, release__starts_on__gte=release.starts_on - COHERENCE_WINDOW
            ).values_list("release_id", flat=True)
        )
    if release.reference_period_start:
        # Duplicate candidates: overlapping reference period, sharing a network, series or measure, and sharing one
        # of the title's most distinctive words (the Python index then compares titles properly).
        core_words = sorted(duplicates.block_keys(duplicates.title_core(release.title)), key=lambda w: (-len(w), w))
        title_q = Q()
        for word in core_words[:3]:
            title_q |= Q(title__icontains=word)
        overlapping = Release.objects.filter(
            title_q,
            reference_period_start__lte=release.reference_period_end or release.reference_period_start,
            # Periods longer than the duplicate index looks at are not compared; the bound keeps the scan short.
            reference_period_start__gte=release.reference_period_start - LONGEST_PERIOD,
            reference_period_end__gte=release.reference_period_start,
        )
        # Two plain queries rather than one OR across a join, which the planner cannot index.
        ids.update(overlapping.filter(networks__in=network_ids).order_by().values_list("pk", flat=True))
        if release.series_id:
            ids.update(overlapping.filter(series_id=release.series_id).order_by().values_list("pk", flat=True))
    return ids


# --- entry points ----------------------------------------------------------------------------------------------------


def _dated_ids(facts: Facts, today: date) -> list[int]:
    return [
        pk
        for pk, row in facts.rows.items()
        if row["state"] in DATED_STATES and row["precision"] == Precision.EXACT and row["starts_on"] >= today
    ]


def findings_for_all(now: datetime | None = None) -> list[Finding]:
    """Everything the engines find across the whole register (the full rescan)."""
    now = now or timezone.now()
    today = now.astimezone(LONDON).date()
    facts = load_facts(Release.objects.filter(state__in=LIVE_STATES))
    names = Names(facts)
    dated = _dated_ids(facts, today)
    found = _clash_findings(facts, names, dated)
    found += _misalignment_findings(facts, names, dated)
    live_facts = [facts.duplicate_facts(pk) for pk in facts.rows]
    found += [_duplicate_finding(facts, names, m) for m in duplicates.all_matches(live_facts)]
    found += _breach_findings(facts, names, facts.rows, now)
    found += coverage_findings(now)
    found += _incoherence_findings(facts, names, facts.rows, today)
    return found


@dataclass(frozen=True)
class ReleaseScope:
    """What a check on one release may raise or retire: its own findings and those of the days it touches."""

    release_id: int
    keys: frozenset[str]
    series_ids: frozenset[int]


def findings_for_release(
    release: Release, *, now: datetime | None = None, old_days: Iterable[date] = ()
) -> tuple[list[Finding], ReleaseScope]:
    """What the engines find about one changed release, reading only what could interact with it."""
    now = now or timezone.now()
    today = now.astimezone(LONDON).date()
    network_ids = list(release.networks.values_list("pk", flat=True))
    measure_ids = list(release.definitions.values_list("measure_id", flat=True))
    days = {release.starts_on, *old_days} if release.precision == Precision.EXACT else set(old_days)
    ids = _interacting_ids(release, network_ids, measure_ids, days)
    # The changed release itself is always read, so a draft can be previewed as if it were announced.
    facts = load_facts(Release.objects.filter(Q(pk=release.pk) | Q(pk__in=ids, state__in=LIVE_STATES)))
    if release.pk in facts.rows and facts.rows[release.pk]["state"] == State.DRAFT:
        facts.rows[release.pk]["state"] = State.CONFIRMED if release.precision == Precision.EXACT else State.PROVISIONAL
    names = Names(facts)
    found: list[Finding] = []
    keys: set[str] = set()
    if release.pk in facts.rows and facts.rows[release.pk]["state"] in LIVE_STATES:
        dated = _dated_ids(facts, today)
        on_days = [pk for pk in dated if facts.rows[pk]["starts_on"] in days]
        found += _clash_findings(facts, names, on_days)
        found += [f for f in _misalignment_findings(facts, names, dated) if release.pk in f.release_ids]
        target = facts.duplicate_facts(release.pk)
        index = duplicates.DuplicateIndex(facts.duplicate_facts(pk) for pk in facts.rows if pk != release.pk)
        found += [_duplicate_finding(facts, names, m) for m in index.matches(target)]
        found += _breach_findings(facts, names, [release.pk], now)
        found += [
            f
            for f in _incoherence_findings(facts, names, facts.rows, today)
            if f.network_id in network_ids and release.pk in f.release_ids
        ]
    for network_id in network_ids:
        for day in days:
            keys.add(f"clash:n{network_id}:{day:%Y-%m-%d}")
            keys.add(f"overload:n{network_id}:{day:%Y-%m-%d}")
    if release.series_id:
        found += coverage_findings(now, [release.series_id])
    keys.update(f.key for f in found)
    series_ids = frozenset([release.series_id] if release.series_id else [])
    return found, ReleaseScope(release.pk, frozenset(keys), series_ids)

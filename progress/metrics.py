"""The figures reported to OSR: each metric's key, title, definition and unit, and its computation "as of" a moment.

A metric turns the plain facts of ``facts.py`` into *units* (one per release, date change, flag, action item, series,
network, measure ...), each saying which producers and networks it belongs to and whether it counts towards the
figure. ``rows`` then adds the units up for a quarter with no breakdown, by producer or by network. Nothing here reads
the database, so each figure is tested on hand-built data with the exact expected number.

"As of": every state is read from history as it stood at the moment asked for, never from today's row. A release
confirmed 10 days ahead in March stays "confirmed under 28 days ahead" in the March figures even if it is later moved
or edited; a quarterly report computes its figures as of the quarter's end.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from coordination.choices import CLASH_KINDS, FlagKind
from coordination.detection import COVERAGE_GAP
from networks.choices import ActivityKind, ItemStatus
from releases.choices import Frequency, State
from releases.rules import STANDARD_TIME, is_working_day, notice_days
from releases.schedule import LONDON, add_months

from .choices import Breakdown, Unit
from .facts import SETTLED, Facts
from .quarters import Quarter

MIN_NOTICE_DAYS = 28
OPEN_TOO_LONG_DAYS = 30
LEAD_BUCKETS = ((0, 14, "Under 14 days"), (14, 28, "14 to 27 days"), (28, 56, "28 to 55 days"),
                (56, None, "56 days or more"))  # fmt: skip


@dataclass(frozen=True)
class Counted:
    """One thing a figure counts: a release, a change, a flag, an item ... and where it belongs."""

    ref: int
    producers: tuple[int, ...] = ()
    networks: tuple[int, ...] = ()
    ok: bool = True
    tags: tuple[str, ...] = ()
    number: float | None = None


@dataclass(frozen=True)
class Row:
    """A figure for one group (everything, one producer or one network) in one quarter."""

    group: str
    label: str
    value: float | None
    numerator: int | None = None
    denominator: int | None = None
    parts: tuple[tuple[str, int], ...] = ()
    refs: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON, CSV and frozen reports (without the drill-down references)."""
        return {
            "group": self.group,
            "label": self.label,
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "parts": [{"label": label, "count": count} for label, count in self.parts],
        }


@dataclass(frozen=True)
class Metric:
    """A figure reported to OSR, with the definition shown next to it."""

    key: str
    title: str
    definition: str
    unit: str
    refs: str  # what the drill-down lists: release, change, flag, item, series, network, measure, lesson, activity
    compute: Callable[[Calculator, Quarter, datetime], list[Counted]] | None
    breakdowns: tuple[str, ...] = (Breakdown.NONE, Breakdown.PRODUCER, Breakdown.NETWORK)
    parts: tuple[str, ...] = ()
    ok_labels: tuple[str, str] = ("Yes", "No")
    value_tag: str = ""
    scalar: Callable[[Calculator, datetime], int | None] | None = None
    no_breakdown_reason: str = ""


@dataclass(frozen=True)
class ReleaseAt:
    """A release as it stood at a moment, with what its history says about its confirmation."""

    id: int
    title: str
    slug: str
    state: str
    release_at: datetime | None
    ends_on: date
    published_at: datetime | None
    cancelled_at: datetime | None
    cancellation_reason: str
    withdrawn: bool
    producer_id: int
    series_id: int | None
    first_exact_at: datetime | None  # the first exact date and time made public
    exact_set_at: datetime | None  # when the current exact date and time was made public (confirmed or last moved)

    @property
    def notice(self) -> int | None:
        if self.release_at is None or self.exact_set_at is None:
            return None
        return notice_days(self.release_at, self.exact_set_at)


def release_at(versions: list[dict[str, Any]], as_of: datetime) -> ReleaseAt | None:
    """Replay one release's history rows up to ``as_of``; None if it did not exist or was still a draft then."""
    first_exact = set_at = shown = None
    current = None
    for version in versions:
        if version["revised_at"] > as_of:
            break
        current = version
        if version["state"] in (State.CONFIRMED, State.PUBLISHED) and version["release_at"] is not None:
            if first_exact is None:
                first_exact = version["release_at"]
            if version["release_at"] != shown:
                set_at, shown = version["revised_at"], version["release_at"]
    if current is None or current["history_type"] == "-" or current["state"] == State.DRAFT:
        return None
    return ReleaseAt(
        id=current["id"], title=current["title"], slug=current["slug"], state=current["state"],
        release_at=current["release_at"], ends_on=current["ends_on"], published_at=current["published_at"],
        cancelled_at=current["cancelled_at"], cancellation_reason=current["cancellation_reason"],
        withdrawn=current["withdrawn_in_favour_of_id"] is not None, producer_id=current["lead_producer_id"],
        series_id=current["series_id"], first_exact_at=first_exact, exact_set_at=set_at,
    )  # fmt: skip


def _latest(versions: list[dict[str, Any]], as_of: datetime, when: Callable[[dict[str, Any]], datetime]) -> Any:
    known = [v for v in versions if when(v) <= as_of]
    if not known:
        return None
    latest = max(known, key=lambda v: (when(v), v["history_id"]) if "history_id" in v else (when(v),))
    return None if latest.get("history_type") == "-" else latest


def _flag_time(version: dict[str, Any]) -> datetime:
    """Settling rows happen when the service says (``settled_at``); other rows when they were written."""
    if version["status"] in SETTLED and version["settled_at"] is not None:
        return min(version["settled_at"], version["history_date"])
    return version["history_date"]


class Calculator:
    """Computes metrics over one set of facts, remembering each moment's view of the releases."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self._releases: dict[datetime, dict[int, ReleaseAt]] = {}

    def releases(self, as_of: datetime) -> dict[int, ReleaseAt]:
        if as_of not in self._releases:
            seen = {}
            for rid, versions in self.facts.release_versions.items():
                view = release_at(versions, as_of)
                if view is not None:
                    seen[rid] = view
            self._releases[as_of] = seen
        return self._releases[as_of]

    def release_counted(self, release: ReleaseAt, *, ok: bool = True, tags: Iterable[str] = (),
                        number: float | None = None) -> Counted:  # fmt: skip
        return Counted(ref=release.id, producers=(release.producer_id,),
                       networks=self.facts.release_networks.get(release.id, ()), ok=ok, tags=tuple(tags),
                       number=number)  # fmt: skip

    def rows(self, metric: Metric, quarter: Quarter, as_of: datetime, breakdown: str = Breakdown.NONE) -> list[Row]:
        """The figure for ``quarter`` as known at ``as_of`` (capped at the quarter's end), one row per group."""
        as_of = min(as_of, quarter.ends_at)
        if breakdown not in metric.breakdowns:
            return []
        if metric.scalar is not None:
            value = metric.scalar(self, as_of)
            return [Row(group="all", label="All", value=None if value is None else float(value), numerator=value)]
        assert metric.compute is not None  # noqa: S101 - every metric has one or the other
        counted = metric.compute(self, quarter, as_of)
        groups: list[tuple[str, str, Callable[[Counted], bool]]]
        if breakdown == Breakdown.PRODUCER:
            groups = [(f"producer:{pk}", name, _in_producer(pk))
                      for pk, name in sorted(self.facts.producers.items(), key=lambda p: p[1])]  # fmt: skip
        elif breakdown == Breakdown.NETWORK:
            groups = [(f"network:{pk}", name, _in_network(pk))
                      for pk, name in sorted(self.facts.networks.items(), key=lambda p: p[1])]  # fmt: skip
        else:
            groups = [("all", "All", lambda c: True)]
        return [_add_up(metric, key, label, [c for c in counted if belongs(c)]) for key, label, belongs in groups]


def _in_producer(pk: int) -> Callable[[Counted], bool]:
    return lambda counted: pk in counted.producers


def _in_network(pk: int) -> Callable[[Counted], bool]:
    return lambda counted: pk in counted.networks


def _add_up(metric: Metric, group: str, label: str, counted: list[Counted]) -> Row:
    refs = tuple(sorted({c.ref for c in counted}))
    if metric.unit == Unit.PERCENT:
        yes = sum(1 for c in counted if c.ok)
        total = len(counted)
        value = round(100 * yes / total, 1) if total else None
        parts: tuple[tuple[str, int], ...] = ((metric.ok_labels[0], yes), (metric.ok_labels[1], total - yes))
        return Row(group, label, value, yes, total, parts, refs)
    if metric.unit == Unit.DAYS:
        numbers = [c.number for c in counted if c.number is not None]
        value = float(statistics.median(numbers)) if numbers else None
        parts = tuple((name, sum(1 for n in numbers if n >= low and (high is None or n < high)))
                      for low, high, name in LEAD_BUCKETS)  # fmt: skip
        return Row(group, label, value, None, len(numbers), parts, refs)
    parts = tuple((part, sum(1 for c in counted if part in c.tags)) for part in metric.parts)
    total = sum(1 for c in counted if metric.value_tag in c.tags) if metric.value_tag else len(counted)
    return Row(group, label, float(total), total, None, parts, refs)


# --- the computations --------------------------------------------------------------------------------------------


def _london_day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def _due_in(calc: Calculator, quarter: Quarter, as_of: datetime) -> list[ReleaseAt]:
    """Releases due in the quarter as known at ``as_of``: an exact time in it, or a window that ended in it unconfirmed.
    """
    today = _london_day(as_of)
    due = []
    for release in calc.releases(as_of).values():
        exact = release.state in (State.CONFIRMED, State.PUBLISHED) and quarter.contains(release.release_at)
        lapsed = release.state == State.PROVISIONAL and quarter.contains(release.ends_on) and release.ends_on < today
        if exact or lapsed:
            due.append(release)
    return due


def _published_in(calc: Calculator, quarter: Quarter, as_of: datetime) -> list[ReleaseAt]:
    return [r for r in calc.releases(as_of).values() if r.state == State.PUBLISHED and quarter.contains(r.release_at)]


def confirmed_ahead(calc: Calculator, quarter: Quarter, as_of: datetime) -> list[Counted]:
    return [calc.release_counted(r, ok=r.notice is not None and r.notice >= MIN_NOTICE_DAYS)
            for r in _due_in(calc, quarter, as_of)]  # fmt: skip


def lead_time(calc: Calculator, quarter: Quarter, as_of: datetime) -> list[Counted]:
    return [calc.release_counted(r, number=r.notice) for r in _due_in(calc, quarter, as_of) if r.notice is not None]


def series_coverage(calc: Calculator, quarter: Quarter, as_of: datetime) -> list[Counted]:
    today = _london_day(as_of)
    horizon = add_months(today.replace(day=1), 12).replace(day=1)
    horizon = date.fromordinal(horizon.toordinal() + today.day - 1)
    announced: dict[int, list[ReleaseAt]] = {}
    for release in calc.releases(as_of).values():
        if release.series_id is not None:
            announced.setdefault(release.series_id, []).append(release)
    counted = []
    for sid, series in calc.facts.series.items():
        if not series["is_active"] or series["frequency"] == Frequency.AD_HOC or sid not in announced:
            continue
        reach = max((r.ends_on for r in announced[sid] if r.state in (State.PROVISIONAL, State.CONFIRMED)),
                    default=None)  # fmt: skip
        needed = date.fromordinal(horizon.toordinal() - COVERAGE_GAP[Frequency(series["frequency"])].days)
        counted.append(Counted(ref=sid, producers=calc.facts.series_producers.get(sid, ()),
                               networks=calc.facts.series_networks.get(sid, ()),
                               ok=reach is not None and reach >= needed))  # fmt: skip
    return counted


def first_confirmed(calc: Calculator, quarter: Quarter, as_of: datetime) -> list[Counted]:
    return [calc.release_counted(r, ok=r.release_at == r.first_exact_at) for r in _published_in(calc, quarter, as_of)]


def standard_time(calc: Calculator, quarter: Quarter, as_of: datetime) -> list[Counted]:
    counted = []
    for release in _published_in(calc, quarter, as_of):
        assert release.release_at is not None  # noqa: S101 - published releases have an exact time
        local = release.release_at.astimezone(LONDON)
        at = local.time().replace(second=0, microsecond=0)
        series = calc.facts.series.get(release.series_id) if release.series_id else None
        approved: time | None = None
        if series and series["alternative_release_time"] and series["alternative_time_approved_on"] and (
            series["alternative_time_approved_on"] <= local.date()
        ):
            approved = series["alternative_release_time"]
        ok = is_working_day(local.date()) and at in (STANDARD_TIME, approved)
        counted.append(calc.release_counted(release, ok=ok))
    return counted


SHORT_NOTICE = "Under 4 weeks' notice"
LONG_NOTICE = "4 weeks' notice or more"


def _day_of(moment: datetime | None, day: date) -> date:
    return _london_day(moment) if moment is not None else day


def date_changes(calc: Calculator, quarter: Quarter, as_of: datetime) -> list[Counted]:
    releases = calc.releases(as_of)
    counted = []
    for change in calc.facts.changes:
        if not quarter.contains(change["decided_at"]) or change["decided_at"] > as_of:
            continue
        before = _day_of(change["previous_release_at"], change["previous_starts_on"])
        after = _day_of(change["new_release_at"], change["new_starts_on"])
        notice = (min(before, after) - _london_day(change["decided_at"])).days
        release = releases.get(change["release_id"])
        counted.append(Counted(
            ref=change["id"], producers=(release.producer_id,) if release else (),
            networks=calc.facts.release_networks.get(change["release_id"], ()),
            tags=(SHORT_NOTICE if notice < MIN_NOTICE_DAYS else LONG_NOTICE,),
        ))  # fmt: skip
    return counted


AS_DUPLICATE = "Withdrawn as a duplicate"
OTHER_REASON = "Other reasons"


def cancellations(calc: Calculator, quarter: Quarter, as_of: datetime) -> list[Counted]:
    return [calc.release_counted(r, tags=(AS_DUPLICATE if r.withdrawn else OTHER_REASON,))
            for r in calc.releases(as_of).values()
            if r.state == State.CANCELLED and quarter.contains(r.cancelled_at)]  # fmt: skip


def duplicates_removed(calc: Calculator, quarter: Quarter, as_of: datetime) -> list[Counted]:
    return [c for c in cancellations(calc, quarter, as_of) if AS_DUPLICATE in c.tags]


FOUND = "Found in the quarter"
SETTLED_IN = "Settled in the quarter"
OPEN_LONG = "Open for over 30 days at the quarter's end"


def _flags(kinds: tuple[str, ...]) -> Callable[[Calculator, Quarter, datetime], list[Counted]]:
    def compute(calc: Calculator, quarter: Quarter, as_of: datetime) -> list[Counted]:
        releases = calc.releases(as_of)
        counted = []
        for fid, versions in calc.facts.flag_versions.items():
            flag = _latest(versions, as_of, _flag_time)
            if flag is None or flag["kind"] not in kinds or flag["raised_at"] > as_of:
                continue
            tags = []
            if quarter.contains(flag["raised_at"]):
                tags.append(FOUND)
            if flag["status"] in SETTLED and quarter.contains(flag["settled_at"]):
                tags.append(SETTLED_IN)
            if flag["status"] not in SETTLED and (as_of - flag["raised_at"]).days > OPEN_TOO_LONG_DAYS:
                tags.append(OPEN_LONG)
            if not tags:
                continue
            linked = calc.facts.flag_releases.get(fid, ())
            producers = sorted({releases[r].producer_id for r in linked if r in releases})
            networks = {n for r in linked for n in calc.facts.release_networks.get(r, ())}
            if flag["network_id"]:
                networks.add(flag["network_id"])
            counted.append(Counted(ref=fid, producers=tuple(producers), networks=tuple(sorted(networks)),
                                   tags=tuple(tags)))  # fmt: skip
        return counted

    return compute


ITEM_COMPLETE, ITEM_ON_TRACK, ITEM_OVERDUE, ITEM_BLOCKED, ITEM_DROPPED = (
    "Complete", "On track", "Overdue", "Blocked", "Dropped")  # fmt: skip


def action_items(calc: Calculator, quarter: Quarter, as_of: datetime) -> list[Counted]:
    today = _london_day(as_of)
    counted = []
    for iid, versions in calc.facts.item_versions.items():
        item = _latest(versions, as_of, lambda v: v["history_date"])
        plan = calc.facts.plans.get(item["plan_id"]) if item else None
        if item is None or plan is None or plan["published_at"] is None or plan["published_at"] > as_of:
            continue
        status = item["status"]
        if status == ItemStatus.COMPLETE:
            tag = ITEM_COMPLETE
        elif status == ItemStatus.DROPPED:
            tag = ITEM_DROPPED
        elif item["due_on"] < today:
            tag = ITEM_OVERDUE
        elif status == ItemStatus.BLOCKED:
            tag = ITEM_BLOCKED
        else:
            tag = ITEM_ON_TRACK
        counted.append(Counted(ref=iid, networks=(plan["network_id"],), tags=(tag,)))
    return counted


def published_plans(calc: Calculator, quarter: Quarter, as_of: datetime) -> list[Counted]:
    published = {p["network_id"] for p in calc.facts.plans.values()
                 if p["published_at"] and p["published_at"] <= as_of}  # fmt: skip
    return [Counted(ref=nid, networks=(nid,), ok=nid in published) for nid in calc.facts.networks]


def activities(calc: Calculator, quarter: Quarter, as_of: datetime) -> list[Counted]:
    labels = dict(ActivityKind.choices)
    return [Counted(ref=a["id"], networks=(a["network_id"],), tags=(labels.get(a["kind"], a["kind"]),))
            for a in calc.facts.activities
            if quarter.contains(a["held_on"]) and a["held_on"] <= _london_day(as_of)]  # fmt: skip


def lessons(calc: Calculator, quarter: Quarter, as_of: datetime) -> list[Counted]:
    return [Counted(ref=lesson["id"], networks=(lesson["network_id"],)) for lesson in calc.facts.lessons
            if quarter.contains(lesson["recorded_on"]) and lesson["recorded_on"] <= _london_day(as_of)]  # fmt: skip


def harmonised_measures(calc: Calculator, quarter: Quarter, as_of: datetime) -> list[Counted]:
    owners: dict[int, set[int]] = {}
    harmonised: set[int] = set()
    for versions in calc.facts.definition_versions.values():
        definition = _latest(versions, as_of, lambda v: v["history_date"])
        if definition is None:
            continue
        owners.setdefault(definition["measure_id"], set()).add(definition["owner_id"])
        if definition["is_harmonised"]:
            harmonised.add(definition["measure_id"])
    return [Counted(ref=mid, producers=tuple(sorted(who)), ok=mid in harmonised) for mid, who in owners.items()]


def subscribers(calc: Calculator, as_of: datetime) -> int | None:
    """Counted by the alerts app when the facts are gathered; None where no count was made (shown as such)."""
    return calc.facts.subscribers.get(as_of)


NETWORK_ONLY = "This is a figure about topic networks' work, which is not done by producers."
EVERYONE = "This is one figure for the whole platform."

METRICS: tuple[Metric, ...] = (
    Metric("confirmed_28_days", "Releases confirmed at least 28 days ahead",
           "Of the releases due in the quarter (an exact date and time in the quarter, or a provisional window that "
           "ended in it without being confirmed; cancelled releases are left out), the share whose exact date and "
           "time were made public at least 28 days before release. The notice runs from the confirmation, or from "
           "the last agreed change of the date or time, to the release day (London calendar days).",
           Unit.PERCENT, "release", confirmed_ahead, ok_labels=("28 days or more", "Under 28 days or never confirmed")),
    Metric("lead_time", "Notice given of the exact date and time",
           "The median number of days between the exact date and time being made public (confirmed, or last moved "
           "by an agreed change) and the release, for releases due in the quarter with an exact time; with how many "
           "fall in each band.",
           Unit.DAYS, "release", lead_time),
    Metric("series_coverage", "Series announced 12 months ahead",
           "Of the active, regular (not ad hoc) series with announced releases, the share whose provisional or "
           "confirmed releases reach 12 months ahead of the quarter's end, less one interval of the series (a "
           "monthly series needs announcements to within 31 days of that date). A series with two producers counts "
           "for both.",
           Unit.PERCENT, "series", series_coverage, ok_labels=("Covered", "Not covered")),
    Metric("first_confirmed_date", "Published on the first confirmed date",
           "Of the releases published in the quarter, the share published at the first exact date and time that "
           "was made public for them (never moved after confirmation).",
           Unit.PERCENT, "release", first_confirmed,
           ok_labels=("On the first confirmed date", "Moved after confirmation")),
    Metric("date_changes", "Changes to announced dates",
           "Changes to an announced date or time agreed by the Head of Profession in the quarter, each with its "
           "reason; 'under 4 weeks' notice' when the decision came less than 28 days before the earlier of the old "
           "and the new date.",
           Unit.COUNT, "change", date_changes, parts=(SHORT_NOTICE, LONG_NOTICE)),
    Metric("cancellations", "Cancelled releases",
           "Announced releases cancelled in the quarter, each with its reason (they stay public); including releases "
           "withdrawn as duplicates of another.",
           Unit.COUNT, "release", cancellations, parts=(OTHER_REASON, AS_DUPLICATE)),
    Metric("standard_time", "Released at the standard time",
           "Of the releases published in the quarter, the share released at 9:30am London time on a weekday that "
           "is not an England and Wales bank holiday, or at an alternative time OSR had approved for the series by "
           "the release day.",
           Unit.PERCENT, "release", standard_time, ok_labels=("Standard or approved time", "Another time or day")),
    Metric("clashes", "Date clashes",
           "Date clashes the checks found (cross-producer releases in one network on one day, too many major "
           "releases on one day, releases on a day to avoid): how many were found in the quarter, how many settled "
           "in it, and how many had been open for over 30 days at the quarter's end.",
           Unit.COUNT, "flag", _flags(CLASH_KINDS), parts=(FOUND, SETTLED_IN, OPEN_LONG), value_tag=FOUND),
    Metric("duplicates", "Possible duplicate releases",
           "Possible duplicate releases the checks found: found in the quarter, settled in it (confirmed or "
           "dismissed), and open for over 30 days at the quarter's end.",
           Unit.COUNT, "flag", _flags((FlagKind.DUPLICATE,)), parts=(FOUND, SETTLED_IN, OPEN_LONG), value_tag=FOUND),
    Metric("duplicates_removed", "Duplicate releases removed",
           "Releases withdrawn in the quarter in favour of another release that publishes the same statistics.",
           Unit.COUNT, "release", duplicates_removed),
    Metric("action_items", "Action-plan items",
           "Items of published action plans as they stood at the quarter's end: complete, on track (not started or "
           "in progress, not past due), overdue (past due, neither complete nor dropped), blocked, dropped.",
           Unit.COUNT, "item", action_items, breakdowns=(Breakdown.NONE, Breakdown.NETWORK),
           parts=(ITEM_COMPLETE, ITEM_ON_TRACK, ITEM_OVERDUE, ITEM_BLOCKED, ITEM_DROPPED),
           no_breakdown_reason=NETWORK_ONLY),
    Metric("published_plans", "Networks with a published action plan",
           "The share of topic networks that had published an action plan by the quarter's end.",
           Unit.PERCENT, "network", published_plans, breakdowns=(Breakdown.NONE, Breakdown.NETWORK),
           ok_labels=("Published", "Not published"), no_breakdown_reason=NETWORK_ONLY),
    Metric("engagement_activities", "User-engagement activities held",
           "Events, consultations, surveys and user feedback the topic networks recorded as held in the quarter.",
           Unit.COUNT, "activity", activities, breakdowns=(Breakdown.NONE, Breakdown.NETWORK),
           parts=tuple(label for _, label in ActivityKind.choices), no_breakdown_reason=NETWORK_ONLY),
    Metric("subscribers", "Subscribers to alerts",
           "People (distinct e-mail addresses) with a confirmed subscription to release alerts at the quarter's "
           "end. Calendar feed subscribers are not counted: feeds are public and anonymous.",
           Unit.COUNT, "", None, breakdowns=(Breakdown.NONE,), scalar=subscribers, no_breakdown_reason=EVERYONE),
    Metric("lessons", "Lessons shared",
           "Lessons learned and good practice the topic networks recorded in the quarter.",
           Unit.COUNT, "lesson", lessons, breakdowns=(Breakdown.NONE, Breakdown.NETWORK),
           no_breakdown_reason=NETWORK_ONLY),
    Metric("harmonised_measures", "Measures with a harmonised definition",
           "Of the measures in the register of definitions at the quarter's end, the share with a definition the "
           "EHSSG agreed for shared use (by producer: measures the producer has a definition of).",
           Unit.PERCENT, "measure", harmonised_measures, breakdowns=(Breakdown.NONE, Breakdown.PRODUCER),
           ok_labels=("Harmonised", "Not harmonised"),
           no_breakdown_reason="Definitions belong to producers, not to topic networks."),
)  # fmt: skip
BY_KEY = {metric.key: metric for metric in METRICS}


@dataclass
class Figure:
    """One metric for the chosen quarter: the total, the breakdown and the trend over the last quarters."""

    metric: Metric
    total: Row
    breakdown: list[Row]
    trend: list[tuple[Quarter, Row]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.metric.key,
            "title": self.metric.title,
            "definition": self.metric.definition,
            "unit": self.metric.unit,
            "total": self.total.as_dict(),
            "breakdown": [row.as_dict() for row in self.breakdown],
            "trend": [{**row.as_dict(), "quarter": q.key, "label": q.label, "short_label": q.short_label}
                      for q, row in self.trend],
        }


TREND_QUARTERS = 8


def figures(
    *, quarter: Quarter, as_of: datetime, breakdown: str = Breakdown.NONE, facts: Facts | None = None,
    metrics: Iterable[Metric] = METRICS,
) -> list[Figure]:
    """Every metric for ``quarter`` as known at ``as_of``, with its breakdown and its trend over the last 8 quarters."""
    from .facts import gather

    quarters = quarter.last(TREND_QUARTERS)
    facts = facts or gather(quarters=quarters, until=min(as_of, quarter.ends_at))
    calc = Calculator(facts)
    found = []
    for metric in metrics:
        total = calc.rows(metric, quarter, as_of)[0]
        rows = calc.rows(metric, quarter, as_of, breakdown) if breakdown != Breakdown.NONE else []
        trend = [(q, calc.rows(metric, q, as_of)[0]) for q in quarters]
        found.append(Figure(metric=metric, total=total, breakdown=rows, trend=trend))
    return found

"""Demo history for the OSR figures: two years of releases, clashes, duplicates and network work played through the
services at the times they happened, and a quarterly report or two issued from it.

Called by ``sampledata.demo.build`` after the register's last six months are made. Everything goes through the same
services as the pages with ``at=``; while this plays the past, history rows are dated at the moment being played (a
``pre_create_historical_record`` receiver, connected only for the duration), so "as of" figures read from history see
the past as it was. The register improves over time (fewer late confirmations, moves and odd release times), as a
real programme of work would show. Deterministic for a seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from simple_history.signals import pre_create_historical_record

from coordination.choices import FlagKind
from coordination.flagging import flag_confirm_duplicate, flag_mark_coordinated, flag_resolve
from coordination.models import Flag
from networks import services as network_services
from networks.choices import Goal, ItemStatus, Rag
from releases import services as release_services
from releases.choices import Designation
from releases.models import Definition, Measure, Release
from releases.rules import is_working_day
from releases.schedule import LONDON, Schedule, add_months

from . import services
from .quarters import Quarter

SMALL = 100
PAST_RELEASES = 72  # four a month; the register of the last six months is sampledata.demo's
PAST_MONTHS = range(-24, -6)  # the releases demo covers the last six months; this adds the 18 before
LATE_REASONS = [
    "Late submission of data from several trusts needs further quality assurance.",
    "Moved to avoid a clash with a related release in the topic network.",
]
CANCEL_REASON = "The data supplier could not provide complete figures in time."
GOV_UK = "https://www.gov.uk/government/statistics/"
RAG = {ItemStatus.COMPLETE: Rag.GREEN, ItemStatus.BLOCKED: Rag.RED}
COMMENTARY = (
    "More releases had their exact date and time confirmed at least four weeks ahead than in the previous quarter, "
    "and fewer were moved after confirmation.\n\n"
    "The topic networks settled the date clashes they found, most within a month, and withdrew duplicate releases "
    "in favour of a single release.\n\n"
    "Next quarter the EHSSG will focus on series whose announcements do not yet reach twelve months ahead."
)


@dataclass
class Clock:
    """The moment being played; history rows written meanwhile are dated at it."""

    at: datetime | None = None


@contextmanager
def dated_history(clock: Clock) -> Iterator[None]:
    def receiver(sender: Any, history_instance: Any, **kwargs: Any) -> None:
        if clock.at is not None:
            history_instance.history_date = clock.at

    pre_create_historical_record.connect(receiver, weak=False, dispatch_uid="progress-demo-dated-history")
    try:
        yield
    finally:
        pre_create_historical_record.disconnect(dispatch_uid="progress-demo-dated-history")


def _working_day(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def build_history(demo: Any, *, releases: int) -> dict[str, int]:
    """Add the past to the demo register (``demo`` is ``sampledata.demo.Demo``); returns what was made."""
    rng = random.Random(demo.rng.random())  # noqa: S311 - seeded demo data, nothing secret
    clock = Clock()
    made = {"past_releases": 0, "reports": 0}
    # A small register (the tests' sizes) gets a lighter past: every quarter still has figures, in half the time.
    full = releases >= SMALL
    with dated_history(clock):
        made["past_releases"] = _past_releases(demo, rng, clock, budget=PAST_RELEASES if full else 18)
        _past_clashes_and_duplicates(demo, rng, clock, quarters=range(7, 1, -1) if full else range(6, 1, -2))
        _past_network_work(demo, rng, clock, networks=None if full else 3)
        _definitions(demo, clock)
        clock.at = None
    made["subscribers"] = _subscribers(demo, rng)
    made["reports"] = _reports(demo)
    return made


def _subscribers(demo: Any, rng: random.Random) -> int:
    """People who signed up for e-mail alerts over two years, more each quarter, a few leaving again.

    Made as rows, not through ``alerts.services.subscription_subscribe``: that would e-mail a confirmation link to each
    made-up address. The addresses are at example.org, a domain reserved for examples.
    """
    from alerts.choices import Frequency
    from alerts.models import Subscription

    now = demo.now
    rows = []
    for number in range(rng.randint(150, 190)):
        # Later sign-ups are more likely: the service became known.
        days_ago = int(730 * (1 - rng.random() ** 0.6))
        created = now - timedelta(days=days_ago, minutes=rng.randint(0, 600))
        left = created + timedelta(days=rng.randint(20, 400)) if rng.random() < 0.12 else None
        rows.append(Subscription(
            email=f"reader{number}@example.org", created_at=created,
            confirmed_at=created + timedelta(minutes=rng.randint(2, 240)),
            unsubscribed_at=left if left is not None and left < now else None,
            frequency=Frequency.WEEKLY if rng.random() < 0.3 else Frequency.IMMEDIATE,
        ))  # fmt: skip
    made = Subscription.objects.bulk_create(rows)
    networks = list(demo.networks.values())
    for subscription in made:
        if rng.random() < 0.6:
            subscription.networks.set(rng.sample(networks, rng.randint(1, 2)))
    return len(made)


def _past_releases(demo: Any, rng: random.Random, clock: Clock, *, budget: int) -> int:
    today = demo.now.astimezone(LONDON).date()
    months = list(PAST_MONTHS)
    per_month = max(1, budget // len(months))
    made = 0
    for index, offset in enumerate(months):
        progress = index / (len(months) - 1)  # 0 two years ago, 1 six months ago
        month = add_months(today.replace(day=1), offset)
        for position, series in sorted(rng.sample(list(enumerate(demo.series)), per_month), key=lambda p: p[0]):
            demo.tick(made, per_month * len(months))
            producer = series.producers.first()
            day = _working_day(month + timedelta(days=(position * 3) % 25 + 2))
            odd_time = rng.random() < 0.15 - 0.12 * progress
            clock_time = time(7, 0) if odd_time else (series.alternative_release_time or time(9, 30))
            release_at = datetime.combine(day, clock_time, tzinfo=LONDON)
            notice = rng.choice([10, 14, 21]) if rng.random() < 0.4 - 0.3 * progress else rng.choice([30, 35, 42, 56])
            editor, hop = demo.editor_for(producer), demo.hop_for(producer)
            clock.at = release_at - timedelta(days=rng.randint(60, 150))
            release = release_services.release_create(
                actor=editor, announce=True, at=clock.at, schedule=Schedule.window(month),
                details=release_services.ReleaseDetails(
                    title=f"{series.title}: {month:%B %Y}", lead_producer=producer, designation=series.designation,
                    series=series, networks=tuple(series.networks.all()),
                    summary=demo.summary_of(series),
                    lead_statistician_name="Jo Patel",
                    lead_statistician_email=f"statistics.{producer.slug}@example.org",
                    reference_period_start=add_months(month, -2),
                    reference_period_end=add_months(month, -1) - timedelta(days=1),
                ),
            )  # fmt: skip
            clock.at = release_at - timedelta(days=notice)
            release = release_services.release_confirm(actor=editor, release=release, release_at=release_at,
                                                       at=clock.at)  # fmt: skip
            if rng.random() < 0.2 - 0.12 * progress:
                moved_to = _working_day(day + timedelta(days=rng.choice([7, 14])))
                release_at = datetime.combine(moved_to, clock_time, tzinfo=LONDON)
                clock.at = min(release_at - timedelta(days=rng.choice([9, 20, 35])), clock.at + timedelta(days=3))
                change = release_services.release_request_change(
                    actor=editor, release=release, schedule=Schedule.exact(release_at), reason=rng.choice(LATE_REASONS),
                    at=clock.at,
                )  # fmt: skip
                clock.at += timedelta(days=1)
                release_services.release_agree_change(actor=hop, change=change, at=clock.at)
            if rng.random() < 0.04:
                clock.at = release_at - timedelta(days=3)
                release_services.release_cancel(actor=editor, release=release, at=clock.at, reason=CANCEL_REASON)
            else:
                clock.at = release_at + timedelta(minutes=1)
                release_services.release_publish(actor=editor, release=release, at=clock.at,
                                                 published_url=GOV_UK + release.slug)  # fmt: skip
            made += 1
    return made


def _pair(demo: Any, clock: Clock, day: date, titles: tuple[str, str], announced: datetime) -> list[Release]:
    uec = demo.networks["urgent-and-emergency-care"]
    made = []
    for abbreviation, title in zip(("NHSE", "ONS"), titles, strict=True):
        producer = demo.producers[abbreviation]
        clock.at = announced
        made.append(release_services.release_create(
            actor=demo.editor_for(producer), announce=True, at=clock.at,
            schedule=Schedule.exact_local(day, time(9, 30)),
            details=release_services.ReleaseDetails(
                title=title, lead_producer=producer, designation=Designation.OFFICIAL, networks=(uec,),
                lead_statistician_name="Jo Patel", lead_statistician_email="jo.patel@example.org",
                reference_period_start=add_months(day.replace(day=1), -2),
                reference_period_end=add_months(day.replace(day=1), -1) - timedelta(days=1),
            ),
        ))  # fmt: skip
        announced += timedelta(hours=1)
    return made


def _past_clashes_and_duplicates(demo: Any, rng: random.Random, clock: Clock, *, quarters: range) -> None:
    """Each past quarter: a cross-producer clash in urgent and emergency care, and in some a near-duplicate."""
    secretariat = demo.users["secretariat"]
    current = Quarter.containing(demo.now)
    for back in quarters:
        quarter = current
        for _ in range(back):
            quarter = quarter.previous()
        progress = (7 - back) / 5
        day = _working_day(quarter.first_day + timedelta(days=40))
        announced = datetime.combine(day, time(10), tzinfo=LONDON) - timedelta(days=50)
        period = add_months(day.replace(day=1), -2)
        titles = (f"Ambulance response times, England: {period:%B %Y}",
                  f"Emergency department waiting times, England: {period:%B %Y}")  # fmt: skip
        pair = _pair(demo, clock, day, titles, announced)
        clash = Flag.objects.filter(kind=FlagKind.CLASH, releases=pair[1], is_current=True).first()
        if clash is not None:
            clock.at = announced + timedelta(days=rng.choice([45, 38]) if progress < 0.4 else rng.choice([5, 9, 12]))
            flag_mark_coordinated(actor=secretariat, flag=clash, at=clock.at,
                                  reason="Agreed in the network: publishing together helps users compare.")  # fmt: skip
        if back % 2 == 0:
            dup_day = _working_day(day + timedelta(days=14))
            twins = _pair(demo, clock, dup_day, (f"Emergency admissions in England: {period:%B %Y} update",
                                                 f"Emergency hospital admissions, England: {period:%B %Y}"),
                          announced + timedelta(days=3))  # fmt: skip
            duplicate = Flag.objects.filter(kind=FlagKind.DUPLICATE, releases=twins[1], is_current=True).first()
            if duplicate is not None:
                clock.at = announced + timedelta(days=12)
                flag_confirm_duplicate(actor=secretariat, flag=duplicate, withdraw=twins[1], at=clock.at,
                                       reason="The NHS England release carries the same figures.")  # fmt: skip
            for release in Release.objects.filter(pk__in=[r.pk for r in twins], state="confirmed"):
                _publish(demo, clock, release)
        elif (leftover := Flag.objects.filter(kind=FlagKind.CLASH, is_current=True, status="open").first()) is not None:
            clock.at = announced + timedelta(days=20)
            flag_resolve(actor=secretariat, flag=leftover, at=clock.at, reason="Discussed at the network meeting.")
        for release in pair:
            _publish(demo, clock, Release.objects.get(pk=release.pk))


def _publish(demo: Any, clock: Clock, release: Release) -> None:
    if release.state != "confirmed" or release.release_at is None:
        return
    clock.at = release.release_at + timedelta(minutes=1)
    release_services.release_publish(actor=demo.editor_for(release.lead_producer), release=release, at=clock.at,
                                     published_url=GOV_UK + release.slug)  # fmt: skip


def _past_network_work(demo: Any, rng: random.Random, clock: Clock, *, networks: int | None) -> None:
    """Last year's action plans, worked through over the quarters (lessons and events over two years come from
    sampledata.demo, dated by their own days)."""
    actor = demo.users["secretariat"]
    start = demo.now - timedelta(days=700)
    for _slug, network in sorted(demo.networks.items())[:networks]:
        clock.at = start
        plan = network_services.plan_create(
            actor=actor, network=network, at=clock.at, title=f"{network.name} action plan 2024 to 2026",
            summary=f"How the {network.name.lower()} network joins up its statistics.",
        )
        items = []
        for number, (title, goal) in enumerate([
            ("Agree a shared release day for related statistics", Goal.ALIGN_DATES),
            ("Retire overlapping releases", Goal.REMOVE_DUPLICATION),
            ("Agree one definition for the key measure", Goal.HARMONISE),
            ("Hold a user event each year", Goal.ENGAGEMENT),
        ]):  # fmt: skip
            clock.at = start + timedelta(hours=number + 1)
            due = (start + timedelta(days=rng.randint(200, 640))).astimezone(LONDON).date()
            items.append(network_services.item_create(actor=actor, plan=plan, title=title, goal=goal, due_on=due,
                                                      owner="Network analysts", at=clock.at))  # fmt: skip
        clock.at = start + timedelta(days=20)
        network_services.plan_publish(actor=actor, plan=plan, at=clock.at)
        for item in items:
            moments = sorted(rng.sample(range(40, 640, 20), 3))
            for step, days in enumerate(moments):
                clock.at = start + timedelta(days=days)
                status = [ItemStatus.IN_PROGRESS, ItemStatus.IN_PROGRESS, ItemStatus.COMPLETE][step]
                if step == 2 and rng.random() < 0.3:
                    status = ItemStatus.BLOCKED
                network_services.progress_update_add(
                    actor=actor, item=item, status=status, at=clock.at,
                    rag=RAG.get(status, Rag.AMBER),
                    note="Discussed at the network meeting; next steps agreed.",
                )  # fmt: skip


def _definitions(demo: Any, clock: Clock) -> None:
    """Measures whose definitions were agreed for shared use over the two years."""
    for number, (name, slug, producer) in enumerate([
        ("Delayed discharge", "delayed-discharge", "NHSE"),
        ("Cancer diagnosis at stage 1 or 2", "early-stage-cancer-diagnosis", "ONS"),
        ("Alcohol-specific death", "alcohol-specific-death", "OHID"),
    ]):  # fmt: skip
        clock.at = demo.now - timedelta(days=690 - number)
        measure = Measure.objects.create(name=name, slug=slug)
        definition = Definition(measure=measure, owner=demo.producers[producer], version="1",
                                text=f"The producer's working definition of {name.lower()}.")  # fmt: skip
        definition._history_user = demo.users["secretariat"]  # type: ignore[attr-defined]
        definition._change_reason = "Registered"  # type: ignore[attr-defined]
        definition.save()
        clock.at = demo.now - timedelta(days=560 - 150 * number)
        definition.is_harmonised = True
        definition._change_reason = "Agreed by the EHSSG for shared use"  # type: ignore[attr-defined]
        definition.save()


def _reports(demo: Any) -> int:
    """The last two ended quarters before the latest are issued; the latest is left as a draft, as it would be."""
    secretariat = demo.users["secretariat"]
    latest = Quarter.containing(demo.now).previous()
    made = 0
    for quarter in (latest.previous().previous(), latest.previous(), latest):
        report = services.report_draft(actor=secretariat, quarter=quarter, at=demo.now)
        made += 1
        if quarter == latest:
            continue
        report = services.report_update_commentary(actor=secretariat, report=report, commentary=COMMENTARY)
        services.report_issue(actor=secretariat, report=report, at=min(demo.now, quarter.ends_at + timedelta(days=20)))
    return made

"""Deterministic, realistic demo data: the real producers, topic networks, series, people in every role, and releases
in every state over the past six and next twelve months, played forward through the services so history is real.

Large sizes (for benchmarks) add the rest in bulk, with history rows, after the service-made core.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from coordination.flagging import flag_checks_deferred, flags_rescan
from coordination.models import AvoidDate
from ehssg.roles import OSR_GROUP, SECRETARIAT_GROUP, forget_roles
from networks import services as network_services
from networks.choices import ActivityKind, Goal, ItemStatus, Rag
from networks.models import TopicNetwork
from releases import services
from releases.choices import Designation, Frequency, Geography, Precision, ProducerRole, State
from releases.models import RELEASE_UID_NAMESPACE, Definition, Measure, Producer, ProducerMembership, Release
from releases.models import ReleaseSeries as Series
from releases.rules import is_working_day
from releases.schedule import LONDON, Schedule

SERVICE_CORE = 300  # releases played through the services; a larger register adds the rest in bulk
SCAN_LIMIT = 2000  # larger benchmark registers skip the rescan here: run `manage.py scan_flags` when wanted
OVERDUE_WITHIN = timedelta(days=30)  # a release left overdue for longer than this would have been chased
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed for a local demo only, never used in production

# What ``build`` reports as it goes: (step number from 1, of how many steps, what, done, out of). The command draws it.
Progress = Callable[[int, int, str, int, int], None]
STEPS = ["people, producers and series", "releases through the services", "releases in bulk", "network plans",
         "two years of history", "the Health Data Lab", "flag rescan"]  # fmt: skip


def _no_progress(_step: int, _steps: int, _what: str, _done: int, _total: int) -> None:
    return None


PRODUCERS = [
    ("Office for National Statistics", "ONS", "ons", "https://www.ons.gov.uk/"),
    ("NHS England", "NHSE", "nhs-england", "https://www.england.nhs.uk/"),
    ("UK Health Security Agency", "UKHSA", "ukhsa", "https://www.gov.uk/government/organisations/uk-health-security-agency"),
    ("Department of Health and Social Care", "DHSC", "dhsc", "https://www.gov.uk/government/organisations/department-of-health-and-social-care"),
    ("Office for Health Improvement and Disparities", "OHID", "ohid", "https://www.gov.uk/government/organisations/office-for-health-improvement-and-disparities"),
    ("NHS Business Services Authority", "NHSBSA", "nhsbsa", "https://www.nhsbsa.nhs.uk/"),
    ("Care Quality Commission", "CQC", "cqc", "https://www.cqc.org.uk/"),
]  # fmt: skip

NETWORKS = [
    ("Urgent and emergency care", "urgent-and-emergency-care", ["NHSE", "ONS", "DHSC"]),
    ("Cancer", "cancer", ["NHSE", "ONS", "OHID"]),
    ("Mental health", "mental-health", ["NHSE", "OHID", "NHSBSA", "CQC"]),
    ("Alcohol", "alcohol", ["OHID", "ONS"]),
    ("Social care", "social-care", ["DHSC", "CQC", "ONS"]),
    ("Workforce", "workforce", ["NHSE", "DHSC"]),
    ("Population health", "population-health", ["ONS", "UKHSA", "OHID"]),
]

# title, producer, networks, frequency, designation
SERIES = [
    ("A&E attendances and emergency admissions", "NHSE", ["urgent-and-emergency-care"], Frequency.MONTHLY, Designation.ACCREDITED),
    ("Ambulance quality indicators", "NHSE", ["urgent-and-emergency-care"], Frequency.MONTHLY, Designation.ACCREDITED),
    ("Hospital admissions for emergency conditions", "ONS", ["urgent-and-emergency-care"], Frequency.MONTHLY, Designation.OFFICIAL),
    ("Cancer waiting times", "NHSE", ["cancer"], Frequency.MONTHLY, Designation.ACCREDITED),
    ("Cancer registration statistics, England", "ONS", ["cancer"], Frequency.ANNUAL, Designation.ACCREDITED),
    ("Cancer survival in England", "OHID", ["cancer"], Frequency.ANNUAL, Designation.OFFICIAL),
    ("Mental health services monthly statistics", "NHSE", ["mental-health"], Frequency.MONTHLY, Designation.ACCREDITED),
    ("Medicines used in mental health", "NHSBSA", ["mental-health"], Frequency.QUARTERLY, Designation.OFFICIAL),
    ("Mental health care provider ratings", "CQC", ["mental-health"], Frequency.QUARTERLY, Designation.IN_DEVELOPMENT),
    ("Alcohol-specific deaths in the UK", "ONS", ["alcohol"], Frequency.ANNUAL, Designation.ACCREDITED),
    ("Local alcohol profiles for England", "OHID", ["alcohol"], Frequency.QUARTERLY, Designation.OFFICIAL),
    ("Adult social care activity and finance", "DHSC", ["social-care"], Frequency.ANNUAL, Designation.ACCREDITED),
    ("Adult social care workforce indicators", "DHSC", ["social-care", "workforce"], Frequency.MONTHLY, Designation.IN_DEVELOPMENT),
    ("Care home inspections and ratings", "CQC", ["social-care"], Frequency.MONTHLY, Designation.MANAGEMENT_INFORMATION),
    ("NHS workforce statistics", "NHSE", ["workforce"], Frequency.MONTHLY, Designation.ACCREDITED),
    ("NHS sickness absence rates", "NHSE", ["workforce"], Frequency.MONTHLY, Designation.OFFICIAL),
    ("Health state life expectancies", "ONS", ["population-health"], Frequency.ANNUAL, Designation.ACCREDITED),
    ("Weekly deaths registered in England and Wales", "ONS", ["population-health"], Frequency.WEEKLY, Designation.OFFICIAL),
    ("Seasonal flu vaccine uptake in GP patients", "UKHSA", ["population-health"], Frequency.MONTHLY, Designation.OFFICIAL),
    ("Childhood vaccination coverage (COVER)", "UKHSA", ["population-health"], Frequency.QUARTERLY, Designation.OFFICIAL),
    ("Prescription cost analysis", "NHSBSA", ["population-health"], Frequency.ANNUAL, Designation.ACCREDITED),
    ("Smoking prevalence in adults", "OHID", ["population-health", "cancer"], Frequency.ANNUAL, Designation.OFFICIAL),
]  # fmt: skip

USERS = [
    # username, first, last, producer role or None, extra
    ("nhse.editor", "Priya", "Shah", ("NHSE", ProducerRole.EDITOR), None),
    ("nhse.hop", "Gareth", "Jones", ("NHSE", ProducerRole.HOP), None),
    ("ons.editor", "Aisha", "Okafor", ("ONS", ProducerRole.EDITOR), None),
    ("ons.hop", "Fiona", "Campbell", ("ONS", ProducerRole.HOP), None),
    ("ukhsa.editor", "Tom", "Nguyen", ("UKHSA", ProducerRole.EDITOR), None),
    ("network.lead", "Hannah", "Price", None, "lead"),
    ("secretariat", "Olu", "Adeyemi", None, SECRETARIAT_GROUP),
    ("osr.viewer", "Marta", "Kowalska", None, OSR_GROUP),
]
# The other networks' leads: named on the public pages, but with no password (they do not sign in to the demo).
OTHER_LEADS = {
    "mental-health": ("Kate", "Wilson"), "alcohol": ("Imran", "Hussain"), "social-care": ("Ruth", "Davies"),
    "workforce": ("Daniel", "Osei"), "population-health": ("Emma", "Clarke"),
}  # fmt: skip
STATISTICIANS = ["Alex Morgan", "Jo Patel", "Sam Reid", "Chris Evans", "Nadia Rahman", "Ben Clarke", "Laura Hughes"]
CANCEL_REASONS = [
    "The data supplier could not provide complete figures in time; the statistics will be included in the next release.",
    "Merged into the quarterly release to reduce duplication across producers.",
    "A system change at source means the figures cannot be produced to the required quality.",
]
CHANGE_REASONS = [
    "Late submission of data from several trusts needs further quality assurance.",
    "Moved to align with the related NHS England release, as agreed in the topic network.",
    "An error found in the source data is being corrected before publication.",
]


@dataclass
class Demo:
    rng: random.Random
    now: datetime
    producers: dict[str, Producer] = field(default_factory=dict)
    networks: dict[str, TopicNetwork] = field(default_factory=dict)
    series: list[Series] = field(default_factory=list)
    users: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    progress: Progress = _no_progress
    current: int = 0
    left_overdue: bool = False
    hashed_password: str = ""  # the demo password, hashed once (each hash takes a second of CPU on purpose)

    def step(self, number: int, done: int = 0, total: int = 0) -> None:
        """Say which step is under way (``len(STEPS) + 1`` when all are done), and how far into it."""
        self.current = number
        what = STEPS[number - 1] if number <= len(STEPS) else "done"
        self.progress(min(number, len(STEPS) + 1), len(STEPS), what, done, total)

    def tick(self, done: int, total: int) -> None:
        self.step(self.current, done, total)

    def editor_for(self, producer: Producer) -> Any:
        editor = {"NHSE": "nhse.editor", "ONS": "ons.editor", "UKHSA": "ukhsa.editor"}.get(producer.abbreviation)
        return self.users[editor] if editor else self.users["secretariat.proxy"]

    def hop_for(self, producer: Producer) -> Any:
        hop = {"NHSE": "nhse.hop", "ONS": "ons.hop"}.get(producer.abbreviation)
        return self.users[hop] if hop else self.users["secretariat.proxy"]

    def summary_of(self, series: Series) -> str:
        """The demo's summary wording, for progress/demo.py (which builds on the register, not on this app)."""
        return summary_of(series)


def _working_day(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def build(
    *, releases: int, seed: int, scan: bool = True, lab: bool = True, progress: Progress | None = None
) -> dict[str, int]:
    rng = random.Random(seed)
    now = timezone.now().replace(microsecond=0)
    demo = Demo(rng=rng, now=now, progress=progress or _no_progress)
    with transaction.atomic():
        demo.step(1)
        _reference(demo)
        demo.step(2)
        # Nothing here reads flags: one rescan when the register is made, not an on-save check per write.
        with flag_checks_deferred():
            made = _releases_through_services(demo, min(releases, SERVICE_CORE))
        demo.step(3)
        if releases > SERVICE_CORE:
            _bulk_releases(demo, releases - made)
        demo.step(4)
        _network_records(demo)
        # Two years of history and the quarterly progress reports to OSR (progress/demo.py).
        from progress.demo import build_history

        demo.step(5)
        demo.counts.update(build_history(demo, releases=releases))
        demo.step(6)
        if lab:
            # The Health Data Lab: its extract, charities, people and requests (sampledata/datalab_demo.py).
            from .datalab_demo import build_lab

            demo.counts.update(build_lab(demo))
        # The demo plays two years of changes in a moment (the lab's report releases too): they are its past, not
        # news, so the made-up subscribers are e-mailed about none of them (the outbox events stay, marked handled).
        from alerts.models import Event

        Event.objects.filter(fanned_out_at__isnull=True).update(fanned_out_at=now)
    demo.step(7)
    if scan and releases <= SCAN_LIMIT:
        flags_rescan()
    demo.step(len(STEPS) + 1)
    demo.counts["releases"] = Release.objects.count()
    return demo.counts


def set_demo_password(user: Any, hashed: str) -> None:
    """Give a demo person the demo password, hashed once for all of them."""
    user.password = hashed
    user.save(update_fields=["password"])


def _reference(demo: Demo) -> None:
    User = get_user_model()
    # Hashed once for everyone who signs in with it (the lab's people too): each hash is deliberately slow (a second or more of CPU on
    # a busy machine), and they all share the one demo password anyway.
    hashed = demo.hashed_password = make_password(DEMO_PASSWORD)
    for name, abbreviation, slug, website in PRODUCERS:
        demo.producers[abbreviation] = Producer.objects.create(name=name, abbreviation=abbreviation, slug=slug,
                                                               website=website)  # fmt: skip
    for name, slug, members in NETWORKS:
        network = TopicNetwork.objects.create(name=name, slug=slug, description=f"Statistics producers working on {name.lower()}.")
        network.member_producers.set([demo.producers[m] for m in members])
        demo.networks[slug] = network
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in (SECRETARIAT_GROUP, OSR_GROUP)}
    for username, first, last, producer_role, extra in USERS:
        user = User.objects.create_user(username=username, email=f"{username}@example.org", password=None,
                                        first_name=first, last_name=last)  # fmt: skip
        set_demo_password(user, hashed)
        if producer_role:
            ProducerMembership.objects.create(user=user, producer=demo.producers[producer_role[0]], role=producer_role[1])
        if extra == "lead":
            demo.networks["urgent-and-emergency-care"].leads.add(user)
            demo.networks["cancer"].leads.add(user)
        elif extra:
            user.groups.add(groups[extra])
        demo.users[username] = user
    for slug, (first, last) in OTHER_LEADS.items():
        lead = User.objects.create_user(username=f"lead.{slug}", email=f"lead.{slug}@example.org", password=None,
                                        first_name=first, last_name=last)  # fmt: skip
        demo.networks[slug].leads.add(lead)
    # Producers without a named demo person still need someone to act for them while the demo plays history.
    proxy = User.objects.create_user(username="demo.producer", email="demo.producer@example.org",
                                     password=None, first_name="Demo", last_name="Producer")  # fmt: skip
    set_demo_password(proxy, hashed)
    for producer in demo.producers.values():
        ProducerMembership.objects.get_or_create(user=proxy, producer=producer, role=ProducerRole.EDITOR)
        ProducerMembership.objects.get_or_create(user=proxy, producer=producer, role=ProducerRole.HOP)
    demo.users["secretariat.proxy"] = proxy
    admin = User.objects.create_superuser(username="admin", email="admin@example.org", password=None)
    set_demo_password(admin, hashed)
    demo.users["admin"] = admin
    for user in demo.users.values():
        forget_roles(user)
    for title, abbreviation, network_slugs, frequency, designation in SERIES:
        series = Series.objects.create(title=title, slug=f"{abbreviation.lower()}-{_slug(title)}",
                                       frequency=frequency, designation=designation)  # fmt: skip
        series.producers.set([demo.producers[abbreviation]])
        series.networks.set([demo.networks[s] for s in network_slugs])
        demo.series.append(series)
    ambulance = demo.series[1]
    ambulance.alternative_release_time = time(16, 0)
    ambulance.alternative_time_approved_on = date(2025, 4, 1)
    ambulance.alternative_time_reference = "OSR/ATR/2025/014"
    ambulance.save()
    measure = Measure.objects.create(name="Emergency admission", slug="emergency-admission")
    nhse_def = Definition.objects.create(measure=measure, owner=demo.producers["NHSE"], version="3",
                                         text="An admission that was not planned, recorded with admission method 21-28.",
                                         is_harmonised=True)  # fmt: skip
    ons_def = Definition.objects.create(measure=measure, owner=demo.producers["ONS"], version="1",
                                        text="Any unplanned admission to hospital, including transfers.")  # fmt: skip
    demo.series[0].definitions.set([nhse_def])
    demo.series[2].definitions.set([ons_def])
    budget = _working_day(demo.now.date() + timedelta(days=120))
    AvoidDate.objects.create(starts_on=budget, ends_on=budget, reason="Spring Budget statement")
    demo.counts.update(producers=len(demo.producers), networks=len(demo.networks), series=len(demo.series))


def in_sentence(title: str) -> str:
    """A series title inside a sentence: the first word lower-cased only when it is an ordinary word, so acronyms
    keep their capitals ("A&E", "NHS", "GP") and proper nouns after it are left alone."""
    first, _, rest = title.partition(" ")
    if first[:1].isupper() and first[1:].islower():
        first = first.lower()
    return f"{first} {rest}".strip()


def summary_of(series: Series) -> str:
    """A demo release's summary: "Monthly A&E attendances and emergency admissions for England."."""
    return f"{series.get_frequency_display()} {in_sentence(series.title)} for England."


def _slug(text: str) -> str:
    from django.utils.text import slugify

    return slugify(text)[:80]


def _period(series: Series, month: date) -> tuple[date, date, str]:
    """A reference period before the release month, and its words for the title."""
    from releases.schedule import add_months, month_end

    if series.frequency == Frequency.QUARTERLY:
        start = add_months(month, -4)
        end = month_end(add_months(start, 2))
        return start, end, f"{start:%B} to {end:%B %Y}"
    if series.frequency in (Frequency.ANNUAL, Frequency.BIENNIAL):
        start = date(month.year - 1, 1, 1)
        return start, date(month.year - 1, 12, 31), str(month.year - 1)
    if series.frequency == Frequency.WEEKLY:
        end = month - timedelta(days=10)
        return end - timedelta(days=6), end, f"week ending {end.day} {end:%B %Y}"
    start = add_months(month, -2)
    return start, month_end(start), f"{start:%B %Y}"


def _cadence(demo: Demo, count: int) -> list[tuple[Series, int]]:
    """Release slots as producers plan them: each series on its own rhythm, from six months ago to a year ahead."""
    from releases.schedule import add_months

    today = demo.now.astimezone(LONDON).date()
    every = {Frequency.MONTHLY: 1, Frequency.WEEKLY: 1, Frequency.QUARTERLY: 3, Frequency.BIANNUAL: 6}
    slots: list[tuple[Series, int]] = []
    for months_ahead in range(-6, 13):
        month = add_months(today.replace(day=1), months_ahead)
        for position, series in enumerate(demo.series):
            step = every.get(Frequency(series.frequency), 12)
            if (month.month + position) % step:
                continue
            day = month + timedelta(days=(position * 3) % 25 + 2)
            slots.append((series, (day - today).days))
    demo.rng.shuffle(slots)
    return slots[:count]


def _releases_through_services(demo: Demo, count: int) -> int:
    rng, now = demo.rng, demo.now
    today = now.astimezone(LONDON).date()
    made = 0
    slots = _cadence(demo, count)
    for number, (series, offset) in enumerate(slots):
        demo.tick(number, len(slots))
        producer = series.producers.first()
        assert producer is not None  # noqa: S101 - every demo series has its producer
        editor, hop = demo.editor_for(producer), demo.hop_for(producer)
        day = _working_day(today + timedelta(days=offset))
        start, end, words = _period(series, day.replace(day=1))
        details = services.ReleaseDetails(
            title=f"{series.title}: {words}",
            summary=summary_of(series),
            lead_producer=producer,
            designation=series.designation,
            lead_statistician_name=rng.choice(STATISTICIANS),
            lead_statistician_email=f"statistics.{producer.slug}@example.org",
            series=series,
            networks=tuple(series.networks.all()),
            reference_period_start=start,
            reference_period_end=end,
            geography=Geography.ENGLAND,
            definitions=tuple(series.definitions.all()),
        )
        at_time = series.alternative_release_time or time(9, 30)
        exact = Schedule.exact_local(day, at_time)
        window = Schedule.window(day.replace(day=1), rng.choice([1, 1, 2]))
        announced_at = min(now, datetime.combine(day, time(12), tzinfo=LONDON) - timedelta(days=rng.randint(60, 200)))
        state_roll = rng.random()
        try:
            if offset > 50 and state_roll < 0.45:
                release = services.release_create(actor=editor, details=details, schedule=window, announce=True,
                                                  at=announced_at)  # fmt: skip
            elif offset > 0 and state_roll > 0.93:
                release = services.release_create(actor=editor, details=details, schedule=window, at=announced_at)
            else:
                release = services.release_create(actor=editor, details=details, schedule=window, announce=True,
                                                  at=announced_at)  # fmt: skip
                notice = rng.choice([35, 42, 56, 30, 21]) if offset > -150 else 40
                release_at = exact.release_at or now
                confirm_at: datetime = min(release_at - timedelta(days=notice), now - timedelta(minutes=5))
                if window.contains(release_at):
                    release = services.release_confirm(actor=editor, release=release, release_at=release_at,
                                                       at=confirm_at)  # fmt: skip
                    _maybe_move(demo, release, editor, hop, confirm_at, offset)
                    release.refresh_from_db()
                    _finish(demo, release, editor, offset)
            made += 1
        except Exception as error:  # noqa: BLE001 - a demo row the rules refuse is skipped, not fatal
            demo.counts["skipped"] = demo.counts.get("skipped", 0) + 1
            demo.counts.setdefault("first_skip", 0)
            if not demo.counts["first_skip"]:
                print(f"demo_data: skipped a release the rules refused: {error}")  # noqa: T201
                demo.counts["first_skip"] = 1
    _clashes_and_duplicates(demo)
    return made


def _maybe_move(demo: Demo, release: Release, editor: Any, hop: Any, confirmed_at: datetime, offset: int) -> None:
    rng = demo.rng
    if rng.random() > 0.12 or release.release_at is None:
        return
    ask_at = confirmed_at + timedelta(days=3)
    if ask_at >= demo.now:
        return
    new_day = _working_day(release.release_at.astimezone(LONDON).date() + timedelta(days=rng.choice([7, 14, -2])))
    new = Schedule.exact_local(new_day, release.release_at.astimezone(LONDON).time())
    if new.release_at is None or new.release_at <= ask_at or new.release_at == release.release_at:
        return
    change = services.release_request_change(actor=editor, release=release, schedule=new,
                                             reason=rng.choice(CHANGE_REASONS), at=ask_at)  # fmt: skip
    if rng.random() < 0.75 and ask_at + timedelta(days=1) < demo.now:
        services.release_agree_change(actor=hop, change=change, at=ask_at + timedelta(days=1))
    # otherwise the request waits for the Head of Profession, as some always do


def _finish(demo: Demo, release: Release, editor: Any, offset: int) -> None:
    """Publish, cancel or leave overdue the releases whose day has come."""
    rng = demo.rng
    if release.release_at is None:
        return
    if release.release_at < demo.now:
        roll = rng.random()
        if not demo.left_overdue and release.release_at > demo.now - OVERDUE_WITHIN:
            roll = 1.0  # one recent release is always left overdue: the producer pages' overdue filter shows it
        if roll < 0.9:
            services.release_publish(actor=editor, release=release,
                                     published_url=f"https://www.gov.uk/government/statistics/{release.slug}",
                                     at=release.release_at + timedelta(minutes=1))  # fmt: skip
        elif roll < 0.95:
            services.release_cancel(actor=editor, release=release, reason=rng.choice(CANCEL_REASONS),
                                    at=release.release_at - timedelta(days=2))  # fmt: skip
        else:
            demo.left_overdue = True  # as happens
    elif rng.random() < 0.04:
        services.release_cancel(actor=editor, release=release, reason=rng.choice(CANCEL_REASONS),
                                at=demo.now - timedelta(days=1))  # fmt: skip
    elif rng.random() < 0.25:
        services.prerelease_access_add(actor=editor, release=release, recipient_role="Secretary of State for Health and Social Care",
                                       organisation="Department of Health and Social Care",
                                       justification="To prepare the department's response on the day of release.",
                                       access_starts_at=release.release_at - timedelta(hours=rng.choice([3, 24])),
                                       at=demo.now)  # fmt: skip


def _clashes_and_duplicates(demo: Demo) -> None:
    """A cross-producer clash and a near-duplicate, as a network lead would meet them."""
    today = demo.now.astimezone(LONDON).date()
    day = _working_day(today + timedelta(days=60))
    uec = demo.networks["urgent-and-emergency-care"]
    for abbreviation, title in (("NHSE", "Emergency admissions in England: January 2027 update"),
                                ("ONS", "Emergency hospital admissions, England: January 2027")):  # fmt: skip
        producer = demo.producers[abbreviation]
        services.release_create(
            actor=demo.editor_for(producer), announce=True, at=demo.now - timedelta(days=5),
            schedule=Schedule.exact_local(day, time(9, 30)),
            details=services.ReleaseDetails(
                title=title, lead_producer=producer, designation=Designation.OFFICIAL, networks=(uec,),
                lead_statistician_name="Jo Patel", lead_statistician_email="jo.patel@example.org",
                reference_period_start=date(2027, 1, 1), reference_period_end=date(2027, 1, 31),
            ),
        )  # fmt: skip


def _bulk_releases(demo: Demo, count: int) -> None:
    """The rest of a large demo register, written in bulk with history rows (for benchmarks)."""
    rng, now = demo.rng, demo.now
    today = now.astimezone(LONDON).date()
    rows = []
    series_producers = {s.pk: s.producers.first() for s in demo.series}
    series_networks = {s.pk: list(s.networks.all()) for s in demo.series}
    for index in range(count):
        series = demo.series[index % len(demo.series)]
        offset = rng.randint(-180, 365)
        day = today + timedelta(days=offset)
        start, end, words = _period(series, day.replace(day=1))
        if offset < 0:
            state = State.PUBLISHED if rng.random() < 0.93 else State.CANCELLED
        else:
            state = rng.choice([State.CONFIRMED, State.CONFIRMED, State.PROVISIONAL, State.DRAFT])
        schedule = Schedule.window(day.replace(day=1)) if state in (State.PROVISIONAL, State.DRAFT) else (
            Schedule.exact_local(day, time(9, 30)))  # fmt: skip
        slug = f"{_slug(series.title)[:60]}-{words.replace(' ', '-').lower()}-{index}"
        rows.append(Release(
            uid=uuid.uuid5(RELEASE_UID_NAMESPACE, slug), slug=slug, title=f"{series.title}: {words}",
            summary=f"{series.get_frequency_display()} figures for England.", lead_producer=series_producers[series.pk],
            series=series, designation=series.designation, reference_period_start=start, reference_period_end=end,
            geography=Geography.ENGLAND, lead_statistician_name=rng.choice(STATISTICIANS),
            lead_statistician_email="statistics@example.org", state=state, precision=schedule.precision,
            release_at=schedule.release_at, starts_on=schedule.starts_on, ends_on=schedule.ends_on,
            announced_at=None if state == State.DRAFT else now - timedelta(days=200),
            confirmed_at=(schedule.release_at - timedelta(days=35)) if schedule.release_at else None,
            published_url="https://www.gov.uk/government/statistics/example" if state == State.PUBLISHED else "",
            published_at=schedule.release_at if state == State.PUBLISHED else None,
            cancellation_reason=rng.choice(CANCEL_REASONS) if state == State.CANCELLED else "",
            cancelled_at=now if state == State.CANCELLED else None, revised_at=now,
            sequence=0 if schedule.precision != Precision.EXACT else 1,
        ))  # fmt: skip
    created = bulk_create_with_history(rows, Release, batch_size=2000, default_user=demo.users["secretariat"],
                                       default_change_reason="Demo data (bulk)")  # fmt: skip
    if not created or created[0].pk is None:
        created = list(Release.objects.filter(slug__in=[r.slug for r in rows]).only("pk", "series_id"))
    through = Release.networks.through
    through.objects.bulk_create(
        [through(release_id=r.pk, topicnetwork_id=n.pk) for r in created for n in series_networks[r.series_id]],
        batch_size=5000,
    )


PROGRESS_NOTES = [
    "Discussed at the network meeting; producers agreed the next steps and owners.",
    "Draft shared with producers for comment; two sets of comments back so far.",
    "Waiting for a data supplier to confirm their timetable before we can move.",
    "Heads of Profession agreed the change; the calendar now shows the new dates.",
    "User feedback collected and summarised; it goes to the next network meeting.",
]
LESSONS = [
    ("Agree release days a quarter ahead",
     "Agreeing release days at the quarterly network meeting, before dates go into the calendar, avoided three "
     "clashes between related releases and took one short agenda item.", "dates, coordination"),
    ("Publish a joint glossary before changing definitions",
     "Users accepted a change to the definition of an emergency admission once a joint glossary explained the old "
     "and new definitions side by side, with a back series.", "definitions, users"),
    ("Ask users which release they actually use",
     "A five-question survey showed most users read only one of two overlapping monthly releases, which made the "
     "case to merge them.", "duplication, engagement"),
    ("Name one contact for joint releases",
     "Joint releases went more smoothly once one producer's lead statistician was named as the contact for "
     "journalists and users.", "joint releases, users"),
    ("Share pre-release lists early",
     "Sharing draft pre-release access lists between producers a week ahead kept joint releases within the "
     "24-hour limit.", "pre-release access, code of practice"),
    ("Keep a change log users can read",
     "Listing every date change with its reason, in plain words, cut the number of user queries about moved "
     "releases.", "dates, transparency"),
    ("Link records before harmonising",
     "Linking two producers' records on a shared identifier showed where counts really differed, and which "
     "differences were only definitions.", "data linkage, definitions"),
]
ACTIVITIES = [
    (ActivityKind.EVENT, "user day", "Users asked for related releases on one day and clearer definitions."),
    (ActivityKind.CONSULTATION, "consultation on release timing",
     "Most respondents preferred one combined monthly release at 9:30am on a Thursday."),
    (ActivityKind.SURVEY, "user survey", "Respondents rated the release calendar useful; many asked for alerts."),
    (ActivityKind.USER_FEEDBACK, "feedback from local authorities",
     "Local analysts asked for the same geography in every release of the network."),
    (ActivityKind.EVENT, "webinar on definitions", "Producers explained the harmonised definitions and took questions."),
]


def _network_records(demo: Demo) -> None:
    """Action plans, progress, lessons and engagement for each network, written through the network services."""
    rng, now = demo.rng, demo.now
    today = now.astimezone(LONDON).date()
    actor = demo.users["secretariat"]
    forget_roles(actor)
    for name, slug, _members in NETWORKS:
        network = demo.networks[slug]
        plan = network_services.plan_create(actor=actor, network=network, title=f"{name} action plan 2026 to 2027",
                                            summary=f"How the {name.lower()} network will join up its statistics.")  # fmt: skip
        for number, (title, goal) in enumerate([
            (f"Agree a shared release day for related {name.lower()} statistics", Goal.ALIGN_DATES),
            (f"Review overlapping {name.lower()} releases and retire duplicates", Goal.REMOVE_DUPLICATION),
            (f"Publish harmonised definitions for key {name.lower()} measures", Goal.HARMONISE),
            ("Run a user event and publish what we heard", Goal.ENGAGEMENT),
            ("Link datasets across producers with a data sharing agreement", Goal.DATA_SHARING),
        ]):  # fmt: skip
            item = network_services.item_create(actor=actor, plan=plan, title=title, goal=goal,
                                                owner=rng.choice(STATISTICIANS),
                                                due_on=today + timedelta(days=rng.randint(-60, 240)))  # fmt: skip
            status = rng.choice([ItemStatus.IN_PROGRESS, ItemStatus.COMPLETE, ItemStatus.NOT_STARTED,
                                 ItemStatus.BLOCKED, ItemStatus.IN_PROGRESS])  # fmt: skip
            if status != ItemStatus.NOT_STARTED:
                # One to three dated updates, the last one moving the action to its current status.
                steps = rng.randint(1, 3)
                days_ago = sorted(rng.sample(range(1, 150), steps), reverse=True)
                for step, ago in enumerate(days_ago):
                    now_status = status if step == steps - 1 else ItemStatus.IN_PROGRESS
                    network_services.progress_update_add(
                        actor=actor, item=item, status=now_status,
                        rag={ItemStatus.BLOCKED: Rag.RED, ItemStatus.COMPLETE: Rag.GREEN}.get(now_status, Rag.AMBER),
                        note=PROGRESS_NOTES[(number + step) % len(PROGRESS_NOTES)],
                        written_on=today - timedelta(days=ago),
                    )  # fmt: skip
        network_services.plan_publish(actor=actor, plan=plan)
        for title, text, tags in rng.sample(LESSONS, 2):
            network_services.lesson_record(actor=actor, network=network, title=title, text=text, tags=tags,
                                           recorded_on=today - timedelta(days=rng.randint(5, 700)))  # fmt: skip
        for kind, title, summary in rng.sample(ACTIVITIES, 3):
            network_services.activity_record(actor=actor, network=network, kind=kind, title=f"{name}: {title}",
                                             held_on=today - timedelta(days=rng.randint(5, 720)),
                                             people_reached=rng.randint(15, 400), summary=summary)  # fmt: skip

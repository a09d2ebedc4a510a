"""The Health Data Lab's part of the demo: a small synthetic national extract, three fictional charities, the lab's
people, and requests in every state a request reaches (and the turns off the usual path): before the analysis, then
analysed, checked, in factual review, scheduled on the release calendar and published in the reports catalogue.

Called by ``sampledata.demo.build`` inside its transaction. Everything is written through ``datalab.services`` with
``at=`` in the demo's past, so each request's audit trail reads as it happened (history rows are dated at the moment
played too: ``progress.demo.dated_history``). The organisations' cohorts are slices of the cohort the extract
generator plants, uploaded as a charity would send them; linking and deleting are the lab's system steps, taken here
at once instead of waiting for the worker (the link task queued by each upload finds its cohort already linked).
An analysis run is the worker's service called at once too (``services.analysis_execute``, dated in the past), and a
report is published by the publication sweep's service at its release time (``services.publish_due_reports``).

The extract is built under ``DATALAB_DATA_DIR`` with the key the uploads use (``load_key()``: in development the key
file the embedded settings create), in a folder named after the extract and a fingerprint of that key, so a later
demo load with the same key reuses it instead of building it again, and one made with another key is never used.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from datalab import services, store, tasks
from datalab.base_rates import compute_base_rates
from datalab.choices import AgeGroup, LawfulBasis, Measure, Outcome, SpecialCategoryCondition
from datalab.extract import COHORT_COLUMNS, CohortSpec, Extract, data_dir, default_name, generate_extract, private_dir
from datalab.models import DataLabRequest, Organisation
from datalab.pseudonymise import load_key, normalise_nhs_number, pseudonym
from datalab.states import Step
from ehssg.roles import LAB_ANALYST_GROUP, OUTPUT_CHECKER_GROUP, forget_roles
from progress.demo import Clock, dated_history
from releases.rules import is_working_day

from .demo import Demo, set_demo_password

# The extract: small enough to build in about a second, large enough for national base rates by age group.
EXTRACT_PERSONS = 30_000
EXTRACT_SEED = 2026  # one extract for every demo seed: a second load (or another seed) reuses it
COHORT_SIZE = 4_000
# The requests before the analysis draw from the cohort's first rows at the demo seed's random; those with a run from
# the rest, always the same people, so their runs pass balance whatever the seed (checked for the demo's extract).
BEFORE_ANALYSIS_ROWS = 2_000
COHORT_EFFECT = 0.8  # the organisations' people have a fifth fewer emergency admissions and A&E attendances after
EXTRACT_REGISTERED_DAYS_AGO = 240

UPLOAD = "upload"  # the organisation sends its cohort file (its audit trail says "cohort_received", then "link")
RUN = "run"  # the analyst asks for a run and the lab's worker runs it (the audit trail: "analysis_requested", then
# "record_analysis")
CORRECT = "correct"  # the organisation corrects its programme description in the factual review


@dataclass(frozen=True)
class Charity:
    """A fictional organisation (no registered charity number: any number would be a real charity's) and its person."""

    slug: str
    name: str
    username: str
    first_name: str
    last_name: str
    signatory: tuple[str, str]  # who signs its data sharing agreements: name, job title


CHARITIES = [
    Charity("hartley", "Hartley Befriending Trust", "charity.hartley", "Helen", "Marsh",
            ("Margaret Ellis", "Chief executive")),
    Charity("northgate", "Northgate Carers Network", "charity.northgate", "Dev", "Sharma",
            ("Peter Lawson", "Director")),
    Charity("stepsafe", "StepSafe Falls Prevention", "charity.stepsafe", "Grace", "Adebayo",
            ("Joan Whitfield", "Chair of trustees")),
]  # fmt: skip
# The lab's people: two analysts (a request is assigned one) and the output checker (never its analyst).
LAB_PEOPLE = [
    ("lab.analyst", "Rachel", "Lin", LAB_ANALYST_GROUP),
    ("lab.analyst2", "Kwame", "Mensah", LAB_ANALYST_GROUP),
    ("lab.checker", "Sofia", "Rossi", OUTPUT_CHECKER_GROUP),
]


def lab_users() -> list[tuple[str, str, str, str]]:
    """The lab's demo people who sign in: username, first name, last name, what they are (for the command's list)."""
    charities = [(c.username, c.first_name, c.last_name, f"member of {c.name}") for c in CHARITIES]
    return charities + [(username, first, last, group) for username, first, last, group in LAB_PEOPLE]


@dataclass(frozen=True)
class Story:
    """One request: its organisation, its application, the steps it has taken, and how long it has waited since."""

    charity: str
    application: dict[str, Any]
    path: tuple[str, ...]  # Step values in the order taken, and UPLOAD
    waiting: timedelta  # since its last step (or since it was started, for a draft)
    upload: int = 0  # rows of the planted cohort it sends, with index dates inside its delivery period
    lab: str = "lab.analyst"  # who checks its eligibility and opens its upload (an analyst assigns only themselves)
    analyst: str = "lab.analyst"  # the analyst assigned when the upload opens
    reasons: dict[str, str] = field(default_factory=dict)  # by step, where one is given
    corrected: str = ""  # the programme description the organisation's factual review puts in its place (CORRECT)


# Days between one step and the next, as they usually go (the link a few minutes after the upload).
GAPS = {
    Step.SUBMIT: timedelta(days=6), Step.CHECK_ELIGIBILITY: timedelta(days=8), Step.SIGN_AGREEMENT: timedelta(days=10),
    Step.OPEN_UPLOAD: timedelta(days=3), UPLOAD: timedelta(days=9), Step.MARK_FEASIBLE: timedelta(days=5),
    Step.MARK_NOT_FEASIBLE: timedelta(days=6), Step.LOCK_PROTOCOL: timedelta(days=7), Step.WITHDRAW: timedelta(days=12),
    Step.DELETE_DATA: timedelta(hours=1), Step.CLOSE: timedelta(days=3), RUN: timedelta(days=2),
    Step.APPROVE_OUTPUT: timedelta(days=3), Step.START_REVIEW: timedelta(days=2), CORRECT: timedelta(days=6),
    Step.SCHEDULE: timedelta(days=4), Step.PUBLISH: timedelta(days=33),
}  # fmt: skip
# Publication comes at 9:30am on the first working day 28 days or more after scheduling (a little after: the sweep
# runs every five minutes), so never more than the PUBLISH gap after it.
LINK_AFTER = timedelta(minutes=12)
RUN_TAKES = timedelta(minutes=3)
PUBLISH_AFTER = timedelta(minutes=4)

_CHECKED = (Step.SUBMIT, Step.CHECK_ELIGIBILITY)
_OPEN = (*_CHECKED, Step.SIGN_AGREEMENT, Step.OPEN_UPLOAD)
_LINKED = (*_OPEN, UPLOAD)
_ANALYSED = (*_LINKED, Step.MARK_FEASIBLE, Step.LOCK_PROTOCOL, RUN)
_IN_REVIEW = (*_ANALYSED, Step.APPROVE_OUTPUT, Step.START_REVIEW)
_SCHEDULED = (*_IN_REVIEW, CORRECT, Step.SCHEDULE)


def _application(
    name: str, description: str, who: str, age_group: AgeGroup, start: date, end: date, people: int,
    outcome: Outcome, measure: Measure = Measure.RATE, difference: float | None = None,
) -> dict[str, Any]:  # fmt: skip
    return {
        "programme_name": name, "programme_description": description, "who_it_helps": who, "age_group": age_group,
        "delivery_start": start, "delivery_end": end, "expected_people": people, "primary_outcome": outcome,
        "primary_measure": measure, "minimal_important_difference": difference,
        "lawful_basis": LawfulBasis.LEGITIMATE_INTERESTS,
        "special_category_condition": SpecialCategoryCondition.RESEARCH, "privacy_notice_confirmed": True,
    }  # fmt: skip


# Why a request is not feasible may quote its linkage: {analysable}, {submitted} and {minimum} are filled in.
TOO_FEW = (
    "The line helped {submitted} carers while it was open and {analysable} of them could be linked and followed up, "
    "but the lab needs at least {minimum} for a comparison it can stand behind. The line has since closed, so no more "
    "people can be added."
)

# Delivery periods leave a year of history before and a year and 90 days of follow-up after, inside the extract's
# coverage (1 April 2021 to 31 March 2025): first start dates from 1 April 2022, last by 31 December 2023.
STORIES = [
    Story("hartley", _application(
        "Telephone befriending pilot",
        "Trained volunteers phone people who live alone every week for six months, and help them join local groups.",
        "People aged 80 and over living alone, referred by their GP practice.",
        AgeGroup.ADULTS_80, date(2023, 5, 1), date(2023, 10, 31), 45, Outcome.EMERGENCY_ADMISSIONS,
    ), path=(), waiting=timedelta(days=9)),  # a draft too small to submit: the checks and the power say why
    Story("northgate", _application(
        "Carers' breaks and respite planning",
        "A carers' support worker helps each carer plan regular breaks and arranges replacement care for them.",
        "Unpaid adult carers of a partner or parent, most of them working age.",
        AgeGroup.ADULTS_40_64, date(2022, 10, 1), date(2023, 9, 30), 220, Outcome.AE_ATTENDANCES, Measure.FREQUENCY,
    ), path=(Step.SUBMIT,), waiting=timedelta(days=2)),
    Story("stepsafe", _application(
        "Strength and balance at home",
        "Twelve weeks of live online strength and balance classes, with a volunteer's home visit to set up the device.",
        "Housebound people aged 65 to 79 who have fallen in the past year.",
        AgeGroup.ADULTS_65_79, date(2023, 1, 1), date(2023, 12, 31), 180, Outcome.EMERGENCY_ADMISSIONS,
        difference=3.0,
    ), path=_CHECKED, waiting=timedelta(days=4), lab="secretariat"),
    Story("northgate", _application(
        "Young carers' wellbeing groups",
        "Fortnightly after-school groups and a named key worker for children who look after a family member.",
        "Young carers aged 8 to 17, referred by schools and social workers.",
        AgeGroup.CHILDREN, date(2022, 4, 1), date(2023, 3, 31), 140, Outcome.AE_ATTENDANCES,
    ), path=(*_CHECKED, Step.SIGN_AGREEMENT), waiting=timedelta(days=3)),
    Story("hartley", _application(
        "Befriending for people living with dementia",
        "A volunteer visits each week for a year, with support for the family carer and links to memory services.",
        "People aged 80 and over with a dementia diagnosis, living at home.",
        AgeGroup.ADULTS_80, date(2022, 9, 1), date(2023, 8, 31), 160, Outcome.BED_DAYS, Measure.FREQUENCY,
    ), path=_OPEN, waiting=timedelta(days=5), lab="secretariat", analyst="lab.analyst2"),
    Story("northgate", _application(
        "Carers' health checks and support plans",
        "A health and wellbeing check for the carer, a written support plan, and a follow-up call after three months.",
        "Adult carers caring for 20 hours a week or more.",
        AgeGroup.ADULTS_40_64, date(2023, 1, 1), date(2023, 12, 31), 300, Outcome.AE_ATTENDANCES,
    ), path=_LINKED, waiting=timedelta(days=1), upload=260, lab="lab.analyst2", analyst="lab.analyst2"),
    Story("stepsafe", _application(
        "Strength and balance classes",
        "Community classes twice a week for 24 weeks, following the FaME programme, led by trained instructors.",
        "People aged 65 to 79 at risk of falling, referred by GPs, physiotherapists and falls clinics.",
        AgeGroup.ADULTS_65_79, date(2022, 9, 1), date(2023, 8, 31), 350, Outcome.EMERGENCY_ADMISSIONS,
        difference=2.5,
    ), path=(*_LINKED, Step.MARK_FEASIBLE), waiting=timedelta(days=2), upload=320),
    Story("hartley", _application(
        "Home from hospital befriending",
        "Volunteers visit older people at home in the six weeks after they leave hospital: shopping, prescriptions, "
        "company, and a call to the GP practice when something is wrong.",
        "People aged 65 and over living alone after a hospital stay.",
        AgeGroup.ADULTS_65_79, date(2022, 4, 1), date(2023, 3, 31), 650, Outcome.EMERGENCY_ADMISSIONS,
        difference=3.0,
    ), path=(*_LINKED, Step.MARK_FEASIBLE, Step.LOCK_PROTOCOL), waiting=timedelta(days=3), upload=600),
    Story("northgate", _application(
        "Hospital discharge carers' line",
        "A phone line for carers in the week their relative comes home from hospital, open evenings and weekends.",
        "Carers of adults discharged from the local acute trust.",
        AgeGroup.ADULTS_40_64, date(2023, 4, 1), date(2023, 9, 30), 75, Outcome.EMERGENCY_ADMISSIONS,
    ), path=(*_LINKED, Step.MARK_NOT_FEASIBLE), waiting=timedelta(minutes=40), upload=58, lab="lab.analyst2",
        analyst="lab.analyst2", reasons={Step.MARK_NOT_FEASIBLE: TOO_FEW}),
    Story("stepsafe", _application(
        "Falls awareness talks in sheltered housing",
        "A one-hour talk on preventing falls, with a home hazard checklist, given in sheltered housing schemes.",
        "Residents of sheltered housing, most of them aged 80 and over.",
        AgeGroup.ADULTS_80, date(2022, 6, 1), date(2023, 5, 31), 400, Outcome.EMERGENCY_ADMISSIONS,
    ), path=(*_CHECKED, Step.WITHDRAW), waiting=timedelta(days=6), reasons={
        Step.WITHDRAW: "Our trustees have stopped the talks and put the money into the strength and balance classes, "
                       "which we have already asked the lab to evaluate.",
    }),  # fmt: skip
    Story("stepsafe", _application(
        "Falls recovery at home",
        "A physiotherapist and a volunteer visit people at home after a fall, for up to eight weeks.",
        "People aged 65 and over who called an ambulance after a fall but were not admitted.",
        AgeGroup.ADULTS_65_79, date(2022, 4, 1), date(2022, 12, 31), 160, Outcome.BED_DAYS, Measure.FREQUENCY,
    ), path=(*_LINKED, Step.WITHDRAW, Step.DELETE_DATA), waiting=timedelta(days=1), upload=150, reasons={
        Step.WITHDRAW: "The local authority has commissioned a university to evaluate the same service, and our "
                       "trustees do not want two evaluations of one programme.",
    }),  # fmt: skip
    Story("hartley", _application(
        "Hospital-to-home volunteer drivers",
        "Volunteer drivers take people home from hospital and settle them in, with a welfare call the next day.",
        "Older people leaving hospital with no one to collect them.",
        AgeGroup.ADULTS_80, date(2023, 6, 1), date(2023, 12, 31), 150, Outcome.EMERGENCY_ADMISSIONS,
    ), path=(*_LINKED, Step.MARK_NOT_FEASIBLE, Step.DELETE_DATA, Step.CLOSE), waiting=timedelta(days=20), upload=140,
        reasons={
        Step.MARK_NOT_FEASIBLE: "Everyone was driven home straight after a hospital stay, so the people helped had "
                                "all just been admitted: the lab cannot find a comparable group who were not helped, "
                                "and any comparison of admissions afterwards would mislead.",
        Step.CLOSE: "The person-level data was deleted (the certificate is on record) and the trust was told why the "
                    "lab could not answer its question.",
    }),  # fmt: skip
    # After the protocol: a finished run waiting for the output checker (never its analyst), one in factual review,
    # one announced on the release calendar, and two published reports (the catalogue's forest plot has two rows).
    Story("northgate", _application(
        "Carers' emergency planning",
        "A support worker helps each carer write an emergency plan, so that someone known steps in if the carer is "
        "taken ill, and shares it with the GP practice.",
        "Adult carers of someone who could not be left alone, referred by GP practices.",
        AgeGroup.ADULTS_40_64, date(2022, 10, 1), date(2023, 9, 30), 400, Outcome.EMERGENCY_ADMISSIONS,
    ), path=_ANALYSED, waiting=timedelta(days=1), upload=350, lab="lab.analyst2", analyst="lab.analyst2"),
    Story("hartley", _application(
        "Good neighbours scheme",
        "Volunteers who live nearby call in twice a week on older people who live alone, and help with small jobs.",
        "People aged 65 to 79 living alone, referred by GP practices and social workers.",
        AgeGroup.ADULTS_65_79, date(2022, 7, 1), date(2023, 6, 30), 400, Outcome.AE_ATTENDANCES, Measure.FREQUENCY,
    ), path=_IN_REVIEW, waiting=timedelta(days=2), upload=350),
    Story("stepsafe", _application(
        "Falls prevention exercise after a fracture",
        "A physiotherapist's twelve-week home exercise plan after a fragility fracture, with a volunteer who calls "
        "each week to keep people going.",
        "People aged 65 to 79 discharged from hospital after a fragility fracture.",
        AgeGroup.ADULTS_65_79, date(2022, 11, 1), date(2023, 10, 31), 400, Outcome.EMERGENCY_ADMISSIONS,
        difference=3.0,
    ), path=_SCHEDULED, waiting=timedelta(days=1), upload=350, lab="lab.analyst2", analyst="lab.analyst2",
        reasons={CORRECT: "The description left out the volunteer's weekly call, which is part of the programme."},
        corrected="A physiotherapist's twelve-week home exercise plan after a fragility fracture, with a trained "
                  "volunteer who calls each week to keep people going and tells the physiotherapist of any fall."),
    Story("hartley", _application(
        "Community befriending circles",
        "Weekly small groups in community centres for older people who live alone, with transport there and back.",
        "People aged 65 to 79 living alone and at risk of loneliness, referred by GP practices.",
        AgeGroup.ADULTS_65_79, date(2022, 4, 1), date(2023, 3, 31), 400, Outcome.EMERGENCY_ADMISSIONS,
        difference=3.0,
    ), path=(*_SCHEDULED, Step.PUBLISH), waiting=timedelta(days=2), upload=350,
        reasons={CORRECT: "The groups run in church halls as well as community centres."},
        corrected="Weekly small groups in community centres and church halls for older people who live alone, with "
                  "transport there and back."),
    Story("northgate", _application(
        "Carers' planned breaks",
        "Short planned breaks for carers, with replacement care booked and paid for by the network.",
        "Adult carers of a partner or parent with a long-term condition.",
        AgeGroup.ADULTS_40_64, date(2023, 1, 1), date(2023, 12, 31), 280, Outcome.ELECTIVE_ADMISSIONS,
    ), path=(*_SCHEDULED, Step.PUBLISH), waiting=timedelta(days=9), upload=250, lab="lab.analyst2",
        analyst="lab.analyst2",
        reasons={CORRECT: "The breaks are booked by the network, not by the carers themselves."},
        corrected="Short planned breaks for carers, with replacement care booked, arranged and paid for by the "
                  "network."),
]
@dataclass
class Lab:
    """What the stories are played with: the demo's clock and people, the extract, the cohort rows not yet sent."""

    now: datetime
    rng: random.Random
    clock: Clock
    users: dict[str, Any]
    organisations: dict[str, Organisation]
    pool: list[dict[str, str]]
    analysed_pool: list[dict[str, str]]
    made: list[DataLabRequest] = field(default_factory=list)


def build_lab(demo: Demo) -> dict[str, int]:
    """Add the lab to the demo (``demo`` is ``sampledata.demo.Demo``): its extract, people, charities and requests."""
    started = perf_counter()
    extract, built = demo_extract()
    # The lab opened some months ago: its extract, people and charities (their history rows dated then).
    clock = Clock(at=demo.now - timedelta(days=EXTRACT_REGISTERED_DAYS_AGO))
    pool = cohort_pool(extract)
    with dated_history(clock):
        registered = services.extract_register(folder=extract.path, manifest=extract.manifest,
                                               base_rates=compute_base_rates(extract.path), at=clock.at)  # fmt: skip
        lab = Lab(
            now=demo.now, rng=random.Random(demo.rng.random()), clock=clock,  # noqa: S311 - seeded demo data
            users={"secretariat": demo.users["secretariat"], **_people(demo.hashed_password)},
            organisations=_organisations(), pool=pool[:BEFORE_ANALYSIS_ROWS], analysed_pool=pool[BEFORE_ANALYSIS_ROWS:],
        )  # fmt: skip
        try:
            for number, story in enumerate(STORIES):
                demo.tick(number, len(STORIES))
                _play(lab, story)
        except BaseException:
            # The database rolls back; the request folders written meanwhile must not outlive it.
            for request in lab.made:
                store.delete_request_data(request.reference)
            raise
    return {
        "datalab_charities": len(CHARITIES), "datalab_requests": len(lab.made), "datalab_persons": registered.persons,
        "datalab_extract_built": int(built), "datalab_milliseconds": round(1000 * (perf_counter() - started)),
    }  # fmt: skip


# --- the extract ------------------------------------------------------------------------------------------------------


def demo_folder(key: bytes) -> Path:
    """Where the demo's extract made with ``key`` lives: a keyed fingerprint tells extracts of different keys apart
    (it says nothing about the key)."""
    name = f"demo-{default_name(EXTRACT_PERSONS, EXTRACT_SEED)}-c{COHORT_SIZE}-{pseudonym(key, 'demo')[:12]}"
    return data_dir() / "extracts" / name


def demo_extract() -> tuple[Extract, bool]:
    """The demo's extract and whether it was built now: an earlier one made with the same key is used as it is.

    A new one is written to a temporary folder and renamed into place, so an interrupted build is never reused (the
    manifest is the generator's last file, and the rename comes after it)."""
    key = load_key()
    folder = demo_folder(key)
    if (folder / "manifest.json").exists():
        return _existing(folder), False
    private_dir(data_dir())  # the lab's folder, as well as its extracts, is the lab's alone
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=private_dir(folder.parent)))
    try:
        cohort = CohortSpec(COHORT_SIZE, COHORT_EFFECT)
        generate_extract(EXTRACT_PERSONS, EXTRACT_SEED, building, cohort=cohort, key=key)
        os.replace(building, folder)
    except OSError:
        if not (folder / "manifest.json").exists():  # not another load finishing the same extract first
            raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return _existing(folder), True


def _existing(folder: Path) -> Extract:
    manifest = json.loads((folder / "manifest.json").read_text())
    return Extract(path=folder, manifest=manifest, cohort_csv=folder / "cohort" / "cohort.csv")


def cohort_pool(extract: Extract) -> list[dict[str, str]]:
    """The planted cohort's rows as the organisations send them: the upload refuses a file with any invalid NHS
    number, so the rows with a mistyped one are left out (those with none stay: they link on the fallback)."""
    assert extract.cohort_csv is not None  # noqa: S101 - the demo's extract always has its cohort
    with extract.cohort_csv.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [row for row in rows if not row["nhs_number"] or normalise_nhs_number(row["nhs_number"])]


def _cohort_file(lab: Lab, story: Story) -> bytes:
    """``story.upload`` rows not sent before whose index dates fall in its delivery period, as a CSV file."""
    start, end = story.application["delivery_start"].isoformat(), story.application["delivery_end"].isoformat()
    analysed = RUN in story.path
    pool = lab.analysed_pool if analysed else lab.pool
    fits = [row for row in pool if start <= row["index_date"] <= end]
    rng = random.Random(f"{EXTRACT_SEED}-{story.application['programme_name']}") if analysed else lab.rng  # noqa: S311
    chosen = rng.sample(fits, min(story.upload, len(fits)))
    taken = {id(row) for row in chosen}
    if analysed:
        lab.analysed_pool = [row for row in pool if id(row) not in taken]
    else:
        lab.pool = [row for row in pool if id(row) not in taken]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COHORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(sorted(chosen, key=lambda row: row["index_date"]))
    return out.getvalue().encode()


# --- people and organisations -----------------------------------------------------------------------------------------


def _people(hashed_password: str) -> dict[str, Any]:
    User = get_user_model()
    people: dict[str, Any] = {}
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in (LAB_ANALYST_GROUP, OUTPUT_CHECKER_GROUP)}
    rows: list[tuple[str, str, str, str | None]] = [(c.username, c.first_name, c.last_name, None) for c in CHARITIES]
    rows += LAB_PEOPLE
    for username, first, last, group in rows:
        user = User.objects.create_user(username=username, email=f"{username}@example.org", password=None,
                                        first_name=first, last_name=last)  # fmt: skip
        set_demo_password(user, hashed_password)
        if group:
            user.groups.add(groups[group])
            forget_roles(user)
        people[username] = user
    return people


def _organisations() -> dict[str, Organisation]:
    User = get_user_model()
    found = {}
    for charity in CHARITIES:
        organisation = Organisation(name=charity.name, slug=charity.slug)
        organisation.full_clean()
        organisation._change_reason = "Demo organisation"  # type: ignore[attr-defined]
        organisation.save()
        # A new organisation has published nothing: a ledger an earlier demo load left under its number goes.
        store.ledger_path(organisation.pk).unlink(missing_ok=True)
        member = User.objects.get(username=charity.username)
        organisation.members.add(member)
        forget_roles(member)
        found[charity.slug] = organisation
    return found


# --- the requests -----------------------------------------------------------------------------------------------------


def _play(lab: Lab, story: Story) -> DataLabRequest:
    """Start the request as long ago as its steps took, then take each step at its time, through the services."""
    at = lab.now - story.waiting - sum((GAPS[step] for step in story.path), timedelta())
    charity = next(c for c in CHARITIES if c.slug == story.charity)
    lab.clock.at = at
    request = services.request_create(actor=lab.users[charity.username], organisation=lab.organisations[charity.slug],
                                      at=at, **story.application)  # fmt: skip
    lab.made.append(request)
    for step in story.path:
        at += GAPS[step]
        lab.clock.at = at
        STEPS[step](lab, story, request, at)
    request.refresh_from_db()
    return request


def _charity_user(lab: Lab, story: Story) -> Any:
    return lab.users[next(c.username for c in CHARITIES if c.slug == story.charity)]


def _submit(lab: Lab, story: Story, request: DataLabRequest, at: datetime) -> None:
    services.request_submit(actor=_charity_user(lab, story), request=request, at=at)


def _check(lab: Lab, story: Story, request: DataLabRequest, at: datetime) -> None:
    services.request_check_eligibility(actor=lab.users[story.lab], request=request, at=at)


def _sign(lab: Lab, story: Story, request: DataLabRequest, at: datetime) -> None:
    name, role = next(c.signatory for c in CHARITIES if c.slug == story.charity)
    services.agreement_sign(actor=_charity_user(lab, story), request=request, signatory_name=name,
                            signatory_role=role, accepted=True, at=at)  # fmt: skip


def _open(lab: Lab, story: Story, request: DataLabRequest, at: datetime) -> None:
    services.request_open_upload(actor=lab.users[story.lab], request=request, analyst=lab.users[story.analyst],
                                 output_checker=lab.users["lab.checker"], at=at)  # fmt: skip


def _upload(lab: Lab, story: Story, request: DataLabRequest, at: datetime) -> None:
    upload = services.cohort_upload(actor=_charity_user(lab, story), request=request, filename="cohort.csv",
                                    data=_cohort_file(lab, story), at=at)  # fmt: skip
    lab.clock.at = at + LINK_AFTER
    services.cohort_link(upload_id=upload.pk, task=tasks.LINK_TASK, at=at + LINK_AFTER)


def _feasible(lab: Lab, story: Story, request: DataLabRequest, at: datetime) -> None:
    services.request_mark_feasible(actor=lab.users[story.analyst], request=request, at=at)


def _not_feasible(lab: Lab, story: Story, request: DataLabRequest, at: datetime) -> None:
    request.refresh_from_db()
    reason = story.reasons[Step.MARK_NOT_FEASIBLE].format(
        analysable=request.linkage["analysable"], submitted=request.linkage["submitted"],
        minimum=settings.DATALAB_MIN_PEOPLE,
    )  # fmt: skip
    services.request_mark_not_feasible(actor=lab.users[story.analyst], request=request, reason=reason, at=at)


def _lock(lab: Lab, story: Story, request: DataLabRequest, at: datetime) -> None:
    services.request_lock_protocol(actor=lab.users[story.analyst], request=request, at=at)


def _withdraw(lab: Lab, story: Story, request: DataLabRequest, at: datetime) -> None:
    services.request_withdraw(actor=_charity_user(lab, story), request=request, reason=story.reasons[Step.WITHDRAW],
                              at=at)  # fmt: skip


def _delete(lab: Lab, story: Story, request: DataLabRequest, at: datetime) -> None:
    request.refresh_from_db()
    ground = services.deletion_ground(request, timezone.localdate(at))
    assert ground is not None  # noqa: S101 - the stories delete only what the retention task would
    services.request_delete_data(request=request, ground=ground, task=tasks.DELETE_TASK, at=at)


def _close(lab: Lab, story: Story, request: DataLabRequest, at: datetime) -> None:
    services.request_close(actor=lab.users[story.analyst], request=request, reason=story.reasons[Step.CLOSE], at=at)


def _run(lab: Lab, story: Story, request: DataLabRequest, at: datetime) -> None:
    """The analyst asks for a run; the lab's worker runs it a few minutes later (the service its task calls)."""
    run = services.request_analysis(request, by=lab.users[story.analyst], at=at)
    lab.clock.at = at + RUN_TAKES
    done = services.analysis_execute(run_id=run.pk, task=tasks.RUN_TASK, at=at + RUN_TAKES)
    request.refresh_from_db()
    assert done is not None and done.feasible, (story.application["programme_name"], request.outcome_reasons)  # noqa: S101


def _approve(lab: Lab, story: Story, request: DataLabRequest, at: datetime) -> None:
    services.approve_output(request, by=lab.users["lab.checker"], at=at, reason=(
        "Every table checked against the automatic checks: counts rounded to 5, small cells suppressed, ACRO's "
        "verdicts on the profiles agree, and the cohort is far from any published one."))  # fmt: skip


def _review(lab: Lab, story: Story, request: DataLabRequest, at: datetime) -> None:
    services.start_review(request, by=lab.users[story.analyst], at=at)


def _correct(lab: Lab, story: Story, request: DataLabRequest, at: datetime) -> None:
    request.refresh_from_db()
    services.correct_programme_description(request, by=_charity_user(lab, story), text=story.corrected,
                                           reason=story.reasons[CORRECT], at=at)  # fmt: skip


def first_publish_day(after: date) -> date:
    """The first working day at least the notice period (28 days) after ``after``."""
    day = after + timedelta(days=services._notice_days())
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def _schedule(lab: Lab, story: Story, request: DataLabRequest, at: datetime) -> None:
    # A report still to come is announced 28 days or more ahead of the demo's today, one published since of its day.
    today = timezone.localdate(lab.now if Step.PUBLISH not in story.path else at)
    services.schedule_report(request, by=lab.users[story.analyst], publish_on=first_publish_day(today),
                             reason="The next publication slot after the factual review", at=at)  # fmt: skip


def _publish(lab: Lab, story: Story, request: DataLabRequest, at: datetime) -> None:
    """The publication sweep at its first run after the release's 9:30am (before the PUBLISH gap is out)."""
    request.refresh_from_db()
    release_at = request.report.release.release_at
    assert release_at is not None and release_at + PUBLISH_AFTER <= at, request.reference  # noqa: S101
    lab.clock.at = release_at + PUBLISH_AFTER
    assert services.publish_due_reports(now=release_at + PUBLISH_AFTER) == [request.reference]  # noqa: S101


STEPS: dict[str, Callable[[Lab, Story, DataLabRequest, datetime], None]] = {
    Step.SUBMIT: _submit, Step.CHECK_ELIGIBILITY: _check, Step.SIGN_AGREEMENT: _sign, Step.OPEN_UPLOAD: _open,
    UPLOAD: _upload, Step.MARK_FEASIBLE: _feasible, Step.MARK_NOT_FEASIBLE: _not_feasible, Step.LOCK_PROTOCOL: _lock,
    Step.WITHDRAW: _withdraw, Step.DELETE_DATA: _delete, Step.CLOSE: _close, RUN: _run,
    Step.APPROVE_OUTPUT: _approve, Step.START_REVIEW: _review, CORRECT: _correct, Step.SCHEDULE: _schedule,
    Step.PUBLISH: _publish,
}  # fmt: skip

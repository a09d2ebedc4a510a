"""Every write to the release register: each transition, each refusal with its words, and the history each leaves.

Time is frozen at Monday 2 November 2026, 10am (GMT). After every refusal the database is compared with a snapshot
taken before it: no state, date, date change, pre-release access or history row may have moved.
"""

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model

from releases import messages, services
from releases.choices import ChangeStatus, Designation, Geography, Precision, State
from releases.models import RELEASE_UID_NAMESPACE, DateChange, PreReleaseAccess, Release
from releases.schedule import LONDON, Schedule
from releases.services import ReleaseDetails
from tests.factories import (
    CancelledReleaseFactory,
    ConfirmedReleaseFactory,
    ProducerFactory,
    ProvisionalReleaseFactory,
    PublishedReleaseFactory,
    ReleaseFactory,
    ReleaseSeriesFactory,
)

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
JANUARY = Schedule.window(date(2027, 1, 1))
FEB_MAR = Schedule.window(date(2027, 2, 1), 2)
RELEASE_AT = datetime(2027, 1, 20, 9, 30, tzinfo=LONDON)  # a Wednesday
LATER = RELEASE_AT + timedelta(days=7)
EARLIER = RELEASE_AT - timedelta(days=7)
REASON = "The data supplier needs another week for quality assurance."
URL = "https://www.gov.uk/government/statistics/ae-attendances-december-2026"
TITLE = "A&E attendances and emergency admissions, England, December 2026"
OPEN = [State.PROVISIONAL, State.CONFIRMED]
NOT_DRAFT = [State.PROVISIONAL, State.CONFIRMED, State.PUBLISHED, State.CANCELLED]


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


# --- helpers ---------------------------------------------------------------------------------------------------------


def details(producer, **changes) -> ReleaseDetails:
    values: dict[str, Any] = {
        "title": TITLE,
        "lead_producer": producer,
        "designation": Designation.ACCREDITED,
        "lead_statistician_name": "Sam Analyst",
        "lead_statistician_email": "sam.analyst@example.org",
        "summary": "Attendances at A&E and emergency admissions for December 2026.",
    }
    return ReleaseDetails(**{**values, **changes})


WINDOW_FIELDS = {"starts_on": JANUARY.starts_on, "ends_on": JANUARY.ends_on}
STATE_FACTORIES: dict[str, tuple[Any, dict[str, Any]]] = {
    State.DRAFT: (ReleaseFactory, WINDOW_FIELDS),
    State.PROVISIONAL: (ProvisionalReleaseFactory, WINDOW_FIELDS),
    State.CONFIRMED: (ConfirmedReleaseFactory, {"release_at": RELEASE_AT}),
    State.PUBLISHED: (PublishedReleaseFactory, {}),
    State.CANCELLED: (CancelledReleaseFactory, WINDOW_FIELDS),
}


def release_in(state: str, cast, **overrides) -> Release:
    """A release of the cast's producer in ``state``: January 2027, or 20 January 2027 9:30am once confirmed."""
    factory, defaults = STATE_FACTORIES[state]
    return factory(lead_producer=cast.producer, **{**defaults, **overrides})


def exact_draft(cast, release_at: datetime = RELEASE_AT) -> Release:
    day = release_at.astimezone(LONDON).date()
    return release_in(State.DRAFT, cast, precision=Precision.EXACT, release_at=release_at, starts_on=day, ends_on=day)


def reloaded(instance: Model) -> Any:
    return type(instance).objects.get(pk=instance.pk)


def history(model: Any, pk: int) -> list[tuple[str, Any, str | None]]:
    """(type, user, reason) of each history row of one object, oldest first."""
    rows = model.history.filter(id=pk).order_by("history_date", "history_id")
    return [(row.history_type, row.history_user, row.history_change_reason) for row in rows]


@contextmanager
def records(instance: Model, *expected: tuple[str, Any, str]) -> Iterator[None]:
    """The block adds exactly these history rows to ``instance``."""
    before = len(history(type(instance), instance.pk))
    yield
    assert history(type(instance), instance.pk)[before:] == list(expected)


def db_state() -> dict[str, Any]:
    state: dict[str, Any] = {}
    for model in (Release, DateChange, PreReleaseAccess):
        state[model.__name__] = list(model.objects.order_by("pk").values())
        state[f"{model.__name__} history"] = model.history.count()
    for relation in (Release.joint_producers.through, Release.networks.through):
        state[relation.__name__] = sorted(relation.objects.values_list(flat=False))
    return state


def errors_of(error: ValidationError) -> dict[str | None, list[str]]:
    return error.message_dict if hasattr(error, "error_dict") else {None: error.messages}


def assert_refused(action: Callable[[], Any], message: str, field: str | None = None) -> None:
    """``action`` raises a ValidationError saying ``message`` (on ``field``) and writes nothing."""
    before = db_state()
    with pytest.raises(ValidationError) as refused:
        action()
    assert errors_of(refused.value) == {field: [message]}
    assert db_state() == before


def assert_denied(action: Callable[[], Any], message: str) -> None:
    """``action`` raises PermissionDenied saying ``message`` and writes nothing."""
    before = db_state()
    with pytest.raises(PermissionDenied) as denied:
        action()
    assert str(denied.value) == message
    assert db_state() == before


def request(cast, release: Release, schedule: Schedule, *, actor=None, reason: str = REASON) -> DateChange:
    return services.release_request_change(
        actor=actor or cast.editor, release=release, schedule=schedule, reason=reason
    )


def move(cast, release: Release, schedule: Schedule, reason: str = REASON) -> Release:
    """Request a date change and have the Head of Profession agree it."""
    services.release_agree_change(actor=cast.hop, change=request(cast, release, schedule, reason=reason))
    return reloaded(release)


def decide(cast, change: DateChange, status: str) -> None:
    if status == ChangeStatus.AGREED:
        services.release_agree_change(actor=cast.hop, change=change)
    elif status == ChangeStatus.REJECTED:
        services.release_refuse_change(actor=cast.hop, change=change, note="Not a good enough reason.")
    else:
        services.release_withdraw_change(actor=cast.editor, change=change)


def give_access(cast, release: Release, starts_at: datetime, actor=None) -> PreReleaseAccess:
    return services.prerelease_access_add(
        actor=actor or cast.editor,
        release=release,
        recipient_role=" Private secretary to the Secretary of State ",
        organisation=" Department of Health and Social Care ",
        justification=" To brief the Secretary of State before Parliament. ",
        access_starts_at=starts_at,
    )


# --- create ----------------------------------------------------------------------------------------------------------


def test_create_registers_a_private_draft(cast):
    release = services.release_create(
        actor=cast.editor,
        details=details(
            cast.producer,
            title=f"  {TITLE}  ",
            joint_producers=[cast.other_producer],
            networks=[cast.network],
            reference_period_start=date(2026, 12, 1),
            reference_period_end=date(2026, 12, 31),
            geography=Geography.ENGLAND_REGIONS,
        ),
        schedule=JANUARY,
    )

    release = reloaded(release)
    assert release.state == State.DRAFT
    assert (release.precision, release.starts_on, release.ends_on, release.release_at) == (
        Precision.MONTH,
        date(2027, 1, 1),
        date(2027, 1, 31),
        None,
    )
    assert release.title == TITLE
    assert release.slug == "ae-attendances-and-emergency-admissions-england-december-2026-2027-01"
    assert release.uid == uuid.uuid5(RELEASE_UID_NAMESPACE, release.slug)
    assert (release.sequence, release.version, release.revised_at, release.created_by) == (0, 1, NOW, cast.editor)
    assert (release.announced_at, release.confirmed_at) == (None, None)
    assert list(release.joint_producers.all()) == [cast.other_producer]
    assert list(release.networks.all()) == [cast.network]
    assert (release.reference_period_start, release.geography) == (date(2026, 12, 1), Geography.ENGLAND_REGIONS)
    # The release row, then one row for each many-to-many field set: all by the editor, all "Registered".
    assert history(Release, release.pk) == [
        ("+", cast.editor, "Registered"),
        ("~", cast.editor, "Registered"),
        ("~", cast.editor, "Registered"),
    ]
    assert [p.producer for p in release.history.first().joint_producers.all()] == [cast.other_producer]


@pytest.mark.parametrize(
    ("schedule", "state", "confirmed_at"),
    [(JANUARY, State.PROVISIONAL, None), (Schedule.exact(RELEASE_AT), State.CONFIRMED, NOW)],
)
def test_create_and_announce_at_once(cast, schedule, state, confirmed_at):
    release = services.release_create(
        actor=cast.editor, details=details(cast.producer), schedule=schedule, announce=True
    )

    release = reloaded(release)
    assert (release.state, release.announced_at, release.confirmed_at, release.sequence) == (
        state,
        NOW,
        confirmed_at,
        0,
    )
    assert Schedule.of(release) == schedule
    assert history(Release, release.pk) == [("+", cast.editor, "Registered"), ("~", cast.editor, "Announced")]


def test_create_gives_each_release_its_own_slug(cast):
    first, second = (
        services.release_create(actor=cast.editor, details=details(cast.producer), schedule=JANUARY) for _ in range(2)
    )

    assert second.slug == f"{first.slug}-2"
    assert first.uid != second.uid


def test_a_joint_producer_may_lead_with_a_shared_series(cast):
    series = ReleaseSeriesFactory(producers=[cast.producer, cast.other_producer])

    release = services.release_create(
        actor=cast.other_editor,
        details=details(cast.other_producer, series=series, joint_producers=[cast.producer]),
        schedule=JANUARY,
    )

    assert (release.lead_producer, release.series) == (cast.other_producer, series)


@pytest.mark.parametrize(
    ("changes", "schedule", "field", "message"),
    [
        ({}, Schedule.window(date(2026, 10, 1)), "starts_on", messages.WINDOW_IN_PAST),
        ({}, Schedule.exact(NOW), "release_at", messages.RELEASE_IN_PAST),
        ({}, Schedule.exact(NOW - timedelta(minutes=1)), "release_at", messages.RELEASE_IN_PAST),
        (
            {"reference_period_start": date(2026, 12, 31), "reference_period_end": date(2026, 12, 1)},
            JANUARY,
            "reference_period_end",
            messages.REFERENCE_PERIOD_ORDER,
        ),
        ({"joint_producers": "lead"}, JANUARY, "joint_producers", messages.LEAD_NOT_JOINT),
        ({"series": "other"}, JANUARY, "series", messages.SERIES_NOT_OF_PRODUCER),
    ],
    ids=["window-past", "exact-now", "exact-past", "reference-period", "lead-joint", "series-other-producer"],
)
def test_create_refuses(cast, changes, schedule, field, message):
    if changes.get("joint_producers") == "lead":
        changes = {"joint_producers": [cast.other_producer, cast.producer]}
    if changes.get("series") == "other":
        series = ReleaseSeriesFactory(title="Cancer registrations", producers=[cast.other_producer])
        changes = {"series": series}
        message = message.format(series=series, producer=cast.producer)

    assert_refused(
        lambda: services.release_create(
            actor=cast.editor, details=details(cast.producer, **changes), schedule=schedule
        ),
        message,
        field,
    )


def test_create_reports_every_detail_problem_at_once(cast):
    before = db_state()
    with pytest.raises(ValidationError) as refused:
        services.release_create(
            actor=cast.editor,
            details=details(
                cast.producer,
                joint_producers=[cast.producer],
                reference_period_start=date(2026, 12, 31),
                reference_period_end=date(2026, 12, 1),
            ),
            schedule=JANUARY,
        )

    assert errors_of(refused.value) == {
        "joint_producers": [messages.LEAD_NOT_JOINT],
        "reference_period_end": [messages.REFERENCE_PERIOD_ORDER],
    }
    assert db_state() == before


def test_a_window_that_has_begun_is_still_to_come(cast):
    november = Schedule.window(date(2026, 11, 1))

    release = services.release_create(actor=cast.editor, details=details(cast.producer), schedule=november)

    assert Schedule.of(release) == november


# --- update ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [State.DRAFT, *OPEN])
def test_update_changes_the_details_only(cast, state):
    release = release_in(state, cast)
    before = Schedule.of(release)
    new_details = replace(
        ReleaseDetails.of(release), title=" A&E attendances, England ", summary="Shorter.", market_sensitive=True
    )

    with records(release, ("~", cast.editor, "Clearer title")):
        services.release_update(actor=cast.editor, release=release, details=new_details, reason=" Clearer title ")

    updated = reloaded(release)
    assert (updated.title, updated.summary, updated.market_sensitive) == ("A&E attendances, England", "Shorter.", True)
    assert (updated.state, updated.sequence, updated.version) == (release.state, release.sequence, release.version + 1)
    assert (Schedule.of(updated), updated.revised_at) == (before, NOW)


def test_update_moves_a_draft_when_given_a_schedule(cast):
    release = release_in(State.DRAFT, cast)

    services.release_update(
        actor=cast.editor, release=release, details=ReleaseDetails.of(release), reason="Later", schedule=FEB_MAR
    )

    assert Schedule.of(reloaded(release)) == FEB_MAR


@pytest.mark.parametrize("state", OPEN)
def test_update_never_moves_an_announced_release(cast, state):
    release = release_in(state, cast)

    services.release_update(
        actor=cast.editor, release=release, details=ReleaseDetails.of(release), reason="Typo", schedule=FEB_MAR
    )

    assert Schedule.of(reloaded(release)) == Schedule.of(release)
    assert not DateChange.objects.exists()


def test_update_records_joint_producers_and_networks(cast):
    release = release_in(State.PROVISIONAL, cast)
    new_details = replace(
        ReleaseDetails.of(release), joint_producers=[cast.other_producer], networks=[cast.network, cast.other_network]
    )

    with records(release, *[("~", cast.editor, "Now joint with ONS")] * 3):
        services.release_update(actor=cast.editor, release=release, details=new_details, reason="Now joint with ONS")

    assert list(release.joint_producers.all()) == [cast.other_producer]
    assert sorted(n.name for n in release.networks.all()) == ["Cancer", "Urgent and emergency care"]


@pytest.mark.parametrize("state", [State.PUBLISHED, State.CANCELLED])
def test_update_refuses_a_closed_release(cast, state):
    release = release_in(state, cast)

    assert_refused(
        lambda: services.release_update(
            actor=cast.editor, release=release, details=ReleaseDetails.of(release), reason="Typo"
        ),
        messages.CANNOT_EDIT.format(state=state.label.lower()),
    )


@pytest.mark.parametrize(
    ("changes", "reason", "field", "message"),
    [
        ({}, "  ", "reason", messages.REASON_REQUIRED),
        ({"joint_producers": "lead"}, "Typo", "joint_producers", messages.LEAD_NOT_JOINT),
        ({"series": "other"}, "Typo", "series", messages.SERIES_NOT_OF_PRODUCER),
        (
            {"reference_period_start": date(2026, 12, 31), "reference_period_end": date(2026, 12, 1)},
            "Typo",
            "reference_period_end",
            messages.REFERENCE_PERIOD_ORDER,
        ),
    ],
    ids=["no-reason", "lead-joint", "series-other-producer", "reference-period"],
)
def test_update_refuses(cast, changes, reason, field, message):
    release = release_in(State.PROVISIONAL, cast)
    if changes.get("joint_producers") == "lead":
        changes = {"joint_producers": [cast.producer]}
    if changes.get("series") == "other":
        series = ReleaseSeriesFactory(title="Cancer registrations", producers=[cast.other_producer])
        changes = {"series": series}
        message = message.format(series=series, producer=cast.producer)

    assert_refused(
        lambda: services.release_update(
            actor=cast.editor, release=release, details=replace(ReleaseDetails.of(release), **changes), reason=reason
        ),
        message,
        field,
    )


def test_update_cannot_hand_a_release_to_a_producer_the_editor_does_not_work_for(cast):
    release = release_in(State.PROVISIONAL, cast)

    assert_denied(
        lambda: services.release_update(
            actor=cast.editor,
            release=release,
            details=replace(ReleaseDetails.of(release), lead_producer=cast.other_producer),
            reason="Handover",
        ),
        messages.NOT_A_PRODUCER_EDITOR.format(producer=cast.other_producer),
    )


# --- announce --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "state", "confirmed_at"),
    [
        (lambda cast: release_in(State.DRAFT, cast), State.PROVISIONAL, None),
        (exact_draft, State.CONFIRMED, NOW),
    ],
    ids=["window-provisional", "exact-confirmed"],
)
def test_announce(cast, make, state, confirmed_at):
    draft = make(cast)

    with records(draft, ("~", cast.editor, "Announced")):
        services.release_announce(actor=cast.editor, release=draft)

    release = reloaded(draft)
    assert (release.state, release.announced_at, release.confirmed_at) == (state, NOW, confirmed_at)
    assert (release.sequence, release.version, release.revised_at) == (0, draft.version + 1, NOW)
    assert Schedule.of(release) == Schedule.of(draft)


@pytest.mark.parametrize("state", NOT_DRAFT)
def test_announce_refuses_an_announced_release(cast, state):
    release = release_in(state, cast)

    assert_refused(
        lambda: services.release_announce(actor=cast.editor, release=release),
        messages.CANNOT_ANNOUNCE.format(state=state.label.lower()),
    )


@pytest.mark.parametrize(
    ("make", "field", "message"),
    [
        (
            lambda cast: release_in(State.DRAFT, cast, starts_on=date(2026, 10, 1), ends_on=date(2026, 10, 31)),
            "starts_on",
            messages.WINDOW_IN_PAST,
        ),
        (lambda cast: exact_draft(cast, NOW - timedelta(hours=1)), "release_at", messages.RELEASE_IN_PAST),
    ],
    ids=["window", "exact"],
)
def test_announce_refuses_a_draft_whose_date_has_passed(cast, make, field, message):
    draft = make(cast)

    assert_refused(lambda: services.release_announce(actor=cast.editor, release=draft), message, field)


# --- confirm ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "recorded"),
    [("", "Confirmed for 20 January 2027 9:30am"), (" Date agreed with NHS Digital ", "Date agreed with NHS Digital")],
)
def test_confirm_a_provisional_release(cast, reason, recorded):
    provisional = release_in(State.PROVISIONAL, cast)

    with records(provisional, ("~", cast.editor, recorded)):
        services.release_confirm(actor=cast.editor, release=provisional, release_at=RELEASE_AT, reason=reason)

    release = reloaded(provisional)
    assert release.state == State.CONFIRMED
    assert (release.precision, release.release_at, release.starts_on, release.ends_on) == (
        Precision.EXACT,
        RELEASE_AT,
        date(2027, 1, 20),
        date(2027, 1, 20),
    )
    assert (release.sequence, release.confirmed_at, release.revised_at) == (provisional.sequence + 1, NOW, NOW)


@pytest.mark.parametrize(
    ("window", "release_at"),
    [
        (JANUARY, datetime(2027, 1, 1, 9, 30, tzinfo=LONDON)),
        (JANUARY, datetime(2027, 1, 31, 23, 59, tzinfo=LONDON)),
        (FEB_MAR, datetime(2027, 3, 31, 9, 30, tzinfo=LONDON)),
        # 23:30 UTC on 31 May is 00:30 BST on 1 June: inside a June window.
        (Schedule.window(date(2027, 6, 1)), datetime(2027, 5, 31, 23, 30, tzinfo=UTC)),
    ],
)
def test_confirm_anywhere_in_the_window(cast, window, release_at):
    provisional = release_in(
        State.PROVISIONAL, cast, precision=window.precision, starts_on=window.starts_on, ends_on=window.ends_on
    )

    services.release_confirm(actor=cast.editor, release=provisional, release_at=release_at)

    assert reloaded(provisional).release_at == release_at


@pytest.mark.parametrize("state", [State.DRAFT, State.CONFIRMED, State.PUBLISHED, State.CANCELLED])
def test_confirm_refuses_a_release_that_is_not_provisional(cast, state):
    release = release_in(state, cast)

    assert_refused(
        lambda: services.release_confirm(actor=cast.editor, release=release, release_at=LATER),
        messages.CANNOT_CONFIRM.format(state=state.label.lower()),
    )


@pytest.mark.parametrize(
    "release_at",
    [
        datetime(2026, 12, 31, 9, 30, tzinfo=LONDON),
        datetime(2027, 2, 1, 9, 30, tzinfo=LONDON),
        # 00:30 UTC on 1 February is still 1 February in London (GMT).
        datetime(2027, 2, 1, 0, 30, tzinfo=UTC),
    ],
)
def test_confirm_refuses_a_date_outside_the_window(cast, release_at):
    provisional = release_in(State.PROVISIONAL, cast)

    assert_refused(
        lambda: services.release_confirm(actor=cast.editor, release=provisional, release_at=release_at),
        messages.CONFIRM_OUTSIDE_WINDOW.format(window="January 2027"),
        "release_at",
    )


def test_confirm_refuses_a_time_in_the_past(cast, clock):
    provisional = release_in(State.PROVISIONAL, cast)
    clock.move_to(datetime(2027, 1, 20, 12, 0, tzinfo=LONDON))

    assert_refused(
        lambda: services.release_confirm(actor=cast.editor, release=provisional, release_at=RELEASE_AT),
        messages.RELEASE_IN_PAST,
        "release_at",
    )


def test_confirm_refuses_a_naive_time(cast):
    provisional = release_in(State.PROVISIONAL, cast)
    before = db_state()

    with pytest.raises(ValueError, match="timezone-aware"):
        services.release_confirm(actor=cast.editor, release=provisional, release_at=datetime(2027, 1, 20, 9, 30))

    assert db_state() == before


def test_confirm_withdraws_a_pending_window_change(cast):
    provisional = release_in(State.PROVISIONAL, cast)
    change = request(cast, provisional, FEB_MAR)

    with records(change, ("~", cast.editor, "Withdrawn: the release was confirmed")):
        services.release_confirm(actor=cast.editor, release=provisional, release_at=RELEASE_AT)

    change = reloaded(change)
    assert (change.status, change.decided_at, change.decided_by) == (ChangeStatus.WITHDRAWN, NOW, None)
    # The Head of Profession can no longer move a confirmed release into a window.
    assert_refused(
        lambda: services.release_agree_change(actor=cast.hop, change=change),
        messages.CHANGE_NOT_PENDING.format(status="withdrawn"),
    )
    assert Schedule.of(reloaded(provisional)) == Schedule.exact(RELEASE_AT)


# --- request a date change -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "schedule"),
    [(State.CONFIRMED, Schedule.exact(LATER)), (State.PROVISIONAL, FEB_MAR)],
)
@pytest.mark.parametrize("requester", ["editor", "hop"])
def test_request_change_waits_for_the_hop(cast, state, schedule, requester):
    release = release_in(state, cast)
    actor = getattr(cast, requester)
    release_before = Release.objects.filter(pk=release.pk).values().get()

    change = request(cast, release, schedule, actor=actor, reason=f"  {REASON}  ")

    change = reloaded(change)
    current = Schedule.of(release)
    assert (change.status, change.reason, change.requested_by, change.requested_at) == (
        ChangeStatus.PENDING,
        REASON,
        actor,
        NOW,
    )
    assert (
        change.previous_precision,
        change.previous_starts_on,
        change.previous_ends_on,
        change.previous_release_at,
    ) == (current.precision, current.starts_on, current.ends_on, current.release_at)
    assert (change.new_precision, change.new_starts_on, change.new_ends_on, change.new_release_at) == (
        schedule.precision,
        schedule.starts_on,
        schedule.ends_on,
        schedule.release_at,
    )
    assert (change.decided_by, change.decided_at) == (None, None)
    assert history(DateChange, change.pk) == [("+", actor, f"Change requested: {REASON}")]
    assert Release.objects.filter(pk=release.pk).values().get() == release_before
    assert list(DateChange.objects.public()) == []
    assert list(DateChange.objects.awaiting_hop(cast.hop)) == [change]
    assert list(DateChange.objects.awaiting_hop(cast.other_hop)) == []


@pytest.mark.parametrize(
    ("state", "schedule", "reason", "field", "message"),
    [
        (State.CONFIRMED, Schedule.exact(LATER), "", "reason", messages.REASON_REQUIRED),
        (State.CONFIRMED, Schedule.exact(LATER), " \n ", "reason", messages.REASON_REQUIRED),
        (State.CONFIRMED, FEB_MAR, REASON, "release_at", messages.CONFIRMED_NEEDS_EXACT),
        (State.PROVISIONAL, Schedule.exact(RELEASE_AT), REASON, "starts_on", messages.PROVISIONAL_NEEDS_WINDOW),
        (State.CONFIRMED, Schedule.exact(RELEASE_AT), REASON, None, messages.CHANGE_SAME_DATE),
        (State.CONFIRMED, Schedule.exact(RELEASE_AT.astimezone(UTC)), REASON, None, messages.CHANGE_SAME_DATE),
        (State.PROVISIONAL, Schedule.window(date(2027, 1, 15)), REASON, None, messages.CHANGE_SAME_DATE),
        (State.CONFIRMED, Schedule.exact(NOW - timedelta(days=1)), REASON, "release_at", messages.RELEASE_IN_PAST),
        (State.PROVISIONAL, Schedule.window(date(2026, 10, 1)), REASON, "starts_on", messages.WINDOW_IN_PAST),
    ],
    ids=[
        "empty-reason",
        "blank-reason",
        "confirmed-to-window",
        "provisional-to-exact",
        "same-instant",
        "same-instant-in-utc",
        "same-window",
        "exact-past",
        "window-past",
    ],
)
def test_request_change_refuses(cast, state, schedule, reason, field, message):
    release = release_in(state, cast)

    assert_refused(lambda: request(cast, release, schedule, reason=reason), message, field)


@pytest.mark.parametrize("state", [State.DRAFT, State.PUBLISHED, State.CANCELLED])
def test_request_change_refuses_a_release_that_is_not_open(cast, state):
    release = release_in(state, cast)

    assert_refused(
        lambda: request(cast, release, Schedule.window(date(2027, 5, 1))),
        messages.CANNOT_CHANGE_DATE.format(state=state.label.lower()),
    )


def test_request_change_refuses_a_second_pending_change(cast):
    release = release_in(State.CONFIRMED, cast)
    request(cast, release, Schedule.exact(LATER))

    assert_refused(
        lambda: request(cast, release, Schedule.exact(LATER + timedelta(days=1))),
        messages.CHANGE_ALREADY_PENDING,
    )


@pytest.mark.parametrize("status", [ChangeStatus.AGREED, ChangeStatus.REJECTED, ChangeStatus.WITHDRAWN])
def test_a_decided_change_makes_way_for_the_next(cast, status):
    release = release_in(State.CONFIRMED, cast)
    decide(cast, request(cast, release, Schedule.exact(LATER)), status)

    change = request(cast, release, Schedule.exact(LATER + timedelta(days=1)))

    assert reloaded(change).status == ChangeStatus.PENDING


# --- the Head of Profession decides ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "schedule", "wording"),
    [
        (State.CONFIRMED, Schedule.exact(LATER), "Moved from 20 January 2027 9:30am to 27 January 2027 9:30am"),
        (State.CONFIRMED, Schedule.exact(EARLIER), "Moved from 20 January 2027 9:30am to 13 January 2027 9:30am"),
        (
            State.CONFIRMED,
            Schedule.exact_local(date(2027, 1, 20), time(12)),
            "Moved from 20 January 2027 9:30am to 20 January 2027 midday",
        ),
        (State.PROVISIONAL, FEB_MAR, "Moved from January 2027 to February to March 2027"),
        (
            State.PROVISIONAL,
            Schedule.window(date(2026, 12, 1), 2),
            "Moved from January 2027 to December 2026 to January 2027",
        ),
    ],
)
def test_hop_agrees_and_the_release_moves(cast, state, schedule, wording):
    release = release_in(state, cast)
    change = request(cast, release, schedule)

    with (
        records(release, ("~", cast.hop, f"{wording}. Reason: {REASON}")),
        records(change, ("~", cast.hop, f"Agreed by Head of Profession: {REASON}")),
    ):
        services.release_agree_change(actor=cast.hop, change=change, note=" Agreed at the weekly meeting. ")

    change, moved = reloaded(change), reloaded(release)
    assert (change.status, change.decided_by, change.decided_at, change.decision_note) == (
        ChangeStatus.AGREED,
        cast.hop,
        NOW,
        "Agreed at the weekly meeting.",
    )
    assert Schedule.of(moved) == schedule
    assert (moved.state, moved.sequence, moved.version, moved.revised_at) == (
        state,
        release.sequence + 1,
        release.version + 1,
        NOW,
    )
    assert list(DateChange.objects.public()) == [change]


def test_hop_agrees_their_own_request(cast):
    release = release_in(State.CONFIRMED, cast)
    change = request(cast, release, Schedule.exact(LATER), actor=cast.hop)

    services.release_agree_change(actor=cast.hop, change=change)

    change = reloaded(change)
    assert (change.requested_by, change.decided_by, change.status) == (cast.hop, cast.hop, ChangeStatus.AGREED)
    assert reloaded(release).release_at == LATER


def test_every_agreed_change_stays_public(cast, clock):
    release = release_in(State.CONFIRMED, cast)
    move(cast, release, Schedule.exact(LATER), reason="First delay")
    clock.shift(timedelta(hours=1))
    refused = request(cast, release, Schedule.exact(LATER + timedelta(days=14)), reason="Hoped for more")
    services.release_refuse_change(actor=cast.hop, change=refused, note="No")
    clock.shift(timedelta(hours=1))
    move(cast, release, Schedule.exact(LATER + timedelta(days=7)), reason="Second delay")

    public = release.date_changes.public()
    assert [(c.reason, c.previous_release_at, c.new_release_at) for c in public] == [
        ("First delay", RELEASE_AT, LATER),
        ("Second delay", LATER, LATER + timedelta(days=7)),
    ]
    assert reloaded(release).sequence == release.sequence + 2


def test_hop_refuses_and_the_release_stays(cast):
    release = release_in(State.CONFIRMED, cast)
    change = request(cast, release, Schedule.exact(LATER))
    release_before = Release.objects.filter(pk=release.pk).values().get()

    with records(change, ("~", cast.hop, "Not agreed: Users expect it on the 20th.")):
        services.release_refuse_change(actor=cast.hop, change=change, note=" Users expect it on the 20th. ")

    change = reloaded(change)
    assert (change.status, change.decided_by, change.decided_at, change.decision_note) == (
        ChangeStatus.REJECTED,
        cast.hop,
        NOW,
        "Users expect it on the 20th.",
    )
    assert Release.objects.filter(pk=release.pk).values().get() == release_before
    assert list(DateChange.objects.public()) == []


def test_hop_must_say_why_they_refuse(cast):
    change = request(cast, release_in(State.CONFIRMED, cast), Schedule.exact(LATER))

    assert_refused(
        lambda: services.release_refuse_change(actor=cast.hop, change=change, note=" "),
        messages.REASON_REQUIRED,
        "note",
    )


def test_editor_withdraws_a_change(cast):
    release = release_in(State.CONFIRMED, cast)
    change = request(cast, release, Schedule.exact(LATER))
    release_before = Release.objects.filter(pk=release.pk).values().get()

    with records(change, ("~", cast.editor, "Withdrawn")):
        services.release_withdraw_change(actor=cast.editor, change=change)

    change = reloaded(change)
    assert (change.status, change.decided_at, change.decided_by) == (ChangeStatus.WITHDRAWN, NOW, None)
    assert Release.objects.filter(pk=release.pk).values().get() == release_before


@pytest.mark.parametrize(
    ("decided", "word"),
    [(ChangeStatus.AGREED, "agreed"), (ChangeStatus.REJECTED, "refused"), (ChangeStatus.WITHDRAWN, "withdrawn")],
)
@pytest.mark.parametrize(
    "action",
    [
        lambda cast, change: services.release_agree_change(actor=cast.hop, change=change),
        lambda cast, change: services.release_refuse_change(actor=cast.hop, change=change, note="No"),
        lambda cast, change: services.release_withdraw_change(actor=cast.editor, change=change),
    ],
    ids=["agree", "refuse", "withdraw"],
)
def test_a_decided_change_cannot_be_decided_again(cast, decided, word, action):
    change = request(cast, release_in(State.CONFIRMED, cast), Schedule.exact(LATER))
    decide(cast, change, decided)

    assert_refused(lambda: action(cast, change), messages.CHANGE_NOT_PENDING.format(status=word))


def test_hop_cannot_agree_a_date_that_has_passed_meanwhile(cast, clock):
    release = release_in(State.CONFIRMED, cast, release_at=datetime(2026, 11, 30, 9, 30, tzinfo=LONDON))
    change = request(cast, release, Schedule.exact(datetime(2026, 12, 7, 9, 30, tzinfo=LONDON)))
    clock.move_to(datetime(2026, 12, 8, 9, 0, tzinfo=LONDON))

    assert_refused(
        lambda: services.release_agree_change(actor=cast.hop, change=change), messages.RELEASE_IN_PAST, "release_at"
    )


# --- cancel ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", OPEN)
def test_cancel_keeps_the_release_public_with_its_reason(cast, state):
    release = release_in(state, cast)
    pending = request(cast, release, Schedule.exact(LATER) if state == State.CONFIRMED else FEB_MAR)
    reason = "The survey was stopped."

    with (
        records(release, ("~", cast.editor, f"Cancelled: {reason}")),
        records(pending, ("~", cast.editor, "Withdrawn: the release was cancelled")),
    ):
        services.release_cancel(actor=cast.editor, release=release, reason=f" {reason} ")

    cancelled = reloaded(release)
    assert (cancelled.state, cancelled.cancellation_reason, cancelled.cancelled_at) == (State.CANCELLED, reason, NOW)
    assert (cancelled.sequence, cancelled.version) == (release.sequence + 1, release.version + 1)
    assert Schedule.of(cancelled) == Schedule.of(release)
    assert (reloaded(pending).status, reloaded(pending).decided_at) == (ChangeStatus.WITHDRAWN, NOW)
    assert list(Release.objects.visible_to(None)) == [cancelled]


@pytest.mark.parametrize("reason", ["", "   "])
def test_cancel_needs_a_reason(cast, reason):
    release = release_in(State.CONFIRMED, cast)

    assert_refused(
        lambda: services.release_cancel(actor=cast.editor, release=release, reason=reason),
        messages.CANCEL_REASON_REQUIRED,
        "reason",
    )


@pytest.mark.parametrize("state", [State.DRAFT, State.PUBLISHED, State.CANCELLED])
def test_cancel_refuses_a_release_that_is_not_open(cast, state):
    release = release_in(state, cast)

    assert_refused(
        lambda: services.release_cancel(actor=cast.editor, release=release, reason="Stopped"),
        messages.CANNOT_CANCEL.format(state=state.label.lower()),
    )


# --- publish ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("published_at", [RELEASE_AT, RELEASE_AT + timedelta(hours=3)], ids=["on-time", "late"])
def test_publish_at_or_after_the_release_time(cast, clock, published_at):
    release = release_in(State.CONFIRMED, cast)
    pending = request(cast, release, Schedule.exact(LATER))
    clock.move_to(published_at)

    with (
        records(release, ("~", cast.editor, "Published")),
        records(pending, ("~", cast.editor, "Withdrawn: the release was published")),
    ):
        services.release_publish(actor=cast.editor, release=release, published_url=f" {URL} ")

    published = reloaded(release)
    assert (published.state, published.published_url, published.published_at) == (State.PUBLISHED, URL, published_at)
    assert (published.sequence, published.revised_at) == (release.sequence + 1, published_at)
    assert reloaded(pending).status == ChangeStatus.WITHDRAWN


def test_publish_not_before_the_release_time(cast, clock):
    release = release_in(State.CONFIRMED, cast)
    clock.move_to(RELEASE_AT - timedelta(seconds=1))

    assert_refused(
        lambda: services.release_publish(actor=cast.editor, release=release, published_url=URL),
        messages.NOT_YET_DUE.format(due="9:30am on 20 January 2027"),
    )


def test_publish_needs_the_address(cast, clock):
    release = release_in(State.CONFIRMED, cast)
    clock.move_to(LATER)

    assert_refused(
        lambda: services.release_publish(actor=cast.editor, release=release, published_url="  "),
        messages.PUBLISHED_URL_REQUIRED,
        "published_url",
    )


def test_publish_needs_a_real_address(cast, clock):
    release = release_in(State.CONFIRMED, cast)
    clock.move_to(LATER)
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.release_publish(actor=cast.editor, release=release, published_url="not a link")

    assert list(errors_of(refused.value)) == ["published_url"]
    assert db_state() == before


@pytest.mark.parametrize("state", [State.DRAFT, State.PROVISIONAL, State.PUBLISHED, State.CANCELLED])
def test_publish_refuses_a_release_that_is_not_confirmed(cast, clock, state):
    release = release_in(state, cast)
    clock.move_to(LATER)

    assert_refused(
        lambda: services.release_publish(actor=cast.editor, release=release, published_url=URL),
        messages.CANNOT_PUBLISH.format(state=state.label.lower()),
    )


# --- discard a draft -------------------------------------------------------------------------------------------------


def test_discard_deletes_a_draft_and_remembers_who(cast):
    draft = release_in(State.DRAFT, cast)

    services.release_discard_draft(actor=cast.editor, release=draft)

    assert not Release.objects.filter(pk=draft.pk).exists()
    assert history(Release, draft.pk)[-1] == ("-", cast.editor, "Draft discarded")


def test_discard_takes_the_drafts_pre_release_access_with_it(cast):
    draft = exact_draft(cast)
    entry = give_access(cast, draft, RELEASE_AT - timedelta(hours=2))

    services.release_discard_draft(actor=cast.editor, release=draft)

    assert not Release.objects.filter(pk=draft.pk).exists()
    assert not PreReleaseAccess.objects.filter(pk=entry.pk).exists()
    assert history(PreReleaseAccess, entry.pk)[-1] == ("-", cast.editor, "Draft discarded")


@pytest.mark.parametrize("state", NOT_DRAFT)
def test_an_announced_release_is_never_discarded(cast, state):
    release = release_in(state, cast)

    assert_refused(lambda: services.release_discard_draft(actor=cast.editor, release=release), messages.CANNOT_DISCARD)


# --- pre-release access ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "starts_at",
    [RELEASE_AT - timedelta(hours=24), RELEASE_AT - timedelta(hours=1), RELEASE_AT - timedelta(seconds=1)],
    ids=["24-hours-before", "1-hour-before", "1-second-before"],
)
@pytest.mark.parametrize(
    "make", [lambda cast: release_in(State.CONFIRMED, cast), exact_draft], ids=["confirmed", "draft"]
)
def test_give_pre_release_access(cast, make, starts_at):
    release = make(cast)

    entry = give_access(cast, release, starts_at)

    entry = reloaded(entry)
    assert (entry.release, entry.access_starts_at, entry.is_removed) == (release, starts_at, False)
    assert (entry.recipient_role, entry.organisation) == (
        "Private secretary to the Secretary of State",
        "Department of Health and Social Care",
    )
    assert entry.justification == "To brief the Secretary of State before Parliament."
    assert history(PreReleaseAccess, entry.pk) == [("+", cast.editor, "Pre-release access given")]


@pytest.mark.parametrize(
    ("release_at", "starts_at", "field", "message"),
    [
        (
            RELEASE_AT,
            RELEASE_AT - timedelta(hours=24, seconds=1),
            "access_starts_at",
            messages.PRA_TOO_EARLY.format(earliest="9:30am on 19 January 2027"),
        ),
        (
            RELEASE_AT,
            RELEASE_AT - timedelta(days=3),
            "access_starts_at",
            messages.PRA_TOO_EARLY.format(earliest="9:30am on 19 January 2027"),
        ),
        # In British Summer Time the earliest start is still given in London time.
        (
            datetime(2027, 7, 1, 9, 30, tzinfo=LONDON),
            datetime(2027, 6, 30, 8, 0, tzinfo=UTC),
            "access_starts_at",
            messages.PRA_TOO_EARLY.format(earliest="9:30am on 30 June 2027"),
        ),
        (
            RELEASE_AT,
            RELEASE_AT,
            "access_starts_at",
            messages.PRA_AFTER_RELEASE.format(due="20 January 2027 9:30am (confirmed)"),
        ),
        (
            RELEASE_AT,
            RELEASE_AT + timedelta(hours=1),
            "access_starts_at",
            messages.PRA_AFTER_RELEASE.format(due="20 January 2027 9:30am (confirmed)"),
        ),
    ],
    ids=["24-hours-and-a-second", "3-days", "bst", "at-release", "after-release"],
)
def test_pre_release_access_window(cast, release_at, starts_at, field, message):
    release = release_in(State.CONFIRMED, cast, release_at=release_at)

    assert_refused(lambda: give_access(cast, release, starts_at), message, field)


def test_pre_release_access_to_a_draft_names_its_state(cast):
    draft = exact_draft(cast)

    assert_refused(
        lambda: give_access(cast, draft, RELEASE_AT),
        messages.PRA_AFTER_RELEASE.format(due="20 January 2027 9:30am (draft)"),
        "access_starts_at",
    )


@pytest.mark.parametrize("state", [State.DRAFT, State.PROVISIONAL])
def test_pre_release_access_needs_an_exact_date(cast, state):
    release = release_in(state, cast)

    assert_refused(lambda: give_access(cast, release, RELEASE_AT - timedelta(hours=1)), messages.PRA_NEEDS_EXACT)


@pytest.mark.parametrize("state", [State.PUBLISHED, State.CANCELLED])
def test_pre_release_access_list_closes_with_the_release(cast, clock, state):
    release = release_in(State.CONFIRMED, cast)
    entry = give_access(cast, release, RELEASE_AT - timedelta(hours=1))
    if state == State.PUBLISHED:
        clock.move_to(RELEASE_AT)
        services.release_publish(actor=cast.editor, release=release, published_url=URL)
    else:
        services.release_cancel(actor=cast.editor, release=release, reason="Stopped")
    closed = messages.PRA_CLOSED.format(state=state.label.lower())

    assert_refused(lambda: give_access(cast, release, RELEASE_AT - timedelta(hours=2)), closed)
    assert_refused(
        lambda: services.prerelease_access_remove(actor=cast.editor, entry=entry, reason="Left the department"), closed
    )


def test_pre_release_access_refuses_a_naive_time(cast):
    release = release_in(State.CONFIRMED, cast)
    before = db_state()

    with pytest.raises(ValueError, match="timezone-aware"):
        give_access(cast, release, datetime(2027, 1, 20, 8, 0))

    assert db_state() == before


def test_remove_pre_release_access_keeps_the_entry_in_history(cast):
    entry = give_access(cast, release_in(State.CONFIRMED, cast), RELEASE_AT - timedelta(hours=1))

    with records(entry, ("~", cast.hop, "Pre-release access removed: Left the department")):
        services.prerelease_access_remove(actor=cast.hop, entry=entry, reason=" Left the department ")

    assert reloaded(entry).is_removed


def test_remove_pre_release_access_needs_a_reason(cast):
    entry = give_access(cast, release_in(State.CONFIRMED, cast), RELEASE_AT - timedelta(hours=1))

    assert_refused(
        lambda: services.prerelease_access_remove(actor=cast.editor, entry=entry, reason=""),
        messages.REASON_REQUIRED,
        "reason",
    )


# --- who may act: the permission matrix ------------------------------------------------------------------------------


@dataclass
class World:
    """One release in each actionable state, a pending change and a pre-release access entry, all of NHSE."""

    cast: Any
    draft: Release
    provisional: Release
    confirmed: Release
    due: Release
    change: DateChange
    entry: PreReleaseAccess


@pytest.fixture
def world(cast) -> World:
    confirmed = release_in(State.CONFIRMED, cast)
    return World(
        cast=cast,
        draft=release_in(State.DRAFT, cast),
        provisional=release_in(State.PROVISIONAL, cast),
        confirmed=confirmed,
        due=release_in(State.CONFIRMED, cast, release_at=NOW - timedelta(hours=1)),
        change=request(cast, confirmed, Schedule.exact(LATER)),
        entry=give_access(cast, confirmed, RELEASE_AT - timedelta(hours=2)),
    )


EDITOR_ACTIONS: dict[str, Callable[[Any, World], Any]] = {
    "create": lambda actor, w: services.release_create(actor=actor, details=details(w.cast.producer), schedule=JANUARY),
    "update": lambda actor, w: services.release_update(
        actor=actor, release=w.provisional, details=replace(ReleaseDetails.of(w.provisional), title="X"), reason="Y"
    ),
    "announce": lambda actor, w: services.release_announce(actor=actor, release=w.draft),
    "confirm": lambda actor, w: services.release_confirm(actor=actor, release=w.provisional, release_at=RELEASE_AT),
    "request change": lambda actor, w: services.release_request_change(
        actor=actor, release=w.provisional, schedule=FEB_MAR, reason=REASON
    ),
    "withdraw change": lambda actor, w: services.release_withdraw_change(actor=actor, change=w.change),
    "cancel": lambda actor, w: services.release_cancel(actor=actor, release=w.confirmed, reason="Stopped"),
    "publish": lambda actor, w: services.release_publish(actor=actor, release=w.due, published_url=URL),
    "discard draft": lambda actor, w: services.release_discard_draft(actor=actor, release=w.draft),
    "give pre-release access": lambda actor, w: give_access(
        w.cast, w.confirmed, RELEASE_AT - timedelta(hours=1), actor=actor
    ),
    "remove pre-release access": lambda actor, w: services.prerelease_access_remove(
        actor=actor, entry=w.entry, reason="Left"
    ),
}
HOP_ACTIONS: dict[str, Callable[[Any, World], Any]] = {
    "agree change": lambda actor, w: services.release_agree_change(actor=actor, change=w.change),
    "refuse change": lambda actor, w: services.release_refuse_change(actor=actor, change=w.change, note="No"),
}
OUTSIDERS = ["other_editor", "other_hop", "lead", "member", "secretariat", "osr", "anonymous"]


def person(cast, name: str) -> Any:
    return AnonymousUser() if name == "anonymous" else getattr(cast, name)


@pytest.mark.parametrize("who", ["editor", "hop"])
@pytest.mark.parametrize("action", EDITOR_ACTIONS.values(), ids=list(EDITOR_ACTIONS))
def test_the_producers_people_may_act(world, action, who):
    announced = set(Release.objects.announced().values_list("pk", flat=True))

    action(person(world.cast, who), world)

    # Whatever they do, no announced release is ever deleted.
    assert announced <= set(Release.objects.values_list("pk", flat=True))
    assert not Release.history.filter(history_type="-").exclude(history_change_reason="Draft discarded").exists()


@pytest.mark.parametrize("who", OUTSIDERS)
@pytest.mark.parametrize("action", EDITOR_ACTIONS.values(), ids=list(EDITOR_ACTIONS))
def test_nobody_else_may_act(world, action, who):
    assert_denied(
        lambda: action(person(world.cast, who), world),
        messages.NOT_A_PRODUCER_EDITOR.format(producer=world.cast.producer),
    )


@pytest.mark.parametrize("action", HOP_ACTIONS.values(), ids=list(HOP_ACTIONS))
def test_the_hop_decides(world, action):
    action(world.cast.hop, world)

    assert reloaded(world.change).decided_by == world.cast.hop


@pytest.mark.parametrize("who", ["editor", *OUTSIDERS])
@pytest.mark.parametrize("action", HOP_ACTIONS.values(), ids=list(HOP_ACTIONS))
def test_only_the_lead_producers_hop_decides(world, action, who):
    assert_denied(lambda: action(person(world.cast, who), world), messages.NOT_HOP.format(producer=world.cast.producer))


def test_a_joint_producers_editor_works_on_the_release_but_its_hop_does_not_decide(cast, clock):
    release = release_in(State.PROVISIONAL, cast, joint_producers=[cast.other_producer])

    services.release_confirm(actor=cast.other_editor, release=release, release_at=RELEASE_AT)
    change = request(cast, release, Schedule.exact(LATER), actor=cast.other_editor)
    assert_denied(
        lambda: services.release_agree_change(actor=cast.other_hop, change=change),
        messages.NOT_HOP.format(producer=cast.producer),
    )
    services.release_agree_change(actor=cast.hop, change=change)
    clock.move_to(LATER)
    services.release_publish(actor=cast.other_editor, release=release, published_url=URL)

    assert history(Release, release.pk)[-1] == ("~", cast.other_editor, "Published")


# --- history over a whole life ---------------------------------------------------------------------------------------


def test_a_release_life_is_told_by_its_history(cast, clock):
    release = services.release_create(actor=cast.editor, details=details(cast.producer), schedule=JANUARY)
    services.release_announce(actor=cast.editor, release=release)
    services.release_confirm(actor=cast.editor, release=release, release_at=RELEASE_AT)
    change = request(cast, release, Schedule.exact(LATER))
    services.release_agree_change(actor=cast.hop, change=change)
    services.release_update(
        actor=cast.editor, release=release, details=details(cast.producer, title="A&E, England"), reason="Shorter"
    )
    clock.move_to(LATER + timedelta(minutes=5))
    services.release_publish(actor=cast.editor, release=release, published_url=URL)

    assert history(Release, release.pk) == [
        ("+", cast.editor, "Registered"),
        ("~", cast.editor, "Announced"),
        ("~", cast.editor, "Confirmed for 20 January 2027 9:30am"),
        ("~", cast.hop, f"Moved from 20 January 2027 9:30am to 27 January 2027 9:30am. Reason: {REASON}"),
        ("~", cast.editor, "Shorter"),
        ("~", cast.editor, "Published"),
    ]
    assert history(DateChange, change.pk) == [
        ("+", cast.editor, f"Change requested: {REASON}"),
        ("~", cast.hop, f"Agreed by Head of Profession: {REASON}"),
    ]
    published = reloaded(release)
    assert (published.state, published.sequence, published.version) == (State.PUBLISHED, 3, 6)
    assert not Release.history.filter(history_type="-").exists()


# --- derived states: overdue and postponed ---------------------------------------------------------------------------


def flags(release: Release) -> tuple[bool, bool, bool, bool]:
    annotated = Release.objects.with_flags().get(pk=release.pk)
    return (
        annotated.is_overdue,
        Release.objects.overdue().filter(pk=release.pk).exists(),
        annotated.is_postponed,
        Release.objects.postponed().filter(pk=release.pk).exists(),
    )


@pytest.mark.parametrize(
    ("state", "fields", "moment", "overdue"),
    [
        (State.CONFIRMED, {}, RELEASE_AT - timedelta(minutes=1), False),
        (State.CONFIRMED, {}, RELEASE_AT, False),
        (State.CONFIRMED, {}, RELEASE_AT + timedelta(minutes=1), True),
        (State.PROVISIONAL, {}, datetime(2027, 1, 31, 23, 59, tzinfo=LONDON), False),
        (State.PROVISIONAL, {}, datetime(2027, 2, 1, 0, 0, tzinfo=LONDON), True),
        # A June window ends at midnight London time, which is 23:00 UTC in summer.
        (
            State.PROVISIONAL,
            {"starts_on": date(2027, 6, 1), "ends_on": date(2027, 6, 30)},
            datetime(2027, 6, 30, 22, 59, tzinfo=UTC),
            False,
        ),
        (
            State.PROVISIONAL,
            {"starts_on": date(2027, 6, 1), "ends_on": date(2027, 6, 30)},
            datetime(2027, 6, 30, 23, 0, tzinfo=UTC),
            True,
        ),
        (
            State.PROVISIONAL,
            {"precision": Precision.TWO_MONTHS, "ends_on": date(2027, 2, 28)},
            datetime(2027, 2, 15, tzinfo=UTC),
            False,
        ),
        (State.PUBLISHED, {}, datetime(2027, 6, 1, tzinfo=UTC), False),
        (State.CANCELLED, {}, datetime(2027, 6, 1, tzinfo=UTC), False),
        (State.DRAFT, {}, datetime(2027, 6, 1, tzinfo=UTC), False),
    ],
)
def test_overdue(cast, clock, state, fields, moment, overdue):
    release = release_in(state, cast, **fields)
    clock.move_to(moment)

    assert flags(release)[:2] == (overdue, overdue)
    assert Release.objects.with_flags(now=moment).get(pk=release.pk).is_overdue is overdue
    assert Release.objects.overdue(now=moment).filter(pk=release.pk).exists() is overdue


def test_overdue_can_be_asked_about_another_moment(cast):
    release = release_in(State.CONFIRMED, cast)

    assert Release.objects.overdue(now=LATER).filter(pk=release.pk).exists()
    assert not Release.objects.overdue().filter(pk=release.pk).exists()


@pytest.mark.parametrize(
    ("moves", "postponed"),
    [
        ([], False),
        ([LATER], True),
        ([EARLIER], False),
        ([RELEASE_AT + timedelta(minutes=30)], True),
        ([LATER, RELEASE_AT], True),
        ([EARLIER, RELEASE_AT], True),
        ([EARLIER, EARLIER - timedelta(days=1)], False),
    ],
    ids=["never-moved", "later", "earlier", "later-same-day", "later-then-back", "earlier-then-back", "earlier-twice"],
)
def test_postponed_means_confirmed_and_moved_later(cast, moves, postponed):
    release = release_in(State.CONFIRMED, cast)
    for new_time in moves:
        release = move(cast, release, Schedule.exact(new_time))

    assert flags(release) == (False, False, postponed, postponed)


@pytest.mark.parametrize("status", [ChangeStatus.PENDING, ChangeStatus.REJECTED, ChangeStatus.WITHDRAWN])
def test_an_undecided_or_refused_delay_is_not_a_postponement(cast, status):
    release = release_in(State.CONFIRMED, cast)
    change = request(cast, release, Schedule.exact(LATER))
    if status != ChangeStatus.PENDING:
        decide(cast, change, status)

    assert flags(release)[2:] == (False, False)


def test_a_later_window_is_not_a_postponement(cast):
    release = move(cast, release_in(State.PROVISIONAL, cast), FEB_MAR)
    services.release_confirm(actor=cast.editor, release=release, release_at=datetime(2027, 2, 3, 9, 30, tzinfo=LONDON))

    assert flags(release)[2:] == (False, False)


@pytest.mark.parametrize("ending", ["cancel", "publish"])
def test_only_a_confirmed_release_is_flagged_postponed(cast, clock, ending):
    release = move(cast, release_in(State.CONFIRMED, cast), Schedule.exact(LATER))
    assert flags(release)[2:] == (True, True)
    clock.move_to(LATER)

    if ending == "cancel":
        services.release_cancel(actor=cast.editor, release=release, reason="Stopped")
    else:
        services.release_publish(actor=cast.editor, release=release, published_url=URL)

    assert flags(release) == (False, False, False, False)


def test_a_postponed_release_can_also_be_overdue(cast, clock):
    release = move(cast, release_in(State.CONFIRMED, cast), Schedule.exact(LATER))
    clock.move_to(LATER + timedelta(hours=1))

    assert flags(release) == (True, True, True, True)


def test_other_producers_are_untouched_by_a_write(cast):
    other = ProducerFactory(name="Care Quality Commission", abbreviation="CQC", slug="cqc")
    theirs = ConfirmedReleaseFactory(lead_producer=other, release_at=RELEASE_AT)
    before = Release.objects.filter(pk=theirs.pk).values().get()

    services.release_cancel(actor=cast.editor, release=release_in(State.CONFIRMED, cast), reason="Stopped")

    assert Release.objects.filter(pk=theirs.pk).values().get() == before

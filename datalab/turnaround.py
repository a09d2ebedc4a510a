"""What a charity sees of time: when each step of its request is expected, whose turn it is, what happens next.

Pure functions over plain values (a state, when each state was reached, today), read by the status tracker, the lab's
queue and the pages. The lab's steps take a standard number of England working days (weekends and England and Wales
bank holidays, from the `holidays` package, do not count), configurable with DATALAB_TURNAROUND_DAYS (a dict of
state -> working days, overriding DEFAULT_DAYS; read when needed, never at import). Steps at the organisation's own
pace (submitting, signing the agreement, uploading the list) have no expected date: the dates after them assume it
takes its step today. Times are aware; days are Europe/London days.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import messages
from .choices import RequestState as S
from .states import MAIN_PATH, TRANSITIONS, Actor, Step, steps_from

LONDON = ZoneInfo("Europe/London")

# Working days from reaching the state before on the usual path to reaching this one (the lab's work).
DEFAULT_DAYS: dict[str, int] = {
    S.ELIGIBILITY_CHECKED: 10,
    S.AWAITING_UPLOAD: 5,  # after the organisation signs: the lab countersigns and opens the upload
    S.LINKED: 5,  # after the upload
    S.FEASIBLE: 10,
    S.PROTOCOL_LOCKED: 10,
    S.ANALYSED: 20,
    S.OUTPUT_CHECKED: 10,
    S.FACTUAL_REVIEW: 2,
    S.SCHEDULED: 10,  # the organisation's factual review of the draft report, then the lab schedules publication
    S.PUBLISHED: 20,  # publication is announced at least this far ahead
    S.DATA_DELETED: 1,  # the retention task runs hourly once the report is out
    S.CLOSED: 5,
}
# States that wait on the organisation with no deadline: the next step's date assumes it acts today.
OWN_PACE = frozenset({S.DRAFT, S.ELIGIBILITY_CHECKED, S.AWAITING_UPLOAD})
# Where someone acts before the table's step can be taken: the organisation's upload (a service, not a step) comes
# before the system links it, its factual review before the lab schedules publication, and the analyst runs the
# analysis whose result the system records.
WAITING_ON = {
    S.AWAITING_UPLOAD: (Actor.CHARITY,), S.FACTUAL_REVIEW: (Actor.CHARITY,), S.PROTOCOL_LOCKED: (Actor.ANALYST,),
}
# Turns off the usual path that end it: the timeline stops there (with the clearing up the request has reached).
EXITS = (S.WITHDRAWN, S.NOT_FEASIBLE)
AFTER_EXIT = (S.DATA_DELETED, S.CLOSED)
WORKING_DAYS_A_MONTH = 21  # about 253 working days in an English year


@dataclass(frozen=True)
class Milestone:
    """One state of the request's timeline.

    ``reached_at``: when the request (last) entered it, for the states it has been through and the one it is in.
    ``expected_by``: for a state not reached yet, the day it is expected (None where the organisation sets the
    pace); for the current state, the day it is expected to move on (None while the organisation has its turn).
    ``whose_turn``: who acts to move the request on from this state (empty for states it has left, and where
    nobody acts)."""

    state: str
    label: str
    reached_at: datetime | None
    expected_by: date | None
    current: bool
    whose_turn: str


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="ENG", years=year)


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not an England and Wales bank holiday."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(day: date, days: int) -> date:
    """The ``days``-th working day after ``day`` (``day`` itself for 0)."""
    while days > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def turnaround_days() -> dict[str, int]:
    """The working days of each of the lab's steps: DEFAULT_DAYS with DATALAB_TURNAROUND_DAYS over them."""
    overrides = dict(getattr(settings, "DATALAB_TURNAROUND_DAYS", None) or {})
    unknown = sorted(set(overrides) - set(DEFAULT_DAYS))
    if unknown:
        raise ImproperlyConfigured(
            messages.TURNAROUND_UNKNOWN.format(names=", ".join(unknown), allowed=", ".join(DEFAULT_DAYS))
        )
    for name, value in overrides.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ImproperlyConfigured(messages.TURNAROUND_NOT_DAYS.format(name=name))
    return {**DEFAULT_DAYS, **overrides}


def working_days_text(days: int) -> str:
    return messages.WORKING_DAYS.get(days, messages.WORKING_DAYS_MANY.format(days=days))


def whose_turn(state: str) -> str:
    """Who acts to move a request on from ``state`` (the actors of the table's step, with WAITING_ON's exceptions),
    as people read it: "The lab's analyst or the EHSSG secretariat"."""
    if state in WAITING_ON:
        return _names(WAITING_ON[S(state)])
    forward = _forward_step(state)
    return _names(TRANSITIONS[forward].actors) if forward else ""


def _forward_step(state: str) -> Step | None:
    """The step that takes ``state`` on: to the next state of the usual path, or off it the first step the table
    lists (never a withdrawal, which is always open and nobody's turn)."""
    if state in MAIN_PATH[:-1]:
        following = MAIN_PATH[MAIN_PATH.index(S(state)) + 1]
        for transition in steps_from(state):
            if transition.target == following:
                return transition.step
    candidates = [t.step for t in steps_from(state) if t.step != Step.WITHDRAW]
    return candidates[0] if candidates else None


def _names(actors: Iterable[Actor]) -> str:
    labels = [str(actor.label) for actor in Actor if actor in set(actors)]
    return " or ".join([labels[0], *(label[0].lower() + label[1:] for label in labels[1:])]) if labels else ""


def next_step_text(state: str) -> str:
    """What happens next for a request in ``state``, in plain English, with the configured working days."""
    days = {name: working_days_text(value) for name, value in turnaround_days().items()}
    return messages.NEXT_STEPS[state].format(**days)


def expected_working_days() -> int:
    """The lab's working days from submission to publication (the organisation's own steps taken at once)."""
    days = turnaround_days()
    path = MAIN_PATH[MAIN_PATH.index(S.SUBMITTED) + 1 : MAIN_PATH.index(S.PUBLISHED) + 1]
    return sum(days.get(state, 0) for state in path)


def summary_text() -> str:
    """The usual time from submission to publication, for the lab's home page."""
    days = expected_working_days()
    return messages.TURNAROUND_SUMMARY.format(months=round(days / WORKING_DAYS_A_MONTH), days=days)


def london_day(moment: datetime) -> date:
    if moment.tzinfo is None:
        raise ValueError("the times a request reached its states must be aware")
    return moment.astimezone(LONDON).date()


def _milestone(
    state: str, *, reached_at: datetime | None, expected_by: date | None = None, current: bool = False,
    turn: bool = False,
) -> Milestone:  # fmt: skip
    """A milestone with its state's value and label, and whose turn it is where anyone is waiting (``turn``)."""
    known = S(state)
    return Milestone(state=known.value, label=str(known.label), reached_at=reached_at, expected_by=expected_by,
                     current=current, whose_turn=whose_turn(known) if turn else "")  # fmt: skip


def timeline(*, state: str, reached: Mapping[str, datetime], today: date) -> list[Milestone]:
    """The request's milestones along the usual path, from the draft to closing, each reached, current or expected.

    Expected dates chain from when the current state was reached: each of the lab's steps takes its working days
    (``turnaround_days``) after the one before. If the current step is overdue, the steps after it are counted from
    today instead, never from a day already gone. A request that left the path (withdrawn, or not feasible) shows the
    states it went through, that state, and the clearing up it has reached: nothing is expected after it."""
    exit_state = _exit_of(state, reached)
    if exit_state is not None:
        return _exit_timeline(state, exit_state, reached)
    days = turnaround_days()
    position = MAIN_PATH.index(S(state))
    entered = reached.get(state)
    chain = london_day(entered) if entered is not None else today
    ahead = MAIN_PATH[position + 1 :]
    expected: list[date | None] = []
    previous = S(state)
    for s in ahead:
        if previous in OWN_PACE or expected:  # a wait on the organisation, or a step after one that may be overdue
            chain = max(chain, today)
        if s in days:
            chain = add_working_days(chain, days[s])
        expected.append(chain if s in days else None)
        previous = s
    moves_on_by = expected[0] if expected and state not in OWN_PACE else None
    return [
        *(_milestone(s, reached_at=reached.get(s)) for s in MAIN_PATH[:position]),
        _milestone(state, reached_at=entered, expected_by=moves_on_by, current=True, turn=True),
        *(_milestone(s, reached_at=None, expected_by=when, turn=True) for s, when in zip(ahead, expected, strict=True)),
    ]


def _exit_of(state: str, reached: Mapping[str, datetime]) -> S | None:
    """The turn off the path this request took (withdrawn or not feasible), if it took one."""
    if state in EXITS:
        return S(state)
    if state not in AFTER_EXIT:
        return None
    published = reached.get(S.PUBLISHED)
    taken = [s for s in EXITS if s in reached and (published is None or reached[s] > published)]
    return max(taken, key=lambda s: reached[s]) if taken else None


def _exit_timeline(state: str, exit_state: S, reached: Mapping[str, datetime]) -> list[Milestone]:
    """The states the request went through before it left the path, the turn it took, and what it has reached since
    (its data deleted, closed)."""
    left_at = reached.get(exit_state)
    before = [
        s for s in MAIN_PATH if s in reached and s not in AFTER_EXIT and (left_at is None or reached[s] <= left_at)
    ]
    furthest = max((MAIN_PATH.index(s) for s in before), default=0)
    since = [s for s in AFTER_EXIT if s == state or (s in reached and (left_at is None or reached[s] >= left_at))]
    return [
        *(_milestone(s, reached_at=reached.get(s) if s in before else None) for s in MAIN_PATH[: furthest + 1]),
        *(_milestone(s, reached_at=reached.get(s), current=s == state, turn=s == state) for s in (exit_state, *since)),
    ]

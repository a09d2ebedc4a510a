"""Whether a charity's application, and each person in its cohort, can be answered from the national extract.

Pure functions over plain values (no models, no database), so the application form, the services and the linkage
read one set of rules. The rules (docs/datalab.md, "Eligibility"):
- at least DATALAB_MIN_PEOPLE people (60, the Justice Data Lab's minimum);
- a year of history before each programme start date (the matching's covariates come from it), so the first start
  date is at least 365 days after the extract's coverage begins;
- the follow-up year complete: start date + 365 days + DATALAB_PROCESSING_LAG_DAYS (90: hospital records arrive late)
  on or before the end of coverage.
Settings are read when a function runs, never at import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings

from . import messages
from .extract import FOLLOW_UP_DAYS, PROCESSING_LAG_DAYS

HISTORY_DAYS = 365
MIN_PEOPLE = 60

INDEX_BEFORE_HISTORY = "index_before_history"
INDEX_AFTER_COVERAGE = "index_after_coverage"
FOLLOW_UP_INCOMPLETE = "follow_up_incomplete"


@dataclass(frozen=True)
class Coverage:
    """The days a national extract covers (both inclusive) and its vintage: all the checks need to know of it."""

    start: date
    end: date
    vintage: str


@dataclass(frozen=True)
class Check:
    """One automatic check: a code the pages and tests can key on, and what a person reads, passed or not."""

    code: str
    passed: bool
    message: str


def minimum_people(value: int | None = None) -> int:
    return value if value is not None else int(getattr(settings, "DATALAB_MIN_PEOPLE", MIN_PEOPLE))


def processing_lag_days(value: int | None = None) -> int:
    return value if value is not None else int(getattr(settings, "DATALAB_PROCESSING_LAG_DAYS", PROCESSING_LAG_DAYS))


def earliest_index_date(coverage: Coverage) -> date:
    """The first programme start date with a full year of history in the extract."""
    return coverage.start + timedelta(days=HISTORY_DAYS)


def latest_index_date(coverage: Coverage, lag_days: int | None = None) -> date:
    """The last programme start date whose follow-up year, and the processing lag after it, the extract covers."""
    return coverage.end - timedelta(days=FOLLOW_UP_DAYS + processing_lag_days(lag_days))


def long_date(day: date) -> str:
    """A date as people read it: "1 April 2024"."""
    return f"{day.day} {day:%B %Y}"


def application_checks(
    *,
    expected_people: int,
    delivery_start: date,
    delivery_end: date,
    coverage: Coverage,
    min_people: int | None = None,
    lag_days: int | None = None,
) -> list[Check]:
    """Every automatic check on an application, in the order the form asks, so the charity learns before it waits
    months whether the lab could answer it. Each check says what it looked at, whether it passed or not."""
    minimum = minimum_people(min_people)
    lag = processing_lag_days(lag_days)
    earliest, latest = earliest_index_date(coverage), latest_index_date(coverage, lag)
    start, end = long_date(delivery_start), long_date(delivery_end)
    enough = expected_people >= minimum
    in_order = delivery_end >= delivery_start
    history = delivery_start >= earliest
    follow_up = delivery_end <= latest
    return [
        Check(
            code="min_people",
            passed=enough,
            message=(messages.CHECK_MIN_PEOPLE_PASSED if enough else messages.CHECK_MIN_PEOPLE_FAILED).format(
                people=expected_people, minimum=minimum
            ),
        ),
        Check(
            code="dates_in_order",
            passed=in_order,
            message=(messages.CHECK_DATES_IN_ORDER_PASSED if in_order else messages.CHECK_DATES_IN_ORDER_FAILED).format(
                start=start, end=end
            ),
        ),
        Check(
            code="history_covered",
            passed=history,
            message=(messages.CHECK_HISTORY_PASSED if history else messages.CHECK_HISTORY_FAILED).format(
                start=start, coverage_start=long_date(coverage.start), earliest=long_date(earliest)
            ),
        ),
        Check(
            code="follow_up_complete",
            passed=follow_up,
            message=(messages.CHECK_FOLLOW_UP_PASSED if follow_up else messages.CHECK_FOLLOW_UP_FAILED).format(
                end=end, lag=lag, coverage_end=long_date(coverage.end), latest=long_date(latest)
            ),
        ),
    ]


def index_date_reason(index_date: date, coverage: Coverage, lag_days: int | None = None) -> str | None:
    """Why one linked person cannot be analysed (a code of messages.INELIGIBLE_REASONS), or None if they can: the
    same rules as the application's dates, applied to each person's own start date."""
    if index_date < earliest_index_date(coverage):
        return INDEX_BEFORE_HISTORY
    if index_date > coverage.end:
        return INDEX_AFTER_COVERAGE
    if index_date > latest_index_date(coverage, lag_days):
        return FOLLOW_UP_INCOMPLETE
    return None

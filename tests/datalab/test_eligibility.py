"""The application's automatic checks and each person's start date, against an extract's coverage."""

from datetime import date

import pytest

from datalab import messages
from datalab.eligibility import Check, Coverage, application_checks, index_date_reason

COVERAGE = Coverage(start=date(2021, 4, 1), end=date(2025, 3, 31), vintage="synthetic-2025-06")
# By hand: the year before the first start date begins with coverage, 1 April 2021 + 365 days = 1 April 2022; the
# follow-up year and 90 days' lag end with it, 31 March 2025 - 365 - 90 days = 1 January 2024.
EARLIEST, LATEST = date(2022, 4, 1), date(2024, 1, 1)


def checks(**changes) -> dict[str, Check]:
    values = {"expected_people": 60, "delivery_start": EARLIEST, "delivery_end": LATEST, "coverage": COVERAGE}
    return {check.code: check for check in application_checks(**{**values, **changes})}


def test_an_application_at_every_limit_passes_and_each_check_says_what_it_checked():
    found = checks()
    assert list(found) == ["min_people", "dates_in_order", "history_covered", "follow_up_complete"]
    assert all(check.passed for check in found.values())
    assert found["min_people"].message == "You expect 60 people: the lab needs at least 60."
    assert found["dates_in_order"].message == "The programme start dates run from 1 April 2022 to 1 January 2024."
    assert found["history_covered"].message == messages.CHECK_HISTORY_PASSED.format(
        start="1 April 2022", coverage_start="1 April 2021"
    )
    assert found["follow_up_complete"].message == messages.CHECK_FOLLOW_UP_PASSED.format(
        end="1 January 2024", latest="1 January 2024"
    )


def test_too_few_people_fails_with_the_minimum():
    check = checks(expected_people=59)["min_people"]
    assert not check.passed
    assert check.message == messages.CHECK_MIN_PEOPLE_FAILED.format(people=59, minimum=60)
    assert check.message.startswith("You expect 59 people, but the lab needs at least 60")


def test_the_minimum_comes_from_the_settings_when_the_check_runs(settings):
    settings.DATALAB_MIN_PEOPLE = 100
    assert not checks(expected_people=99)["min_people"].passed
    assert checks(expected_people=1500)["min_people"].message == "You expect 1,500 people: the lab needs at least 100."
    del settings.DATALAB_MIN_PEOPLE
    assert checks(expected_people=60)["min_people"].passed  # the default, 60, without the setting
    assert not checks(expected_people=60, min_people=61)["min_people"].passed  # and a caller's own minimum


def test_a_first_start_date_without_a_year_of_history_fails_naming_the_earliest():
    check = checks(delivery_start=date(2022, 3, 31))["history_covered"]
    assert not check.passed
    assert check.message == messages.CHECK_HISTORY_FAILED.format(
        start="31 March 2022", coverage_start="1 April 2021", earliest="1 April 2022"
    )


def test_a_last_start_date_without_a_complete_follow_up_year_fails_naming_the_latest():
    check = checks(delivery_end=date(2024, 1, 2))["follow_up_complete"]
    assert not check.passed
    assert check.message == messages.CHECK_FOLLOW_UP_FAILED.format(
        end="2 January 2024", lag=90, coverage_end="31 March 2025", latest="1 January 2024"
    )
    assert "The latest start date the data can follow up is 1 January 2024." in check.message


def test_the_processing_lag_comes_from_the_settings(settings):
    settings.DATALAB_PROCESSING_LAG_DAYS = 30  # 31 March 2025 - 365 - 30 days = 1 March 2024
    found = checks(delivery_end=date(2024, 3, 1))["follow_up_complete"]
    assert found.passed and "(the latest start date it can follow up is 1 March 2024)" in found.message
    assert not checks(delivery_end=date(2024, 3, 2))["follow_up_complete"].passed
    assert not checks(delivery_end=date(2024, 3, 1), lag_days=31)["follow_up_complete"].passed


def test_start_dates_out_of_order_fail():
    check = checks(delivery_start=date(2023, 6, 1), delivery_end=date(2023, 5, 31))["dates_in_order"]
    assert not check.passed
    assert check.message == "The last programme start date (31 May 2023) is before the first (1 June 2023)."


@pytest.mark.parametrize(
    ("index_date", "reason"),
    [
        (date(2022, 3, 31), "index_before_history"),
        (EARLIEST, None),
        (LATEST, None),
        (date(2024, 1, 2), "follow_up_incomplete"),
        (COVERAGE.end, "follow_up_incomplete"),
        (date(2025, 4, 1), "index_after_coverage"),
    ],
)
def test_each_persons_start_date_is_checked_by_the_same_rules(index_date, reason):
    assert index_date_reason(index_date, COVERAGE) == reason
    if reason:
        assert messages.INELIGIBLE_REASONS[reason]


def test_a_persons_follow_up_uses_the_lag_given_or_configured(settings):
    assert index_date_reason(date(2024, 3, 1), COVERAGE, lag_days=30) is None
    settings.DATALAB_PROCESSING_LAG_DAYS = 30
    assert index_date_reason(date(2024, 3, 1), COVERAGE) is None
    assert index_date_reason(date(2024, 3, 2), COVERAGE) == "follow_up_incomplete"

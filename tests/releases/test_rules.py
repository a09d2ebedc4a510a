"""Code of Practice warnings on a release time: notice, standard time, approved alternatives, weekends, bank holidays.

Bank holidays come from the ``holidays`` package, never from a list typed in here.
"""

from datetime import UTC, date, datetime, time, timedelta

import holidays
import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from releases import messages
from releases.choices import State
from releases.rules import bank_holiday_name, day_warnings, is_working_day, notice_days, release_time_warnings
from releases.schedule import LONDON
from releases.selectors import release_schedule_warnings
from tests.factories import ConfirmedReleaseFactory, ProvisionalReleaseFactory, ReleaseSeriesFactory

WEDNESDAY = date(2027, 1, 20)
ENGLAND = holidays.country_holidays("GB", subdiv="ENG", years=range(2026, 2031))


def at(day: date, clock: time = time(9, 30)) -> datetime:
    return datetime.combine(day, clock, tzinfo=LONDON)


def warnings_for(release_at: datetime, *, notice: int = 60, allowed=(time(9, 30),)) -> list[str]:
    """Warnings for a release confirmed ``notice`` London days before, at 10am."""
    confirmed_at = at(release_at.astimezone(LONDON).date() - timedelta(days=notice), time(10))
    return release_time_warnings(release_at=release_at, confirmed_at=confirmed_at, allowed_times=allowed)


def short_notice(days: int) -> str:
    return messages.WARN_SHORT_NOTICE.format(days=days, minimum=28)


def non_standard(clock: str, alternative: str = "") -> str:
    return messages.WARN_NON_STANDARD_TIME.format(time=clock, alternative=alternative)


@pytest.mark.parametrize(
    ("notice", "expected"),
    [(0, [short_notice(0)]), (1, [short_notice(1)]), (27, [short_notice(27)]), (28, []), (29, []), (365, [])],
)
def test_28_days_notice(notice, expected):
    assert warnings_for(at(WEDNESDAY), notice=notice) == expected


@pytest.mark.parametrize(
    ("confirmed_at", "days"),
    [
        # 22:30 UTC on 1 June is 23:30 BST on 1 June: 29 London days before 30 June.
        (datetime(2027, 6, 1, 22, 30, tzinfo=UTC), 29),
        # 23:30 UTC on 1 June is already 2 June in London: 28 days, so no warning, though the UTC dates differ by 29.
        (datetime(2027, 6, 1, 23, 30, tzinfo=UTC), 28),
        (datetime(2027, 6, 3, 0, 30, tzinfo=LONDON), 27),
    ],
)
def test_notice_counts_london_calendar_days(confirmed_at, days):
    release_at = at(date(2027, 6, 30))

    assert notice_days(release_at, confirmed_at) == days
    expected = [short_notice(days)] if days < 28 else []
    assert release_time_warnings(release_at=release_at, confirmed_at=confirmed_at) == expected


def test_minimum_notice_can_be_tuned():
    release_at = at(WEDNESDAY)
    confirmed_at = at(WEDNESDAY - timedelta(days=20))

    assert release_time_warnings(release_at=release_at, confirmed_at=confirmed_at, minimum_notice_days=20) == []
    assert release_time_warnings(release_at=release_at, confirmed_at=confirmed_at, minimum_notice_days=21) == [
        messages.WARN_SHORT_NOTICE.format(days=20, minimum=21)
    ]


@pytest.mark.parametrize(
    ("clock", "allowed", "expected"),
    [
        (time(9, 30), (time(9, 30),), []),
        (time(9, 30, 59), (time(9, 30),), []),
        (time(10, 0), (time(9, 30),), [non_standard("10am")]),
        (time(9, 0), (time(9, 30),), [non_standard("9am")]),
        (time(16, 0), (time(9, 30),), [non_standard("4pm")]),
        (time(16, 0), (time(9, 30), time(16, 0)), []),
        (time(9, 30), (time(9, 30), time(16, 0)), []),
        (time(10, 0), (time(9, 30), time(16, 0)), [non_standard("10am", " or the approved 4pm")]),
        (time(12, 0), (time(9, 30), time(16, 15)), [non_standard("midday", " or the approved 4:15pm")]),
    ],
)
def test_standard_and_approved_release_times(clock, allowed, expected):
    assert warnings_for(at(WEDNESDAY, clock), allowed=allowed) == expected


@pytest.mark.parametrize(
    ("release_at", "expected"),
    [
        # British Summer Time: 9:30am in London is 08:30 UTC, and it is still the standard time.
        (datetime(2027, 7, 14, 8, 30, tzinfo=UTC), []),
        (datetime(2027, 7, 14, 9, 30, tzinfo=UTC), [non_standard("10:30am")]),
        # Greenwich Mean Time: London and UTC agree.
        (datetime(2027, 1, 20, 9, 30, tzinfo=UTC), []),
        (datetime(2027, 1, 20, 8, 30, tzinfo=UTC), [non_standard("8:30am")]),
        # The first working day after the clocks go forward (Sunday 28 March 2027).
        (datetime(2027, 3, 30, 8, 30, tzinfo=UTC), []),
        # The first working day after the clocks go back (Sunday 31 October 2027).
        (datetime(2027, 11, 1, 9, 30, tzinfo=UTC), []),
    ],
)
def test_release_time_is_judged_in_london_time(release_at, expected):
    assert warnings_for(release_at) == expected


@pytest.mark.parametrize(
    ("day", "wording", "weekday"),
    [(date(2027, 1, 16), "16 January 2027", "Saturday"), (date(2027, 1, 17), "17 January 2027", "Sunday")],
)
def test_weekends(day, wording, weekday):
    expected = [messages.WARN_WEEKEND.format(day=wording, weekday=weekday)]

    assert day_warnings(day) == expected
    assert warnings_for(at(day)) == expected
    assert not is_working_day(day)


@pytest.mark.parametrize(
    ("day", "wording", "expected_name"),
    [
        (date(2026, 12, 25), "25 December 2026", "Christmas Day"),
        (date(2027, 5, 3), "3 May 2027", "May Day"),
        (date(2027, 8, 30), "30 August 2027", "Late Summer Bank Holiday"),
        (date(2027, 3, 26), "26 March 2027", "Good Friday"),
        (date(2027, 3, 29), "29 March 2027", "Easter Monday"),
        # Christmas Day 2027 is a Saturday, so Monday 27 December is the substitute day.
        (date(2027, 12, 27), "27 December 2027", "Christmas Day (observed)"),
        (date(2027, 12, 28), "28 December 2027", "Boxing Day (observed)"),
    ],
)
def test_england_and_wales_bank_holidays_on_weekdays(day, wording, expected_name):
    # The names are the package's own: assert against it, and that the day is a weekday bank holiday there.
    assert ENGLAND.get(day) == expected_name
    assert day.weekday() < 5

    expected = [messages.WARN_BANK_HOLIDAY.format(day=wording, name=expected_name)]
    assert bank_holiday_name(day) == expected_name
    assert day_warnings(day) == expected
    assert warnings_for(at(day)) == expected
    assert not is_working_day(day)


def test_a_bank_holiday_on_a_weekend_gives_both_warnings():
    christmas = date(2027, 12, 25)
    assert christmas.weekday() == 5

    assert warnings_for(at(christmas)) == [
        messages.WARN_WEEKEND.format(day="25 December 2027", weekday="Saturday"),
        messages.WARN_BANK_HOLIDAY.format(day="25 December 2027", name=ENGLAND[christmas]),
    ]


@pytest.mark.parametrize("day", [date(2027, 1, 20), date(2027, 12, 29), date(2026, 12, 29), date(2027, 8, 31)])
def test_ordinary_weekdays_are_working_days(day):
    assert day not in ENGLAND
    assert bank_holiday_name(day) is None
    assert day_warnings(day) == []
    assert is_working_day(day)


@pytest.mark.parametrize(
    "day",
    # Holidays of Scotland or Northern Ireland are not England and Wales bank holidays.
    [date(2027, 1, 4), date(2027, 3, 17), date(2027, 7, 12), date(2027, 11, 30)],
)
def test_other_nations_holidays_do_not_count(day):
    assert day not in ENGLAND
    assert is_working_day(day)


def test_every_breach_at_once_in_order():
    sunday = date(2027, 12, 26)
    release_at = at(sunday, time(7, 0))
    confirmed_at = at(sunday - timedelta(days=3))

    assert release_time_warnings(release_at=release_at, confirmed_at=confirmed_at) == [
        short_notice(3),
        non_standard("7am"),
        messages.WARN_WEEKEND.format(day="26 December 2027", weekday="Sunday"),
        messages.WARN_BANK_HOLIDAY.format(day="26 December 2027", name=ENGLAND[sunday]),
    ]


# --- selectors.release_schedule_warnings -----------------------------------------------------------------------------


@pytest.fixture
def approved_series(db):
    return ReleaseSeriesFactory(
        alternative_release_time=time(16, 0),
        alternative_time_approved_on=date(2025, 3, 1),
        alternative_time_reference="OSR letter 2025/14",
    )


@pytest.mark.parametrize(
    ("series_kind", "clock", "expected"),
    [
        ("approved", time(16, 0), []),
        ("approved", time(9, 30), []),
        ("approved", time(10, 0), [non_standard("10am", " or the approved 4pm")]),
        ("plain", time(16, 0), [non_standard("4pm")]),
        ("none", time(16, 0), [non_standard("4pm")]),
        ("none", time(9, 30), []),
    ],
)
def test_selector_uses_the_series_approved_time(db, approved_series, series_kind, clock, expected):
    series = {"approved": approved_series, "plain": ReleaseSeriesFactory(), "none": None}[series_kind]
    release = ConfirmedReleaseFactory(
        series=series, release_at=at(WEDNESDAY, clock), confirmed_at=at(WEDNESDAY - timedelta(days=40))
    )

    assert release_schedule_warnings(release) == expected


@pytest.mark.parametrize(
    ("confirmed_days_before", "expected"),
    [(27, [short_notice(27)]), (28, [])],
)
def test_selector_measures_notice_from_confirmation(db, confirmed_days_before, expected):
    release = ConfirmedReleaseFactory(
        release_at=at(WEDNESDAY), confirmed_at=at(WEDNESDAY - timedelta(days=confirmed_days_before), time(17))
    )

    assert release_schedule_warnings(release) == expected


def test_selector_measures_notice_from_at_when_given(db):
    release = ConfirmedReleaseFactory(release_at=at(WEDNESDAY), confirmed_at=at(WEDNESDAY - timedelta(days=90)))

    assert release_schedule_warnings(release, at=at(WEDNESDAY - timedelta(days=10))) == [short_notice(10)]


def test_selector_measures_notice_from_now_for_an_unconfirmed_exact_draft(db):
    release = ConfirmedReleaseFactory(state=State.DRAFT, confirmed_at=None, announced_at=None, release_at=at(WEDNESDAY))

    with time_machine.travel(at(WEDNESDAY - timedelta(days=5)), tick=False):
        assert release_schedule_warnings(release) == [short_notice(5)]


def test_selector_follows_the_notice_setting(db, settings):
    settings.EHSSG_MIN_NOTICE_DAYS = 20
    release = ConfirmedReleaseFactory(release_at=at(WEDNESDAY), confirmed_at=at(WEDNESDAY - timedelta(days=19)))

    assert release_schedule_warnings(release) == [messages.WARN_SHORT_NOTICE.format(days=19, minimum=20)]


def test_selector_has_nothing_to_say_about_a_window(db):
    assert release_schedule_warnings(ProvisionalReleaseFactory()) == []


@given(day=st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)))
def test_half_past_nine_in_london_is_standard_all_year(day):
    found = warnings_for(at(day))

    assert not any("not the standard 9:30am" in warning for warning in found)
    assert (found == []) == is_working_day(day)


@given(day=st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)))
def test_working_days_follow_the_package(day):
    assert is_working_day(day) == (day.weekday() < 5 and day not in ENGLAND)

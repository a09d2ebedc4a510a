"""Schedules and their GOV.UK wording: pure values, so examples plus properties over every month and instant."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from releases.choices import Precision, State
from releases.schedule import LONDON, Schedule, add_months, display_date, format_day, format_time, month_end

months = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
aware_instants = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2099, 12, 31),
    timezones=st.sampled_from([UTC, LONDON, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")]),
)


@pytest.mark.parametrize(
    ("schedule", "state", "expected"),
    [
        (Schedule.exact_local(date(2027, 1, 20), time(9, 30)), State.CONFIRMED, "20 January 2027 9:30am (confirmed)"),
        (Schedule.window(date(2027, 1, 1)), State.PROVISIONAL, "January 2027 (provisional)"),
        (Schedule.window(date(2027, 1, 1), 2), State.PROVISIONAL, "January to February 2027 (provisional)"),
        (Schedule.window(date(2026, 12, 1), 2), State.PROVISIONAL, "December 2026 to January 2027 (provisional)"),
        (Schedule.exact_local(date(2027, 3, 4), time(12, 0)), State.CONFIRMED, "4 March 2027 midday (confirmed)"),
        (Schedule.exact_local(date(2027, 3, 4), time(16, 15)), State.PUBLISHED, "4 March 2027 4:15pm (published)"),
        (Schedule.window(date(2027, 6, 1)), State.CANCELLED, "June 2027 (cancelled)"),
        (Schedule.window(date(2027, 6, 1)), State.DRAFT, "June 2027 (draft)"),
        # 1 July 2027 09:30 BST is 08:30 UTC: the wording is in London time.
        (Schedule.exact(datetime(2027, 7, 1, 8, 30, tzinfo=UTC)), State.CONFIRMED, "1 July 2027 9:30am (confirmed)"),
        # 23:30 UTC on 30 June is already 1 July in London.
        (Schedule.exact(datetime(2027, 6, 30, 23, 30, tzinfo=UTC)), State.CONFIRMED, "1 July 2027 12:30am (confirmed)"),
    ],
)
def test_display_date_uses_govuk_wording(schedule, state, expected):
    assert display_date(schedule, state) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (time(9, 30), "9:30am"),
        (time(10, 0), "10am"),
        (time(12, 0), "midday"),
        (time(12, 30), "12:30pm"),
        (time(16, 15), "4:15pm"),
        (time(0, 0), "midnight"),
        (time(0, 5), "12:05am"),
        (time(23, 59), "11:59pm"),
    ],
)
def test_format_time(moment, expected):
    assert format_time(moment) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2027, 1, 1), "1 January 2027"), (date(2026, 12, 25), "25 December 2026")],
)
def test_format_day_has_no_leading_zero(day, expected):
    assert format_day(day) == expected


@given(first=months, months_count=st.sampled_from([1, 2]))
def test_window_covers_whole_calendar_months(first, months_count):
    schedule = Schedule.window(first, months_count)

    assert schedule.starts_on == first.replace(day=1)
    assert schedule.ends_on == month_end(schedule.ends_on)
    assert (schedule.ends_on + timedelta(days=1)).day == 1
    assert schedule.ends_on == month_end(add_months(first, months_count - 1))
    assert schedule.release_at is None
    assert not schedule.is_exact
    assert schedule.precision == (Precision.MONTH if months_count == 1 else Precision.TWO_MONTHS)
    # The window holds exactly the months asked for, whatever day of the month was given.
    span = (schedule.ends_on.year - schedule.starts_on.year) * 12 + schedule.ends_on.month - schedule.starts_on.month
    assert span == months_count - 1


@given(first=months, months_count=st.integers().filter(lambda n: n not in (1, 2)))
def test_window_of_other_lengths_is_refused(first, months_count):
    with pytest.raises(ValueError, match="one or two calendar months"):
        Schedule.window(first, months_count)


@given(first=months, months_count=st.sampled_from([1, 2]))
def test_window_wording_names_its_months(first, months_count):
    schedule = Schedule.window(first, months_count)
    wording = schedule.wording()

    assert wording.startswith(f"{schedule.starts_on:%B}")
    assert wording.endswith(f"{schedule.ends_on:%B %Y}")
    assert (" to " in wording) == (months_count == 2)


@given(instant=aware_instants)
def test_exact_preserves_the_instant_and_uses_the_london_day(instant):
    schedule = Schedule.exact(instant)
    london_day = instant.astimezone(LONDON).date()

    assert schedule.release_at == instant
    assert schedule.precision == Precision.EXACT
    assert schedule.is_exact
    assert schedule.starts_on == schedule.ends_on == london_day
    assert schedule.local_release_at().utcoffset() == instant.astimezone(LONDON).utcoffset()
    assert schedule.wording() == f"{format_day(london_day)} {format_time(instant.astimezone(LONDON).time())}"


@given(naive=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)))
def test_naive_release_times_are_refused(naive):
    with pytest.raises(ValueError, match="timezone-aware"):
        Schedule.exact(naive)


@given(day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_exact_local_is_a_london_wall_clock_time(day):
    schedule = Schedule.exact_local(day, time(9, 30))
    local = schedule.release_at.astimezone(LONDON)

    assert (local.date(), local.time()) == (day, time(9, 30))
    assert schedule.starts_on == schedule.ends_on == day


@given(first=months, months_count=st.sampled_from([1, 2]), offset=st.integers(min_value=-3, max_value=65))
def test_window_contains_exactly_its_london_days(first, months_count, offset):
    schedule = Schedule.window(first, months_count)
    day = schedule.starts_on + timedelta(days=offset)
    moment = datetime.combine(day, time(0, 30), tzinfo=LONDON)

    assert schedule.contains(moment) == (schedule.starts_on <= day <= schedule.ends_on)


def test_contains_reads_the_london_day_not_the_utc_day():
    june = Schedule.window(date(2027, 6, 1))
    # 23:30 UTC on 30 June is 00:30 BST on 1 July: outside June.
    assert not june.contains(datetime(2027, 6, 30, 23, 30, tzinfo=UTC))
    assert june.contains(datetime(2027, 6, 30, 22, 30, tzinfo=UTC))


@given(day=months, count=st.integers(min_value=-240, max_value=240))
def test_add_months_lands_on_the_first_of_the_right_month(day, count):
    result = add_months(day, count)

    assert result.day == 1
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == count


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2027, 2, 10), date(2027, 2, 28)),
        (date(2028, 2, 1), date(2028, 2, 29)),
        (date(2026, 12, 5), date(2026, 12, 31)),
    ],
)
def test_month_end(day, expected):
    assert month_end(day) == expected


def test_schedules_compare_by_instant_not_by_time_zone():
    in_london = Schedule.exact_local(date(2027, 7, 1), time(9, 30))
    in_utc = Schedule.exact(datetime(2027, 7, 1, 8, 30, tzinfo=UTC))

    assert in_london == in_utc
    assert Schedule.window(date(2027, 1, 15)) == Schedule.window(date(2027, 1, 1))
    assert Schedule.window(date(2027, 1, 1)) != Schedule.window(date(2027, 1, 1), 2)

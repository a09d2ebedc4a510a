"""The pure halves: GOV.UK wording, ONS provisional text, CSV identifiers, and the stand-in times of the timeline."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from importing import messages
from importing.csv_rows import canonical_identifier
from importing.govuk import parse_display_date
from importing.ons import provisional_window
from importing.records import RecordProblem
from importing.timeline import CANCEL, step_times
from releases.choices import Precision
from releases.schedule import LONDON, Schedule

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("wording", "exact_needed", "expected", "assumed"),
    [
        ("11 January 2018 9:30am", False, Schedule.exact_local(date(2018, 1, 11), time(9, 30)), False),
        ("21 April 2016 2pm", False, Schedule.exact_local(date(2016, 4, 21), time(14, 0)), False),
        ("2 July 2015 12:30pm (confirmed)", False, Schedule.exact_local(date(2015, 7, 2), time(12, 30)), False),
        ("January 2016", False, Schedule.window(date(2016, 1, 1)), False),
        ("January to February 2027 (provisional)", False, Schedule.window(date(2027, 1, 1), 2), False),
        ("December 2026 to January 2027", False, Schedule.window(date(2026, 12, 1), 2), False),
        ("20 January 2016", False, Schedule.window(date(2016, 1, 1)), False),
        ("20 January 2016", True, Schedule.exact_local(date(2016, 1, 20), time(9, 30)), True),
    ],
)
def test_govuk_display_dates(wording, exact_needed, expected, assumed):
    schedule, assumptions = parse_display_date(wording, exact_needed=exact_needed)
    assert schedule == expected
    assert assumptions == ((messages.NO_TIME_ASSUMPTION,) if assumed else ())


@pytest.mark.parametrize("wording", ["next spring", "31 February 2027 9:30am", "January to March 2027", "2027-01-05"])
def test_govuk_display_dates_that_are_refused(wording):
    with pytest.raises((RecordProblem, ValueError)):
        parse_display_date(wording)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("August to September", Schedule.window(date(2018, 8, 1), 2)),
        ("August 2018", Schedule.window(date(2018, 8, 1))),
        ("2018-08-23", Schedule.window(date(2018, 8, 1))),
        ("", Schedule.window(date(2018, 8, 1))),
    ],
)
def test_ons_provisional_dates(text, expected):
    assert provisional_window(text, datetime(2018, 8, 23, 8, 30, tzinfo=UTC)) == expected


def test_ons_provisional_text_it_cannot_read():
    with pytest.raises(RecordProblem, match="is not a month or two months"):
        provisional_window("after the summer", datetime(2018, 8, 23, 8, 30, tzinfo=UTC))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://www.kuztomin.com/government/statistics/announcements/a-b", "https://www.gov.uk/government/statistics/announcements/a-b"),
        ("https://Www.gov.uk/government/statistics/announcements/a-b--2", "https://www.gov.uk/government/statistics/announcements/a-b--2"),
        ("https://www.ons.gov.uk/releases/xyz/", "https://www.ons.gov.uk/releases/xyz"),
        ("https://www.nhsbsa.nhs.uk/announcements/statistical-publication-calendar", "https://www.nhsbsa.nhs.uk/announcements/statistical-publication-calendar#a-title-2020"),
    ],
)
def test_csv_identifiers(url, expected):
    assert canonical_identifier(url, "A title: 2020") == expected


def _exact(day: date) -> Schedule:
    return Schedule.exact_local(day, time(9, 30))


def test_unknown_times_of_past_steps_stand_at_the_codes_notice():
    chain = [_exact(date(2018, 6, 1)), _exact(date(2018, 6, 25))]
    times, final_at, guessed = step_times(chain=chain, known=[None, None], now=NOW)
    assert times == [chain[0].release_at - timedelta(days=28), chain[1].release_at - timedelta(days=28)]
    assert (final_at, guessed) == (None, [0, 1])


def test_an_unknown_step_still_ahead_happens_now_and_known_times_are_kept():
    chain = [Schedule.window(date(2027, 1, 1)), _exact(date(2027, 1, 14))]
    known_change = datetime(2026, 11, 1, 16, 0, tzinfo=UTC)
    times, _final, guessed = step_times(chain=chain, known=[None, None], now=NOW)
    assert (times, guessed) == ([NOW, NOW], [0, 1])
    times, _final, guessed = step_times(chain=chain, known=[None, known_change], now=NOW)
    # Bounded by the known change: 28 days before the January window opens would be later, so it is the change's time.
    assert (times, guessed) == ([known_change, known_change], [0])


def test_a_cancellation_without_a_time_comes_with_the_last_step():
    chain = [_exact(date(2016, 1, 20))]
    times, final_at, _ = step_times(chain=chain, known=[None], now=NOW, final=CANCEL)
    assert final_at == times[0] == chain[0].release_at - timedelta(days=28)
    future = [_exact(date(2027, 1, 20))]
    _times, final_at, _ = step_times(chain=future, known=[None], now=NOW, final=CANCEL)
    assert final_at == NOW


def test_times_that_contradict_the_dates_are_refused():
    chain = [_exact(date(2027, 2, 1))]
    with pytest.raises(RecordProblem):
        step_times(chain=chain, known=[datetime(2027, 3, 1, tzinfo=LONDON)], now=datetime(2027, 4, 1, tzinfo=UTC))
    assert chain[0].precision == Precision.EXACT


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Diagnostic imaging dataset for September 2015", (date(2015, 9, 1), date(2015, 9, 30))),
        ("HES data - April 2021 - May 2021", (date(2021, 4, 1), date(2021, 5, 31))),
        ("MRSA bacteraemia: May 2020 to May 2021", (date(2020, 5, 1), date(2021, 5, 31))),
        ("Mental Health Services Monthly Statistics - Final April, Provisional May 2020", None),
        ("Winter situation reports, week ending 14 February 2016", None),
        ("Abortion statistics for England and Wales: 2020", None),
    ],
)
def test_reference_periods_read_only_from_plain_titles(title, expected):
    from importing.records import reference_period

    assert reference_period(title) == expected


@pytest.mark.django_db
def test_a_release_joins_the_one_series_its_title_begins_with():
    from importing.producers import series_for
    from tests.factories import ProducerFactory, ReleaseSeriesFactory

    nhse, ons = ProducerFactory(slug="nhs-england"), ProducerFactory(slug="ons")
    cancer = ReleaseSeriesFactory(title="Cancer waiting times", producers=[nhse])
    ReleaseSeriesFactory(title="Cancer registrations", producers=[ons])
    assert series_for("Cancer Waiting Times: May 2024", nhse) == cancer
    assert series_for("Cancer waiting times for May 2024", ons) is None  # another producer's series
    assert series_for("Cancer", nhse) is None
    ReleaseSeriesFactory(title="Cancer waiting times, England", producers=[nhse])
    assert series_for("Cancer waiting times England: May 2024", nhse) is None  # two fit: neither is taken


def test_govuk_search_api_results_parse_like_content_items():
    from importing import govuk

    response = {"results": [{
        "title": "NHS workforce statistics: March 2027", "link": "/government/statistics/announcements/nhs-workforce-march-2027",
        "format": "statistics_announcement", "display_date": "June to July 2027", "statistics_announcement_state": "provisional",
        "organisations": [{"slug": "nhs-england", "title": "NHS England", "acronym": "NHSE"}],
        "content_store_document_type": "official_statistics_announcement",
    }]}  # fmt: skip
    (record,) = govuk.parse_document("search.json", response).items
    assert (record.identifier, record.state, record.schedule, record.organisations, record.where) == (
        "/government/statistics/announcements/nhs-workforce-march-2027", "provisional",
        Schedule.window(date(2027, 6, 1), 2), (("nhs-england", "NHS England", "NHSE"),), "search.json result 1",
    )  # fmt: skip

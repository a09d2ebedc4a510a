"""Duplicate detection on real titles from ../shared/realdata and on hand-made cases."""

import csv
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coordination.duplicates import (
    DuplicateIndex,
    ReleaseFacts,
    all_matches,
    geographies_overlap,
    match,
    normalise,
    title_core,
)

REALDATA = Path(__file__).resolve().parents[3] / "shared" / "realdata"
CSV = REALDATA / "web-extracted-announcements" / "announcements_extracted.csv"


def real_titles() -> dict[str, str]:
    """Real announcement titles keyed by their GOV.UK address."""
    if not CSV.exists():
        pytest.skip(f"the real data is not beside the project ({CSV})")
    with CSV.open(encoding="utf-8") as handle:
        return {row["url"]: row["title"] for row in csv.DictReader(handle)}


def facts(pk, title, *, start, end, producers=(1,), networks=(10,), series=None, geography="england"):
    return ReleaseFacts(
        pk=pk,
        title=title,
        producer_ids=frozenset(producers),
        network_ids=frozenset(networks),
        series_id=series,
        reference_period_start=start,
        reference_period_end=end,
        geography=geography,
    )


def test_real_hes_titles_normalise_to_one_core():
    titles = [t for t in real_titles().values() if t.startswith("Provisional Monthly Hospital Episode Statistics")]

    assert len(titles) == 2
    assert {title_core(t) for t in titles} == {
        "hospital episode statistics for admitted patient care outpatient and accident and emergency"
    }


def test_hes_dash_and_comma_period_forms_are_one_release():
    """"April 2021 - May 2021" and "April 2021, May 2021": the same statistics registered twice."""
    base = "Provisional Monthly Hospital Episode Statistics for Admitted Patient Care, Outpatient and Accident and "
    a = facts(1, base + "Emergency data - April 2021 - May 2021", start=date(2021, 4, 1), end=date(2021, 5, 31))
    b = facts(
        2, base + "Emergency data, April 2021, May 2021", start=date(2021, 4, 1), end=date(2021, 5, 31), producers=(2,)
    )

    found = match(a, b)

    assert found is not None
    assert found.similarity == 100.0
    assert found.shared == "the same topic network"


def test_real_cover_quarters_are_not_duplicates():
    """UKHSA's COVER title is identical every quarter; the quarters' reference periods do not overlap."""
    cover = next(t for t in real_titles().values() if t.startswith("Cover of vaccination evaluated rapidly"))
    quarters = [
        (date(2024, 4, 1), date(2024, 6, 30)),
        (date(2024, 7, 1), date(2024, 9, 30)),
        (date(2024, 10, 1), date(2024, 12, 31)),
        (date(2025, 1, 1), date(2025, 3, 31)),
    ]
    releases = [facts(i, cover, start=s, end=e, series=7) for i, (s, e) in enumerate(quarters, start=1)]

    assert all_matches(releases) == []


def test_successive_releases_of_one_series_are_not_duplicates():
    a = facts(1, "Mental Health Services Monthly Statistics - Final April, Provisional May 2020",
              start=date(2020, 4, 1), end=date(2020, 5, 31), series=3)  # fmt: skip
    b = facts(2, "Mental Health Services Monthly Statistics - Final May, Provisional June 2020",
              start=date(2020, 5, 1), end=date(2020, 6, 30), series=3)  # fmt: skip

    assert match(a, b) is None


def test_the_same_period_of_one_series_twice_is_a_duplicate():
    a = facts(1, "NHS Workforce Statistics, August 2025", start=date(2025, 8, 1), end=date(2025, 8, 31), series=4)
    b = facts(2, "NHS workforce statistics: August 2025", start=date(2025, 8, 1), end=date(2025, 8, 31), series=4,
              networks=())  # fmt: skip

    found = match(a, b)

    assert found is not None and found.shared == "the same series"


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"start": date(2021, 6, 1), "end": date(2021, 6, 30)}, "periods do not overlap"),
        ({"geography": "england_wales"}, None),
        ({"geography": "wales"}, "Wales does not overlap England"),
        ({"networks": (11,)}, "no shared network, series or measure"),
        ({"start": None, "end": None}, "no reference period"),
    ],
)
def test_each_condition_is_needed(change, why):
    a = facts(1, "Cancer waiting times for April 2021", start=date(2021, 4, 1), end=date(2021, 4, 30))
    kwargs = {"start": date(2021, 4, 1), "end": date(2021, 4, 30), "producers": (2,), **change}
    b = facts(2, "Cancer Waiting Times, April 2021", **kwargs)

    found = match(a, b)

    assert (found is None) == (why is not None)


def test_different_statistics_in_one_network_are_not_duplicates():
    a = facts(1, "Cancer waiting times for April 2021", start=date(2021, 4, 1), end=date(2021, 4, 30))
    b = facts(2, "Cancer registration statistics, England: April 2021", start=date(2021, 4, 1),
              end=date(2021, 4, 30), producers=(2,))  # fmt: skip

    assert match(a, b) is None


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        ("uk", "england", True),
        ("england", "england_wales", True),
        ("england", "england", True),
        ("england_local", "england_regions", True),
        ("scotland", "gb", True),
        ("england", "wales", False),
        ("scotland", "england_wales", False),
        ("northern_ireland", "gb", False),
    ],
)
def test_geographies_contain_each_other(a, b, overlap):
    assert geographies_overlap(a, b) is overlap
    assert geographies_overlap(b, a) is overlap


def test_index_only_compares_releases_that_share_a_distinctive_word():
    target = facts(1, "Cancer waiting times for April 2021", start=date(2021, 4, 1), end=date(2021, 4, 30))
    unrelated = [
        facts(i, f"Prescription cost analysis {i}", start=date(2021, 4, 1), end=date(2021, 4, 30))
        for i in range(2, 200)
    ]
    twin = facts(500, "Cancer Waiting Times - April 2021", start=date(2021, 4, 1), end=date(2021, 4, 30),
                 producers=(2,))  # fmt: skip
    index = DuplicateIndex([*unrelated, twin])

    assert [c.pk for c in index.candidates(target)] == [500]
    assert [m.key for m in index.matches(target)] == [(1, 500)]


@given(st.text(min_size=1, max_size=80))
def test_normalising_is_stable(title):
    once = normalise(title)

    assert normalise(once) == once
    assert once == once.strip()
    assert "  " not in once

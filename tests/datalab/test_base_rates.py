"""National base rates: what each outcome counts, on a hand-made extract, and the same figures as an independent
pandas computation over the session's generated extract."""

import json
from datetime import date

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from datalab import messages
from datalab.base_rates import compute_base_rates, read_coverage, reference_year
from datalab.choices import AgeGroup, Outcome
from datalab.eligibility import Coverage

# Coverage 1 April 2021 to 31 March 2025, a 90-day lag: the reference year ends 31 March 2025 - 90 days = 31 December
# 2024 and is the 365 days to it, from 2 January 2024 (2024 is a leap year).
YEAR_START, YEAR_END = date(2024, 1, 2), date(2024, 12, 31)
EMERGENCY = {"21", "22", "23", "24", "25", "2A", "2B", "2C", "2D", "28"}  # HES ADMIMETH, as in docs/datalab.md


def write_extract(folder, persons, apc, ae, op):
    folder.mkdir()
    d = pa.date32()
    tables = {
        "persons": pa.table({"person_id": [p for p, _ in persons], "DOB": pa.array([b for _, b in persons], d)}),
        "apc": pa.table({
            "person_id": [s[0] for s in apc], "ADMIDATE": pa.array([s[1] for s in apc], d),
            "SPELDUR": pa.array([s[2] for s in apc], pa.int32()), "ADMIMETH": [s[3] for s in apc],
        }),
        "ae": pa.table({"person_id": [a[0] for a in ae], "ARRIVALDATE": pa.array([a[1] for a in ae], d)}),
        "op": pa.table({"person_id": [o[0] for o in op], "APPTDATE": pa.array([o[1] for o in op], d),
                        "ATTENDED": [o[2] for o in op]}),
    }  # fmt: skip
    for name, table in tables.items():
        pq.write_table(table, folder / f"{name}.parquet")
    manifest = {"vintage": "hand-made", "coverage_start": "2021-04-01", "coverage_end": "2025-03-31",
                "tables": {name: f"{name}.parquet" for name in tables}}  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


@pytest.fixture
def hand_made(tmp_path):
    persons = [
        (1, date(1950, 1, 3)),  # 73 on 2 January 2024 (74 the next day): 65-79
        (2, date(1944, 1, 2)),  # 80 that very day: 80+
        (3, date(2010, 6, 1)),  # 13: 0-17
        (4, date(2024, 6, 1)),  # born during the year: not counted
        (5, date(1990, 1, 1)),  # 34: 18-39
    ]
    apc = [
        (1, date(2024, 1, 1), 4, "21"),  # the day before the year: not counted
        (1, YEAR_START, 3, "21"),
        (1, YEAR_END, None, "2A"),  # still in hospital at the end of coverage: 90 nights to 31 March 2025
        (1, date(2024, 5, 1), 0, "11"),  # an elective day case: no nights
        (1, date(2024, 3, 1), 2, "31"),  # maternity: neither emergency nor elective, but 2 bed days
        (2, date(2024, 6, 1), 0, "12"),
        (4, date(2024, 7, 1), 1, "21"),
    ]
    ae = [(1, date(2024, 2, 1)), (1, date(2024, 11, 5)), (1, date(2025, 1, 1)), (3, YEAR_END)]
    op = [(1, date(2024, 2, 1), "5"), (1, date(2024, 2, 2), "3"), (1, date(2024, 2, 3), "2"), (5, YEAR_START, "5")]
    return write_extract(tmp_path / "hand-made", persons, apc, ae, op)


def by_key(rates):
    return {(r.outcome, r.age_group): r for r in rates}


def test_the_reference_year_is_the_follow_up_year_of_the_latest_start_date(settings):
    coverage = Coverage(start=date(2021, 4, 1), end=date(2025, 3, 31), vintage="v")
    assert reference_year(coverage) == (YEAR_START, YEAR_END)
    settings.DATALAB_PROCESSING_LAG_DAYS = 0
    assert reference_year(coverage) == (date(2024, 4, 1), date(2025, 3, 31))


def test_what_each_outcome_counts_in_a_hand_made_extract(hand_made):
    rates = by_key(compute_base_rates(hand_made))
    assert len(rates) == len(Outcome) * len(AgeGroup)
    people = {group: rates[(Outcome.AE_ATTENDANCES, group)].people for group in AgeGroup.values}
    assert people == {"all": 4, "0-17": 1, "18-39": 1, "40-64": 0, "65-79": 1, "80+": 1}
    # Per person (1, 2, 3, 5): emergency spells 2, 0, 0, 0 (sample variance (1.5² + 3 x 0.5²) / 3 = 1)
    emergency = rates[(Outcome.EMERGENCY_ADMISSIONS, "all")]
    assert (emergency.rate, emergency.mean, emergency.variance) == (0.25, 0.5, pytest.approx(1.0))
    older = rates[(Outcome.EMERGENCY_ADMISSIONS, "65-79")]
    assert (older.people, older.rate, older.mean, older.variance) == (1, 1.0, 2.0, 0.0)
    elective = rates[(Outcome.ELECTIVE_ADMISSIONS, "all")]  # 1, 1, 0, 0
    assert (elective.rate, elective.mean, elective.variance) == (0.5, 0.5, pytest.approx(1 / 3))
    bed_days = rates[(Outcome.BED_DAYS, "all")]  # 3 + 90 + 0 + 2 = 95 nights; person 2's day case counts 0
    assert (bed_days.rate, bed_days.mean) == (0.25, 95 / 4)
    assert rates[(Outcome.BED_DAYS, "80+")].rate == 0.0
    ae = rates[(Outcome.AE_ATTENDANCES, "all")]  # 2, 0, 1, 0: the arrival on 1 January 2025 is after the year
    assert (ae.rate, ae.mean) == (0.5, 0.75)
    outpatients = rates[(Outcome.OUTPATIENT_ATTENDANCES, "all")]  # attended (5) only: 1, 0, 0, 1
    assert (outpatients.rate, outpatients.mean) == (0.5, 0.5)
    empty = rates[(Outcome.EMERGENCY_ADMISSIONS, "40-64")]
    assert (empty.people, empty.rate, empty.mean, empty.variance) == (0, 0.0, 0.0, 0.0)


def test_a_folder_without_an_extract_is_named(tmp_path):
    with pytest.raises(FileNotFoundError) as raised:
        compute_base_rates(tmp_path)
    assert str(raised.value) == messages.EXTRACT_MISSING.format(path=tmp_path)


def test_the_generated_extracts_rates_match_an_independent_pandas_computation(extract, base_rates):
    coverage, _manifest = read_coverage(extract.path)
    assert reference_year(coverage) == (YEAR_START, YEAR_END)
    persons = pq.read_table(extract.path / "persons.parquet", columns=["person_id", "DOB"]).to_pandas()
    dob = pd.to_datetime(persons["DOB"])
    not_yet = (dob.dt.month > 1) | ((dob.dt.month == 1) & (dob.dt.day > 2))  # birthday after 2 January
    persons["age"] = 2024 - dob.dt.year - not_yet.astype(int)
    apc = pq.read_table(extract.path / "apc.parquet").to_pandas()
    in_year = apc[(apc["ADMIDATE"] >= YEAR_START) & (apc["ADMIDATE"] <= YEAR_END)]
    op = pq.read_table(extract.path / "op.parquet").to_pandas()
    op = op[(op["APPTDATE"] >= YEAR_START) & (op["APPTDATE"] <= YEAR_END) & (op["ATTENDED"] == "5")]
    rates = by_key(base_rates)

    def expect(outcome, group_name, group, per_person):
        counts = per_person.reindex(group["person_id"], fill_value=0)
        found = rates[(outcome, group_name)]
        assert found.people == len(group)
        assert found.rate == pytest.approx((counts > 0).mean())
        assert found.mean == pytest.approx(counts.mean())
        assert found.variance == pytest.approx(counts.var(ddof=1))

    emergency = in_year[in_year["ADMIMETH"].isin(EMERGENCY)].groupby("person_id").size()
    expect(Outcome.EMERGENCY_ADMISSIONS, "65-79", persons[persons["age"].between(65, 79)], emergency)
    open_nights = in_year["ADMIDATE"].map(lambda day: (coverage.end - day).days)  # a spell open at the end
    nights = in_year["SPELDUR"].fillna(open_nights).groupby(in_year["person_id"]).sum()
    expect(Outcome.BED_DAYS, "all", persons, nights)
    expect(Outcome.OUTPATIENT_ATTENDANCES, "0-17", persons[persons["age"] <= 17], op.groupby("person_id").size())


def test_older_people_have_more_emergency_admissions(base_rates):
    rates = by_key(base_rates)
    adults = ["18-39", "40-64", "65-79", "80+"]
    emergency = [rates[(Outcome.EMERGENCY_ADMISSIONS, group)].rate for group in adults]
    assert emergency == sorted(emergency) and len(set(emergency)) == len(adults)
    assert sum(rates[(Outcome.AE_ATTENDANCES, g)].people for g in AgeGroup.values if g != "all") == (
        rates[(Outcome.AE_ATTENDANCES, "all")].people
    )

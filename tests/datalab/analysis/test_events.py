"""Reading an extract whose person ids are not 0, 1, 2 ... and whose events are not in order."""

import json
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from datalab.analysis.covariates import day_of, load_extract


def write_extract(folder):
    d = lambda text: date.fromisoformat(text)  # noqa: E731
    pq.write_table(pa.table({
        "person_id": pa.array([40, 7, 19], pa.int64()),
        "NHS_PSEUDONYM": ["a", "b", "c"], "FALLBACK_PSEUDONYM": ["a", "b", "c"],
        "DOB": pa.array([d("1950-05-01"), d("1980-01-31"), d("2001-12-25")], pa.date32()),
        "AGE_AT_START": pa.array([70, 41, 19], pa.int16()), "SEX": ["2", "1", None],
        "ETHNIC_GROUP": ["White", None, "Asian"], "RESGOR_ONS": ["E12000007", "E12000001", "E12000007"],
        "IMD_DECILE": pa.array([3, 9, 1], pa.int8()), "FRAILTY": pa.array([1.0, 1.0, 1.0], pa.float32()),
    }), folder / "persons.parquet")  # fmt: skip
    pq.write_table(pa.table({
        "person_id": pa.array([19, 40, 7, 40, 99], pa.int64()),
        "ARRIVALDATE": pa.array([d("2022-03-01"), d("2023-02-01"), d("2022-07-01"), d("2022-01-05"),
                                 d("2022-01-01")], pa.date32()),
    }), folder / "ae.parquet")  # fmt: skip
    pq.write_table(pa.table({
        "person_id": pa.array([40, 7, 40], pa.int64()),
        "ADMIDATE": pa.array([d("2023-01-01"), d("2022-02-02"), d("2025-03-20")], pa.date32()),
        "DISDATE": pa.array([d("2023-01-04"), d("2022-02-02"), None], pa.date32()),
        "SPELDUR": pa.array([3, 0, None], pa.int32()), "ADMIMETH": ["21", "11", "2A"],
        "CLASSPAT": pa.array([1, 2, 1], pa.int8()),
    }), folder / "apc.parquet")  # fmt: skip
    pq.write_table(pa.table({
        "person_id": pa.array([7, 7], pa.int64()), "APPTDATE": pa.array([d("2022-05-05"), d("2022-05-06")], pa.date32()),
        "ATTENDED": ["5", "3"],
    }), folder / "op.parquet")  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps({"coverage_start": "2021-04-01", "coverage_end": "2025-03-31",
                                                      "vintage": "hand-made", "persons": 3}))  # fmt: skip


def test_sparse_ids_unsorted_events_and_open_spells(tmp_path):
    write_extract(tmp_path)
    coverage, population, events = load_extract(tmp_path)
    assert population.person_id.tolist() == [7, 19, 40] and not population.dense
    assert population.positions(np.array([40, 5, 7])).tolist() == [2, -1, 0]
    assert population.sex.tolist() == [1, 0, 2] and population.ethnic_levels == ("Asian", "Unknown", "White")
    everyone = np.arange(3)
    start, end = np.full(3, coverage.start), np.full(3, coverage.end)
    ae = events.window("ae_attendances", everyone, start, end)
    assert ae.count.tolist() == [1, 1, 2]  # person 99 is not in the extract: dropped
    assert ae.first_day.tolist() == [day_of(date(2022, 7, 1)) - coverage.start, day_of(date(2022, 3, 1)) -
                                     coverage.start, day_of(date(2022, 1, 5)) - coverage.start]  # fmt: skip
    beds = events.window("bed_days", everyone, start, end)
    assert beds.nights.tolist() == [0, 0, 3 + 11]  # the open spell runs to the end of coverage
    assert events.window("emergency_admissions", everyone, start, end).count.tolist() == [0, 0, 2]
    assert events.window("elective_admissions", everyone, start, end).count.tolist() == [1, 0, 0]
    assert events.window("outpatient_attendances", everyone, start, end).count.tolist() == [1, 0, 0]
    rows, days, nights = events.events_between("ae_attendances", np.array([2]), start[:1], end[:1])
    assert rows.tolist() == [0, 0] and days.tolist() == sorted(days.tolist()) and nights.tolist() == [1, 1]

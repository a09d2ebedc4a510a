"""The synthetic national extract: repeatable, HES-shaped, with realistic dependence and a visible planted effect."""

import csv
import json
import stat
from datetime import date

import duckdb
import nhs_number
import numpy as np
import pyarrow.parquet as pq

from datalab.extract import (
    COVERAGE_END,
    COVERAGE_START,
    ELECTIVE_CODES,
    EMERGENCY_CODES,
    index_window,
    synthetic_nhs_numbers,
)

from .conftest import KEY, build


def rows(extract, sql):
    con = duckdb.connect()
    for name in ("persons", "apc", "ae", "op"):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{extract.path / (name + '.parquet')}')")
    return con.execute(sql).fetchall()


def test_the_same_seed_writes_the_same_extract_and_another_seed_does_not(tmp_path):
    first, again, other = (build(tmp_path / n, effect=0.8, seed=s, persons=3000, size=100)
                           for n, s in (("a", 5), ("b", 5), ("c", 6)))  # fmt: skip
    for name in ("persons", "apc", "ae", "op"):
        assert pq.read_table(first.path / f"{name}.parquet").equals(pq.read_table(again.path / f"{name}.parquet"))
        assert not pq.read_table(first.path / f"{name}.parquet").equals(pq.read_table(other.path / f"{name}.parquet"))
    assert (first.path / "cohort" / "cohort.csv").read_text() == (again.path / "cohort" / "cohort.csv").read_text()
    assert first.manifest == json.loads((first.path / "manifest.json").read_text())


def test_manifest_records_vintage_seed_coverage_counts_and_version(extract):
    manifest = json.loads((extract.path / "manifest.json").read_text())
    assert manifest["seed"] == 11 and manifest["persons"] == 20_000 and manifest["generator_version"] == "1"
    assert (manifest["coverage_start"], manifest["coverage_end"]) == (
        COVERAGE_START.isoformat(),
        COVERAGE_END.isoformat(),
    )
    assert manifest["counts"]["persons"] == 20_000
    assert manifest["counts"]["apc"] == rows(extract, "SELECT count(*) FROM apc")[0][0] > 10_000
    assert manifest["cohort"] == {"size": 2000, "effect": 0.5, "truth": "cohort/truth.json"}


def test_synthetic_nhs_numbers_are_unique_valid_and_never_issued():
    numbers = synthetic_nhs_numbers(11, np.arange(200_000))
    assert numbers.min() >= 9_000_000_000 and numbers.max() <= 9_999_999_999
    assert np.unique(numbers).size == numbers.size
    assert all(nhs_number.is_valid(str(n)) for n in numbers[:20_000].tolist())


def test_admission_methods_are_hes_codes_and_classed_as_datalab_md_says(extract):
    assert {"21", "22", "23", "24", "25", "2A", "2B", "2C", "2D", "28"} == EMERGENCY_CODES
    assert {"11", "12", "13"} == ELECTIVE_CODES
    found = {code for (code,) in rows(extract, "SELECT DISTINCT ADMIMETH FROM apc")}
    assert found >= EMERGENCY_CODES | ELECTIVE_CODES
    assert found - EMERGENCY_CODES - ELECTIVE_CODES <= {"31", "32", "81", "82", "83", "98", "99"}
    assert (
        rows(extract, "SELECT count(*) FROM apc WHERE DISDATE < ADMIDATE OR SPELDUR <> DISDATE - ADMIDATE")[0][0] == 0
    )
    for table, column in (("apc", "ADMIDATE"), ("ae", "ARRIVALDATE"), ("op", "APPTDATE")):
        ((first, last),) = rows(extract, f"SELECT min({column}), max({column}) FROM {table}")
        assert first >= COVERAGE_START and last <= COVERAGE_END


def emergency_rate_by(extract, expression):
    return dict(rows(extract, f"""
        SELECT {expression} AS g, count(a.person_id) / count(DISTINCT p.person_id) AS rate
        FROM persons p LEFT JOIN (SELECT person_id FROM apc WHERE ADMIMETH NOT IN ('11','12','13','31','32','81','82','83','98','99')) a
        USING (person_id) GROUP BY g"""))  # fmt: skip


def test_age_deprivation_and_frailty_drive_emergency_admissions(extract):
    by_age = emergency_rate_by(
        extract, "CASE WHEN AGE_AT_START >= 75 THEN 'old' WHEN AGE_AT_START BETWEEN 18 AND 40 THEN 'young' END"
    )
    assert by_age["old"] > 2.5 * by_age["young"]
    by_imd = emergency_rate_by(
        extract, "CASE WHEN IMD_DECILE <= 2 THEN 'deprived' WHEN IMD_DECILE >= 9 THEN 'affluent' END"
    )
    assert by_imd["deprived"] > 1.3 * by_imd["affluent"]
    by_frailty = emergency_rate_by(extract, "FRAILTY > 1.5")
    assert by_frailty[True] > 2 * by_frailty[False]


def test_emergency_admissions_and_ae_peak_in_winter(extract):
    for table, column, where in (("apc", "ADMIDATE", "ADMIMETH IN ('21','22','23','24','25','2A','2B','2C','2D','28')"),
                                 ("ae", "ARRIVALDATE", "TRUE")):  # fmt: skip
        season = dict(
            rows(
                extract,
                f"""SELECT CASE WHEN month({column}) IN (12, 1, 2) THEN 'winter'
            WHEN month({column}) IN (6, 7, 8) THEN 'summer' END, count(*) FROM {table} WHERE {where} GROUP BY 1""",
            )
        )
        assert season["winter"] > 1.25 * season["summer"]


def test_participants_are_selected_on_covariates(extract):
    truth = json.loads((extract.path / "cohort" / "truth.json").read_text())
    ids = ",".join(map(str, truth["person_id_by_row"]))
    ((imd, frailty, adults),) = rows(
        extract, f"SELECT avg(IMD_DECILE), avg(FRAILTY), min(AGE_AT_START) FROM persons WHERE person_id IN ({ids})"
    )
    ((all_imd, all_frailty),) = rows(extract, "SELECT avg(IMD_DECILE), avg(FRAILTY) FROM persons")
    assert imd < all_imd - 1 and frailty > 1.3 * all_frailty and adults >= 18


def post_and_pre_index_events(extract):
    truth = json.loads((extract.path / "cohort" / "truth.json").read_text())
    with open(extract.path / "cohort" / "cohort.csv") as handle:
        index = {
            pid: row["index_date"] for pid, row in zip(truth["person_id_by_row"], csv.DictReader(handle), strict=True)
        }
    values = ",".join(f"({pid}, DATE '{day}')" for pid, day in index.items())
    counts = {}
    for name, sql in (("emergency", "SELECT person_id, ADMIDATE d FROM apc WHERE ADMIMETH IN ('21','22','23','24','25','2A','2B','2C','2D','28')"),
                      ("ae", "SELECT person_id, ARRIVALDATE d FROM ae"),
                      ("elective", "SELECT person_id, ADMIDATE d FROM apc WHERE ADMIMETH IN ('11','12','13')")):  # fmt: skip
        ((post, pre),) = rows(
            extract,
            f"""SELECT count(*) FILTER (WHERE e.d > c.i), count(*) FILTER (WHERE e.d <= c.i)
            FROM ({sql}) e JOIN (VALUES {values}) c(pid, i) ON e.person_id = c.pid""",
        )
        counts[name] = (post, pre)
    return counts, index


def test_the_planted_effect_is_visible_in_the_raw_data(extract, untreated):
    halved, index = post_and_pre_index_events(extract)
    untouched, same_index = post_and_pre_index_events(untreated)
    assert index == same_index
    first, last = index_window()
    assert all(first <= date.fromisoformat(day) <= last for day in index.values())
    for outcome in ("emergency", "ae"):
        assert 0.4 < halved[outcome][0] / untouched[outcome][0] < 0.6  # after the index date: halved
        assert 0.9 < halved[outcome][1] / untouched[outcome][1] < 1.1  # before: unchanged
    assert 0.9 < halved["elective"][0] / untouched["elective"][0] < 1.1  # an outcome not touched


def test_the_cohort_csv_is_an_upload_with_some_nhs_numbers_missing(extract):
    with open(extract.path / "cohort" / "cohort.csv") as handle:
        upload = list(csv.DictReader(handle))
    assert list(upload[0]) == ["nhs_number", "date_of_birth", "sex", "postcode", "index_date", "sessions"]
    missing = sum(1 for row in upload if not row["nhs_number"])
    assert len(upload) == 2000 and 120 < missing < 280
    assert {row["sex"] for row in upload} == {"M", "F"} and all(int(row["sessions"]) >= 1 for row in upload)


def test_the_lab_folder_and_files_are_private(extract):
    assert stat.S_IMODE(extract.path.stat().st_mode) == 0o700
    for path in extract.path.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path


def test_no_raw_identifier_or_key_in_the_extract(extract):
    with open(extract.path / "cohort" / "cohort.csv") as handle:
        upload = list(csv.DictReader(handle))
    raw = {row["nhs_number"] for row in upload if row["nhs_number"]} | {row["postcode"] for row in upload}
    raw |= {row["postcode"].replace(" ", "") for row in upload}
    for name in ("persons", "apc", "ae", "op"):
        table = pq.read_table(extract.path / f"{name}.parquet")
        values = {str(v) for column in table.columns for v in column.to_pylist()}
        assert not raw & values, name
        assert KEY.decode() not in values
    for path in extract.path.rglob("*"):
        if path.is_file() and path.name != "cohort.csv":
            content = path.read_bytes()
            assert KEY not in content
            assert not [value for value in raw if value.encode() in content], path

"""Linkage on the pseudonymised NHS number, the fallback key, and the reasons a row is not linked."""

import json
import logging

import duckdb
import numpy as np
import pytest

from datalab.extract import CohortSpec, generate_extract, synthetic_nhs_numbers, synthetic_postcodes
from datalab.linkage import link_cohort, read_cohort_csv

from .conftest import KEY, SEED


def upload_and_truth(extract):
    rows = read_cohort_csv((extract.path / "cohort" / "cohort.csv").read_text())
    return rows, json.loads((extract.path / "cohort" / "truth.json").read_text())


def test_every_linked_row_is_the_right_person_and_the_link_rate_is_reported(extract):
    rows, truth = upload_and_truth(extract)
    result = link_cohort(rows, extract.path, key=KEY)
    links = result.links.to_pylist()
    assert all(truth["person_id_by_row"][link["row"] - 1] == link["person_id"] for link in links)
    fallback_rows = sum(1 for row in rows if not row["nhs_number"])
    assert result.by_method["nhs_number"] == 2000 - fallback_rows - truth["invalid_nhs_numbers"]
    assert fallback_rows - 5 <= result.by_method["fallback"] <= fallback_rows
    assert result.reasons["invalid_nhs_number"] == truth["invalid_nhs_numbers"] > 0
    assert result.submitted == 2000 and result.linked == len(links)
    assert result.link_rate == pytest.approx(result.linked / 2000) and result.link_rate > 0.95
    assert result.summary()["not_linked"] == result.reasons
    assert "nhs_number" not in result.links.column_names


def identity(extract, person_id):
    """A person's raw details, made again from the seed as the generator made them."""
    ((dob, sex),) = duckdb.sql(
        f"SELECT DOB, SEX FROM '{extract.path / 'persons.parquet'}' WHERE person_id = {person_id}"
    ).fetchall()
    household = person_id - 1 if person_id % 997 == 1 else person_id
    number = int(synthetic_nhs_numbers(SEED, np.array([person_id]))[0])
    return {"nhs_number": str(number), "date_of_birth": dob.isoformat(), "sex": "M" if sex == "1" else "F",
            "postcode": synthetic_postcodes(SEED, np.array([household]))[0], "index_date": "2023-01-01"}  # fmt: skip


def test_reasons_for_not_linking_are_counted(extract):
    exact = identity(extract, 5)
    fallback = identity(extract, 6) | {"nhs_number": ""}
    twin = identity(extract, 998) | {"nhs_number": ""}  # 998 shares date of birth, sex and postcode with 997
    wrong_check = identity(extract, 7) | {
        "nhs_number": exact["nhs_number"][:9] + str((int(exact["nhs_number"][9]) + 1) % 10)
    }
    letters = exact | {"nhs_number": "NOT-A-NUMBER"}
    unknown = exact | {"nhs_number": "9434765919"}  # valid, outside the synthetic population
    nobody = fallback | {"postcode": "ZZ9 9ZZ"}
    incomplete = fallback | {"postcode": ""}
    result = link_cohort(
        [exact, fallback, twin, wrong_check, letters, unknown, nobody, incomplete], extract.path, key=KEY
    )
    assert {link["row"]: (link["person_id"], link["method"]) for link in result.links.to_pylist()} == {
        1: (5, "nhs_number"),
        2: (6, "fallback"),
    }
    assert result.reasons == {"ambiguous_fallback": 1, "invalid_nhs_number": 2, "missing_identifiers": 1, "no_match": 2}
    assert result.link_rate == 2 / 8


def test_a_different_key_links_nobody(extract):
    rows, _truth = upload_and_truth(extract)
    assert link_cohort(rows[:50], extract.path, key=b"another-key-" * 4).linked == 0


def test_linkage_writes_nothing_and_logs_no_identifier_or_key(extract, tmp_path, monkeypatch, caplog, capsys):
    rows, _truth = upload_and_truth(extract)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    before = {p: p.stat().st_mtime_ns for p in extract.path.rglob("*")}
    caplog.set_level(logging.DEBUG)
    link_cohort(rows, extract.path, key=KEY)
    assert list(tmp_path.iterdir()) == []
    assert {p: p.stat().st_mtime_ns for p in extract.path.rglob("*")} == before
    said = caplog.text + "".join(capsys.readouterr())
    assert KEY.decode() not in said
    assert not [row for row in rows if row["nhs_number"] and row["nhs_number"] in said]
    assert not [row for row in rows if row["postcode"] in said]


def test_generating_and_linking_log_neither_key_nor_identifiers(settings, tmp_path, monkeypatch, caplog):
    key = "logged-key-must-never-appear-" * 2
    monkeypatch.setenv("DATALAB_PSEUDONYM_KEY", key)
    settings.DATALAB_DEVELOPMENT_KEY_FILE = tmp_path / "dev.key"  # present but unused: the environment wins
    caplog.set_level(logging.DEBUG)
    made = generate_extract(3000, 2, tmp_path / "x", cohort=CohortSpec(200, 0.9))
    rows = read_cohort_csv(made.cohort_csv.read_text())
    link_cohort(rows, made.path)
    assert key not in caplog.text
    assert not [row for row in rows if row["nhs_number"] and row["nhs_number"] in caplog.text]
    assert not (tmp_path / "dev.key").exists()

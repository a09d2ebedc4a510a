"""A small end-to-end run on a synthetic extract: balance, the direction of a planted effect, a deterministic,
immutable, JSON-ready result with its manifest, ACRO's evidence, and the publishable report."""

import dataclasses
import json
import tempfile
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from datalab import messages
from datalab.analysis.covariates import Coverage, load_extract, read_manifest, select_cohort
from datalab.analysis.events import KINDS
from datalab.analysis.inference import MinimalImportantDifference
from datalab.analysis.parameters import AnalysisParameters
from datalab.analysis.result import AnalysisResult
from datalab.analysis.run import run_analysis
from datalab.disclosure.publish import publish
from datalab.disclosure.rules import STAR

from .conftest import COHORT


def test_the_run_is_feasible_balanced_and_finds_the_planted_fall(analysis):
    result = analysis.result
    assert result.feasibility.passed and result.feasibility.reasons == ()
    assert result.counts.analysed == result.counts.linked > 0.95 * COHORT
    assert result.counts.share_matched >= 0.8
    assert all(abs(row.smd_after) <= 0.10 for row in result.balance)
    assert max(abs(row.smd_before) for row in result.balance) > 0.2  # the selection the matching corrected
    assert {row.name for row in result.balance} >= {"age", "female", "imd", "prior_emergency_admissions"}
    by_key = {(row.outcome, row.measure): row for row in result.outcomes}
    assert len(by_key) == 15 and sum(row.primary for row in result.outcomes) == 1
    primary = result.primary
    assert primary is not None and (primary.outcome, primary.measure) == ("emergency_admissions", "rate")
    assert primary.difference < 0 and primary.holm_p is None  # halved: fewer emergency admissions
    assert by_key[("ae_attendances", "frequency")].difference < 0
    assert all(row.holm_p is not None and row.holm_p >= row.p_value for row in result.outcomes if not row.primary)
    assert len(result.placebo) == 10 and not result.placebo_warning
    assert result.e_value is not None and result.e_value.ratio < 1 and result.e_value.point > 1
    assert result.counts.effective_sample_size <= result.counts.controls_used
    assert len(analysis.matched_person_ids) == result.counts.matched
    assert analysis.matched_person_ids <= analysis.analysed_person_ids


def test_the_manifest_says_how_to_repeat_the_run(analysis, small_extract):
    manifest = analysis.result.manifest
    extract = read_manifest(small_extract.path)
    assert manifest.parameters == AnalysisParameters(seed=3) and manifest.seed == 3
    assert (manifest.extract.vintage, manifest.extract.generator_version) == (extract["vintage"],
                                                                              extract["generator_version"])  # fmt: skip
    assert manifest.extract.persons == 30_000 and manifest.code_version
    names = {p.name: p.version for p in manifest.packages}
    assert set(names) == {"numpy", "pandas", "scipy", "statsmodels", "scikit-learn", "duckdb", "pyarrow", "acro"}
    assert names["acro"] == "1.0.2"


def test_same_seed_same_result_and_the_result_is_immutable(analysis, small_extract, linkage):
    again = run_analysis(extract_dir=small_extract.path, links=linkage.links, params=AnalysisParameters(seed=3),
                         submitted=linkage.submitted)  # fmt: skip
    assert again.result.to_dict() == analysis.result.to_dict()
    assert again.result.fingerprint() == analysis.result.fingerprint()
    with pytest.raises(dataclasses.FrozenInstanceError):
        analysis.result.counts.matched = 1  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        analysis.result.outcomes[0].difference = 0.0  # type: ignore[misc]
    assert isinstance(analysis.result.outcomes, tuple)


def test_the_result_round_trips_through_json_and_its_fingerprint_proves_it(analysis):
    result = analysis.result
    text = result.to_json()
    back = AnalysisResult.from_dict(json.loads(text))
    assert back == result and back.fingerprint() == result.fingerprint()
    changed = json.loads(text)
    changed["counts"]["matched"] += 1
    assert AnalysisResult.from_dict(changed).fingerprint() != result.fingerprint()
    assert "person_id" not in text


def test_acro_checked_the_profile_tables_and_left_nothing_behind(analysis):
    evidence = analysis.result.acro
    assert evidence is not None and evidence.version == "1.0.2"
    assert [t.name for t in evidence.tables] == ["age_sex", "region", "ethnicity", "deprivation"]
    assert {t.status for t in evidence.tables} <= {"pass", "fail", "review"}
    kept = json.loads(evidence.results_json)
    assert kept["results"] and "timestamp" not in evidence.results_json
    assert not list(Path(tempfile.gettempdir()).glob("acro-*"))


def test_every_cell_acro_fails_is_suppressed_in_the_publishable_tables(analysis):
    result = analysis.result
    report = publish(result, programme="Home from hospital")
    suppressed = {(e.table, e.row, e.column) for e in report.evidence if e.action == "suppressed"}
    assert result.acro is not None
    for table in result.acro.tables:
        for cell in table.failing_cells:
            column = cell[1] if len(cell) > 1 else "people"
            assert (table.name, cell[0], column) in suppressed
    for profile in report.tables:
        if profile.name in {"age_sex", "region", "ethnicity", "deprivation"}:
            for row in profile.rows:
                for value in row[1:]:
                    assert value in {STAR, ""} or int(value.replace(",", "")) % 5 == 0


def test_the_publishable_report_words_the_headline_and_withholds_small_cells(analysis):
    result = analysis.result
    report = publish(result, programme="Home from hospital")
    assert report.feasible and report.placebo_warning is None
    primary = result.primary
    assert primary is not None and primary.ci_low < 0
    if primary.significant:
        assert report.headline[0].startswith("People who took part in Home from hospital had fewer emergency")
    else:
        assert report.headline[0] == messages.HEADLINE_NOT_SIGNIFICANT.format(
            outcome="emergency hospital admissions", low=f"{-primary.ci_low:.1f}", high=f"{max(primary.ci_high, 0):.1f}",
            measure=messages.MEASURE_WORDS["rate"])  # fmt: skip
    assert report.headline[1] == messages.PER_100_PEOPLE.format(
        treated=f"{primary.treated_value:.1f}", control=f"{primary.control_value:.1f}",
        measure=messages.MEASURE_WORDS["rate"])  # fmt: skip
    fewer = dataclasses.replace(primary, ci_low=-9.25, ci_high=-1.04, p_value=0.01, significant=True)
    significant = dataclasses.replace(result, outcomes=tuple(fewer if r.primary else r for r in result.outcomes))
    assert publish(significant, programme="Home from hospital").headline[0] == messages.HEADLINE_FEWER.format(
        programme="Home from hospital", outcome="emergency hospital admissions", low="1.0", high="9.2",
        measure=messages.MEASURE_WORDS["rate"])  # fmt: skip
    mid = dataclasses.replace(result, minimal_important_difference=MinimalImportantDifference(5.0, True, False))
    assert publish(mid).headline[-1] == messages.MID_RULES_OUT_REDUCTION.format(value=5.0)
    outcomes = report.table("outcomes")
    assert len(outcomes.rows) == 15 and outcomes.rows[3][2] == "primary"
    counts = dict(report.table("counts").rows)
    assert counts["analysed"] == f"{round(result.counts.analysed / 5) * 5:,}"
    json.dumps(report.to_dict())
    for row, original in zip(outcomes.rows, result.outcomes, strict=True):
        if original.treated.with_event < 10 or original.treated.people - original.treated.with_event < 10:
            assert row[3] == row[5] == row[6] == STAR


def test_a_result_without_balance_is_not_feasible_and_publishes_no_outcome(analysis):
    result = analysis.result
    strict = dataclasses.replace(result.feasibility, passed=False)
    blocked = dataclasses.replace(result, feasibility=strict)
    report = publish(blocked)
    assert not report.feasible and report.headline == ()
    assert "outcomes" not in {t.name for t in report.tables}
    assert any(e.reasons == ("not_feasible",) for e in report.evidence)


def test_too_few_people_and_too_few_matched_are_not_feasible_with_reasons(small_extract, linkage):
    params = AnalysisParameters(seed=3, min_people=10_000, caliper_sd=0.0001)
    run = run_analysis(extract_dir=small_extract.path, links=linkage.links, params=params, check_profiles=False)
    codes = [r.code for r in run.result.feasibility.reasons]
    assert codes[:2] == ["too_few_people", "too_few_matched"]
    assert run.result.outcomes == () and run.result.e_value is None
    analysed = run.result.counts.analysed
    assert run.result.feasibility.reasons[0].text == messages.FEASIBILITY["too_few_people"].format(
        analysed=analysed, minimum=10_000)


def test_a_cohort_with_no_one_analysable_is_not_feasible(small_extract, linkage):
    links = linkage.links.select(["row", "person_id"]).append_column(
        "index_date", pa.array([date(2021, 6, 1)] * linkage.links.num_rows, pa.date32()))
    run = run_analysis(extract_dir=small_extract.path, links=links, params=AnalysisParameters())
    result = run.result
    assert result.counts.analysed == 0 and result.counts.matched == 0 and not result.feasibility.passed
    assert [r.code for r in result.feasibility.reasons] == ["too_few_people", "too_few_matched"]
    assert {e.reason: e.people for e in result.counts.excluded}["index_date_outside_window"] == links.num_rows
    assert result.acro is None and publish(result).tables[0].name == "counts"


def test_cohort_rows_that_cannot_be_analysed_are_counted_by_reason(small_extract, linkage):
    coverage, population, _ = load_extract(small_extract.path)
    links = linkage.links
    first = links.slice(0, 3)
    extra = pa.table({
        "row": pa.array([1001, 1002, 1003, 1004], pa.int64()),
        "person_id": pa.array([first.column("person_id")[0].as_py(), 10**9, first.column("person_id")[1].as_py(),
                               first.column("person_id")[2].as_py()], pa.int64()),
        "index_date": pa.array([date(2023, 1, 1), date(2023, 1, 1), None, date(2024, 9, 1)], pa.date32()),
    })  # fmt: skip
    rows = pa.concat_tables([links.select(["row", "person_id", "index_date"]), extra])
    params = AnalysisParameters()
    selection = select_cohort(rows, population, coverage, params)
    assert selection.excluded == {"not_in_extract": 1, "duplicate_person": 3, "index_date_missing": 0,
                                  "index_date_outside_window": 0}  # fmt: skip
    reversed_rows = pa.concat_tables([extra, links.select(["row", "person_id", "index_date"])])
    again = select_cohort(reversed_rows, population, coverage, params)
    assert again.excluded == selection.excluded  # the first row by number wins, whatever the order given
    late = rows.filter(pa.compute.greater_equal(rows.column("row"), 1002))
    alone = select_cohort(late, population, coverage, params)
    assert alone.excluded["index_date_missing"] == 1 and alone.excluded["index_date_outside_window"] == 1
    assert set(messages.EXCLUSIONS) == set(selection.excluded)


def test_event_windows_agree_with_duckdb(small_extract):
    coverage, population, events = load_extract(small_extract.path)
    rng = np.random.default_rng(2)
    positions = rng.choice(population.size, 200, replace=False)
    start = rng.integers(coverage.start, coverage.end - 400, positions.size)
    end = start + 364
    con = duckdb.connect()
    con.register("w", pa.table({"person_id": population.person_id[positions], "s": start, "e": end}))
    sql = {
        "ae_attendances": "SELECT person_id, ARRIVALDATE d, 1 n FROM read_parquet('{p}/ae.parquet')",
        "emergency_admissions": "SELECT person_id, ADMIDATE d, 1 n FROM read_parquet('{p}/apc.parquet') WHERE ADMIMETH IN ('21','22','23','24','25','2A','2B','2C','2D','28')",
        "elective_admissions": "SELECT person_id, ADMIDATE d, 1 n FROM read_parquet('{p}/apc.parquet') WHERE ADMIMETH IN ('11','12','13')",
        "outpatient_attendances": "SELECT person_id, APPTDATE d, 1 n FROM read_parquet('{p}/op.parquet') WHERE ATTENDED = '5'",
        "bed_days": "SELECT person_id, ADMIDATE d, coalesce(SPELDUR, DATE '2025-03-31' - ADMIDATE) n FROM read_parquet('{p}/apc.parquet') WHERE coalesce(SPELDUR, DATE '2025-03-31' - ADMIDATE) > 0",
    }  # fmt: skip
    assert set(sql) == set(KINDS)
    for kind, query in sql.items():
        got = events.window(kind, positions, start, end)
        rows = con.execute(f"""
            SELECT w.person_id, count(x.d), coalesce(sum(x.n), 0), min(x.d - DATE '1970-01-01' - w.s)
            FROM w LEFT JOIN ({query.format(p=small_extract.path)}) x
              ON x.person_id = w.person_id AND x.d - DATE '1970-01-01' BETWEEN w.s AND w.e
            GROUP BY w.person_id""").fetchall()
        expected = {pid: (c, n, -1 if f is None else f) for pid, c, n, f in rows}
        for i, pid in enumerate(population.person_id[positions].tolist()):
            assert (int(got.count[i]), int(got.nights[i]), int(got.first_day[i])) == expected[pid], kind


def test_coverage_and_index_window_follow_the_manifest(small_extract):
    coverage = Coverage.from_manifest(read_manifest(small_extract.path))
    first, last = coverage.index_window(AnalysisParameters())
    assert np.datetime64(first, "D") == np.datetime64("2022-04-01")
    assert np.datetime64(last, "D") == np.datetime64("2024-01-01")

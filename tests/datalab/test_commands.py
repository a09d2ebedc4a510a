"""`manage.py datalab_extract` and `manage.py benchmark datalab-linkage` at tiny sizes."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from datalab import messages


def test_datalab_extract_writes_the_extract_and_shows_progress(tmp_path, monkeypatch):
    monkeypatch.setenv("DATALAB_PSEUDONYM_KEY", "k" * 40)
    out, err = io.StringIO(), io.StringIO()
    call_command("datalab_extract", "--persons", "600", "--seed", "4", "--out", str(tmp_path / "x"),
                 "--cohort", "60", "--effect", "0.7", stdout=out, stderr=err)  # fmt: skip
    summary = json.loads(out.getvalue())
    assert summary["path"] == str(tmp_path / "x") and summary["counts"]["persons"] == 600
    assert summary["cohort"]["size"] == 60 and summary["cohort_csv"].endswith("cohort.csv")
    assert "datalab_extract: 100% 600/600 persons" in err.getvalue()  # plain lines when not a terminal
    assert {p.name for p in (tmp_path / "x").iterdir()} == {"persons.parquet", "apc.parquet", "ae.parquet",
                                                           "op.parquet", "manifest.json", "cohort"}  # fmt: skip


def test_datalab_extract_defaults_to_the_lab_data_folder(settings, monkeypatch):
    monkeypatch.setenv("DATALAB_PSEUDONYM_KEY", "k" * 40)
    call_command("datalab_extract", "--persons", "50", "--seed", "1", stdout=io.StringIO(), stderr=io.StringIO())
    assert (settings.DATALAB_DATA_DIR / "extracts" / "synthetic-2025-06-seed1-n50" / "persons.parquet").exists()


def test_datalab_extract_without_a_key_says_so(tmp_path):
    with pytest.raises(CommandError) as error:
        call_command("datalab_extract", "--persons", "10", "--seed", "1", "--out", str(tmp_path / "x"),
                     stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    assert str(error.value) == messages.KEY_MISSING
    with pytest.raises(CommandError):
        call_command("datalab_extract", "--persons", "0", "--seed", "1", stdout=io.StringIO(), stderr=io.StringIO())


def test_benchmark_datalab_linkage_prints_its_figures(settings, monkeypatch):
    monkeypatch.setenv("DATALAB_PSEUDONYM_KEY", "k" * 40)
    out = io.StringIO()
    call_command("benchmark", "datalab-linkage", "--persons", "2000", "--cohort", "100", "--runs", "5", stdout=out)
    figures = json.loads(out.getvalue())
    assert {"benchmark", "persons", "cohort", "generate_seconds", "link_seconds", "link_rate", "linkage", "memory",
            "cores", "load_average", "rows", "parquet_mib", "within_target"} <= set(figures)  # fmt: skip
    assert set(figures["link_seconds"]) == {"runs", "median", "min", "max"} and figures["link_seconds"]["runs"] == 5
    assert figures["link_seconds"]["min"] <= figures["link_seconds"]["median"] <= figures["link_seconds"]["max"]
    assert {"link_rss_start_mib", "link_rss_peak_mib", "link_rss_increase_mib"} <= set(figures["memory"])
    assert 0.9 < figures["link_rate"] <= 1 and figures["linkage"]["submitted"] == 100
    assert list((settings.DATALAB_DATA_DIR).iterdir()) == []  # the benchmark's extract is removed

"""A small national extract (30,000 persons) with a cohort of 300 whose emergency admissions and A&E halve, linked."""

from pathlib import Path

import pytest

from datalab.analysis.parameters import AnalysisParameters
from datalab.analysis.run import AnalysisRun, run_analysis
from datalab.extract import CohortSpec, Extract, generate_extract
from datalab.linkage import LinkageResult, link_cohort, read_cohort_csv

KEY = b"test-pseudonymisation-key-0123456789abcdef"
PERSONS = 30_000
COHORT = 300
SEED = 5


@pytest.fixture(scope="session")
def small_extract(tmp_path_factory) -> Extract:
    root: Path = tmp_path_factory.mktemp("analysis") / "extract"
    return generate_extract(PERSONS, SEED, root, cohort=CohortSpec(COHORT, 0.5), key=KEY)


@pytest.fixture(scope="session")
def linkage(small_extract) -> LinkageResult:
    upload = (small_extract.path / "cohort" / "cohort.csv").read_text()
    return link_cohort(read_cohort_csv(upload), small_extract.path, key=KEY)


@pytest.fixture(scope="session")
def analysis(small_extract, linkage) -> AnalysisRun:
    """One full run (ACRO included) shared by the end-to-end tests."""
    assert linkage.links is not None
    return run_analysis(extract_dir=small_extract.path, links=linkage.links, params=AnalysisParameters(seed=3),
                        submitted=linkage.submitted)  # fmt: skip

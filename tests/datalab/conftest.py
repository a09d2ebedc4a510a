"""A small national extract (20,000 persons, seed 11) with a cohort of 2,000 and a planted halving, built once."""

from pathlib import Path

import pytest

from datalab.extract import CohortSpec, Extract, generate_extract

KEY = b"test-pseudonymisation-key-0123456789abcdef"
PERSONS = 20_000
SEED = 11


@pytest.fixture(autouse=True)
def _eager(request):
    """Every lab test runs the lab's tasks in-process (lab.eager_lab_tasks), but those marked ``services``."""
    if not request.node.get_closest_marker("services"):
        request.getfixturevalue("eager_lab_tasks")


@pytest.fixture(autouse=True)
def lab_settings(settings, tmp_path, monkeypatch):
    """No key in the environment unless a test sets one; the data folder and development key under tmp_path."""
    monkeypatch.delenv("DATALAB_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("DATALAB_PSEUDONYM_KEY_FILE", raising=False)
    settings.DATALAB_DATA_DIR = tmp_path / "datalab"
    settings.DATALAB_DEVELOPMENT_KEY_FILE = None
    return settings


def build(root: Path, *, effect: float, seed: int = SEED, persons: int = PERSONS, size: int = 2000) -> Extract:
    return generate_extract(persons, seed, root, cohort=CohortSpec(size, effect), key=KEY)


@pytest.fixture(scope="session")
def extract(tmp_path_factory) -> Extract:
    return build(tmp_path_factory.mktemp("extract") / "halved", effect=0.5)


@pytest.fixture(scope="session")
def untreated(tmp_path_factory) -> Extract:
    """The same persons, cohort and index dates with no effect planted."""
    return build(tmp_path_factory.mktemp("extract") / "none", effect=1.0)


from tests.datalab.lab import base_rates, eager_lab_tasks, lab  # noqa: E402, F401 - the lab's cast and its extract, for every lab test

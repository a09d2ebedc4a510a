"""`manage.py benchmark pages`: every page of the README's table, figures per page, the machine they came from."""

import re
from pathlib import Path

import pytest

from sampledata import benchmark_pages
from sampledata.benchmark_pages import Page, demo_pages, measure

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_paths() -> list[str]:
    """The addresses in the first column of the README's table of pages."""
    paths = []
    for line in README.read_text().splitlines():
        if line.startswith("| `/"):
            first_column = line.split("|")[1]
            paths.extend(re.findall(r"`([^`]+)`", first_column))
    return paths


def test_every_page_of_the_readme_is_timed(monkeypatch):
    monkeypatch.setattr(benchmark_pages, "_first", lambda queryset, field: "x1")  # no data needed to list them
    timed = [page.path for page in demo_pages()]

    paths = readme_paths()
    assert len(paths) >= 20
    for path in paths:
        pattern = re.sub(r"<(slug|pk|id|reference)>", "[^/]+", re.escape(path))
        assert any(re.match(pattern, page) for page in timed), f"{path} is not timed"
    assert {page.as_user for page in demo_pages()} >= {None, "nhse.editor", "nhse.hop", "osr.viewer", "secretariat"}


@pytest.mark.django_db
def test_figures_per_page_with_query_counts_and_the_machine(cast, django_user_model):
    django_user_model.objects.create_user(username="osr.viewer").groups.set(cast.osr.groups.all())

    figures = measure([Page("calendar", "/calendar/"), Page("osr", "/osr/", "osr.viewer"),
                       Page("nowhere", "/no-such-page/")], runs=5)  # fmt: skip

    assert figures["cores"] >= 1 and len(figures["load_average"]) == 3
    calendar, osr = figures["pages"]["calendar"], figures["pages"]["osr"]
    assert calendar["runs"] == 5 and calendar["as"] == "anyone" and osr["as"] == "osr.viewer"
    for page in (calendar, osr):
        assert page["status"] == [200] and page["queries"] > 0
        assert 0 < page["min_ms"] <= page["p50_ms"] <= page["p95_ms"] <= page["max_ms"]
    assert figures["pages_not_200"] == ["nowhere"]
    assert figures["slowest"]["page"] in figures["pages"]

"""The report's pages meet WCAG 2.2 AA (axe-core in Chromium, as tests/datalab/test_accessibility.py runs it): the
published report with its plots and tables, the catalogue, and the factual review form with its errors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser import browser  # noqa: F401 - fixture
from tests.datalab.reports import analysed, in_review, published  # noqa: F401 - fixture
from tests.datalab.test_accessibility import check, page, sign_in  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_report_pages(page, live_server, lab, analysed):  # noqa: F811 - fixtures
    report = published(lab, analysed)
    reviewing = in_review(lab, analysed, programme_name="Carers' breaks")
    page.goto(live_server.url + reverse("datalab:report", kwargs={"reference": report.request.reference}))
    assert page.locator("svg.datalab-plot--forest").count() == 2
    assert page.locator("svg.datalab-plot--forest g.forest-row").count() == 10
    check(page, "report")
    page.goto(live_server.url + reverse("datalab:reports"))
    assert page.locator("table.datalab-catalogue tbody tr").count() == 1
    check(page, "reports")

    sign_in(page, live_server, lab.charity)
    page.goto(live_server.url + reverse("datalab:factual-review", kwargs={"reference": reviewing.reference}))
    page.fill("#reason", "")
    page.click("button:has-text('Correct the description')")
    assert page.locator(".govuk-error-summary").is_visible()
    check(page, "factual-review-errors")

"""The OSR dashboard and a published progress report in Debian Chromium: axe WCAG 2.2 AA and no CSP violation."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from progress import services
from progress.quarters import Quarter
from tests.browser import assert_accessible, assert_no_csp, browser, csp_context  # noqa: F401 - fixture
from tests.factories import CancelledReleaseFactory, ConfirmedReleaseFactory, PublishedReleaseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"


@pytest.fixture
def data(cast):
    last = Quarter.containing(timezone.now()).previous()
    for producer in (cast.producer, cast.other_producer):
        ConfirmedReleaseFactory(lead_producer=producer, networks=[cast.network])
        PublishedReleaseFactory(lead_producer=producer, networks=[cast.other_network])
        CancelledReleaseFactory(lead_producer=producer, networks=[cast.network])
        PublishedReleaseFactory(lead_producer=producer, release_at=last.starts_at + timedelta(days=30, hours=9),
                                revised_at=last.starts_at + timedelta(days=30, hours=10))  # fmt: skip
    report = services.report_draft(actor=cast.secretariat, quarter=last)
    report = services.report_update_commentary(actor=cast.secretariat, report=report,
                                               commentary="Confirmations came earlier.\n\nFewer clashes.")  # fmt: skip
    return services.report_issue(actor=cast.secretariat, report=report)


@pytest.fixture
def page(browser, live_server, settings):  # noqa: F811 - the browser fixture
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # fmt: skip
    context = csp_context(browser)
    page = context.new_page()
    yield page
    assert_no_csp(page)
    context.close()


def test_dashboard_and_report_pages_are_accessible(page, live_server, data, cast):
    page.goto(live_server.url + reverse("progress:report", kwargs={"quarter": data.quarter}) + "?breakdown=producer")
    assert page.locator("h1").inner_text() == data.period
    assert page.locator("svg[role=img]").count() >= 16
    assert_accessible(page)
    page.goto(live_server.url + reverse("progress:reports"))
    assert_accessible(page)

    page.goto(live_server.url + reverse("login") + "?next=" + reverse("progress:dashboard"))
    page.fill("#username", cast.osr.username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.goto(live_server.url + reverse("progress:dashboard") + "?breakdown=network")
    assert page.locator("h1").inner_text().startswith("Progress figures")
    assert page.locator("section[aria-labelledby=figure-cancellations] table").count() == 2
    assert_accessible(page)
    page.click("section[aria-labelledby=figure-cancellations] a:has-text('See what is behind this figure')")
    assert page.locator("h1").inner_text() == "Cancelled releases"
    assert_accessible(page)


def test_the_preview_before_issuing_is_accessible_and_issues_only_when_confirmed(page, live_server, cast):
    import os

    report = services.report_draft(actor=cast.secretariat, quarter=Quarter.containing(timezone.now()).previous())
    page.goto(live_server.url + reverse("login") + "?next=" + reverse("progress:manage", kwargs={"quarter": report.quarter}))
    page.fill("#username", cast.secretariat.username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.goto(live_server.url + reverse("progress:manage", kwargs={"quarter": report.quarter}))
    page.fill("#commentary", "Confirmations came earlier.\n\nFewer clashes: <b>two</b> settled\nin March.")
    page.click("button:has-text('Preview and issue to OSR')")

    assert page.locator("h1").inner_text() == report.period
    assert page.locator(".app-commentary p").all_inner_texts() == [
        "Confirmations came earlier.", "Fewer clashes: <b>two</b> settled\nin March."]  # fmt: skip
    assert_accessible(page)
    if os.environ.get("SCREENSHOT_DIR"):  # for people reviewing the page: its top, and the confirmation
        page.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], "report-preview-top.png"))
        page.locator("#issue-title").scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], "report-preview-confirm.png"))
    report.refresh_from_db()
    assert not report.is_issued
    page.click("button:has-text('Yes, issue the report to OSR')")
    page.wait_for_url("**" + reverse("progress:report", kwargs={"quarter": report.quarter}))
    report.refresh_from_db()
    assert report.is_issued

"""The lab's pages meet WCAG 2.2 AA (axe-core in real Chromium), with their errors showing, and work without a CSP
violation. EHSSG_SCREENSHOT_DIR=folder also saves each page checked as a PNG there, to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse

from datalab.choices import RequestState
from tests.browser import assert_accessible, browser, csp_context  # noqa: F401 - fixture
from tests.datalab.lab import cohort_csv
from tests.datalab.pages import in_state, url_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"


@pytest.fixture
def page(browser, live_server, settings):  # noqa: F811 - the browser fixture
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # fmt: skip
    context = csp_context(browser)
    page = context.new_page()
    yield page
    context.close()


def check(page, name: str) -> None:
    """axe on the page as it is, and a screenshot when asked for."""
    assert page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily").lower().startswith("arial")
    assert_accessible(page)
    folder = os.environ.get("EHSSG_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"datalab-{name}.png"), full_page=True)


def sign_in(page, live_server, user) -> None:
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("login"))
    page.fill("#username", user.username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(live_server.url + reverse("datalab:requests"))


def test_the_public_page(page, live_server, lab):
    page.goto(live_server.url + url_of("home"))
    check(page, "home")


def test_the_organisations_pages(page, live_server, lab, extract, tmp_path):
    draft = in_state(lab, RequestState.DRAFT)
    in_state(lab, RequestState.SUBMITTED)
    signing = in_state(lab, RequestState.ELIGIBILITY_CHECKED)
    open_upload = in_state(lab, RequestState.AWAITING_UPLOAD)
    linked = in_state(lab, RequestState.LINKED)
    sign_in(page, live_server, lab.charity)
    check(page, "requests-organisation")

    page.goto(live_server.url + url_of("request-new"))
    page.click("button:has-text('Save the draft')")
    assert page.locator(".govuk-error-summary").is_visible()
    check(page, "application-errors")

    for name, path in (("request-draft", url_of("request", draft)), ("submit", url_of("request-submit", draft)),
                       ("request-linked", url_of("request", linked))):  # fmt: skip
        page.goto(live_server.url + path)
        check(page, name)

    page.goto(live_server.url + url_of("agreement", signing))
    check(page, "agreement")
    page.click("button:has-text('Sign the agreement')")
    assert page.locator(".govuk-error-summary").is_visible()
    check(page, "agreement-errors")

    page.goto(live_server.url + url_of("upload", open_upload))
    rows = cohort_csv(extract, limit=20).decode().splitlines()
    broken = tmp_path / "cohort.csv"
    broken.write_text("\r\n".join([rows[0], *[",".join(["not a number", *r.split(",")[1:]]) for r in rows[1:]]]))
    page.set_input_files("#cohort", str(broken))
    page.click("button:has-text('Upload the file')")
    assert page.locator("#problems").is_visible()
    check(page, "upload-errors")

    page.goto(live_server.url + url_of("step:withdraw", draft))
    check(page, "step-withdraw")


def test_the_labs_pages(page, live_server, lab):
    submitted = in_state(lab, RequestState.SUBMITTED)
    signed = in_state(lab, RequestState.AGREEMENT_SIGNED)
    in_state(lab, RequestState.LINKED)
    sign_in(page, live_server, lab.analyst)
    check(page, "queue")
    page.goto(live_server.url + url_of("requests") + "?state=bogus")
    check(page, "queue-filter-error")

    page.goto(live_server.url + url_of("step:open_upload", signed))
    check(page, "step-open-upload")
    page.click("button:has-text('Assign the lab team')")
    assert page.locator(".govuk-error-summary").is_visible()
    check(page, "step-open-upload-errors")

    page.goto(live_server.url + url_of("step:refuse_eligibility", submitted))
    page.click("button:has-text('Refuse as not eligible')")
    check(page, "step-reason-errors")

    page.goto(live_server.url + url_of("audit", signed))
    check(page, "audit")


def test_the_analysis_pages(page, live_server, lab, extract):
    from datalab import services
    from tests.datalab.lab import advance, draft

    request = advance(lab, draft(lab), RequestState.PROTOCOL_LOCKED, extract=extract)
    services.request_analysis(request, by=lab.analyst)  # no transaction around it: the eager run follows at once
    sign_in(page, live_server, lab.analyst)
    page.goto(live_server.url + url_of("request", request))
    check(page, "request-analysed")

    sign_in(page, live_server, lab.checker)
    page.goto(live_server.url + url_of("output-check", request))
    check(page, "output-check")
    page.click("button:has-text('Record the decision')")
    assert page.locator(".govuk-error-summary").is_visible()
    check(page, "output-check-errors")

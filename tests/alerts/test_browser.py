"""The alert pages in real Chromium: WCAG 2.2 AA (axe-core), no CSP violation, and the whole journey without JavaScript."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from alerts import tokens
from alerts.models import Subscription
from tests.browser import assert_accessible, browser, csp_context  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser, live_server, settings):  # noqa: F811 - the browser fixture
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # fmt: skip
    context = csp_context(browser)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def page_without_js(browser, live_server, settings):  # noqa: F811 - the browser fixture
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # fmt: skip
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


def test_subscribe_confirm_and_unsubscribe_pages_are_accessible(page, live_server, cast):
    page.goto(live_server.url + reverse("alerts:subscribe") + "?producer=nhs-england")
    assert page.locator("h1").inner_text().startswith("Get email alerts")
    assert page.is_checked("input[name=producer][value=nhs-england]")
    assert_accessible(page)

    page.fill("#email", "not an address")
    page.fill("#q", "<script>")
    page.click("button:has-text('Subscribe')")
    assert page.locator(".govuk-error-summary").is_visible()
    assert "Error: " in page.title()
    assert_accessible(page)
    assert Subscription.objects.count() == 0

    page.fill("#email", "reader@example.org")
    page.fill("#q", "attendances")
    page.click("button:has-text('Subscribe')")
    assert page.locator("h1").inner_text() == "Check your email"
    assert_accessible(page)

    confirm = re.search(r"(/alerts/confirm/[^/\s]+/)", mail.outbox[-1].body).group(1)
    page.goto(live_server.url + confirm)
    assert_accessible(page)
    page.click("button:has-text('Confirm email alerts')")
    assert "You’ve subscribed to email alerts" in page.locator("h1").inner_text()
    assert_accessible(page)

    s = Subscription.objects.get()
    page.goto(
        live_server.url + reverse("alerts:unsubscribe", kwargs={"token": tokens.make_token(s, tokens.UNSUBSCRIBE)})
    )
    assert_accessible(page)
    page.click("button:has-text('Unsubscribe')")
    assert "You’ve unsubscribed" in page.locator("h1").inner_text()
    assert_accessible(page)

    page.goto(live_server.url + reverse("alerts:confirm", kwargs={"token": "forged"}))
    assert page.locator("h1").inner_text() == "This link has expired or is not valid"
    assert_accessible(page)


def test_the_journey_works_without_javascript(page_without_js, live_server, cast):
    page = page_without_js
    page.goto(live_server.url + reverse("calendar") + "?network=urgent-and-emergency-care")
    page.click("text=Get email alerts")
    assert page.is_checked("input[name=network][value=urgent-and-emergency-care]")
    page.fill("#email", "reader@example.org")
    page.check("input[name=frequency][value=weekly]")
    page.click("button:has-text('Subscribe')")
    assert page.locator("h1").inner_text() == "Check your email"
    s = Subscription.objects.get()
    assert (s.frequency, [n.slug for n in s.networks.all()]) == ("weekly", ["urgent-and-emergency-care"])

"""Superseded plans in Debian Chromium: publishing through the confirm page without JavaScript, then the network
page with an earlier plan, the earlier plan's own page and the confirm page checked with axe (WCAG 2.2 AA)."""

import os
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse

from networks import services
from networks.choices import Goal
from tests.browser import assert_accessible, assert_no_csp, browser, csp_context  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"


def screenshot(page, name):
    """Screenshots for people reviewing the pages, when SCREENSHOT_DIR says where."""
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(os.environ["SCREENSHOT_DIR"]) / name), full_page=True)


@pytest.fixture
def plans(cast):
    def plan(title, action):
        made = services.plan_create(actor=cast.lead, network=cast.network, title=title)
        item = services.item_create(actor=cast.lead, plan=made, title=action, owner="UEC network",
                                    due_on=date(2027, 9, 30), goal=Goal.ALIGN_DATES)  # fmt: skip
        return made, item

    current, item = plan("Urgent care plan 2026 to 2027", "One release day for A&E and ambulance statistics")
    services.plan_publish(actor=cast.lead, plan=current)
    services.progress_update_add(actor=cast.lead, item=item, status="in_progress", rag="amber",
                                 note="Both producers agreed Thursdays from April.")  # fmt: skip
    return {"current": current, "next": plan("Urgent care plan 2027 to 2028", "Harmonise emergency admissions")[0],
            "later": plan("Urgent care plan 2028 to 2029", "Link A&E and admitted patient care")[0]}  # fmt: skip


def sign_in(page, live_server, username, then):
    page.goto(live_server.url + reverse("login") + "?next=" + then)
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")


def test_publishing_without_javascript_keeps_the_earlier_plan_reachable(browser, live_server, settings, cast, plans):  # noqa: F811
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # fmt: skip
    network_page = reverse("networks:detail", kwargs={"slug": cast.network.slug})
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, cast.lead.username, network_page)
    page.goto(live_server.url + network_page)
    page.locator(f"a[href='{reverse('networks:plan-publish', kwargs={'pk': plans['next'].pk})}']").click()
    assert page.locator("h1").inner_text() == "Publish Urgent care plan 2027 to 2028?"
    assert "The current plan Urgent care plan 2026 to 2027 will be marked superseded." in page.inner_text("main")
    page.click("button:has-text('Yes, publish the plan')")
    page.wait_for_url("**" + network_page)
    assert "Earlier plans" in page.inner_text("main")
    page.click("a:has-text('Urgent care plan 2026 to 2027')")
    assert "Both producers agreed Thursdays from April." in page.inner_text("main")
    context.close()

    context = csp_context(browser)
    page = context.new_page()
    page.goto(live_server.url + network_page)
    assert page.locator("#earlier-plans").inner_text() == "Earlier plans"
    assert_accessible(page)
    screenshot(page, "network-page-with-earlier-plan.png")
    page.click("#earlier-plans ~ ul a")
    assert page.locator("h1").inner_text() == "Urgent care plan 2026 to 2027"
    assert_accessible(page)
    screenshot(page, "earlier-plan-page.png")
    sign_in(page, live_server, cast.lead.username, network_page)
    page.goto(live_server.url + reverse("networks:plan-publish", kwargs={"pk": plans["later"].pk}))
    assert_accessible(page)
    screenshot(page, "publish-confirm-page.png")
    assert_no_csp(page)
    context.close()

"""The Content Security Policy in real Chromium: no violation on the admin, the API pages and the error pages, the
nonce lets GOV.UK Frontend's one inline script run, and an injected inline script is refused and reported."""

import pytest
from django.urls import reverse

from tests.browser import assert_no_csp, browser, csp_context  # noqa: F401 - fixture
from tests.factories import ConfirmedReleaseFactory, DateChangeFactory, ReleaseFactory, UserFactory

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


@pytest.fixture
def release(cast):
    release = ConfirmedReleaseFactory(lead_producer=cast.producer, networks=[cast.network])
    DateChangeFactory(release=release, requested_by=cast.editor)
    return release


def visit(page, url, status=200):
    response = page.goto(url)
    assert response.status == status, url
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "unsafe" not in policy
    page.wait_for_load_state("networkidle")
    assert_no_csp(page)
    return response


def test_the_nonce_runs_govuk_frontends_inline_script_and_the_module(page, live_server, release):
    visit(page, live_server.url + reverse("home"))
    classes = page.evaluate("document.body.className")
    assert "js-enabled" in classes  # the inline script, allowed by its nonce
    assert "govuk-frontend-supported" in classes


def test_an_injected_inline_script_is_refused_and_reported(page, live_server, release):
    """Proves the checker: if the policy or the listener broke, this would fail."""
    visit(page, live_server.url + reverse("release-detail", kwargs={"slug": release.slug}))
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__pwned = 1';
                             document.body.appendChild(s); }""")
    page.evaluate("() => { const d = document.createElement('div'); d.setAttribute('style', 'color: red');"
                  " document.body.appendChild(d); }")  # fmt: skip
    page.evaluate("() => new Promise((r) => setTimeout(r, 50))")
    assert page.evaluate("window.__pwned") is None
    seen = page.context.csp_violations
    assert any("script-src" in v for v in seen), seen
    assert any("style-src" in v for v in seen), seen
    with pytest.raises(AssertionError, match="CSP violations"):
        assert_no_csp(page)


def test_admin_pages(page, live_server, release, cast):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    assert_no_csp(page)
    for name, args in (("admin:index", []), ("admin:releases_release_changelist", []),
                       ("admin:releases_release_change", [release.pk]),
                       ("admin:releases_release_history", [release.pk]),
                       ("admin:releases_producer_changelist", []), ("admin:auth_user_add", [])):  # fmt: skip
        visit(page, live_server.url + reverse(name, args=args))


def test_api_pages(page, live_server, release):
    visit(page, live_server.url + "/api/docs/")
    page.wait_for_selector(".swagger-ui .info", timeout=15000)  # Swagger UI really rendered the schema
    assert_no_csp(page)
    # JSON even for a browser (no browsable API with its inline styles), under the same policy.
    response = visit(page, live_server.url + f"/api/v1/releases/{release.slug}/")
    assert response.headers["content-type"] == "application/json"


def test_error_pages(page, live_server, cast):
    draft = ReleaseFactory(lead_producer=cast.producer)
    visit(page, live_server.url + "/no-such-page/", status=404)
    visit(page, live_server.url + reverse("release-detail", kwargs={"slug": draft.slug}), status=404)
    visit(page, live_server.url + reverse("producer:release-list"), status=200)  # the sign-in page it redirects to

"""Pages with production's static files: `collectstatic` into hashed names, then every page's static URL, and every
URL inside those files (the stylesheet's images, the script's module import, the web app manifest's icons), is a
hashed file that whitenoise serves with far-future caching. A `static()` of anything the manifest does not know (a
folder, say) made every page a 500 in production (issue 14, point 1); scripts/smoke_production.sh checks the same
through gunicorn."""

import importlib
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import RequestFactory, override_settings

from ehssg.views import server_error
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.django_db
HASHED = re.compile(r"\.[0-9a-f]{12}\.\w+$")
FOREVER = "max-age=315360000, public, immutable"
REFERENCES = {  # what a static file points at, by kind
    ".css": re.compile(r"""url\(["']?(?P<url>[^"')]+)["']?\)"""),
    ".js": re.compile(r"""\bfrom\s*["'](?P<url>[./][^"']+)["']"""),
    ".json": re.compile(r""""src"\s*:\s*"(?P<url>[^"]+)\""""),
}


def _production_storages():
    """STORAGES exactly as ehssg/settings/production.py sets them."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SECRET_KEY", "k" * 50)
        env.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/unused")
        env.setenv("SITE_URL", "https://calendar.ehssg.example")
        return importlib.reload(importlib.import_module("ehssg.settings.production")).STORAGES


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    if not (Path(settings.BASE_DIR) / "static" / "build" / "app.css").exists():
        skip_or_fail("static/build/ is missing: `npm run build` (make test runs it) builds GOV.UK Frontend")
    root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(STATIC_ROOT=root, STORAGES=_production_storages()):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


def _static_urls(html):
    return sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', html)))


def _assert_served_forever(client, url):
    assert HASHED.search(url), f"{url} is not a hashed name"
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Cache-Control"] == FOREVER, url
    return b"".join(response.streaming_content).decode("utf-8", "replace")


def _assert_everything_reachable_served_forever(client, html):
    urls = _static_urls(html)
    assert any(u.endswith(".css") for u in urls) and any("favicon" in u for u in urls), urls
    seen = set()
    while urls:
        url = urls.pop()
        if url in seen:
            continue
        seen.add(url)
        body = _assert_served_forever(client, url)
        pattern = REFERENCES.get(Path(url).suffix)
        if pattern:
            urls.extend(urljoin(url, m.group("url")) for m in pattern.finditer(body) if not m.group("url").startswith("data:"))
    return seen


@pytest.mark.parametrize(("path", "status"), [("/", 200), ("/calendar/", 200), ("/sign-in/", 200), ("/nowhere/", 404)])
def test_pages_link_only_hashed_files_served_forever(client, cast, collected, path, status):
    response = client.get(path, secure=True)

    assert response.status_code == status
    assert "govuk-template" in response.content.decode()
    seen = _assert_everything_reachable_served_forever(client, response.content.decode())
    # The stylesheet's crest, the script's GOV.UK Frontend module and the manifest's icons were followed too.
    assert any("govuk-frontend.min." in u for u in seen) and any("govuk-icon-512." in u for u in seen), seen


def test_the_500_page_is_the_govuk_page_with_hashed_files(client, collected):
    request = RequestFactory().get("/calendar/")
    request.request_id = "abc123"

    response = server_error(request)

    html = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in html and "govuk-template" in html
    assert "abc123" in html
    _assert_everything_reachable_served_forever(client, html)

"""The OpenAPI document builds and validates with no warnings; the interactive docs use only local static files."""

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_document_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    # --fail-on-warn turns any warning or validation error into a failure (SystemExit / CommandError).
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


def test_the_served_document_has_examples_and_the_shared_errors(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    register = paths["/api/v1/releases/"]["post"]
    assert register["requestBody"]["content"]["application/json"]["examples"]
    assert paths["/api/v1/releases/{slug}/confirm/"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    assert paths["/api/v1/releases/{slug}/"]["get"]["responses"]["200"]["content"]["application/json"]["examples"]
    confirm = paths["/api/v1/releases/{slug}/confirm/"]["post"]
    assert {"200", "400", "401", "403", "404", "412", "428"} <= set(confirm["responses"])
    assert confirm["responses"]["200"]["headers"]["ETag"]
    assert any(p["name"] == "If-Match" for p in confirm["parameters"])
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail", "errors"]
    read_only = schema["components"]["schemas"]["Release"]["properties"]
    assert all(read_only[f].get("readOnly") for f in ("state", "starts_on", "release_at", "sequence", "version"))
    assert "state" not in schema["components"]["schemas"]["PatchedReleaseUpdateRequest"]["properties"]


def test_swagger_ui_is_served_from_local_static_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert urls, "the page should load its scripts and styles"
    assert not [u for u in urls if re.match(r"^(https?:)?//", u)], urls
    assert "cdn" not in html.lower()
    for url in urls:
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), url
    # The init script is a file of its own (no inline script, for the CSP), and it points at the schema.
    assert "/api/docs/?script=" in html
    assert "/api/schema/" in client.get("/api/docs/?script=").content.decode()


def test_public_reads_allow_anonymous_access_exactly_where_the_api_does(client, cast):
    """``security`` lists {} (no authentication) on a read exactly when an anonymous client gets it."""
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    reads = [p for p, ops in schema["paths"].items() if "get" in ops and p.startswith("/api/v1/") and "{" not in p]
    assert len(reads) >= 10
    for path in reads:
        anonymous = client.get(path).status_code
        assert anonymous in (200, 401), path
        assert ({} in schema["paths"][path]["get"]["security"]) == (anonymous == 200), path
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method != "get":
                assert {} not in operation["security"], (method, path)


def test_versioned_writes_and_filter_errors_are_documented(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    versioned = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if any(p["name"] == "If-Match" for p in operation.get("parameters", [])):
                versioned += 1
                assert {"412", "428"} <= set(operation["responses"]), (method, path)
                assert "version" in operation["responses"]["428"]["description"]
    assert versioned >= 15
    bad_filter = schema["paths"]["/api/v1/releases/"]["get"]["responses"]["400"]
    assert "slug does not exist" in bad_filter["description"]
    assert bad_filter["content"]["application/json"]["example"]["errors"][0]["code"] == "unknown_slug"

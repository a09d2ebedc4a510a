"""Each security header, with the production settings' values: HSTS, secure cookies, SameSite, framing, referrer,
permissions, content type, CSP with a nonce, and the request id."""

import importlib
import re
import uuid

import pytest
from django.urls import reverse

from tests.factories import ConfirmedReleaseFactory

pytestmark = pytest.mark.django_db
PRODUCTION_SECURITY = (
    "SECURE_PROXY_SSL_HEADER", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SAMESITE", "SECURE_REFERRER_POLICY", "X_FRAME_OPTIONS", "DEBUG",
)  # fmt: skip


@pytest.fixture
def production(settings, monkeypatch):
    """The security settings exactly as ehssg/settings/production.py sets them."""
    monkeypatch.setenv("SECRET_KEY", "k" * 50)
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/unused")
    monkeypatch.setenv("SITE_URL", "https://calendar.ehssg.example")
    module = importlib.reload(importlib.import_module("ehssg.settings.production"))
    for name in PRODUCTION_SECURITY:
        setattr(settings, name, getattr(module, name))
    return settings


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/unused")
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        importlib.reload(importlib.import_module("ehssg.settings.production"))


def test_plain_http_is_redirected_to_https(client, production):
    response = client.get("/calendar/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/calendar/"


def test_every_header_on_a_page(client, production):
    response = client.get("/", secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in permissions
    policy = dict(d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";"))
    nonce = re.search(r"'nonce-([^']+)'", policy["script-src"]).group(1)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == f"'self' 'nonce-{nonce}'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'" and policy["form-action"] == "'self'"
    # The one inline script (GOV.UK Frontend's js-enabled) carries this response's nonce; no other inline script.
    scripts = re.findall(r"<script([^>]*)>", response.content.decode())
    inline = [attrs for attrs in scripts if "src=" not in attrs]
    assert inline == [f' nonce="{nonce}"']
    assert "style=" not in response.content.decode()


def test_a_fresh_nonce_each_response(client):
    first = client.get("/")["Content-Security-Policy"]
    second = client.get("/")["Content-Security-Policy"]
    assert first != second


def test_headers_on_feeds_api_and_errors(client, production, cast):
    release = ConfirmedReleaseFactory(lead_producer=cast.producer)
    for path in ("/calendar.ics", f"/releases/{release.slug}.ics", "/calendar.json", "/api/v1/releases/",
                 "/no-such-page/", "/api/v1/nope/", "/health/"):  # fmt: skip
        response = client.get(path, secure=True)
        assert response["Strict-Transport-Security"].startswith("max-age=31536000"), path
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert "default-src 'self'" in response["Content-Security-Policy"], path
        assert "camera=()" in response["Permissions-Policy"], path
        assert uuid.UUID(response["X-Request-ID"]), path


def test_cookies_are_secure_httponly_and_samesite(client, production, cast):
    page = client.get(reverse("login"), secure=True)
    csrf = page.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"
    response = client.post(reverse("login"), {"username": cast.editor.username,
                                              "password": "correct horse battery staple"}, secure=True)  # fmt: skip
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert session["max-age"] == "" and session["expires"] == ""  # ends with the browser session


def test_sessions_expire(settings):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60


def test_password_validators_are_on(cast):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    cast.editor.email = "editor.example@example.org"
    for weak, why in (("short", "too short"), ("password12345", "too common"), ("123456789012", "entirely numeric"),
                      ("editor.example", "too similar")):  # fmt: skip
        with pytest.raises(ValidationError, match=why):
            validate_password(weak, user=cast.editor)
    validate_password("a long and unusual passphrase 2026", user=cast.editor)


def test_the_request_id_is_ours_unless_the_proxy_sent_a_sane_one(client):
    own = client.get("/health/")["X-Request-ID"]
    assert uuid.UUID(own).version == 4
    assert client.get("/health/", HTTP_X_REQUEST_ID="proxy-7f3a9c21e4")["X-Request-ID"] == "proxy-7f3a9c21e4"
    for insane in ("short", "x" * 200, "evil\nforged log line", "a b c d e f g h", "<script>alert(1)</script>"):
        replaced = client.get("/health/", HTTP_X_REQUEST_ID=insane)["X-Request-ID"]
        assert replaced != insane and uuid.UUID(replaced)


def test_our_deploy_checks_warn_of_a_local_cache_and_an_unknown_proxy_count(settings):
    from ehssg.checks import client_address, shared_cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [w.id for w in shared_cache(None)] == ["ehssg.W001"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:6379/1"}}  # fmt: skip
    assert shared_cache(None) == []
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.EHSSG_TRUSTED_PROXIES = 0
    assert [w.id for w in client_address(None)] == ["ehssg.W002"]
    settings.EHSSG_TRUSTED_PROXIES = 1
    assert client_address(None) == []

"""Settings come from the environment; production refuses to start without a secret key, a database and its address."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _import_production(extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL", "SITE_URL")}
    env.update(extra_env)
    env["DJANGO_SETTINGS_MODULE"] = "ehssg.settings.production"
    return subprocess.run(  # noqa: S603 - fixed argv, our own interpreter
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


KEY = {"SECRET_KEY": "x" * 50}
DATABASE = {"DATABASE_URL": "postgres://u@127.0.0.1/db"}
SITE = {"SITE_URL": "https://calendar.ehssg.example"}


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "SECRET_KEY"),
        ({**DATABASE, **SITE}, "SECRET_KEY"),
        ({**KEY, **SITE}, "DATABASE_URL"),
        ({**KEY, **DATABASE}, "SITE_URL"),
    ],
)
def test_production_refuses_to_start_without(env, missing):
    result = _import_production(env)

    assert result.returncode != 0
    assert f"{missing} must be set in the environment for production." in result.stderr


@pytest.mark.parametrize("site_url", ["", "calendar.ehssg.example", "https://calendar.ehssg.example/calendar/"])
def test_production_refuses_a_site_url_that_is_not_an_address(site_url):
    result = _import_production({**KEY, **DATABASE, "SITE_URL": site_url})

    assert result.returncode != 0
    assert "SITE_URL must be the service's public address" in result.stderr


def test_production_starts_with_all_three():
    result = _import_production({**KEY, **DATABASE, "SITE_URL": "https://calendar.ehssg.example/"})

    assert result.returncode == 0, result.stderr


def test_services_follow_the_environment(settings):
    """Embedded parts with no environment; the real PostgreSQL, Redis and broker when the URLs are set."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    else:
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    if os.environ.get("REDIS_URL"):
        assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    else:
        assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert settings.CELERY_TASK_ALWAYS_EAGER is (not os.environ.get("CELERY_BROKER_URL"))

"""The /health/ endpoint reports the database, cache and broker."""

import pytest
from django.conf import settings


@pytest.mark.django_db
def test_health_reports_each_part(client):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    expected_broker = "eager" if settings.CELERY_TASK_ALWAYS_EAGER else "ok"
    assert body == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "broker": expected_broker}}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_is_503_when_a_part_fails(client, monkeypatch):
    from ehssg import views

    def broken_cache() -> str:
        raise ConnectionError("cache down")

    monkeypatch.setattr(views, "_check_cache", broken_cache)
    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "error: ConnectionError"
    assert response.json()["status"] == "error"

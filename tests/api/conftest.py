"""Fixtures for the API tests: frozen time, clients signed in by token, a small register to read and write."""

from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.datalab.conftest import extract, lab_settings  # noqa: F401 - the lab's small extract, its data folder
from tests.datalab.lab import base_rates, eager_lab_tasks, lab  # noqa: F401 - the lab's cast, for the lab's endpoints
from tests.factories import LONDON, london

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=LONDON)
DAY = date(2027, 5, 12)  # a Wednesday, ten weeks ahead


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Throttle counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def client_for(user: Any | None) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


def register_body(producer_slug: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "title": "A&E attendances and emergency admissions, April 2027",
        "summary": "Monthly A&E attendances and emergency admissions in England.",
        "lead_producer": producer_slug,
        "designation": "official",
        "lead_statistician_name": "Sam Analyst",
        "lead_statistician_email": "sam.analyst@example.org",
        "window_start": "2027-05-01",
    }
    body.update(overrides)
    return body


def if_match(version: int) -> dict[str, str]:
    return {"HTTP_IF_MATCH": f'"{version}"'}


__all__ = ["NOW", "DAY", "client_for", "register_body", "if_match", "london", "timedelta"]

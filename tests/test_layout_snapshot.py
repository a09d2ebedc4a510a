"""What the outside world sees does not change when code moves: URLs, the OpenAPI document and the feeds' bytes.

The fixtures in tests/fixtures/layout/ were written from the code before the register was split into apps (issue 15).
A change that means to alter one of these outputs regenerates them on purpose, and the diff shows in review:

    EHSSG_UPDATE_SNAPSHOTS=1 .venv/bin/pytest -q tests/test_layout_snapshot.py -p no:cacheprovider
"""

import json
import os
import uuid
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import (
    CancelledReleaseFactory,
    ConfirmedReleaseFactory,
    ProducerFactory,
    ProvisionalReleaseFactory,
    PublishedReleaseFactory,
    TopicNetworkFactory,
    london,
)

FIXTURES = Path(__file__).parent / "fixtures" / "layout"
UPDATE = os.environ.get("EHSSG_UPDATE_SNAPSHOTS") == "1"
NOW = datetime(2027, 3, 1, 10, 0, tzinfo=ZoneInfo("Europe/London"))
FEEDS = ["/calendar.ics", "/calendar.atom", "/calendar.csv", "/calendar.json"]


def compare(name: str, current: bytes) -> None:
    target = FIXTURES / name
    if UPDATE:
        target.write_bytes(current)
    assert target.exists(), f"no snapshot {target}: regenerate with EHSSG_UPDATE_SNAPSHOTS=1"
    assert current == target.read_bytes(), f"{name} differs from its snapshot (see the module docstring)"


def url_names(patterns, prefix: str = "", namespace: str = "") -> list[str]:
    """Every named URL as `namespace:name route` (sorted by the caller: apps include their own URLs now, and no two
    routes overlap, so the order of the includes does not change what an address resolves to)."""
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += url_names(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            found.append(f"{namespace}{entry.name} {prefix}{entry.pattern}")
    return found


def test_url_names_and_paths_are_unchanged():
    compare("urls.txt", ("\n".join(sorted(url_names(get_resolver().url_patterns))) + "\n").encode())


@pytest.mark.django_db
def test_the_openapi_document_is_unchanged(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    compare("openapi.json", (json.dumps(schema, indent=1, sort_keys=False, ensure_ascii=False) + "\n").encode())


@pytest.fixture
def fixed_register(db):
    """A register whose every byte is fixed: explicit slugs, uids and names, no factory sequence shows."""
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        nhse = ProducerFactory(name="NHS England", abbreviation="NHSE", slug="nhs-england")
        ons = ProducerFactory(name="Office for National Statistics", abbreviation="ONS", slug="ons")
        uec = TopicNetworkFactory(name="Urgent and emergency care", slug="urgent-and-emergency-care")
        cancer = TopicNetworkFactory(name="Cancer", slug="cancer")
        uid = lambda n: uuid.UUID(int=n)  # noqa: E731
        ConfirmedReleaseFactory(lead_producer=nhse, networks=[uec], title="A&E attendances, January 2027",
                                slug="ae-attendances-january-2027", uid=uid(1), release_at=london(date(2027, 3, 11)),
                                summary="Attendances, admissions; \"4-hour\" waits, by trust.")
        ProvisionalReleaseFactory(lead_producer=ons, networks=[cancer], title="Cancer registrations, 2025",
                                  slug="cancer-registrations-2025", uid=uid(2), starts_on=date(2027, 4, 1),
                                  precision="two_months", ends_on=date(2027, 5, 31), summary="=SUM(A1:A2)")
        PublishedReleaseFactory(lead_producer=nhse, title="Workforce statistics, November 2026",
                                slug="workforce-statistics-november-2026", uid=uid(3),
                                release_at=london(date(2027, 2, 20)), summary="Staff in post.")
        CancelledReleaseFactory(lead_producer=ons, title="Deaths, weekly; provisional", slug="deaths-weekly",
                                uid=uid(4), summary="Weekly deaths.")
        yield
    cache.clear()


@pytest.mark.parametrize("path", FEEDS)
def test_the_feeds_bytes_are_unchanged(client, fixed_register, path):
    with time_machine.travel(NOW, tick=False):
        response = client.get(path)
    assert response.status_code == 200
    compare("calendar" + path.removeprefix("/calendar"), response.content)

"""Registering many releases at once: validated item by item, created through release_create in one transaction,
all or nothing, each checked by the engines."""

import time
from datetime import date, timedelta

import pytest
from django.db import connection

from coordination.choices import FlagKind
from coordination.models import Flag
from ehssg.api.exceptions import INVALID_BULK
from releases import messages
from releases.api.views import BULK_MAX, BULK_NOT_A_LIST, BULK_REFUSED
from releases.choices import State
from releases.models import Release
from tests.api.conftest import client_for, register_body
from tests.factories import ConfirmedReleaseFactory, london

pytestmark = pytest.mark.django_db

FIRST_DAY = date(2027, 4, 5)  # a Monday, five weeks ahead


def weekdays(count: int) -> list[date]:
    days, day = [], FIRST_DAY
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def item(i: int, day: date, network: str | None) -> dict:
    body = register_body(
        "nhs-england",
        title=f"Hospital activity for trust group {i}, {day:%B %Y}",
        summary=f"Activity figures for trust group {i}.",
        release_at=london(day).isoformat(),
        designation="management_information",
        announce=True,
    )
    del body["window_start"]
    if network:
        body["networks"] = [network]
    return body


def test_a_thousand_releases_in_one_request_each_checked_by_the_engines(cast):
    days = weekdays(200)
    clash_days = days[::20]  # ten days on which ONS already publishes in the network
    for day in clash_days:
        ConfirmedReleaseFactory(lead_producer=cast.other_producer, networks=[cast.network], release_at=london(day),
                                title=f"ONS population figures {day}")  # fmt: skip
    items = [item(i, days[i % len(days)], cast.network.slug if i % 5 == 0 else None) for i in range(BULK_MAX)]

    started = time.perf_counter()
    response = client_for(cast.editor).post("/api/v1/releases/bulk/", items, format="json")
    elapsed = time.perf_counter() - started

    assert response.status_code == 201, response.content[:2000]
    results = response.json()
    assert [r["index"] for r in results] == list(range(BULK_MAX))
    assert Release.objects.filter(lead_producer=cast.producer, state=State.CONFIRMED).count() == BULK_MAX
    created = Release.objects.filter(slug__in=[r["slug"] for r in results])
    for release in created[:10]:  # history written by the service, as for one registration
        reasons = list(release.history.order_by("history_date", "history_id").values_list("history_change_reason", flat=True))
        assert reasons[0] == "Registered" and reasons[-1] == "Announced", reasons
        assert release.history.latest().history_user == cast.editor
    clashing = {r["slug"] for r in results if any(" due in Urgent and emergency care" in w for w in r["warnings"])}
    in_network_on_clash_days = {
        results[i]["slug"] for i in range(BULK_MAX) if i % 5 == 0 and days[i % len(days)] in clash_days
    }
    assert clashing == in_network_on_clash_days and clashing
    clash_flags = Flag.objects.filter(kind=FlagKind.CLASH, network=cast.network)
    assert clash_flags.count() == len(clash_days)
    assert all(f.releases.filter(lead_producer=cast.producer).exists() for f in clash_flags)
    # Speed is the benchmarks' business (the standards keep timings out of tests): the figure is printed for the log.
    # About 40 queries a release, nearly all in the services (full_clean's constraint checks, history, the engines);
    # PostgreSQL pays a round trip for each where SQLite does not.
    print(f"bulk of {BULK_MAX}: {elapsed:.1f}s on {connection.vendor}")


def test_all_or_nothing_with_each_problem_indexed(cast):
    items = [
        item(0, date(2027, 4, 5), None),
        {**item(1, date(2027, 4, 6), None), "lead_producer": "nobody"},
        item(2, date(2027, 4, 7), None),
        {**item(3, date(2027, 4, 8), None), "title": ""},
    ]
    data = client_for(cast.editor).post("/api/v1/releases/bulk/", items, format="json").json()
    assert data == {
        "detail": INVALID_BULK.format(count=2),
        "errors": [
            {"field": "lead_producer", "message": "There is no producer with the slug nobody.", "code": "does_not_exist",
             "index": 1},
            {"field": "title", "message": "This field may not be blank.", "code": "blank", "index": 3},
        ],
    }  # fmt: skip
    assert not Release.objects.exists()


def test_service_refusals_roll_everything_back(cast):
    past = {**item(1, date(2027, 4, 6), None), "release_at": "2027-02-01T09:30:00+00:00"}
    response = client_for(cast.editor).post("/api/v1/releases/bulk/", [item(0, date(2027, 4, 5), None), past],
                                            format="json")  # fmt: skip
    assert response.status_code == 400
    assert response.json() == {
        "detail": BULK_REFUSED.format(count=1),
        "errors": [{"field": "release_at", "message": messages.RELEASE_IN_PAST, "code": "invalid", "index": 1}],
    }
    assert not Release.objects.exists()


def test_an_item_for_another_producer_is_403_with_its_index(cast):
    other = {**item(1, date(2027, 4, 6), None), "lead_producer": "ons"}
    response = client_for(cast.editor).post("/api/v1/releases/bulk/", [item(0, date(2027, 4, 5), None), other],
                                            format="json")  # fmt: skip
    assert response.status_code == 403
    assert response.json()["errors"][0]["index"] == 1
    assert not Release.objects.exists()


@pytest.mark.parametrize("body", [[], {"title": "x"}, "x", [{}] * (BULK_MAX + 1)])
def test_the_body_must_be_a_list_of_one_to_a_thousand(cast, body):
    response = client_for(cast.editor).post("/api/v1/releases/bulk/", body, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == BULK_NOT_A_LIST.format(maximum=BULK_MAX)

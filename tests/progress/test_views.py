"""The /osr/ dashboard: who sees it, what it shows, downloads, drill-down, and a query count that does not grow."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from markupsafe import escape

from progress import messages
from progress.metrics import METRICS
from progress.quarters import Quarter
from tests.factories import (
    CancelledReleaseFactory,
    ConfirmedReleaseFactory,
    PublishedReleaseFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_is_sent_to_sign_in():
    for address in ("/osr/", "/osr/metrics.csv", "/osr/metrics.json", "/osr/figures/cancellations/",
                    "/osr/reports/"):  # fmt: skip
        response = Client().get(address)
        assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


@pytest.mark.parametrize(("who", "status"), [
    ("editor", 403), ("member", 403), ("other_editor", 403), ("nobody", 403),
    ("hop", 200), ("lead", 200), ("secretariat", 200), ("osr", 200),
])  # fmt: skip
def test_who_sees_the_dashboard(cast, who, status):
    user = UserFactory(username="nobody") if who == "nobody" else getattr(cast, who)
    response = signed_in(user).get("/osr/")
    assert response.status_code == status
    if status == 403:
        assert messages.NOT_FOR_YOU in response.content.decode()


def test_report_management_is_for_the_secretariat_only(cast):
    assert signed_in(cast.osr).get("/osr/reports/").status_code == 403
    assert signed_in(cast.hop).post("/osr/reports/", {"quarter": "2020-Q1"}).status_code == 403
    assert signed_in(cast.secretariat).get("/osr/reports/").status_code == 200


def register(cast, count: int) -> None:
    """Releases due this quarter in every state, spread across both producers and networks."""
    today = timezone.localdate()
    for n in range(count):
        producer = cast.producer if n % 2 else cast.other_producer
        network = cast.network if n % 3 else cast.other_network
        kind = [ConfirmedReleaseFactory, PublishedReleaseFactory, CancelledReleaseFactory][n % 3]
        kind(lead_producer=producer, networks=[network], title=f"Release {n} {today}")


def dashboard_queries(client: Client, query: str = "") -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/osr/{query}")
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_query_count_does_not_grow_with_the_register(cast):
    client = signed_in(cast.osr)
    client.get("/osr/")  # warm the session and roles
    register(cast, 3)
    few = dashboard_queries(client, "?breakdown=producer")
    register(cast, 30)
    many = dashboard_queries(client, "?breakdown=producer")
    assert few == many
    assert dashboard_queries(client, "?breakdown=network") == many


def test_dashboard_shows_every_metric_with_definition_chart_and_table(cast):
    register(cast, 6)
    page = signed_in(cast.osr).get("/osr/?breakdown=network").content.decode()

    for metric in METRICS:
        assert escape(metric.title) in page and escape(metric.definition) in page
    assert page.count('role="img"') >= len(METRICS)
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "style=" not in main and "<style" not in main and "<script" not in main
    assert "Urgent and emergency care" in page and "Download these figures as CSV" in page
    assert 'fill="#12436D"' in page


def test_bad_quarter_shows_an_error_and_the_current_quarter(cast):
    page = signed_in(cast.osr).get("/osr/?quarter=1999-Q9&breakdown=sideways").content.decode()
    assert messages.BAD_QUARTER in page and messages.BAD_BREAKDOWN in page
    assert Quarter.containing(timezone.now()).label in page


def test_csv_and_json_for_the_chosen_quarter_and_breakdown(cast):
    register(cast, 6)
    quarter = Quarter.containing(timezone.now())
    client = signed_in(cast.hop)

    body = client.get(f"/osr/metrics.csv?quarter={quarter.key}&breakdown=producer").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    cancelled = [r for r in rows if r["metric"] == "cancellations"]
    assert [r["label"] for r in cancelled] == ["All", "NHSE", "ONS"]
    assert int(cancelled[0]["numerator"]) == 2
    one = client.get(f"/osr/metrics.csv?quarter={quarter.key}&metric=cancellations").content.decode("utf-8-sig")
    assert {r["metric"] for r in csv.DictReader(io.StringIO(one))} == {"cancellations"}

    data = client.get(f"/osr/metrics.json?quarter={quarter.key}&breakdown=network").json()
    assert data["quarter"] == quarter.key and data["breakdown"] == "network"
    figures = {m["key"]: m for m in data["metrics"]}
    assert set(figures) == {m.key for m in METRICS}
    assert [row["label"] for row in figures["cancellations"]["breakdown"]] == ["Cancer", "Urgent and emergency care"]
    assert len(figures["cancellations"]["trend"]) == 8


def test_drill_down_lists_the_releases_behind_a_figure(cast):
    cancelled = CancelledReleaseFactory(lead_producer=cast.producer, title="Cancelled one",
                                        cancellation_reason="Supplier could not deliver")  # fmt: skip
    CancelledReleaseFactory(lead_producer=cast.other_producer, title="Someone else's")
    quarter = Quarter.containing(timezone.now())
    client = signed_in(cast.secretariat)

    page = client.get("/osr/?breakdown=producer").content.decode()
    link = f"/osr/figures/cancellations/?quarter={quarter.key}&amp;group=producer%3A{cast.producer.pk}"
    assert link in page
    detail = client.get(link.replace("&amp;", "&")).content.decode()
    assert "Cancelled one" in detail and "Supplier could not deliver" in detail and "Someone else" not in detail
    assert cancelled.get_absolute_url() in detail
    assert client.get("/osr/figures/subscribers/").status_code == 404
    assert client.get("/osr/figures/action_items/?group=producer:1").status_code == 404


def test_a_past_quarter_is_read_as_of_its_end(cast):
    last = Quarter.containing(timezone.now()).previous()
    # Published last quarter, but its history rows say it was only recorded this quarter: not in last quarter's figures
    PublishedReleaseFactory(lead_producer=cast.producer, release_at=last.starts_at + timedelta(days=5, hours=9))
    data = signed_in(cast.osr).get(f"/osr/metrics.json?quarter={last.key}").json()
    figures = {m["key"]: m for m in data["metrics"]}
    assert figures["standard_time"]["total"]["denominator"] == 0


def test_figures_are_computed_once_until_the_data_changes(cast):
    """/osr/ computed every figure's 8-quarter history on each request (0.6-1.9 s); now once per change of the data."""
    client = signed_in(cast.osr)
    register(cast, 6)
    first = dashboard_queries(client, "?breakdown=producer")
    again = dashboard_queries(client, "?breakdown=producer")
    assert again <= first - 15  # the history is not read again ...
    assert dashboard_queries(client, "?breakdown=network") == first  # ... though another breakdown is its own figures

    before = client.get("/osr/metrics.json").json()
    CancelledReleaseFactory(lead_producer=cast.producer, networks=[cast.network])  # a write: new figures at once
    after = client.get("/osr/metrics.json").json()
    cancelled = {m["key"]: m["total"]["value"] for m in before["metrics"]}["cancellations"]
    assert {m["key"]: m["total"]["value"] for m in after["metrics"]}["cancellations"] == cancelled + 1


def test_drill_down_reads_the_history_once_until_the_data_changes(cast):
    client = signed_in(cast.osr)
    register(cast, 6)

    def drill() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/osr/figures/cancellations/").status_code == 200
        return len(captured.captured_queries)

    first = drill()
    assert drill() <= first - 10
    CancelledReleaseFactory(lead_producer=cast.producer, networks=[cast.network], title="Cancelled just now")
    assert "Cancelled just now" in client.get("/osr/figures/cancellations/").content.decode()

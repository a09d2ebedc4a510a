"""The public calendar page and its feeds (iCalendar to the letter of ical.md, Atom, CSV, JSON)."""

import csv
import html
import io
import json
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils.http import http_date

from public_calendar import messages
from public_calendar.feeds import OPEN_DATA_COLUMNS
from releases import messages as register_messages
from releases import services
from releases.schedule import Schedule
from tests.calendar_parsers import parse_with_all
from tests.factories import (
    CancelledReleaseFactory,
    ConfirmedReleaseFactory,
    ProvisionalReleaseFactory,
    PublishedReleaseFactory,
    ReleaseFactory,
    london,
)

NOW = datetime(2027, 3, 1, 10, 0, tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture(autouse=True)
def frozen():
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield


def text(response):
    return html.unescape(response.content.decode())


def events(response):
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(response.content).walk("VEVENT")}


@pytest.fixture
def register(cast):
    return {
        "confirmed": ConfirmedReleaseFactory(lead_producer=cast.producer, networks=[cast.network],
                                             title="A&E attendances, January 2027",
                                             release_at=london(date(2027, 3, 11))),
        "provisional": ProvisionalReleaseFactory(lead_producer=cast.other_producer, networks=[cast.other_network],
                                                 title="Cancer registrations, 2025", starts_on=date(2027, 4, 1), precision="two_months",
                                                 ends_on=date(2027, 5, 31)),
        "published": PublishedReleaseFactory(lead_producer=cast.producer, title="Workforce statistics, November 2026",
                                             release_at=london(date(2027, 2, 20))),
        "cancelled": CancelledReleaseFactory(lead_producer=cast.other_producer, title="Deaths, weekly; provisional"),
        "draft": ReleaseFactory(lead_producer=cast.producer, title="Secret draft release"),
    }  # fmt: skip


@pytest.mark.django_db
class TestCalendarPage:
    def test_upcoming_by_default_in_govuk_wording(self, client, register):
        body = text(client.get(reverse("calendar")))

        assert "2 upcoming releases" in body
        assert "11 March 2027 9:30am (confirmed)" in body
        assert "April to May 2027 (provisional)" in body
        assert "Secret draft release" not in body and "Workforce statistics" not in body
        assert body.index("A&E attendances") < body.index("Cancer registrations")

    @pytest.mark.parametrize(
        ("query", "shown"),
        [
            ({"producer": "ons"}, ["Cancer registrations, 2025"]),
            ({"network": "urgent-and-emergency-care"}, ["A&E attendances, January 2027"]),
            ({"q": "cancer"}, ["Cancer registrations, 2025"]),
            ({"status": "confirmed"}, ["A&E attendances, January 2027"]),
            ({"from": "2027-04-01"}, ["Cancer registrations, 2025"]),
            ({"to": "2027-03-31"}, ["A&E attendances, January 2027"]),
            ({"tab": "published"}, ["Workforce statistics, November 2026"]),
            ({"tab": "cancelled"}, ["Deaths, weekly; provisional"]),
        ],
    )
    def test_filters(self, client, register, query, shown):
        body = text(client.get(reverse("calendar"), query))

        titles = [r.title for r in register.values() if r.title in body]
        assert titles == shown

    def test_a_bad_filter_says_what_is_wrong(self, client, register):
        response = client.get(reverse("calendar"), {"producer": "no-such-producer", "from": "31/02/2027"})

        assert response.status_code == 400
        body = text(response)
        assert "There is no producer with the slug no-such-producer." in body
        assert register_messages.DATE_FROM_INVALID in body and 'href="#filter-from"' in body

    @pytest.mark.parametrize(
        ("query", "field", "message"),
        [
            ({"from": "31/02/2027"}, "from", register_messages.DATE_FROM_INVALID),
            ({"to": "2027-13-01"}, "to", register_messages.DATE_TO_INVALID),
            ({"from": "2027-05-01", "to": "2027-04-01"}, "from", register_messages.DATE_FROM_AFTER_TO),
        ],
    )
    def test_date_errors_name_the_field_and_from_after_to_is_refused(self, client, register, query, field, message):
        response = client.get(reverse("calendar"), query)

        assert response.status_code == 400
        body = text(response)
        assert f'<a href="#filter-{field}">{message}</a>' in body  # the error summary, linked to the field
        assert f'id="filter-{field}-error"' in body  # and beside the field
        assert "0 upcoming releases" in body
        for feed in ("calendar-ics", "calendar-csv", "calendar-json", "calendar-atom"):
            refused = client.get(reverse(feed), query)
            assert refused.status_code == 400
            assert refused.json()["errors"] == [{"field": field, "message": message}]

    def test_the_same_day_for_from_and_to_is_allowed(self, client, register):
        body = text(client.get(reverse("calendar"), {"from": "2027-03-11", "to": "2027-03-11"}))

        assert "1 upcoming release" in body and "A&E attendances, January 2027" in body

    def test_a_status_of_another_tab_says_where_to_look(self, client, register):
        query = {"status": ["published", "cancelled"], "designation": "official"}
        response = client.get(reverse("calendar"), query)

        body = text(response)
        assert response.status_code == 200 and "0 upcoming releases" in body
        expected = [
            ("Published", "published", "/calendar/?status=published&status=cancelled&designation=official&tab=published"),
            ("Cancelled", "cancelled", "/calendar/?status=published&status=cancelled&designation=official&tab=cancelled"),
        ]
        for states, tab, href in expected:
            notice = messages.STATUS_ON_OTHER_TAB.format(states=states, tab="Upcoming")
            link = messages.SEE_OTHER_TAB.format(states=tab)
            assert f'{notice} <a class="govuk-link" href="{href}">{link}</a>.' in body
        assert "Workforce statistics, November 2026" in text(client.get(expected[0][2]))
        assert "Deaths, weekly; provisional" in text(client.get(expected[1][2]))

    def test_upcoming_statuses_on_the_published_tab_point_back(self, client, register):
        body = text(client.get(reverse("calendar"), {"tab": "published", "status": ["provisional", "confirmed", "postponed"]}))

        notice = messages.STATUS_ON_OTHER_TAB.format(states="Provisional, Confirmed and Postponed", tab="Published")
        href = "/calendar/?tab=upcoming&status=provisional&status=confirmed&status=postponed"
        link = messages.SEE_OTHER_TAB.format(states="provisional, confirmed and postponed")
        assert f'{notice} <a class="govuk-link" href="{href}">{link}</a>.' in body

    def test_no_pointer_when_the_status_belongs_to_the_tab(self, client, register):
        body = text(client.get(reverse("calendar"), {"status": "confirmed"}))

        assert "are not shown on the" not in body

    def test_subscribe_links_carry_the_filter(self, client, register):
        body = text(client.get(reverse("calendar"), {"network": "cancer"}))

        assert "webcal://127.0.0.1:8000/calendar.ics?network=cancer" in body
        assert "https://calendar.google.com/calendar/render?cid=http%3A%2F%2F127.0.0.1%3A8000%2Fcalendar.ics%3Fnetwork%3Dcancer" in body

    def test_query_count_does_not_grow_with_releases(self, client, cast, django_assert_max_num_queries):
        ConfirmedReleaseFactory.create_batch(3, lead_producer=cast.producer, networks=[cast.network])
        with django_assert_max_num_queries(30) as few:
            client.get(reverse("calendar"))
        ConfirmedReleaseFactory.create_batch(20, lead_producer=cast.producer, networks=[cast.network])
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(reverse("calendar"))
        with django_assert_max_num_queries(30) as feed_few:
            client.get(reverse("calendar-ics"))
        cache.clear()
        ConfirmedReleaseFactory.create_batch(20, lead_producer=cast.producer, networks=[cast.network])
        with django_assert_max_num_queries(len(feed_few.captured_queries)):
            client.get(reverse("calendar-ics"))


@pytest.mark.django_db
class TestCalendarFeed:
    def test_headers_and_contents(self, client, register):
        response = client.get(reverse("calendar-ics"))

        assert response.status_code == 200
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        assert response["Content-Disposition"].startswith("inline")
        assert response["ETag"].startswith('"') and "max-age=300" in response["Cache-Control"]
        found = events(response)
        titles = sorted(str(e["SUMMARY"]) for e in found.values())
        assert titles == [
            "A&E attendances, January 2027",
            "CANCELLED: Deaths, weekly; provisional",
            "Workforce statistics, November 2026",
            "[Provisional: April to May 2027] Cancer registrations, 2025",
        ]
        assert len(response.content) < 1_000_000

    def test_three_parsers_accept_the_feed(self, client, register):
        parse_with_all(client.get(reverse("calendar-ics")).content)

    def test_same_data_same_bytes_and_304(self, client, register):
        first = client.get(reverse("calendar-ics"))
        cache.clear()
        second = client.get(reverse("calendar-ics"))
        assert first.content == second.content and first["ETag"] == second["ETag"]

        by_etag = client.get(reverse("calendar-ics"), HTTP_IF_NONE_MATCH=first["ETag"])
        by_date = client.get(reverse("calendar-ics"), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        stale = client.get(reverse("calendar-ics"), HTTP_IF_NONE_MATCH='"something-else"')

        assert (by_etag.status_code, by_date.status_code, stale.status_code) == (304, 304, 200)
        assert by_etag["ETag"] == first["ETag"] and by_etag.content == b""

    def test_uid_is_shared_by_filtered_feeds_and_the_single_file(self, client, register):
        release = register["confirmed"]
        everything = events(client.get(reverse("calendar-ics")))
        filtered = events(client.get(reverse("calendar-ics"), {"network": "urgent-and-emergency-care"}))
        single = client.get(reverse("release-ics", kwargs={"slug": release.slug}))

        uid = f"{release.uid}@ehssg-release-calendar"
        assert uid in everything and list(filtered) == [uid] and list(events(single)) == [uid]
        assert single["Content-Disposition"] == f'attachment; filename="{release.slug}.ics"'
        assert client.get(reverse("release-ics", kwargs={"slug": register["draft"].slug})).status_code == 404

    def test_sequence_rises_through_confirm_reschedule_and_cancel(self, client, cast, django_capture_on_commit_callbacks):
        release = ProvisionalReleaseFactory(lead_producer=cast.producer, starts_on=date(2027, 6, 1),
                                            ends_on=date(2027, 6, 30))  # fmt: skip
        uid = f"{release.uid}@ehssg-release-calendar"
        seen = []

        def look():
            event = events(client.get(reverse("calendar-ics")))[uid]
            seen.append((event["SEQUENCE"], str(event["STATUS"]), event["DTSTAMP"].dt))

        look()
        with django_capture_on_commit_callbacks(execute=True):
            services.release_confirm(actor=cast.editor, release=release, release_at=london(date(2027, 6, 10)))
        look()
        with django_capture_on_commit_callbacks(execute=True):
            change = services.release_request_change(actor=cast.editor, release=release, reason="Late data",
                                                     schedule=Schedule.exact(london(date(2027, 6, 17))))  # fmt: skip
            services.release_agree_change(actor=cast.hop, change=change)
        look()
        description = str(events(client.get(reverse("calendar-ics")))[uid]["DESCRIPTION"])
        with django_capture_on_commit_callbacks(execute=True):
            services.release_cancel(actor=cast.editor, release=release, reason="Merged into the quarterly release")
        look()

        assert [(s, st) for s, st, _ in seen] == [(0, "TENTATIVE"), (1, "CONFIRMED"), (2, "CONFIRMED"), (3, "CANCELLED")]
        assert "Rescheduled from 10 June 2027 9:30am to 17 June 2027 9:30am. Reason: Late data" in description
        final = events(client.get(reverse("calendar-ics")))[uid]
        assert "Cancelled. Reason: Merged into the quarterly release" in str(final["DESCRIPTION"])

    def test_last_modified_never_goes_backwards_when_a_release_leaves_the_window(self, client, cast):
        PublishedReleaseFactory(lead_producer=cast.producer, release_at=london(date(2027, 2, 25)),
                                revised_at=NOW - timedelta(days=5))  # fmt: skip
        before = client.get(reverse("calendar-ics"))
        with time_machine.travel(NOW + timedelta(days=40), tick=False):
            cache.clear()
            after = client.get(reverse("calendar-ics"))

        assert b"BEGIN:VEVENT" in before.content and b"BEGIN:VEVENT" not in after.content
        assert after["ETag"] != before["ETag"]
        assert after["Last-Modified"] != before["Last-Modified"]
        assert client.get(reverse("calendar-ics"), HTTP_IF_MODIFIED_SINCE=http_date(0)).status_code == 200


@pytest.mark.django_db
class TestOpenData:
    def test_csv_has_the_documented_columns(self, client, register):
        response = client.get(reverse("calendar-csv"))

        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert list(rows[0]) == OPEN_DATA_COLUMNS
        assert [r["title"] for r in rows] == ["A&E attendances, January 2027", "Cancer registrations, 2025"]
        assert rows[0]["display_date"] == "11 March 2027 9:30am (confirmed)"

    def test_json_is_the_same_rows(self, client, register):
        data = json.loads(client.get(reverse("calendar-json"), {"tab": "cancelled"}).content)

        assert data["columns"] == OPEN_DATA_COLUMNS and data["count"] == 1
        assert data["releases"][0]["cancellation_reason"] == register["cancelled"].cancellation_reason

    def test_atom_feed(self, client, register):
        response = client.get(reverse("calendar-atom"))

        root = ET.fromstring(response.content)  # noqa: S314 - our own feed, produced by this test
        ns = {"a": "http://www.w3.org/2005/Atom"}
        titles = [e.find("a:title", ns).text for e in root.findall("a:entry", ns)]
        assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
        assert "A&E attendances, January 2027 – 11 March 2027 9:30am (confirmed)" in titles
        assert not any("Secret draft" in t for t in titles)

    def test_bad_filter_is_a_json_400(self, client, register):
        response = client.get(reverse("calendar-ics"), {"network": "nope"})

        assert response.status_code == 400
        assert response.json()["errors"] == [
            {"field": "network", "message": "There is no topic network with the slug nope."}
        ]


@pytest.mark.django_db
def test_sorting_by_title_and_latest_first(client, register):
    by_title = text(client.get(reverse("calendar"), {"ordering": "title"}))
    latest_first = text(client.get(reverse("calendar"), {"ordering": "-starts_on"}))

    assert by_title.index("A&E attendances") < by_title.index("Cancer registrations")
    assert latest_first.index("Cancer registrations") < latest_first.index("A&E attendances")

"""Keyword search ignores accents and case: on the calendar page, its feeds and the API, on SQLite and PostgreSQL.

Run with DATABASE_URL=postgres://... for PostgreSQL's unaccent extension, and without it for the SQLite function.
"""

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from ehssg.search import AVAILABLE, unaccent, unaccent_available, unaccent_install
from releases.models import Release
from tests.conftest import skip_or_fail
from tests.factories import ConfirmedReleaseFactory, ProvisionalReleaseFactory, london

NOW = datetime(2027, 3, 1, 10, 0, tzinfo=ZoneInfo("Europe/London"))
CAFE = "Café and Ōsaka admissions, January 2027"
AERO = "Ærøskøbing hospital activity"
RESUME = "Resume of admissions, England"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def accented(cast):
    ConfirmedReleaseFactory(lead_producer=cast.producer, title=CAFE, summary="Admissions in Wales and Japan",
                            release_at=london(date(2027, 3, 11)))  # fmt: skip
    ProvisionalReleaseFactory(lead_producer=cast.other_producer, title=AERO, summary="Activity of one hospital",
                              starts_on=date(2027, 4, 1), ends_on=date(2027, 4, 30))  # fmt: skip
    ConfirmedReleaseFactory(lead_producer=cast.producer, title=RESUME, summary="Naïve estimates, 50% sample",
                            release_at=london(date(2027, 3, 18)))  # fmt: skip


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        skip_or_fail("PostgreSQL's unaccent extension needs PostgreSQL (DATABASE_URL=postgres://...)")
    yield
    setattr(connection, AVAILABLE, None)  # the next test reads the database's state afresh


CASES = [
    ("cafe", {CAFE}),
    ("CAFÉ", {CAFE}),
    ("osaka japan", {CAFE}),
    ("résumé", {RESUME}),
    ("naive", {RESUME}),
    ("NAÏVE résumé", {RESUME}),
    ("aeroskobing", {AERO}),
    ("cafe resume", set()),
    ("%", {RESUME}),  # a literal percent sign, not "anything"
    ("_", set()),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("q", "titles"), CASES)
def test_the_calendar_page_ignores_accents(client, accented, q, titles):
    body = client.get(reverse("calendar"), {"q": q}).content.decode()

    assert {t for t in (CAFE, AERO, RESUME) if t in body} == titles


@pytest.mark.django_db
@pytest.mark.parametrize(("q", "titles"), CASES)
def test_the_api_and_feeds_ignore_accents(client, accented, q, titles):
    api = client.get("/api/v1/releases/", {"q": q}).json()["results"]
    feed = client.get(reverse("calendar-json"), {"q": q}).json()

    assert {r["title"] for r in api} == titles
    assert {r["title"] for r in feed["releases"]} == titles


def test_the_sqlite_function_strips_marks_and_spells_undecomposable_letters():
    assert unaccent("Ærøskøbing, Straße, Łódź, Ōsaka, ŵyr, ﬁsh") == "AEroskobing, Strasse, Lodz, Osaka, wyr, fish"
    assert unaccent("Статистика") == "Статистика"  # other scripts as they are, as on PostgreSQL
    assert unaccent(None) is None


@pytest.mark.django_db
def test_the_migration_created_the_unaccent_extension(postgres):
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension WHERE extname = 'unaccent'")
        assert cursor.fetchall() == [("unaccent",)]
    assert unaccent_available(connection) is True


@pytest.mark.django_db
def test_without_the_privilege_to_create_it_the_migration_warns_and_search_still_works(postgres, accented, caplog):
    role = f"ehssg_no_create_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:  # all undone when the test's transaction rolls back
        cursor.execute("DROP EXTENSION unaccent")
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(f"SET ROLE {role}")
    try:
        installed = unaccent_install(connection)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")

    assert installed is False
    assert "CREATE EXTENSION unaccent" in caplog.text
    assert unaccent_available(connection) is False
    # Search goes on without it: accents then count.
    assert set(Release.objects.matching_keywords(["Café"]).values_list("title", flat=True)) == {CAFE}
    assert not Release.objects.matching_keywords(["cafe"]).exists()

"""Slugs keep the words of titles in any script (transliterated, not dropped), and a slug once given never changes."""

import uuid
from datetime import UTC, date, datetime

import pytest
import time_machine

from ehssg.text import readable_slug
from releases import services
from releases.choices import Designation
from releases.models import RELEASE_UID_NAMESPACE
from releases.schedule import Schedule
from releases.services import ReleaseDetails

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
JANUARY = Schedule.window(date(2027, 1, 1))


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def details(producer, title: str) -> ReleaseDetails:
    return ReleaseDetails(
        title=title, lead_producer=producer, designation=Designation.OFFICIAL, lead_statistician_name="Sam Analyst",
        lead_statistician_email="sam.analyst@example.org",
    )  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Résumé of Ædmissions — Ōsaka", "resume-of-aedmissions-osaka-2027-01"),
        ("Łódź, Straße und Øresund", "lodz-strasse-und-oresund-2027-01"),
        ("Статистика больниц", "statistika-bolnits-2027-01"),
        ("Νοσοκομειακά στοιχεία", "nosokomeiaka-stoicheia-2027-01"),
        # Welsh and accented Latin titles kept their words before; they still do.
        ("Ystadegau Iechyd Cymru: ŵyr, ŷd a chwâl", "ystadegau-iechyd-cymru-wyr-yd-a-chwal-2027-01"),
        ("Prescription charges £9.90 🏥", "prescription-charges-990-2027-01"),
    ],
)
def test_a_new_release_slug_transliterates_its_title(cast, title, slug):
    release = services.release_create(actor=cast.editor, details=details(cast.producer, title), schedule=JANUARY)

    assert release.slug == slug
    assert release.uid == uuid.uuid5(RELEASE_UID_NAMESPACE, slug)


@pytest.mark.django_db
def test_a_slug_once_given_never_changes(cast):
    release = services.release_create(
        actor=cast.editor, details=details(cast.producer, "Hospital admissions"), schedule=JANUARY, announce=True
    )
    slug, uid = release.slug, release.uid

    services.release_update(actor=cast.editor, release=release, reason="Welsh title",
                            details=details(cast.producer, "Derbyniadau i’r ysbyty — Ōsaka"))  # fmt: skip

    release.refresh_from_db()
    assert (release.title, release.slug, release.uid) == ("Derbyniadau i’r ysbyty — Ōsaka", slug, uid)


def test_symbols_and_punctuation_are_left_out_as_before():
    assert readable_slug("A&E: 4-hour waits, 95% — «target» 🏥") == "ae-4-hour-waits-95-target"
    assert readable_slug("中国 医院") == "zhongguo-yiyuan"

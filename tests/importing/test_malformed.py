"""Malformed and partial input, made here: each bad record is reported with its reasons, never half-imported, and the
good records beside it still import."""

import json

import pytest

from coordination.models import Flag
from importing import csv_rows, govuk, messages, ons
from importing.runner import import_files
from releases.choices import ImportSource, State
from releases.models import DateChange, Release

HEADER = (
    "url,producer,page_label,title,release_date,release_time,date_precision,state,previous_release_date,"
    "previous_release_time,change_or_cancellation_note_paraphrased,announcement_published,announcement_last_updated\n"
)
GOOD_ROW = (
    "https://www.gov.uk/government/statistics/announcements/cancer-waiting-times-december-2026,NHS England,"
    "Official statistics announcement,Cancer waiting times: December 2026,2027-02-11,09:30,exact_time,confirmed,,,,"
    "2026-10-01,\n"
)


def rejected(summary):
    return {o.where: o.reasons for o in summary.rejected()}


def nothing_saved() -> bool:
    return not (Release.objects.exists() or Release.history.exists() or DateChange.history.exists()
                or Flag.objects.exists())  # fmt: skip


@pytest.mark.django_db
def test_bad_csv_rows_are_reported_one_by_one_and_the_good_row_imports(people):
    rows = [
        GOOD_ROW,
        "https://www.gov.uk/government/statistics/announcements/a,NHS England,,A title,2027-02-30,09:30,,,,,,,\n",
        "https://www.gov.uk/government/statistics/announcements/b,NHS England,,B title,2027-02-11,25:99,,,,,,,\n",
        "https://www.gov.uk/government/statistics/announcements/c,Public Health England,,C title,2027-02-11,09:30,,,,,,,\n",
        "https://www.gov.uk/government/statistics/announcements/d,NHS England,,D title,2027-02-11,09:30,,maybe,,,,,\n",
        ",NHS England,,,2027-02-11,09:30,,,,,,,\n",
        "https://www.gov.uk/government/statistics/announcements/e,NHS England,,E title,2027-02-11,09:30,,,"
        "2027-02-01;2027-02-04,09:30,moved,,\n",
    ]
    summary = import_files([csv_rows.parse("t.csv", (HEADER + "".join(rows)).encode())], requester=people.nhse_editor)

    assert summary.counts == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 6}
    assert rejected(summary) == {
        "t.csv line 3": (messages.BAD_DATE.format(field="release_date", value="2027-02-30"),),
        "t.csv line 4": (messages.BAD_TIME.format(field="release_time", value="25:99"),),
        "t.csv line 5": (messages.UNKNOWN_ORGANISATION.format(organisation="Public Health England"),),
        "t.csv line 6": (messages.BAD_STATE.format(value="maybe"),),
        "t.csv line 7": (messages.MISSING.format(field="url"), messages.MISSING.format(field="title")),
        "t.csv line 8": (messages.CHANGES_MISMATCH.format(dates="2027-02-01;2027-02-04", times="09:30"),),
    }
    assert list(Release.objects.values_list("title", "state")) == [("Cancer waiting times: December 2026",
                                                                   State.CONFIRMED)]  # fmt: skip


@pytest.mark.django_db
def test_a_row_in_another_encoding_is_refused_alone(people):
    latin1 = ("https://www.gov.uk/government/statistics/announcements/f,NHS England,,Caf\xe9 statistics,2027-02-11,"
              "09:30,,,,,,,\n").encode("latin-1")  # fmt: skip
    data = (HEADER + GOOD_ROW).encode() + latin1
    summary = import_files([csv_rows.parse("t.csv", data)], requester=people.nhse_editor)
    assert rejected(summary) == {"t.csv line 3": (messages.NOT_UTF8_LINE.format(line=3),)}
    assert summary.count("created") == 1


@pytest.mark.django_db
def test_files_that_cannot_be_read_are_reported(people):
    bad_json = govuk.parse("a.json", b"{not json")
    latin1_json = ons.parse("b.json", '{"uri": "/releases/caf\xe9"}'.encode("latin-1"))
    no_columns = csv_rows.parse("c.csv", b"name,when\nx,y\n")
    summary = import_files([bad_json, latin1_json, no_columns], requester=people.secretariat)
    files = dict(summary.files)
    assert files["a.json"].startswith("The file is not valid JSON")
    assert files["b.json"] == messages.NOT_UTF8_JSON.format(error="invalid continuation byte")
    assert files["c.csv"] == messages.CSV_MISSING_COLUMNS.format(columns="url, title, release_date")
    assert summary.outcomes == [] and nothing_saved()


@pytest.mark.django_db
def test_partial_govuk_items_are_refused_with_every_reason(people):
    items = [
        {"schema_name": "statistics_announcement", "details": {"display_date": "soon", "state": "confirmed"},
         "links": {"organisations": [{"title": "NHS England", "base_path": "/government/organisations/nhs-england"}]}},
        {"schema_name": "statistics_announcement", "base_path": "/government/statistics/announcements/x",
         "title": "X", "details": {"display_date": "January to April 2027", "state": "provisional"}},
        {"schema_name": "statistics_announcement", "base_path": "/government/statistics/announcements/y",
         "title": "Y", "details": {"display_date": "January 2027", "state": "confirmed"},
         "links": {"organisations": [{"title": "NHS England", "base_path": "/government/organisations/nhs-england"}]}},
        "not an object",
    ]  # fmt: skip
    summary = import_files([govuk.parse("g.json", json.dumps(items).encode())], requester=people.secretariat)
    assert rejected(summary) == {
        "g.json item 1": (messages.MISSING.format(field="base_path"), messages.MISSING.format(field="title"),
                          messages.BAD_DISPLAY_DATE.format(value="soon")),
        "g.json item 2": (messages.WINDOW_TOO_WIDE.format(value="January to April 2027"),),
        "g.json item 3": (messages.CONFIRMED_WITHOUT_TIME.format(state="confirmed"),),
        "g.json item 4": (messages.NOT_AN_OBJECT,),
    }  # fmt: skip
    assert nothing_saved()


@pytest.mark.django_db
def test_a_record_refused_half_way_through_its_replay_saves_nothing(people):
    """Registered, announced and moved, then refused at publishing (ONS gives no address): all of it is undone."""
    doc = {"type": "release", "uri": "releases/no-leading-slash", "title": "Deaths registered weekly",
           "release_date": "2026-10-06T08:30:00.000Z", "finalised": True, "published": True,
           "date_changes": [{"previous_date": "2026-09-29", "change_notice": "Data delay"}]}  # fmt: skip
    summary = import_files([ons.parse_document("o.json", doc)], requester=people.secretariat)
    assert rejected(summary) == {"o.json": ("Enter the address of the published statistics",)}
    assert nothing_saved()


@pytest.mark.django_db
def test_times_the_source_contradicts_are_refused(people):
    item = {"schema_name": "statistics_announcement", "base_path": "/government/statistics/announcements/z",
            "title": "Z", "first_published_at": "2027-03-01T10:00:00Z",
            "details": {"display_date": "1 February 2027 9:30am", "state": "confirmed"},
            "links": {"organisations": [{"title": "NHS England", "base_path": "/government/organisations/nhs-england"}]}}  # fmt: skip
    summary = import_files([govuk.parse_document("z.json", item)], requester=people.secretariat)
    (reason,) = summary.rejected()[0].reasons
    assert reason.startswith("The source's own times do not fit its dates")
    assert nothing_saved()


@pytest.mark.django_db
def test_only_the_producers_people_and_the_secretariat_may_import_its_releases(people):
    data = (HEADER + GOOD_ROW).encode()
    for person in (people.ons_editor, people.osr):
        summary = import_files([csv_rows.parse("t.csv", data)], requester=person)
        assert rejected(summary) == {"t.csv line 2": (messages.NOT_YOUR_PRODUCER.format(producer="NHS England"),)}
    assert nothing_saved()
    assert import_files([csv_rows.parse("t.csv", data)], requester=people.nhse_hop).count("created") == 1


@pytest.mark.django_db
def test_rows_without_a_producer_take_the_one_given_and_a_contact_is_needed(people):
    row = GOOD_ROW.replace("NHS England,", ",", 1)
    summary = import_files([csv_rows.parse("t.csv", (HEADER + row).encode())], requester=people.secretariat)
    assert rejected(summary) == {"t.csv line 2": (messages.NO_ORGANISATION,)}
    people.secretariat.email = ""
    summary = import_files([csv_rows.parse("t.csv", (HEADER + row).encode())], requester=people.secretariat,
                           default_producer=people.producers["NHSE"])  # fmt: skip
    assert rejected(summary) == {"t.csv line 2": (messages.NO_CONTACT,)}
    summary = import_files([csv_rows.parse("t.csv", (HEADER + row).encode())], requester=people.secretariat,
                           default_producer=people.producers["NHSE"], contact=("Jo Patel", "jo@example.org"))  # fmt: skip
    assert summary.count("created") == 1
    made = Release.objects.get(source=ImportSource.CSV)
    assert (made.lead_producer.abbreviation, made.lead_statistician_name) == ("NHSE", "Jo Patel")


@pytest.mark.django_db
def test_one_release_per_source_identifier():
    from django.db import IntegrityError, transaction

    from tests.factories import ProvisionalReleaseFactory

    ProvisionalReleaseFactory(source=ImportSource.ONS, source_identifier="/releases/x")
    ProvisionalReleaseFactory(source=ImportSource.GOVUK, source_identifier="/releases/x")  # another source: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        ProvisionalReleaseFactory(source=ImportSource.ONS, source_identifier="/releases/x")

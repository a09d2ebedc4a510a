"""Every file in ../shared/realdata imported through the services: the releases, date changes, states and flags that
result, what is refused and why, and that importing it all again changes nothing.

One import of everything serves every assertion (the services and engines run for each step, so it is the slow part),
then the same files again.
"""

from datetime import UTC, date, datetime

import pytest

from coordination.choices import FlagKind
from coordination.models import Flag
from importing import messages
from importing.reading import read_paths
from importing.runner import IMPORT_USERNAME, import_files
from releases.choices import ChangeStatus, Designation, ImportSource, Precision, State
from releases.models import DateChange, Release
from tests.conftest import skip_or_fail
from tests.factories import ReleaseSeriesFactory, TopicNetworkFactory, london
from tests.importing.conftest import REALDATA

FOLDERS = [
    ("govuk", "govuk-publishing-api-statistics_announcement"),
    ("govuk", "govuk-search-api"),
    ("ons", "ons-dp-search-api"),
    ("csv", "web-extracted-announcements"),
]
GOVUK = "/government/statistics/announcements/"
DID = f"{GOVUK}diagnostic-imaging-dataset-for-september-2015"
SUICIDE = "/releases/estimatingsuicideamonghighereducationstudentsenglandandwales"
NEET = "/releases/youngpeoplenotineducationemploymentortrainingneetukaugust2018"
CSV_GOVUK = "https://www.gov.uk/government/statistics/announcements/"


def _import_everything(requester):
    return {folder: import_files(read_paths(fmt, [REALDATA / folder]), requester=requester) for fmt, folder in FOLDERS}


def _release(source: str, identifier: str) -> Release:
    return Release.objects.get(source=source, source_identifier=identifier)


def _flags(release: Release) -> set[str]:
    return set(Flag.objects.filter(releases=release, is_current=True).values_list("kind", flat=True))


def _changes(release: Release) -> list[tuple[str, str, str, str]]:
    return [(c.status, c.previous_wording(), c.new_wording(), c.reason) for c in release.date_changes.order_by("pk")]


def _rejections(summary) -> dict[str, tuple[str, ...]]:
    return {o.where: o.reasons for o in summary.rejected()}


@pytest.fixture
def imported(people):
    if not REALDATA.is_dir():
        skip_or_fail(f"the real samples are not at {REALDATA}")
    # NHS England's series of the GOV.UK samples, in a topic network: imported releases whose titles begin with it
    # join it (and so its network), which the duplicate engine needs.
    series = ReleaseSeriesFactory(title="Diagnostic imaging dataset", producers=[people.producers["NHSE"]])
    series.networks.set([TopicNetworkFactory(name="Diagnostics", slug="diagnostics")])
    return _import_everything(people.secretariat)


@pytest.mark.django_db
def test_every_real_file_imports_as_a_person_would_expect_and_again_changes_nothing(imported, people):
    govuk, search, ons, csv = (imported[folder] for _fmt, folder in FOLDERS)
    nhse, ons_producer = people.producers["NHSE"], people.producers["ONS"]

    # --- GOV.UK publishing-api examples -------------------------------------------------------------------------
    assert govuk.counts == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 2}
    no_announcements = messages.NO_RECORDS_GOVUK.format(what="a JSON Schema")
    assert govuk.files == [("dist-frontend/schema.json", no_announcements),
                           ("dist-publisher_v2/schema.json", no_announcements)]  # fmt: skip
    assert _rejections(govuk) == {
        "best-practice-statistics-announcement.json": (
            messages.UNKNOWN_ORGANISATION.format(organisation="Department for Transport"),
        ),
        "national_statistics.json": (messages.UNKNOWN_ORGANISATION.format(organisation="Ministry of Defence"),),
    }
    # The NHS England examples: GOV.UK's slug for NHS England is still nhs-commissioning-board.
    confirmed = _release(ImportSource.GOVUK, f"{DID}--2")
    assert (confirmed.state, confirmed.precision, confirmed.release_at) == (
        State.CONFIRMED, Precision.EXACT, london(date(2016, 1, 20)))  # fmt: skip
    assert (confirmed.lead_producer, confirmed.designation) == (nhse, Designation.OFFICIAL)
    assert confirmed.title == "Diagnostic imaging dataset for September 2015"
    assert confirmed.summary.startswith("The Diagnostic Imaging Dataset (DID) is a new central collection")
    assert _changes(confirmed) == []
    assert confirmed.series.title == "Diagnostic imaging dataset"
    assert (confirmed.reference_period_start, confirmed.reference_period_end) == (date(2015, 9, 1), date(2015, 9, 30))
    assert list(confirmed.networks.values_list("slug", flat=True)) == ["diagnostics"]
    # Due in 2016 and never marked published; and announced twice on GOV.UK (base paths --1 and --2).
    assert _flags(confirmed) == {FlagKind.OVERDUE, FlagKind.DUPLICATE}

    changed = _release(ImportSource.GOVUK, f"{DID}--1")
    assert (changed.state, changed.release_at) == (State.CONFIRMED, london(date(2016, 1, 20)))
    assert _changes(changed) == [
        (ChangeStatus.AGREED, "19 January 2016 9:30am", "20 January 2016 9:30am", "Amended after inputting an error.")
    ]
    change = changed.date_changes.get()
    assert change.decided_at == datetime(2016, 1, 17, 14, 19, 42, 460000, tzinfo=UTC)  # public_updated_at
    assert change.decided_by.username == IMPORT_USERNAME
    assert change.decision_note == messages.AGREED_NOTE.format(source="GOV.UK", label=f"GOV.UK {DID}--1")
    # Moved three days before the new date: the Code asks for 28 days' notice.
    assert _flags(changed) == {FlagKind.OVERDUE, FlagKind.SHORT_NOTICE, FlagKind.DUPLICATE}
    duplicate = Flag.objects.get(kind=FlagKind.DUPLICATE)
    assert set(duplicate.releases.all()) == {confirmed, changed}

    cancelled = _release(ImportSource.GOVUK, DID)
    assert (cancelled.state, cancelled.cancellation_reason, cancelled.cancelled_at) == (
        State.CANCELLED, "Official Statistics", datetime(2016, 1, 17, 14, 19, 42, 460000, tzinfo=UTC))  # fmt: skip
    assert _flags(cancelled) == set()

    # History says who (the import's system user) and why (the source and its identifier).
    first = changed.history.order_by("history_id").first()
    assert first.history_change_reason == f"Imported from GOV.UK {DID}--1"
    assert first.history_user.username == IMPORT_USERNAME
    # (Setting the series' networks writes a second "Imported" row: django-simple-history records many-to-many sets.)
    reasons = list(dict.fromkeys(changed.history.order_by("history_id").values_list("history_change_reason", flat=True)))
    assert reasons == [
        f"Imported from GOV.UK {DID}--1",
        f"Announced (imported from GOV.UK {DID}--1)",
        "Moved from 19 January 2016 9:30am to 20 January 2016 9:30am. Reason: Amended after inputting an error.",
    ]

    # --- GOV.UK search-api configuration: nothing to import, and said so -------------------------------------------
    assert search.counts == {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    assert search.files[0] == ("field_definitions.json",
                               messages.NO_RECORDS_GOVUK.format(what="search-api field definitions"))  # fmt: skip
    assert search.files[1][0] == "statistics_finder.yml"
    assert search.files[1][1].startswith("The file is not valid JSON")

    # --- ONS: four files show two releases; the first file creates them, the others find them unchanged -----------
    assert ons.counts == {"created": 2, "updated": 0, "unchanged": 4, "rejected": 0}
    assert ons.files == [("features/testdata/es_zero_search_release_results.json",
                          messages.NO_RECORDS_ONS.format(what="a search response with no releases"))]  # fmt: skip
    suicide = _release(ImportSource.ONS, SUICIDE)
    assert (suicide.state, suicide.release_at, suicide.lead_producer) == (
        State.CONFIRMED, datetime(2018, 6, 25, 8, 30, tzinfo=UTC), ons_producer)  # fmt: skip
    assert suicide.designation == Designation.IN_DEVELOPMENT  # "Experimental Statistics"
    assert _changes(suicide) == [(ChangeStatus.AGREED, "1 June 2018 9:30am", "25 June 2018 9:30am", "changed it")]
    assert _flags(suicide) == {FlagKind.OVERDUE}
    neet = _release(ImportSource.ONS, NEET)
    assert (neet.state, neet.precision, neet.starts_on, neet.ends_on) == (
        State.PROVISIONAL, Precision.MONTH, date(2018, 8, 1), date(2018, 8, 31))  # fmt: skip
    assert _flags(neet) == {FlagKind.OVERDUE}

    # --- the CSV of announcements read from public pages ---------------------------------------------------------
    assert csv.counts == {"created": 19, "updated": 0, "unchanged": 0, "rejected": 33}
    rejected = _rejections(csv)
    no_producer = (messages.NO_ORGANISATION,)
    assert sum(1 for r in rejected.values() if r == no_producer) == 24
    assert sum(1 for r in rejected.values() if r == (messages.MISSING.format(field="release_date"),)) == 7
    welsh = (messages.UNKNOWN_ORGANISATION.format(organisation="Welsh Government"),)
    assert rejected["announcements_extracted.csv line 51"] == welsh
    assert rejected["announcements_extracted.csv line 52"] == welsh

    hes = _release(ImportSource.CSV, f"{CSV_GOVUK}provisional-monthly-hospital-episode-statistics-for-admitted-patient-"
                   "care-outpatient-and-accident-and-emergency-data-april-2021-march-2022")  # fmt: skip
    assert hes.lead_producer == nhse  # NHS Digital is NHS England's now
    assert _changes(hes) == [(ChangeStatus.AGREED, "12 May 2022 9:30am", "17 May 2022 9:30am",
                              "date moved back 5 days; producer cited production delays and apologised")]  # fmt: skip
    assert _flags(hes) == {FlagKind.OVERDUE, FlagKind.SHORT_NOTICE}  # moved 13 days before

    covid = _release(ImportSource.CSV, "https://www.ons.gov.uk/releases/coronaviruscovid19infectionsurveyuk27november2020")
    assert _changes(covid) == [(ChangeStatus.AGREED, "27 November 2020 midday", "26 November 2020 10:30am",
                                "brought FORWARD by a day (and time changed) to inform emerging COVID policy "
                                "decisions")]  # fmt: skip
    assert _flags(covid) == {FlagKind.OVERDUE, FlagKind.NON_STANDARD_TIME}

    two_delays = Release.objects.get(source=ImportSource.CSV, source_identifier__contains="technicalarticle")
    assert [(c[1], c[2]) for c in _changes(two_delays)] == [
        ("24 March 2022 9:30am", "6 April 2022 9:30am"), ("6 April 2022 9:30am", "22 April 2022 9:30am")]  # fmt: skip
    # The source gives the day but not the time of the current date: the assumption is in history.
    assert messages.NO_TIME_ASSUMPTION in two_delays.history.earliest("history_id").history_change_reason

    provisional_with_time = _release(ImportSource.CSV, f"{CSV_GOVUK}monthly-hospital-activity-data-for-april-2020")
    assert (provisional_with_time.state, provisional_with_time.precision, provisional_with_time.starts_on) == (
        State.PROVISIONAL, Precision.MONTH, date(2020, 6, 1))  # fmt: skip

    bsa = Release.objects.filter(source=ImportSource.CSV, lead_producer=people.producers["NHSBSA"])
    assert sorted(bsa.values_list("state", flat=True)) == [State.CONFIRMED] * 2 + [State.PROVISIONAL] * 3
    assert bsa.values("source_identifier").distinct().count() == 5  # one calendar page, five releases

    # Every imported release is announced, dated and recorded with its source.
    assert Release.objects.count() == 3 + 2 + 19
    assert not Release.objects.filter(state=State.DRAFT).exists()
    assert not Release.objects.filter(source="").exists()

    # --- importing everything again changes nothing ----------------------------------------------------------------
    counts = (Release.objects.count(), DateChange.objects.count(), Flag.objects.count())
    history = (Release.history.count(), DateChange.history.count(), Flag.history.count())
    versions = dict(Release.objects.values_list("pk", "version"))

    again = _import_everything(people.secretariat)

    for folder, summary in again.items():
        assert summary.count("created") == summary.count("updated") == 0, folder
        assert summary.count("rejected") == imported[folder].count("rejected"), folder
    assert (Release.objects.count(), DateChange.objects.count(), Flag.objects.count()) == counts
    assert (Release.history.count(), DateChange.history.count(), Flag.history.count()) == history
    assert dict(Release.objects.values_list("pk", "version")) == versions

"""The report from factual review to publication: the description the organisation may correct, scheduling as a
release of the Health Data Lab on the public calendar, the publishing task, who reads the report when, the PDF and
the public catalogue."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from datalab import services, store
from datalab.choices import RequestState
from datalab.models import AuditEntry, Report
from datalab.report import selectors, words
from releases.choices import Designation, State
from releases.models import Release
from tests.datalab.lab import APPLICATION
from tests.datalab.reports import analysed, in_review, publish_day, published, release_time, scheduled  # noqa: F401

pytestmark = pytest.mark.django_db
NEW_TEXT = "Trained volunteers visit older people at home weekly for eight weeks after they leave hospital."


def report_url(reference: str, pdf: bool = False) -> str:
    return reverse("datalab:report-pdf" if pdf else "datalab:report", kwargs={"reference": reference})


# --- factual review -------------------------------------------------------------------------------------------------


def test_the_organisation_corrects_the_description_and_the_trail_keeps_both(lab, analysed):  # noqa: F811
    request = in_review(lab, analysed)
    before = {f: getattr(request, f) for f in ("programme_name", "who_it_helps", "primary_outcome", "state")}
    services.correct_programme_description(request, by=lab.charity, text=f"  {NEW_TEXT} ", reason="Eight weeks, not six")
    request.refresh_from_db()
    assert request.programme_description == NEW_TEXT
    assert {f: getattr(request, f) for f in before} == before
    entry = AuditEntry.objects.get(request=request, event="description_corrected")
    assert entry.details == {"old": APPLICATION["programme_description"], "new": NEW_TEXT}
    assert (entry.actor, entry.actor_role, entry.reason) == (lab.charity, "charity", "Eight weeks, not six")
    assert request.runs.get().publishable == analysed["publishable"]  # the figures are untouched


@pytest.mark.parametrize(
    ("text", "reason", "field", "message"),
    [
        ("", "Wrong", "text", words.DESCRIPTION_REQUIRED),
        (APPLICATION["programme_description"], "Wrong", "text", words.DESCRIPTION_UNCHANGED),
        ("x" * (services.DESCRIPTION_MAX + 1), "Wrong", "text", None),
        (NEW_TEXT, " ", "reason", "Enter the reason."),
    ],
)  # fmt: skip
def test_a_bad_correction_saves_nothing(lab, analysed, text, reason, field, message):  # noqa: F811
    request = in_review(lab, analysed)
    with pytest.raises(ValidationError) as raised:
        services.correct_programme_description(request, by=lab.charity, text=text, reason=reason)
    assert field in raised.value.message_dict
    if message:
        assert raised.value.message_dict[field] == [message]
    request.refresh_from_db()
    assert request.programme_description == APPLICATION["programme_description"]
    assert not AuditEntry.objects.filter(event="description_corrected").exists()


def test_only_the_organisation_and_only_in_review(lab, analysed):  # noqa: F811
    request = in_review(lab, analysed)
    for person in (lab.analyst, lab.secretariat, lab.other_charity):
        with pytest.raises(PermissionDenied):
            services.correct_programme_description(request, by=person, text=NEW_TEXT, reason="Why")
    services.schedule_report(request, by=lab.analyst, publish_on=publish_day(), reason="")
    with pytest.raises(ValidationError, match="only during the factual review"):
        services.correct_programme_description(request, by=lab.charity, text=NEW_TEXT, reason="Late")


def test_the_factual_review_page_changes_the_description_only(client, lab, analysed):  # noqa: F811
    request = in_review(lab, analysed)
    client.force_login(lab.charity)
    url = reverse("datalab:factual-review", kwargs={"reference": request.reference})
    page = client.get(url)
    assert page.status_code == 200 and APPLICATION["programme_description"] in page.content.decode()
    refused = client.post(url, {"text": NEW_TEXT, "reason": ""})
    assert refused.status_code == 200 and "Enter the reason." in refused.content.decode()
    done = client.post(url, {"text": NEW_TEXT, "reason": "Eight weeks", "programme_name": "Renamed"})
    assert done.status_code == 302 and done["Location"] == report_url(request.reference)
    request.refresh_from_db()
    assert (request.programme_description, request.programme_name) == (NEW_TEXT, APPLICATION["programme_name"])
    assert NEW_TEXT in client.get(report_url(request.reference)).content.decode()
    client.force_login(lab.analyst)
    assert client.get(url).status_code == 403


# --- scheduling -----------------------------------------------------------------------------------------------------


def test_scheduling_announces_a_release_of_the_health_data_lab(client, lab, analysed):  # noqa: F811
    report = scheduled(lab, analysed)
    release = report.release
    assert report.request.state == RequestState.SCHEDULED
    assert (release.lead_producer.name, release.designation, release.state) == ("Health Data Lab", Designation.OFFICIAL,
                                                                                State.CONFIRMED)  # fmt: skip
    assert release.release_at == release_time(publish_day())
    assert release.title == f"Health Data Lab: {APPLICATION['programme_name']}"
    access = release.pre_release_access.get()
    assert access.organisation == lab.organisation.name
    assert access.access_starts_at == release.release_at - timedelta(hours=24)
    entry = AuditEntry.objects.get(request=report.request, step="schedule")
    assert (entry.actor, entry.details["release"]) == (lab.analyst, release.slug)
    calendar = client.get(reverse("calendar"), {"q": "Health Data Lab"})
    assert release.title in calendar.content.decode()
    assert client.get(release.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (None, words.PUBLISH_ON_REQUIRED),
        ("weekend", "is a Saturday"),
        ("soon", "at least 28 days ahead"),
    ],
)  # fmt: skip
def test_a_bad_date_schedules_nothing(lab, analysed, day, message):  # noqa: F811
    request = in_review(lab, analysed)
    if day == "weekend":
        day = publish_day(days=30)
        day += timedelta(days=(5 - day.weekday()) % 7)
    elif day == "soon":
        day = publish_day(days=7)
    with pytest.raises(ValidationError) as raised:
        services.schedule_report(request, by=lab.analyst, publish_on=day, reason="")
    assert message in raised.value.message_dict["publish_on"][0]
    assert not Release.objects.exists() and not Report.objects.exists()
    request.refresh_from_db()
    assert request.state == RequestState.FACTUAL_REVIEW


def test_a_bank_holiday_or_a_date_after_the_retention_date_is_refused():
    with pytest.raises(ValidationError, match="bank holiday"):
        services._check_publish_on(date(2030, 12, 25), date(2030, 1, 2))
    with pytest.raises(ValidationError, match="must be published before 1 March 2030"):
        services._check_publish_on(date(2030, 3, 1), date(2030, 1, 2), keep_until=date(2030, 3, 1))
    services._check_publish_on(date(2030, 2, 28), date(2030, 1, 2), keep_until=date(2030, 3, 1))


def test_only_the_lab_schedules_and_only_an_approved_run(lab, analysed):  # noqa: F811
    request = in_review(lab, analysed)
    for person in (lab.charity, lab.checker, lab.outsider):
        with pytest.raises(PermissionDenied):
            services.schedule_report(request, by=person, publish_on=publish_day(), reason="")
    unapproved = in_review(lab, analysed, approve=False, programme_name="Never approved")
    with pytest.raises(ValidationError, match="No output checker has approved"):
        services.schedule_report(unapproved, by=lab.analyst, publish_on=publish_day(), reason="")
    report = services.schedule_report(request, by=lab.secretariat, publish_on=publish_day(), reason="")
    assert report.run == request.runs.get() and report.scheduled_by == lab.secretariat


def test_the_schedule_page(client, lab, analysed):  # noqa: F811
    request = in_review(lab, analysed)
    client.force_login(lab.analyst)
    detail = client.get(request.get_absolute_url()).content.decode()
    url = reverse("datalab:schedule", kwargs={"reference": request.reference})
    assert url in detail and report_url(request.reference) in detail
    day = publish_day()
    refused = client.post(url, {"publish_on_day": "2", "publish_on_month": "1", "publish_on_year": "2020"})
    assert refused.status_code == 200 and "at least 28 days ahead" in refused.content.decode()
    done = client.post(url, {"publish_on_day": day.day, "publish_on_month": day.month, "publish_on_year": day.year})
    assert done.status_code == 302
    assert Report.objects.get(request=request).release.release_at == release_time(day)
    client.force_login(lab.charity)
    assert client.get(url).status_code == 403


# --- publication ----------------------------------------------------------------------------------------------------


def test_the_task_publishes_on_the_date_and_not_before(lab, analysed):  # noqa: F811
    report = scheduled(lab, analysed)
    due = report.release.release_at
    assert due is not None
    assert services.publish_due_reports(due - timedelta(minutes=1)) == []
    report.refresh_from_db()
    assert report.published_at is None and report.request.state == RequestState.SCHEDULED
    assert services.publish_due_reports(due) == [report.request.reference]
    report.refresh_from_db()
    report.release.refresh_from_db()
    assert report.published_at == due and report.request.state == RequestState.PUBLISHED
    assert report.release.state == State.PUBLISHED
    assert report.release.published_url.endswith(report_url(report.request.reference))
    entry = AuditEntry.objects.get(request=report.request, step="publish")
    assert (entry.actor, entry.actor_role, entry.actor_name) == (None, "system", services.PUBLISH_TASK)
    assert entry.details["ledger_tokens"] > 0  # the cohort is in the organisation's differencing ledger now
    ledger = store.read_ledger(lab.organisation.pk).to_pylist()
    assert {(row["request"], row["set"]) for row in ledger} == {(report.request.reference, "analysed"),
                                                                (report.request.reference, "matched")}  # fmt: skip
    assert services.publish_due_reports(due + timedelta(hours=1)) == []  # once only


def test_the_beat_task_runs_the_service(lab, analysed, settings):  # noqa: F811
    from datalab import tasks

    assert settings.CELERY_BEAT_SCHEDULE["datalab-publish-due-reports"]["task"] == services.PUBLISH_TASK
    report = scheduled(lab, analysed)
    assert tasks.publish_due_reports.delay().get() == []  # its date is weeks away
    assert report.release.release_at is not None


# --- who reads the report when ---------------------------------------------------------------------------------------


def test_before_publication_only_the_lab_and_the_organisation_in_review(client, lab, analysed):  # noqa: F811
    request = in_review(lab, analysed)
    url = report_url(request.reference)
    assert client.get(url).status_code == 404
    for person, status in ((lab.charity, 200), (lab.analyst, 200), (lab.checker, 200), (lab.secretariat, 200),
                           (lab.other_charity, 404), (lab.osr, 404), (lab.outsider, 404)):  # fmt: skip
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == status, person
        if status == 200:
            assert response["Cache-Control"] == "private, no-store"
            assert "Not published" in response.content.decode()


def test_once_scheduled_the_organisation_reads_it_from_its_pre_release_access(lab, analysed):  # noqa: F811
    report = scheduled(lab, analysed)
    request, due = report.request, report.release.release_at
    assert due is not None
    assert not selectors.may_read(lab.charity, request, now=due - timedelta(hours=25))
    assert selectors.may_read(lab.charity, request, now=due - timedelta(hours=24))
    assert selectors.may_read(lab.analyst, request, now=due - timedelta(days=20))
    assert not selectors.may_read(lab.other_charity, request, now=due - timedelta(hours=1))
    links = selectors.report_links(lab.charity, request, now=due - timedelta(days=2))
    assert not links.may_read and links.pre_release_from == due - timedelta(hours=24)


def test_after_publication_everyone_reads_it_for_ever(client, lab, analysed):  # noqa: F811
    report = published(lab, analysed)
    url = report_url(report.request.reference)
    response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200 and "Cache-Control" not in response
    assert "between" in page and "fewer per 100 people" in page and "For any 100 people like those helped" in page
    assert page.count('<g class="forest-row">') == 10 and 'class="datalab-plot datalab-plot--balance"' in page
    assert "Not published" not in page
    request = report.request
    services.request_delete_data(request=request, ground="published", task="tests")
    assert client.get(url).status_code == 200  # data deleted, the report stays


def test_the_pdf_is_the_same_report(client, lab, analysed):  # noqa: F811
    report = published(lab, analysed)
    response = client.get(report_url(report.request.reference, pdf=True))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert len(response.content) > 5000
    unpublished = in_review(lab, analysed, programme_name="Not yet")
    assert client.get(report_url(unpublished.reference, pdf=True)).status_code == 404


def test_the_catalogue_lists_every_published_report(client, lab, analysed):  # noqa: F811
    first = published(lab, analysed)
    in_review(lab, analysed, programme_name="Still in review")
    page = client.get(reverse("datalab:reports"))
    text = page.content.decode()
    assert page.status_code == 200
    assert first.request.programme_name in text and "Still in review" not in text
    assert report_url(first.request.reference) in text and text.count('<g class="forest-row">') == 1
    by_org = client.get(reverse("datalab:reports"), {"organisation": lab.organisation.slug, "outcome": "ae_attendances"})
    assert by_org.status_code == 200 and "A&amp;E attendances across the reports" in by_org.content.decode()
    assert client.get(reverse("datalab:reports"), {"organisation": "nobody"}).status_code == 400

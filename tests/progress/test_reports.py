"""Quarterly progress reports: drafted as at the quarter's end, immutable once issued (services, models, API, admin),
and drafted by the beat schedule once per quarter with an e-mail to the secretariat."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from progress import messages, services
from progress.models import ProgressReport
from progress.quarters import Quarter
from progress.tasks import draft_quarterly_report
from releases import services as release_services
from releases.schedule import LONDON, Schedule
from tests.factories import PublishedReleaseFactory, UserFactory

pytestmark = pytest.mark.django_db


def play_release(cast, *, release_day, notice_days, publish=True):
    """A release played through the services at the times given (history rows dated by the services' ``at``)."""
    release_at = datetime.combine(release_day, time(9, 30), tzinfo=LONDON)
    release = release_services.release_create(
        actor=cast.editor, announce=True, at=release_at - timedelta(days=90),
        schedule=Schedule.window(release_day.replace(day=1)),
        details=release_services.ReleaseDetails(
            title=f"Emergency admissions {release_day:%B %Y}", lead_producer=cast.producer,
            designation="official", lead_statistician_name="Sam", lead_statistician_email="sam@example.org",
            networks=(cast.network,),
        ),
    )  # fmt: skip
    release = release_services.release_confirm(actor=cast.editor, release=release, release_at=release_at,
                                               at=release_at - timedelta(days=notice_days))  # fmt: skip
    if publish:
        release = release_services.release_publish(actor=cast.editor, release=release, published_url="https://x.org/a",
                                                   at=release_at + timedelta(minutes=1))  # fmt: skip
    return release


def last_quarter() -> Quarter:
    return Quarter.containing(timezone.now()).previous()


@pytest.fixture
def issued(cast):
    report = services.report_draft(actor=cast.secretariat, quarter=last_quarter())
    report = services.report_update_commentary(actor=cast.secretariat, report=report, commentary="Good progress.")
    return services.report_issue(actor=cast.secretariat, report=report)


def test_draft_freezes_figures_as_at_the_quarters_end(cast):
    quarter = last_quarter()
    play_release(cast, release_day=quarter.first_day + timedelta(days=40), notice_days=35)

    report = services.report_draft(actor=cast.secretariat, quarter=quarter)

    assert report.status == "draft" and report.as_of == quarter.ends_at
    figures = {m["key"]: m for m in report.figures["metrics"]}
    assert figures["standard_time"]["total"]["denominator"] == 1
    assert figures["confirmed_28_days"]["total"]["value"] == 100.0
    assert [row["label"] for row in figures["confirmed_28_days"]["by_producer"]] == ["NHSE", "ONS"]
    assert len(figures["confirmed_28_days"]["trend"]) == 8
    assert report.history.first().history_change_reason == "Drafted"


def test_only_the_secretariat_drafts_and_only_ended_quarters(cast):
    with pytest.raises(PermissionDenied, match=messages.NOT_SECRETARIAT):
        services.report_draft(actor=cast.osr, quarter=last_quarter())
    current = Quarter.containing(timezone.now())
    with pytest.raises(ValidationError) as error:
        services.report_draft(actor=cast.secretariat, quarter=current)
    assert error.value.messages == [messages.QUARTER_NOT_ENDED.format(quarter=current.label)]
    assert not ProgressReport.objects.exists()


def test_issue_needs_commentary(cast):
    report = services.report_draft(actor=cast.secretariat, quarter=last_quarter())
    with pytest.raises(ValidationError) as error:
        services.report_issue(actor=cast.secretariat, report=report)
    assert error.value.message_dict == {"commentary": [messages.COMMENTARY_REQUIRED]}
    report.refresh_from_db()
    assert report.status == "draft"


def test_issued_report_refuses_every_service_change(cast, issued):
    before = ProgressReport.objects.values().get(pk=issued.pk)
    for attempt in (
        lambda: services.report_update_commentary(actor=cast.secretariat, report=issued, commentary="Rewritten"),
        lambda: services.report_issue(actor=cast.secretariat, report=issued),
        lambda: services.report_draft(actor=cast.secretariat, quarter=last_quarter()),
    ):
        with pytest.raises(ValidationError) as error:
            attempt()
        assert error.value.messages == [messages.REPORT_ISSUED]
    assert ProgressReport.objects.values().get(pk=issued.pk) == before
    assert [h.history_change_reason for h in issued.history.all()] == [
        "Issued to OSR", "Commentary written", "Drafted"]  # fmt: skip


def test_issued_report_refuses_save_update_and_delete(issued):
    issued.commentary = "Changed behind the services' back"
    with pytest.raises(ValidationError, match=messages.REPORT_ISSUED):
        issued.save()
    with pytest.raises(ValidationError, match=messages.REPORT_ISSUED):
        ProgressReport.objects.filter(pk=issued.pk).update(commentary="Bulk")
    with pytest.raises(ValidationError, match=messages.REPORT_ISSUED):
        ProgressReport.objects.get(pk=issued.pk).delete()
    with pytest.raises(ValidationError, match=messages.REPORT_ISSUED):
        ProgressReport.objects.all().delete()
    assert ProgressReport.objects.get(pk=issued.pk).commentary == "Good progress."


def test_issued_report_figures_do_not_follow_later_changes(cast, issued):
    frozen = issued.figures
    quarter = last_quarter()
    PublishedReleaseFactory(lead_producer=cast.producer, release_at=quarter.starts_at + timedelta(days=10, hours=9),
                            revised_at=quarter.starts_at + timedelta(days=10, hours=10))  # fmt: skip

    issued.refresh_from_db()
    assert issued.figures == frozen
    body = Client().get(f"/api/v1/progress-reports/{issued.quarter}/").json()
    assert body["figures"] == frozen


def test_api_lists_issued_reports_to_the_public_and_refuses_changes(cast, issued):
    draft = services.report_draft(actor=cast.secretariat, quarter=last_quarter().previous())
    client = Client()

    listed = client.get("/api/v1/progress-reports/").json()
    assert [r["quarter"] for r in listed["results"]] == [issued.quarter]
    assert client.get(f"/api/v1/progress-reports/{draft.quarter}/").status_code == 404
    detail = client.get(f"/api/v1/progress-reports/{issued.quarter}/").json()
    assert detail["status"] == "issued" and detail["commentary"] == "Good progress."

    client.force_login(cast.secretariat)
    for method in ("put", "patch", "delete"):
        response = getattr(client, method)(f"/api/v1/progress-reports/{issued.quarter}/",
                                           data={"commentary": "Rewritten"}, content_type="application/json")  # fmt: skip
        assert response.status_code == 405
    assert client.post("/api/v1/progress-reports/", data={}, content_type="application/json").status_code == 405
    issued.refresh_from_db()
    assert issued.commentary == "Good progress."


def test_admin_shows_an_issued_report_read_only(cast, issued):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)

    page = client.get(f"/admin/progress/progressreport/{issued.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.post(f"/admin/progress/progressreport/{issued.pk}/change/",
                       {"commentary": "Rewritten"}).status_code == 403  # fmt: skip
    assert client.post(f"/admin/progress/progressreport/{issued.pk}/delete/", {"post": "yes"}).status_code == 403
    history_id = issued.history.last().history_id
    revert = client.post(f"/admin/progress/progressreport/{issued.pk}/history/{history_id}/", {"commentary": ""})
    assert revert.status_code in (302, 403)
    issued.refresh_from_db()
    assert issued.commentary == "Good progress." and issued.status == "issued"


def test_commentary_and_issue_through_the_manage_page(cast):
    report = services.report_draft(actor=cast.secretariat, quarter=last_quarter())
    client = Client()
    client.force_login(cast.secretariat)
    address = f"/osr/reports/{report.quarter}/"

    response = client.post(address, {"commentary": "", "action": "issue"})
    assert messages.COMMENTARY_REQUIRED in response.content.decode()
    # "Preview and issue" saves the commentary and shows the preview: it does not issue.
    response = client.post(address, {"commentary": "Fewer late confirmations.", "action": "issue"})
    assert response.status_code == 302 and response["Location"] == f"/osr/reports/{report.quarter}/issue/"
    report.refresh_from_db()
    assert not report.is_issued and report.commentary == "Fewer late confirmations."
    response = client.post(response["Location"], {"confirm": "yes", "digest": report.digest})
    assert response.status_code == 302 and response["Location"] == f"/progress/{report.quarter}/"
    report.refresh_from_db()
    assert report.is_issued and report.issued_by == cast.secretariat
    again = client.post(address, {"commentary": "Rewritten", "action": "save"})
    assert messages.REPORT_ISSUED in again.content.decode()
    report.refresh_from_db()
    assert report.commentary == "Fewer late confirmations."
    assert Client().get(f"/progress/{report.quarter}/").status_code == 200
    client.force_login(cast.osr)
    assert client.post(address, {"commentary": "x", "action": "save"}).status_code == 403


COMMENTARY = "Confirmations came earlier.\r\n\r\nFewer clashes: <b>two</b> *settled*\r\nin March.\r\n \r\n<script>x()</script>"
PARAGRAPHS = (
    '<div class="app-commentary">\n  <p class="govuk-body">Confirmations came earlier.</p>\n'
    '  <p class="govuk-body">Fewer clashes: &lt;b&gt;two&lt;/b&gt; *settled*<br>in March.</p>\n'
    '  <p class="govuk-body">&lt;script&gt;x()&lt;/script&gt;</p>\n</div>'
)


def _draft_with_commentary(cast, commentary=COMMENTARY):
    report = services.report_draft(actor=cast.secretariat, quarter=last_quarter())
    client = Client()
    client.force_login(cast.secretariat)
    client.post(f"/osr/reports/{report.quarter}/", {"commentary": commentary, "action": "save"})
    report.refresh_from_db()
    return report, client


def test_an_issued_report_keeps_the_commentarys_paragraphs_escaped(cast):
    # Written on the page, as a browser sends a textarea: CRLF line endings.
    report, client = _draft_with_commentary(cast)
    services.report_issue(actor=cast.secretariat, report=report)

    page = Client().get(f"/progress/{report.quarter}/").content.decode()

    assert report.commentary == COMMENTARY.replace("\r\n", "\n").replace("\n \n", "\n\n")
    assert PARAGRAPHS in page
    assert "<b>two</b>" not in page and "<script>x()" not in page and "<em>" not in page


def test_a_report_issued_with_crlf_before_the_fix_still_shows_paragraphs(cast):
    report = services.report_draft(actor=cast.secretariat, quarter=last_quarter())
    ProgressReport.objects.filter(pk=report.pk).update(commentary=COMMENTARY)  # as stored before: CRLF kept
    report.refresh_from_db()
    services.report_issue(actor=cast.secretariat, report=report)

    assert PARAGRAPHS in Client().get(f"/progress/{report.quarter}/").content.decode()


@time_machine.travel(datetime(2026, 11, 30, 9, 0, tzinfo=LONDON), tick=False)  # "Issued on" the same minute
def test_the_preview_is_the_public_page_as_it_will_look_and_a_get_never_issues(cast):
    report, client = _draft_with_commentary(cast)
    address = f"/osr/reports/{report.quarter}/issue/"

    preview = client.get(address + "?breakdown=network").content.decode()

    report.refresh_from_db()
    assert not report.is_issued and report.history.filter(history_change_reason="Issued to OSR").count() == 0
    assert "Preview: not issued yet" in preview and "Are you sure you want to issue this report?" in preview
    assert PARAGRAPHS in preview
    assert f'<h1 class="govuk-heading-xl">{report.period}</h1>' in preview
    assert "Urgent and emergency care" in preview  # the breakdown chosen, as on the public page
    assert f'name="digest" value="{report.digest}"' in preview and 'value="yes" name="confirm"' in preview
    # The same figures and commentary as the public page will have once issued.
    services.report_issue(actor=cast.secretariat, report=report)
    public = Client().get(f"/progress/{report.quarter}/?breakdown=network").content.decode()
    body = preview.split("</h1>", 1)[1].split("Are you sure", 1)[0]
    assert body.rsplit("</section>", 1)[0] in public


def test_issuing_needs_an_explicit_confirm_and_the_version_previewed(cast):
    report, client = _draft_with_commentary(cast)
    address = f"/osr/reports/{report.quarter}/issue/"
    digest = report.digest

    unconfirmed = client.post(address, {"digest": digest})
    assert unconfirmed.status_code == 200 and messages.ISSUE_NOT_CONFIRMED in unconfirmed.content.decode()
    services.report_update_commentary(actor=cast.secretariat, report=report, commentary="Changed in another tab.")
    stale = client.post(address, {"confirm": "yes", "digest": digest})
    assert stale.status_code == 200 and messages.REPORT_CHANGED_SINCE_PREVIEW in stale.content.decode()
    assert "Changed in another tab." in stale.content.decode()  # the preview now shows the latest version
    report.refresh_from_db()
    assert not report.is_issued

    client.force_login(cast.osr)
    report.refresh_from_db()
    assert client.get(address).status_code == 403
    assert client.post(address, {"confirm": "yes", "digest": report.digest}).status_code == 403
    report.refresh_from_db()
    assert not report.is_issued


def test_an_issued_report_has_no_preview_to_issue_again(cast, issued):
    client = Client()
    client.force_login(cast.secretariat)

    response = client.post(f"/osr/reports/{issued.quarter}/issue/", {"confirm": "yes", "digest": issued.digest})

    assert response.status_code == 302 and response["Location"] == f"/progress/{issued.quarter}/"
    assert ProgressReport.objects.get(pk=issued.pk).history.count() == issued.history.count()


def test_scheduled_draft_is_idempotent_and_tells_the_secretariat(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert draft_quarterly_report.apply().get() == last_quarter().key
    with django_capture_on_commit_callbacks(execute=True):
        assert draft_quarterly_report.apply().get() is None

    report = ProgressReport.objects.get()
    assert report.quarter == last_quarter().key and report.drafted_by is None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [cast.secretariat.email]
    assert mail.outbox[0].subject == messages.DRAFTED_EMAIL_SUBJECT.format(quarter=last_quarter().label)
    assert f"/osr/reports/{report.quarter}/" in mail.outbox[0].body


def test_public_report_pages_show_issued_reports_only(cast, issued):
    draft = services.report_draft(actor=cast.secretariat, quarter=last_quarter().previous())
    client = Client()

    listing = client.get("/progress/").content.decode()
    assert issued.period in listing and draft.period not in listing
    assert client.get(f"/progress/{draft.quarter}/").status_code == 404
    page = client.get(f"/progress/{issued.quarter}/?breakdown=network").content.decode()
    assert "Good progress." in page and 'role="img"' in page and "Urgent and emergency care" in page
    csv = client.get(f"/progress/{issued.quarter}.csv").content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("quarter,metric,title")
    assert client.get(f"/progress/{issued.quarter}.json").json() == issued.figures

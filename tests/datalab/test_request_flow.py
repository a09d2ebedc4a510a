"""A request through the services from draft to closed, and each service's own refusals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from datalab import agreement, messages, services
from datalab.choices import RequestState
from datalab.models import AuditEntry, CohortUpload, DataLabRequest, UploadStatus
from tests.datalab.lab import advance, cohort_csv, draft

pytestmark = pytest.mark.django_db


def _events(request: DataLabRequest) -> list[tuple[str, str, str]]:
    return list(AuditEntry.objects.filter(request=request).values_list("event", "actor_role", "to_state"))


def test_the_usual_path_records_every_step_with_who_and_why(lab, extract):
    request = draft(lab)
    request = advance(lab, request, RequestState.PROTOCOL_LOCKED, extract=extract)

    assert _events(request) == [
        ("created", "charity", "draft"),
        ("submit", "charity", "submitted"),
        ("check_eligibility", "analyst", "eligibility_checked"),
        ("sign_agreement", "charity", "agreement_signed"),
        ("open_upload", "analyst", "awaiting_upload"),
        ("cohort_received", "charity", ""),
        ("link", "system", "linked"),
        ("mark_feasible", "analyst", "feasible"),
        ("lock_protocol", "analyst", "protocol_locked"),
    ]
    link = AuditEntry.objects.get(request=request, event="link")
    assert link.actor is None and link.actor_name == "datalab.link_upload"
    assert request.protocol["primary_outcome"] == "emergency_admissions"
    assert (request.protocol["caliper_sd"], request.protocol["max_controls"]) == (0.2, 5)
    assert services.protocol_parameters(request).smd_threshold == 0.10
    assert request.protocol_locked_at is not None
    # Every write is in the request's history too, with the person.
    assert request.history.filter(history_user=lab.analyst).exists()


def test_submitting_keeps_the_checks_and_the_power_as_they_were(lab):
    request = services.request_submit(actor=lab.charity, request=draft(lab, expected_people=70))

    assert request.submitted_at is not None
    assert {c["code"] for c in request.eligibility} >= {"min_people"}
    assert all(c["passed"] for c in request.eligibility)
    assert request.power["n_treated"] == 70 and request.power["smallest_difference_per_100"] > 0
    assert "70 people" in request.power["sentence"]


def test_too_few_people_cannot_be_submitted_and_nothing_changes(lab):
    request = draft(lab, expected_people=59)
    with pytest.raises(ValidationError) as refused:
        services.request_submit(actor=lab.charity, request=request)
    assert "60" in refused.value.messages[0]
    request.refresh_from_db()
    assert request.state == RequestState.DRAFT and request.submitted_at is None
    assert _events(request) == [("created", "charity", "draft")]


def test_follow_up_beyond_the_extract_cannot_be_submitted(lab):
    request = draft(lab, delivery_end=lab.extract.coverage_end - timedelta(days=30))
    with pytest.raises(ValidationError):
        services.request_submit(actor=lab.charity, request=request)


def test_the_privacy_notice_must_be_confirmed(lab):
    request = draft(lab, privacy_notice_confirmed=False)
    with pytest.raises(ValidationError) as refused:
        services.request_submit(actor=lab.charity, request=request)
    assert refused.value.message_dict == {"privacy_notice_confirmed": [messages.PRIVACY_NOTICE_REQUIRED]}


def test_only_the_organisations_people_start_or_change_its_drafts(lab):
    with pytest.raises(PermissionDenied):
        services.request_create(actor=lab.other_charity, organisation=lab.organisation, **_application())
    request = draft(lab)
    with pytest.raises(PermissionDenied):
        services.request_update(actor=lab.other_charity, request=request, programme_name="Taken over")
    with pytest.raises(PermissionDenied):
        services.request_update(actor=lab.analyst, request=request, programme_name="Taken over")
    services.request_update(actor=lab.charity, request=request, programme_name="Renamed")
    assert AuditEntry.objects.get(request=request, event="edited").details == {"fields": ["programme_name"]}


def _application():
    from tests.datalab.lab import APPLICATION

    return APPLICATION


def test_a_submitted_request_is_no_longer_edited(lab):
    request = services.request_submit(actor=lab.charity, request=draft(lab))
    with pytest.raises(ValidationError) as refused:
        services.request_update(actor=lab.charity, request=request, programme_name="Late change")
    assert refused.value.messages == [messages.ONLY_DRAFTS_EDITED]


def test_the_agreement_records_version_signatory_and_retention(lab):
    request = advance(lab, draft(lab), RequestState.ELIGIBILITY_CHECKED)
    with pytest.raises(ValidationError) as refused:
        services.agreement_sign(actor=lab.charity, request=request, signatory_name="", signatory_role="",
                                accepted=False)  # fmt: skip
    assert set(refused.value.message_dict) == {"accepted", "signatory_name", "signatory_role"}
    acceptance = services.agreement_sign(
        actor=lab.charity, request=request, signatory_name="Sam Okafor", signatory_role="Chief executive",
        accepted=True,
    )  # fmt: skip
    request.refresh_from_db()
    assert acceptance.agreement_version == agreement.VERSION and acceptance.agreement_sha256 == agreement.digest()
    assert acceptance.retention_until == timezone.localdate() + timedelta(days=365) == request.retention_until
    assert request.state == RequestState.AGREEMENT_SIGNED


def test_nothing_can_be_uploaded_before_the_agreement(lab, extract):
    for state in (RequestState.DRAFT, RequestState.SUBMITTED, RequestState.ELIGIBILITY_CHECKED):
        request = advance(lab, draft(lab), state)
        with pytest.raises(ValidationError) as refused:
            services.cohort_upload(actor=lab.charity, request=request, filename="c.csv", data=cohort_csv(extract))
        assert refused.value.messages == [messages.UPLOAD_BEFORE_AGREEMENT]
        assert not CohortUpload.objects.filter(request=request).exists()
    signed = advance(lab, draft(lab), RequestState.AGREEMENT_SIGNED)
    with pytest.raises(ValidationError):  # signed, but the lab has not opened the upload yet
        services.cohort_upload(actor=lab.charity, request=signed, filename="c.csv", data=cohort_csv(extract))


def test_the_lab_team_follows_the_two_person_rule(lab):
    request = advance(lab, draft(lab), RequestState.AGREEMENT_SIGNED)
    with pytest.raises(ValidationError) as refused:
        services.request_open_upload(actor=lab.analyst, request=request, analyst=lab.analyst, output_checker=lab.analyst)
    assert refused.value.message_dict == {"output_checker": [messages.NOT_A_CHECKER.format(person="Alex " +
                                                                                            lab.analyst.last_name)]}  # fmt: skip
    from ehssg.roles import OUTPUT_CHECKER_GROUP
    from tests.factories import add_to_group

    add_to_group(lab.analyst, OUTPUT_CHECKER_GROUP)
    with pytest.raises(ValidationError) as refused:
        services.request_open_upload(actor=lab.analyst, request=request, analyst=lab.analyst, output_checker=lab.analyst)
    assert refused.value.message_dict == {"output_checker": [messages.CHECKER_IS_ANALYST]}
    with pytest.raises(ValidationError):
        services.request_open_upload(actor=lab.analyst, request=request, analyst=lab.checker, output_checker=lab.checker)
    with pytest.raises(PermissionDenied):
        services.request_open_upload(actor=lab.charity, request=request, analyst=lab.analyst, output_checker=lab.checker)


def test_an_analyst_may_name_another_analyst_for_the_request(lab):
    request = advance(lab, draft(lab), RequestState.AGREEMENT_SIGNED)
    services.request_open_upload(actor=lab.analyst, request=request, analyst=lab.other_analyst,
                                 output_checker=lab.checker)  # fmt: skip
    request.refresh_from_db()
    assert (request.analyst, request.state) == (lab.other_analyst, RequestState.AWAITING_UPLOAD)
    entry = AuditEntry.objects.get(request=request, event="open_upload")
    assert entry.actor == lab.analyst and entry.actor_role == "analyst"


def test_request_folders_are_private(lab, extract):
    import os
    import stat

    from datalab import store

    request = advance(lab, draft(lab), RequestState.LINKED, extract=extract)
    for folder in (store.request_dir(request.reference), store.request_dir(request.reference).parent):
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert all(stat.S_IMODE(os.stat(p).st_mode) == 0o600 for p in store.request_dir(request.reference).iterdir())


def test_linking_reports_counts_and_reasons_only(lab, extract):
    request = advance(lab, draft(lab), RequestState.LINKED, extract=extract)
    upload = request.uploads.get()

    assert upload.status == UploadStatus.LINKED
    summary = request.linkage
    assert summary["submitted"] == upload.rows
    assert summary["linked"] + sum(summary["not_linked"].values()) == summary["submitted"]
    assert summary["analysable"] == summary["linked"] - sum(summary["ineligible"].values())
    assert summary["link_rate"] > 0.95
    assert set(summary["by_method"]) == {"nhs_number", "fallback"}


def test_feasibility_needs_enough_analysable_people(lab, extract, settings):
    request = advance(lab, draft(lab), RequestState.LINKED, extract=extract)
    settings.DATALAB_MIN_PEOPLE = request.linkage["analysable"] + 1
    with pytest.raises(ValidationError) as refused:
        services.request_mark_feasible(actor=lab.analyst, request=request)
    assert refused.value.messages == [messages.TOO_FEW_LINKED.format(
        analysable=request.linkage["analysable"], minimum=settings.DATALAB_MIN_PEOPLE)]  # fmt: skip
    services.request_mark_not_feasible(actor=lab.analyst, request=request, reason="Too few people linked")
    request.refresh_from_db()
    assert request.state == RequestState.NOT_FEASIBLE and request.outcome_reasons == "Too few people linked"


def test_a_linked_cohort_can_be_replaced_and_its_files_go(lab, extract):
    from datalab import store

    request = advance(lab, draft(lab), RequestState.LINKED, extract=extract)
    services.request_replace_cohort(actor=lab.charity, request=request, reason="Corrected NHS numbers")
    request.refresh_from_db()
    assert request.state == RequestState.AWAITING_UPLOAD and request.linkage == {}
    assert request.uploads.get().status == UploadStatus.REPLACED
    assert not store.holds_files(request.reference)
    certificate = request.deletion_certificates.get()
    assert certificate.ground == "replaced" and certificate.verified and len(certificate.files) == 2


def test_withdrawal_until_the_analysis_starts(lab, extract):
    request = advance(lab, draft(lab), RequestState.FEASIBLE, extract=extract)
    DataLabRequest.objects.filter(pk=request.pk).update(analysis_started_at=timezone.now())
    with pytest.raises(ValidationError) as refused:
        services.request_withdraw(actor=lab.charity, request=request, reason="Changed our minds")
    assert refused.value.messages == [messages.ANALYSIS_STARTED]
    other = advance(lab, draft(lab), RequestState.SUBMITTED)
    services.request_withdraw(actor=lab.charity, request=other, reason="Programme paused")
    other.refresh_from_db()
    assert other.state == RequestState.WITHDRAWN and other.outcome_reasons == "Programme paused"


def test_a_request_holding_data_cannot_be_closed(lab, extract):
    request = advance(lab, draft(lab), RequestState.LINKED, extract=extract)
    services.request_mark_not_feasible(actor=lab.analyst, request=request, reason="Balance impossible")
    with pytest.raises(ValidationError) as refused:
        services.request_close(actor=lab.analyst, request=request, reason="Done")
    assert refused.value.messages == [messages.DATA_STILL_HELD]


def test_an_eligibility_refusal_ends_the_request_with_its_reason(lab):
    request = advance(lab, draft(lab), RequestState.SUBMITTED)
    services.request_refuse_eligibility(actor=lab.analyst, request=request, reason="Outcome not in hospital data")
    request.refresh_from_db()
    assert request.state == RequestState.NOT_FEASIBLE
    services.request_close(actor=lab.secretariat, request=request, reason="Ended")
    request.refresh_from_db()
    assert request.state == RequestState.CLOSED


def test_references_are_unique_and_readable(lab):
    references = {draft(lab).reference for _ in range(20)}
    assert len(references) == 20
    assert all(r.startswith("HDL-") and len(r) == 11 and not set(r[4:]) & set("IO01") for r in references)


def test_dates_of_a_draft_stay_within_the_constraints(lab):
    with pytest.raises(ValidationError):
        draft(lab, delivery_start=date(2023, 1, 1), delivery_end=date(2022, 1, 1))

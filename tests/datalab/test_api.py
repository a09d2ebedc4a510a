"""The lab's API: what a request shows and to whom, drafts changed with the version read, the steps in the services'
own words, the same 404 for another organisation's request as for none, and the audit trail; the whole way through."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from datalab import agreement, messages, services, tasks
from datalab.choices import Outcome, RequestState
from datalab.models import AuditEntry, DataLabRequest
from ehssg.api.exceptions import NOT_FOUND, VERSION_REQUIRED
from ehssg.filtersets import NOT_A_SLUG, UNKNOWN_SLUG
from tests.api.conftest import client_for
from tests.datalab.api import API, application_body, cohort_file, if_match, producer_editor, request_url
from tests.datalab.lab import APPLICATION, LabCast, advance, cohort_csv, draft, upload

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 5, 4, 8, 30, tzinfo=UTC)  # British Summer Time: shown in UTC all the same
AT = "2026-05-04T08:30:00Z"


def errors(response: Any, status: int = 400) -> list[dict[str, Any]]:
    """The errors of a refusal in the API's shape."""
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    return [{key: e[key] for key in ("field", "message", "code")} for e in body["errors"]]


def references(response: Any) -> set[str]:
    assert response.status_code == 200, response.content[:300]
    return {r["reference"] for r in response.json()["results"]}


def other_draft(lab: LabCast) -> DataLabRequest:
    return services.request_create(actor=lab.other_charity, organisation=lab.other_organisation, **APPLICATION)


def _identifiers(extract: Any) -> list[str]:
    """NHS numbers and postcodes of the cohort, as the organisation sends them."""
    rows = csv.DictReader(io.StringIO(cohort_csv(extract).decode()))
    return [value for row in rows for value in (row["nhs_number"], row["postcode"]) if value]


# --- what a request shows -----------------------------------------------------------------------------------------------


def test_a_request_shows_the_application_what_the_lab_found_and_the_persons_next_steps(lab, extract):
    with time_machine.travel(MOMENT, tick=False):
        request = advance(lab, draft(lab), RequestState.PROTOCOL_LOCKED, extract=extract)
        response = client_for(lab.charity).get(request_url(request))
    request.refresh_from_db()
    upload = request.uploads.get()
    url = f"http://testserver{request_url(request)}"

    assert response.status_code == 200
    assert response["ETag"] == f'"{request.version}"'
    assert response.json() == {
        "reference": request.reference,
        "url": url,
        "organisation": {"slug": "hartley", "name": "Hartley Befriending Trust"},
        "state": "protocol_locked",
        "state_label": "Protocol locked",
        "state_entered_at": AT,
        **application_body(minimal_important_difference=None),
        "created_at": AT,
        "updated_at": AT,
        "submitted_at": AT,
        "eligibility": request.eligibility,
        "power": request.power,
        "linkage": request.linkage,
        "agreement": {
            "version": agreement.VERSION,
            "sha256": agreement.digest(),
            "signatory_name": "Sam Okafor",
            "signatory_role": "Chief executive",
            "accepted_at": AT,
            "retention_until": (MOMENT.date() + timedelta(days=365)).isoformat(),
        },
        "uploads": [{"number": 1, "rows": upload.rows, "status": "linked", "format": "csv", "uploaded_at": AT,
                     "linked_at": AT, "deleted_at": None}],  # fmt: skip
        "outcome_reasons": "",
        "protocol": request.protocol,
        "protocol_locked_at": AT,
        "retention_until": (MOMENT.date() + timedelta(days=365)).isoformat(),
        "version": request.version,
        "next_steps": [{"step": "withdraw", "label": "Withdraw the request", "reason_required": True,
                        "url": f"{url}withdraw/"}],  # fmt: skip
        "links": {"self": url, "audit": f"{url}audit/", "cohort": f"{url}cohort/"},
    }
    assert {"submitted", "linked", "analysable", "not_linked"} <= set(request.linkage)
    assert request.protocol["primary_outcome"] == "emergency_admissions" and request.eligibility
    # The lab's analyst has no step to take on a locked protocol (the analysis runs in the lab's worker).
    assert client_for(lab.analyst).get(request_url(request)).json()["next_steps"] == []
    # Counts only: none of the cohort's identifiers, anywhere in what the API says about the request.
    said = response.content.decode() + client_for(lab.charity).get(request_url(request, "audit")).content.decode()
    assert not [value for value in _identifiers(extract) if value in said]


def test_a_draft_shows_its_checks_and_power_as_it_stands_and_the_list_what_is_kept(lab):
    request = draft(lab, expected_people=59)
    charity = client_for(lab.charity)

    shown = charity.get(request_url(request)).json()
    assert shown["eligibility"] == [asdict(check) for check in services.application_checks(request)]
    assert not all(check["passed"] for check in shown["eligibility"])
    assert shown["power"] == services.power_check(request)
    listed = charity.get(f"{API}/requests/").json()["results"]
    assert [(r["eligibility"], r["power"]) for r in listed] == [([], None)]

    changed = charity.patch(request_url(request), {"expected_people": 400}, format="json", **if_match(request))
    assert changed.status_code == 200
    assert all(check["passed"] for check in changed.json()["eligibility"])
    assert changed.json()["power"]["n_treated"] == 400


def test_a_draft_with_no_one_expected_yet_has_no_power_and_fails_its_checks(lab):
    response = client_for(lab.charity).post(f"{API}/requests/", application_body(organisation="hartley",
                                            expected_people=0), format="json")  # fmt: skip
    assert response.status_code == 201, response.content[:300]
    assert response.json()["power"] is None
    assert [check["passed"] for check in response.json()["eligibility"] if check["code"] == "min_people"] == [False]


def test_lists_show_each_person_what_they_may_see(lab):
    own_draft = draft(lab)
    own = advance(lab, draft(lab), RequestState.SUBMITTED)
    theirs_draft = other_draft(lab)
    theirs = services.request_submit(actor=lab.other_charity, request=other_draft(lab))

    assert references(client_for(lab.charity).get(f"{API}/requests/")) == {own_draft.reference, own.reference}
    assert references(client_for(lab.other_charity).get(f"{API}/requests/")) == {theirs_draft.reference,
                                                                                 theirs.reference}  # fmt: skip
    for staff in (lab.analyst, lab.checker, lab.secretariat):
        assert references(client_for(staff).get(f"{API}/requests/")) == {own.reference, theirs.reference}
    for outsider in (lab.osr, lab.outsider, producer_editor()):
        assert references(client_for(outsider).get(f"{API}/requests/")) == set()


def test_the_organisations_are_your_own_or_for_the_lab_every_one(lab):
    def slugs(user: Any) -> list[str]:
        response = client_for(user).get(f"{API}/organisations/")
        assert response.status_code == 200
        return [o["slug"] for o in response.json()["results"]]

    assert client_for(lab.charity).get(f"{API}/organisations/").json()["results"] == [
        {"slug": "hartley", "name": "Hartley Befriending Trust", "charity_number": lab.organisation.charity_number}
    ]
    assert slugs(lab.other_charity) == ["northgate"]
    assert slugs(lab.analyst) == slugs(lab.secretariat) == ["hartley", "northgate"]
    assert slugs(lab.osr) == slugs(lab.outsider) == []


def test_the_api_root_lists_the_labs_endpoints(client):
    endpoints = client.get("/api/v1/").json()["endpoints"]
    assert endpoints["datalab/requests"].endswith(f"{API}/requests/")
    assert endpoints["datalab/organisations"].endswith(f"{API}/organisations/")


def test_the_list_filters_by_state_organisation_and_outcome(lab):
    submitted = advance(lab, draft(lab), RequestState.SUBMITTED)
    other_outcome = advance(lab, draft(lab, primary_outcome=Outcome.AE_ATTENDANCES), RequestState.SUBMITTED)
    checked = advance(lab, draft(lab), RequestState.ELIGIBILITY_CHECKED)
    theirs = services.request_submit(actor=lab.other_charity, request=other_draft(lab))
    analyst = client_for(lab.analyst)

    assert references(analyst.get(f"{API}/requests/", {"state": "eligibility_checked"})) == {checked.reference}
    both = analyst.get(f"{API}/requests/", {"state": ["submitted", "eligibility_checked"], "organisation": "hartley"})
    assert references(both) == {submitted.reference, other_outcome.reference, checked.reference}
    assert references(analyst.get(f"{API}/requests/", {"organisation": "northgate"})) == {theirs.reference}
    assert references(analyst.get(f"{API}/requests/", {"primary_outcome": "ae_attendances"})) == {
        other_outcome.reference
    }

    # Another organisation is, to an organisation's people, one that does not exist: the same words.
    charity = client_for(lab.charity)
    for slug in ("northgate", "no-such-charity"):
        assert errors(charity.get(f"{API}/requests/", {"organisation": slug})) == [
            {"field": "organisation", "message": UNKNOWN_SLUG.format(kind="organisation", value=slug),
             "code": "unknown_slug"}
        ]  # fmt: skip
    assert errors(charity.get(f"{API}/requests/", {"organisation": "50%"}))[0]["message"] == NOT_A_SLUG.format(
        value="50%"
    )
    assert errors(charity.get(f"{API}/requests/", {"state": "approved"}))[0]["field"] == "state"
    unknown = errors(charity.get(f"{API}/requests/", {"staet": "draft"}))
    assert [(e["field"], e["code"]) for e in unknown] == [("staet", "unknown_parameter")]


def test_the_list_costs_the_same_few_queries_however_many_requests(lab, extract):
    analyst = client_for(lab.analyst)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = analyst.get(f"{API}/requests/")
        assert response.status_code == 200
        return len(captured)

    def one_of_each() -> None:
        advance(lab, draft(lab), RequestState.SUBMITTED)
        advance(lab, draft(lab), RequestState.AGREEMENT_SIGNED)
        received = advance(lab, draft(lab), RequestState.AWAITING_UPLOAD)
        # Received, not linked (the commit's work does not run here): an upload to show.
        services.cohort_upload(actor=lab.charity, request=received, filename="c.csv", data=cohort_csv(extract, limit=70))

    one_of_each()
    few = queries()
    one_of_each()
    one_of_each()
    assert analyst.get(f"{API}/requests/").json()["count"] == 9
    assert queries() == few
    # The token with its user, the person's roles (memberships, groups, networks led and joined, organisations), the
    # count, the page with organisations and agreements, the uploads.
    assert few == 9


# --- the same 404 -------------------------------------------------------------------------------------------------------


def test_a_request_you_cannot_see_is_the_same_404_as_one_that_does_not_exist(lab, extract):
    theirs = services.request_submit(actor=lab.other_charity, request=other_draft(lab))
    their_draft = other_draft(lab)
    calls = [
        ("get", "", None),
        ("get", "audit", None),
        ("patch", "", {"expected_people": 100, "version": 1}),
        ("post", "submit", {}),
        ("post", "withdraw", {"reason": "Not ours to withdraw."}),
        ("post", "open-upload", {"analyst": "analyst", "output_checker": "checker"}),
        ("post", "cohort", "multipart"),
    ]
    for user, hidden in ((lab.charity, theirs), (lab.analyst, their_draft), (lab.osr, theirs)):
        client = client_for(user)
        for method, tail, body in calls:
            answers = []
            for reference in (hidden.reference, "HDL-NOT-HERE"):
                if body == "multipart":
                    response = client.post(request_url(reference, tail), cohort_file(b"x"), format="multipart")
                else:
                    response = getattr(client, method)(request_url(reference, tail), body, format="json")
                answers.append((response.status_code, response["Content-Type"], response.content))
            assert answers[0] == answers[1], (user.username, method, tail)
            assert answers[0][0] == 404 and json.loads(answers[0][2])["detail"] == NOT_FOUND


# --- drafts and versions ------------------------------------------------------------------------------------------------


def test_starting_a_draft(lab):
    response = client_for(lab.charity).post(f"{API}/requests/", application_body(organisation="hartley"), format="json")

    assert response.status_code == 201
    created = DataLabRequest.objects.get(reference=response.json()["reference"])
    assert response["Location"] == f"http://testserver{request_url(created)}"
    assert response["ETag"] == '"1"' and created.state == RequestState.DRAFT and created.created_by == lab.charity
    assert AuditEntry.objects.filter(request=created).values_list("event", flat=True).get() == "created"
    refused = client_for(lab.analyst).post(f"{API}/requests/", application_body(organisation="hartley"), format="json")
    assert errors(refused, 403) == [
        {"field": None, "message": messages.NOT_A_MEMBER.format(organisation="Hartley Befriending Trust"),
         "code": "permission_denied"}
    ]  # fmt: skip
    missing = client_for(lab.charity).post(f"{API}/requests/", {"organisation": "hartley"}, format="json")
    assert {e["field"] for e in errors(missing)} >= {"programme_name", "delivery_start", "expected_people"}


def test_a_draft_changes_only_with_the_version_read(lab):
    request = draft(lab)
    charity = client_for(lab.charity)
    url = request_url(request)

    assert errors(charity.patch(url, {"expected_people": 450}, format="json"), 428)[0]["message"] == VERSION_REQUIRED
    as_text = charity.patch(url, {"expected_people": 450, "version": "1"}, format="json")
    assert [(e["field"], e["code"]) for e in errors(as_text)] == [("version", "not_whole_number")]
    stale = charity.patch(url, {"expected_people": 450}, format="json", HTTP_IF_MATCH='"7"')
    assert errors(stale, 412)[0]["code"] == "precondition_failed"
    request.refresh_from_db()
    assert (request.expected_people, request.version) == (400, 1)

    changed = charity.patch(url, {"expected_people": 450, "programme_name": "Befriending at home"}, format="json",
                            HTTP_IF_MATCH='"1"')  # fmt: skip
    assert changed.status_code == 200 and changed["ETag"] == '"2"'
    assert (changed.json()["expected_people"], changed.json()["programme_name"]) == (450, "Befriending at home")
    again = charity.patch(url, {"who_it_helps": "Older people living alone.", "version": 2}, format="json")
    assert again.status_code == 200 and again.json()["version"] == 3
    edits = AuditEntry.objects.filter(request=request, event="edited").order_by("pk")
    assert [e.details["fields"] for e in edits] == [["expected_people", "programme_name"], ["who_it_helps"]]

    submitted = advance(lab, draft(lab), RequestState.SUBMITTED)
    late = charity.patch(request_url(submitted), {"expected_people": 1}, format="json", **if_match(submitted))
    assert errors(late) == [{"field": None, "message": messages.ONLY_DRAFTS_EDITED, "code": "invalid_state"}]


def test_a_step_checks_the_version_when_one_is_sent(lab):
    request = draft(lab)
    charity = client_for(lab.charity)

    stale = charity.post(request_url(request, "submit"), {}, format="json", HTTP_IF_MATCH='"9"')
    assert errors(stale, 412)[0]["code"] == "precondition_failed"
    request.refresh_from_db()
    assert request.state == RequestState.DRAFT
    taken = charity.post(request_url(request, "submit"), {"version": 1}, format="json")
    assert taken.status_code == 200 and taken.json()["state"] == "submitted" and taken["ETag"] == '"2"'


# --- the services' words ------------------------------------------------------------------------------------------------


def test_the_services_refusals_come_back_in_their_own_words(lab):
    charity, analyst = client_for(lab.charity), client_for(lab.analyst)
    submitted = advance(lab, draft(lab), RequestState.SUBMITTED)

    assert errors(charity.post(request_url(submitted, "withdraw"), {}, format="json")) == [
        {"field": "reason", "message": messages.REASON_REQUIRED, "code": "invalid"}
    ]
    assert errors(charity.post(request_url(submitted, "submit"), {}, format="json")) == [
        {"field": None, "message": messages.CANNOT_STEP.format(state="submitted", step="submit the application"),
         "code": "invalid_state"}
    ]  # fmt: skip
    assert errors(analyst.post(request_url(submitted, "withdraw"), {"reason": "No."}, format="json"), 403) == [
        {"field": None, "message": messages.NOT_ALLOWED_STEP.format(step="withdraw the request"),
         "code": "permission_denied"}
    ]  # fmt: skip

    checked = advance(lab, draft(lab), RequestState.ELIGIBILITY_CHECKED)
    unsigned = errors(charity.post(request_url(checked, "sign-agreement"), {}, format="json"))
    assert sorted((e["field"], e["message"]) for e in unsigned) == [
        ("accepted", messages.AGREEMENT_NOT_CONFIRMED),
        ("signatory_name", messages.SIGNATORY_REQUIRED),
        ("signatory_role", messages.SIGNATORY_ROLE_REQUIRED),
    ]

    signed = advance(lab, draft(lab), RequestState.AGREEMENT_SIGNED)
    team = errors(analyst.post(request_url(signed, "open-upload"), {"analyst": "checker", "output_checker": "analyst"},
                               format="json"))  # fmt: skip
    assert team == [
        {"field": "analyst", "message": messages.NOT_AN_ANALYST.format(person="checker"), "code": "unknown_person"},
        {"field": "output_checker", "message": messages.NOT_A_CHECKER.format(person="analyst"),
         "code": "unknown_person"},
    ]  # fmt: skip

    too_few = draft(lab, expected_people=59)
    refused = charity.post(request_url(too_few, "submit"), {}, format="json")
    assert errors(refused)[0]["code"] == "not_eligible"
    assert refused.json()["detail"].startswith(messages.NOT_ELIGIBLE.split("{")[0])


def test_any_analyst_may_open_the_upload_and_name_a_colleague_as_the_requests_analyst(lab):
    signed = advance(lab, draft(lab), RequestState.AGREEMENT_SIGNED)
    response = client_for(lab.other_analyst).post(request_url(signed, "open-upload"),
                                                  {"analyst": "analyst", "output_checker": "checker"}, format="json")  # fmt: skip

    assert response.status_code == 200 and response.json()["state"] == "awaiting_upload"
    signed.refresh_from_db()
    assert (signed.analyst, signed.output_checker) == (lab.analyst, lab.checker)
    entry = AuditEntry.objects.get(request=signed, event="open_upload")
    assert (entry.actor, entry.actor_role) == (lab.other_analyst, "analyst")
    assert entry.details == {"analyst": lab.analyst.get_full_name(), "output_checker": lab.checker.get_full_name()}


# --- the whole way through ----------------------------------------------------------------------------------------------


def test_a_request_goes_the_whole_way_through_the_api(lab, extract):
    charity, analyst, secretariat = client_for(lab.charity), client_for(lab.analyst), client_for(lab.secretariat)

    created = charity.post(f"{API}/requests/", application_body(organisation="hartley"), format="json")
    reference = created.json()["reference"]

    def step(client: Any, tail: str, body: dict[str, Any] | None = None, state: str = "") -> dict[str, Any]:
        response = client.post(request_url(reference, tail), body or {}, format="json")
        assert response.status_code == 200, response.content[:500]
        assert response.json()["state"] == state
        return response.json()

    step(charity, "submit", state="submitted")
    step(analyst, "check-eligibility", {"reason": "Programme and outcome fit the lab."}, state="eligibility_checked")
    step(charity, "sign-agreement", {"signatory_name": "Sam Okafor", "signatory_role": "Chief executive",
                                     "accepted": True}, state="agreement_signed")  # fmt: skip
    opened = step(analyst, "open-upload", {"analyst": "analyst", "output_checker": "checker"}, state="awaiting_upload")
    assert opened["agreement"]["signatory_name"] == "Sam Okafor"

    with TestCase.captureOnCommitCallbacks(execute=True):
        received = charity.post(request_url(reference, "cohort"), cohort_file(cohort_csv(extract)), format="multipart")
    assert received.status_code == 201, received.content[:500]
    rows = received.json()["rows"]
    assert received.json() == {
        "number": 1, "rows": rows, "status": "received", "format": "csv", "uploaded_at": received.json()["uploaded_at"],
        "linked_at": None, "deleted_at": None, "request": f"http://testserver{request_url(reference)}",
    }  # fmt: skip
    linked = charity.get(request_url(reference)).json()
    assert linked["state"] == "linked" and linked["uploads"][0]["status"] == "linked"
    assert linked["linkage"]["submitted"] == rows and linked["linkage"]["analysable"] > 60

    step(analyst, "mark-feasible", state="feasible")
    locked = step(analyst, "lock-protocol", {"reason": "Protocol agreed with the organisation."}, state="protocol_locked")
    assert locked["protocol"]["primary_outcome"] == "emergency_admissions" and locked["protocol_locked_at"]
    step(charity, "withdraw", {"reason": "Our trustees paused the evaluation."}, state="withdrawn")
    assert tasks.delete_due_data.apply().get() == [reference]
    closed = step(secretariat, "close", {"reason": "Withdrawn; the data is deleted."}, state="closed")
    assert closed["next_steps"] == [] and closed["outcome_reasons"] == "Our trustees paused the evaluation."

    trail = charity.get(request_url(reference, "audit")).json()
    assert [(e["event"], e["actor_role"], e["to_state"]) for e in trail["entries"]] == [
        ("created", "charity", "draft"),
        ("submit", "charity", "submitted"),
        ("check_eligibility", "analyst", "eligibility_checked"),
        ("sign_agreement", "charity", "agreement_signed"),
        ("open_upload", "analyst", "awaiting_upload"),
        ("cohort_received", "charity", None),
        ("link", "system", "linked"),
        ("mark_feasible", "analyst", "feasible"),
        ("lock_protocol", "analyst", "protocol_locked"),
        ("withdraw", "charity", "withdrawn"),
        ("delete_data", "system", "data_deleted"),
        ("close", "secretariat", "closed"),
    ]
    assert trail["entries"][0]["step"] is None and trail["entries"][0]["from_state"] is None
    entry = trail["entries"][2]
    assert entry == {"at": entry["at"], "actor": lab.analyst.get_full_name(), "actor_role": "analyst",
                     "step": "check_eligibility", "event": "check_eligibility", "from_state": "submitted",
                     "to_state": "eligibility_checked", "reason": "Programme and outcome fit the lab.",
                     "details": {}}  # fmt: skip
    assert entry["at"].endswith("Z")
    [certificate] = trail["deletion_certificates"]
    assert certificate["ground"] == "withdrawn" and certificate["verified"] is True and certificate["files"]
    assert {"name", "bytes", "rows"} == set(certificate["files"][0])


def test_a_refused_eligibility_ends_with_its_reason_and_closes(lab):
    request = advance(lab, draft(lab), RequestState.SUBMITTED)
    analyst = client_for(lab.analyst)
    refused = analyst.post(request_url(request, "refuse-eligibility"), {"reason": "A service, not a programme."},
                           format="json")  # fmt: skip
    assert refused.json()["state"] == "not_feasible" and refused.json()["outcome_reasons"] == "A service, not a programme."
    closed = analyst.post(request_url(request, "close"), {"reason": "Refused."}, format="json")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"


def test_a_linked_cohort_is_replaced_or_found_not_feasible_through_the_api(lab, extract):
    request = advance(lab, draft(lab), RequestState.LINKED, extract=extract)
    replaced = client_for(lab.charity).post(request_url(request, "replace-cohort"), {"reason": "Corrected numbers."},
                                            format="json")  # fmt: skip
    assert replaced.json()["state"] == "awaiting_upload" and replaced.json()["linkage"] is None
    assert replaced.json()["uploads"][0]["status"] == "replaced"
    upload(lab, request, cohort_csv(extract))
    not_feasible = client_for(lab.analyst).post(request_url(request, "mark-not-feasible"),
                                                {"reason": "Balance could not be reached."}, format="json")  # fmt: skip
    assert not_feasible.json()["state"] == "not_feasible"
    assert not_feasible.json()["outcome_reasons"] == "Balance could not be reached."

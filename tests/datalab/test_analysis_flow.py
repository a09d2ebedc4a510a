"""A locked protocol through the analysis run (the eager worker), disclosure control, the differencing ledger and the
output check (the two-person rule), to the start of the factual review.

The engine runs on the session's small extract (20,000 persons, a cohort of about 2,000). It is deterministic given
its inputs, so ``engine`` runs it once per distinct input (cohort, extract, parameters) and gives the same result to
the later tests that ask again: the first test pays, the rest test the workflow around it.
"""

from __future__ import annotations

import json
import logging
import stat
from typing import Any

import pyarrow as pa
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.test import TestCase

from datalab import messages, selectors, services, store
from datalab.analysis import run as engine_module
from datalab.analysis.parameters import AnalysisParameters
from datalab.analysis.result import AnalysisResult
from datalab.choices import RequestState
from datalab.disclosure.ledger import member_tokens
from datalab.models import AnalysisRun, AuditEntry, CheckDecision, DataLabRequest, OutputCheck, RunStatus
from ehssg.roles import OUTPUT_CHECKER_GROUP, forget_roles
from tests.datalab.conftest import KEY
from tests.datalab.lab import advance, draft
from tests.datalab.pages import sign_in, text, url_of
from tests.factories import add_to_group

pytestmark = pytest.mark.django_db

_RUNS: dict[Any, Any] = {}
REAL_RUN = engine_module.run_analysis


@pytest.fixture(autouse=True)
def engine(monkeypatch) -> dict[Any, Any]:
    """The engine, run once per distinct input across this module (the worker calls it as it always does)."""

    def once(*, extract_dir, links, params, submitted=None, check_profiles=True):
        cohort = tuple(zip(links.column("person_id").to_pylist(), links.column("index_date").to_pylist(), strict=True))
        key = (str(extract_dir), cohort, params, submitted, check_profiles)
        if key not in _RUNS:
            _RUNS[key] = REAL_RUN(extract_dir=extract_dir, links=links, params=params, submitted=submitted,
                                  check_profiles=check_profiles)  # fmt: skip
        return _RUNS[key]

    monkeypatch.setattr(engine_module, "run_analysis", once)
    return _RUNS


def locked(lab, extract) -> DataLabRequest:
    return advance(lab, draft(lab), RequestState.PROTOCOL_LOCKED, extract=extract)


def run_now(request: DataLabRequest, by: Any) -> AnalysisRun:
    """Ask for a run and let the commit's work (the run, in the eager worker) happen, as in production."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = services.request_analysis(request, by=by)
    run.refresh_from_db()
    request.refresh_from_db()
    return run


def analysed(lab, extract) -> tuple[DataLabRequest, AnalysisRun]:
    request = locked(lab, extract)
    run = run_now(request, lab.analyst)
    assert request.state == RequestState.ANALYSED, run.error or request.outcome_reasons
    return request, run


def _events(request: DataLabRequest) -> list[tuple[str, str, str]]:
    return list(AuditEntry.objects.filter(request=request).values_list("event", "actor_role", "actor_name"))[-3:]


def test_locking_the_protocol_stores_the_analysis_parameters(lab, extract):
    request = advance(lab, draft(lab, minimal_important_difference="4.5"), RequestState.FEASIBLE, extract=extract)
    request = services.request_lock_protocol(actor=lab.analyst, request=request)

    parameters = services.protocol_parameters(request)
    assert parameters == AnalysisParameters(primary_outcome="emergency_admissions", primary_measure="rate",
                                            minimal_important_difference=4.5, min_people=60, lag_days=90)  # fmt: skip
    assert request.protocol == {**parameters.to_dict(), "extract": lab.extract.vintage,
                                "locked_at": request.protocol_locked_at.isoformat()}  # fmt: skip
    # A protocol locked before the analysis parameters were stored (its figures as text, its plan nested) still reads.
    request.protocol = {"primary_outcome": "bed_days", "primary_measure": "frequency",
                        "minimal_important_difference": "2.5", "matching": {"max_controls": 5}, "alpha": 0.05}  # fmt: skip
    assert services.protocol_parameters(request) == AnalysisParameters(
        primary_outcome="bed_days", primary_measure="frequency", minimal_important_difference=2.5)


def test_a_run_from_the_request_page_to_the_factual_review(client, lab, extract, django_capture_on_commit_callbacks):
    request = locked(lab, extract)
    page = url_of("request", request)
    sign_in(client, lab.charity)
    assert "Run the analysis" not in text(client.get(page))
    sign_in(client, lab.analyst)
    body = text(client.get(page))
    assert "Run the analysis" in body and f'action="{url_of("run-analysis", request)}"' in body
    assert 'http-equiv="refresh"' not in body
    assert client.get(url_of("run-analysis", request)).status_code == 405  # a POST form only

    # Queued (the worker has not started): the page says so and refreshes itself, with no second button.
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(url_of("run-analysis", request))
    waiting = text(client.get(page))
    assert 'http-equiv="refresh"' in waiting and "Run 1: waiting for the lab's worker" in waiting
    assert "Run the analysis" not in waiting
    for callback in queued:  # the worker now takes it
        callback()

    run = AnalysisRun.objects.get(request=request)
    request.refresh_from_db()
    assert (run.status, run.stage, run.progress, run.feasible, request.state) == (
        RunStatus.FINISHED, "done", 100, True, RequestState.ANALYSED)
    assert request.analysis_started_at == run.requested_at and run.requested_by == lab.analyst
    analyst = lab.analyst.get_full_name()
    assert _events(request) == [("lock_protocol", "analyst", analyst), ("analysis_requested", "analyst", analyst),
                                ("record_analysis", "system", "datalab.run_analysis")]  # fmt: skip
    # The manifest says how to repeat it; the fingerprint proves the stored result is the run's.
    manifest = run.manifest
    assert manifest["parameters"] == run.parameters == services.protocol_parameters(request).to_dict()
    assert manifest["extract"]["vintage"] == extract.manifest["vintage"] and manifest["seed"] == 1
    assert manifest["code_version"] and {p["name"] for p in manifest["packages"]} >= {"numpy", "acro"}
    assert AnalysisResult.from_dict(run.result).fingerprint() == run.fingerprint
    assert {t["name"] for t in run.publishable["tables"]} >= {"counts", "age_sex", "balance", "outcomes"}
    assert run.publishable["acro"]["version"] and run.publishable["differencing"]["passed"] is True
    # The cohort's differencing tokens wait in the lab's store, never in the web database.
    members = store.read_table(store.members_name_of(request.reference, 1))
    assert members.num_rows > 1000 and members.column("token")[0].as_py() not in json.dumps(run.publishable)

    history = text(client.get(page))
    assert "Version 1" in history and "Feasible" in history and 'http-equiv="refresh"' not in history
    assert url_of("output-check", request) in history
    sign_in(client, lab.charity)
    charity_page = text(client.get(page))
    assert "Version 1" not in charity_page and run.fingerprint not in charity_page
    assert client.get(url_of("output-check", request)).status_code == 403

    # The checker sees every table with its checks; a decision with no reason is an error summary, nothing saved.
    sign_in(client, lab.checker)
    check_page = text(client.get(url_of("output-check", request)))
    assert "People in the analysis" in check_page and "Suppressed cells and why" in check_page
    assert "ACRO's verdict on the profile tables" in check_page and run.fingerprint in check_page
    refused = client.post(url_of("output-check", request), {"decision": "approve", "reason": "  "})
    assert refused.status_code == 200 and "There is a problem" in text(refused)
    assert messages.REASON_REQUIRED in text(refused) and not OutputCheck.objects.exists()
    missing = text(client.post(url_of("output-check", request), {"reason": "Checked"}))
    assert messages.CHECK_DECISION_REQUIRED in missing
    approved = client.post(url_of("output-check", request),
                           {"decision": "approve", "reason": "Every table checked against the rules."}, follow=True)  # fmt: skip
    assert messages.CHECK_APPROVED in text(approved)
    request.refresh_from_db()
    check = OutputCheck.objects.get()
    assert request.state == RequestState.OUTPUT_CHECKED and check.run == run and check.checker == lab.checker
    assert check.automatic_checks == services.automatic_checks(run)
    assert check.automatic_checks["acro_failures_not_suppressed"] == []

    sign_in(client, lab.analyst)
    assert url_of("step:start_review", request) in text(client.get(page))
    client.post(url_of("step:start_review", request))
    request.refresh_from_db()
    assert request.state == RequestState.FACTUAL_REVIEW


def test_the_output_checker_is_never_the_analyst_nor_who_asked_for_the_run(lab, extract):
    request, run = analysed(lab, extract)
    reason = "All tables checked."

    with pytest.raises(PermissionDenied, match="analyst"):
        services.approve_output(request, by=lab.analyst, reason=reason)
    with pytest.raises(PermissionDenied) as charity:
        services.approve_output(request, by=lab.charity, reason=reason)
    assert str(charity.value) == messages.CHECK_CHECKER_ONLY
    outsider_checker = lab.other_analyst
    add_to_group(outsider_checker, OUTPUT_CHECKER_GROUP)
    forget_roles(outsider_checker)
    with pytest.raises(PermissionDenied, match="output checker"):  # a checker, but not this request's
        services.return_output(request, by=outsider_checker, reason=reason)
    # Someone who asked for the run as its analyst, later named its checker (another analyst taking over).
    add_to_group(lab.analyst, OUTPUT_CHECKER_GROUP)
    forget_roles(lab.analyst)
    DataLabRequest.objects.filter(pk=request.pk).update(analyst=lab.other_analyst, output_checker=lab.analyst)
    request.refresh_from_db()
    with pytest.raises(PermissionDenied) as requester:
        services.approve_output(request, by=lab.analyst, reason=reason)
    assert str(requester.value) == messages.CHECK_NOT_BY_REQUESTER
    DataLabRequest.objects.filter(pk=request.pk).update(analyst=lab.analyst, output_checker=lab.checker)
    request.refresh_from_db()
    with pytest.raises(ValidationError):
        services.return_output(request, by=lab.checker, reason="")

    request.refresh_from_db()
    assert request.state == RequestState.ANALYSED and not OutputCheck.objects.exists()
    assert not AuditEntry.objects.filter(request=request, event__in=["approve_output", "return_output"]).exists()
    with pytest.raises(PermissionDenied):  # the checker cannot send it for factual review either
        services.start_review(request, by=lab.checker)


def test_a_returned_output_is_run_again_as_a_new_version_and_the_old_run_never_changes(lab, extract):
    request, first = analysed(lab, extract)
    with pytest.raises(PermissionDenied):
        services.request_analysis(request, by=lab.charity)
    with pytest.raises(ValidationError):  # analysed: waiting for its check, not for another run
        services.request_analysis(request, by=lab.analyst)
    services.return_output(request, by=lab.checker, reason="Round the ages to ten-year bands.")
    request.refresh_from_db()
    assert request.state == RequestState.PROTOCOL_LOCKED
    assert OutputCheck.objects.get().decision == CheckDecision.RETURNED
    before = AnalysisRun.objects.filter(pk=first.pk).values().get()

    with TestCase.captureOnCommitCallbacks(execute=False):  # queued, not yet run: a second request is refused
        services.request_analysis(request, by=lab.analyst)
        with pytest.raises(ValidationError) as twice:
            services.request_analysis(request, by=lab.analyst)
    assert twice.value.messages == [messages.RUN_ALREADY_ACTIVE]
    with pytest.raises(PermissionDenied):
        services.request_analysis(request, by=lab.other_analyst)  # not this request's analyst
    second = AnalysisRun.objects.get(request=request, version=2)
    services.analysis_execute(run_id=second.pk, task="datalab.run_analysis")
    second.refresh_from_db()
    request.refresh_from_db()

    assert (second.status, second.fingerprint, request.state) == (RunStatus.FINISHED, first.fingerprint,
                                                                   RequestState.ANALYSED)  # fmt: skip
    assert AnalysisRun.objects.filter(pk=first.pk).values().get() == before
    first.refresh_from_db()
    first.error = "changed"
    with pytest.raises(PermissionDenied):
        first.save()
    with pytest.raises(DatabaseError), transaction.atomic():  # the database refuses too (migration 0004)
        AnalysisRun.objects.filter(pk=first.pk).update(error="changed")
    assert services.analysis_execute(run_id=first.pk, task="datalab.run_analysis") is None  # idempotent
    assert AnalysisRun.objects.filter(pk=first.pk).values().get() == before


def test_a_failed_run_says_where_without_any_value_and_the_protocol_stays_locked(lab, extract, monkeypatch, caplog):
    request = locked(lab, extract)

    def broken(**kwargs):
        raise ValueError("person 9434765919 at SW1A 1AA has no spells")

    monkeypatch.setattr(engine_module, "run_analysis", broken)
    with caplog.at_level(logging.DEBUG):
        run = run_now(request, lab.analyst)

    assert run.status == RunStatus.FAILED and run.finished_at and run.result == {} and run.feasible is None
    assert run.error == messages.RUN_FAILED.format(stage="matching and estimating", kind="ValueError")
    assert request.state == RequestState.PROTOCOL_LOCKED and request.analysis_started_at is not None
    failed = AuditEntry.objects.get(request=request, event="analysis_failed")
    assert (failed.actor, failed.actor_role, failed.reason) == (None, "system", run.error)
    said = caplog.text + run.error + json.dumps(failed.details)
    assert "9434765919" not in said and "SW1A" not in said and "failed at analysing: ValueError" in caplog.text
    with pytest.raises(PermissionDenied):
        run.save()
    monkeypatch.undo()
    assert services.request_analysis(request, by=lab.analyst).version == 2  # a failed run can be run again


def test_a_cohort_out_of_balance_is_not_feasible_with_the_reasons(client, lab, extract):
    request = locked(lab, extract)
    protocol = {**request.protocol, "smd_threshold": 0.001}  # a line no matched cohort meets
    DataLabRequest.objects.filter(pk=request.pk).update(protocol=protocol)
    request.refresh_from_db()

    run = run_now(request, lab.analyst)

    assert request.state == RequestState.NOT_FEASIBLE and run.status == RunStatus.FINISHED and run.feasible is False
    assert "After matching, the two groups still differ too much" in request.outcome_reasons
    assert request.outcome_reasons == " ".join(run.publishable["feasibility_reasons"])
    assert not {"outcomes", "placebo"} & {t["name"] for t in run.publishable["tables"]}
    entry = AuditEntry.objects.get(request=request, event="analysis_not_feasible")
    assert entry.actor_role == "system" and entry.reason == request.outcome_reasons
    sign_in(client, lab.charity)
    assert request.outcome_reasons in text(client.get(url_of("request", request)))


def _ledger_rows(reference: str, members: dict[str, list[int]]) -> pa.Table:
    sets, tokens = [], []
    for name, ids in members.items():
        found = sorted(member_tokens(ids, key=KEY))
        sets += [name] * len(found)
        tokens += found
    n = len(tokens)
    return pa.table({"request": [reference] * n, "run": [1] * n, "set": sets, "token": tokens})


def test_the_differencing_ledger_refuses_a_cohort_a_few_people_from_a_published_one(lab, extract, engine):
    request, run = analysed(lab, extract)
    (outcome,) = [v for k, v in engine.items() if k[2] == services.protocol_parameters(request)]
    analysed_ids, matched_ids = sorted(outcome.analysed_person_ids), sorted(outcome.matched_person_ids)
    # Another report of the organisation, published, about the same people but 4 of them.
    store.append_ledger(lab.organisation.pk, _ledger_rows("HDL-OLD-ONE", {"analysed": analysed_ids[4:],
                                                                          "matched": matched_ids[4:]}))  # fmt: skip
    services.return_output(request, by=lab.checker, reason="Run again after the ledger changed.")
    request.refresh_from_db()

    again = run_now(request, lab.analyst)

    refusal = messages.DIFFERENCING_REFUSED.format(difference=4, minimum=10)
    assert request.state == RequestState.NOT_FEASIBLE and again.feasible is False
    assert refusal in request.outcome_reasons and again.publishable["differencing"]["passed"] is False
    assert again.publishable["feasible"] is True  # the analysis itself was fine: the ledger refused it


def test_a_published_cohort_goes_into_its_organisations_ledger_in_the_lab_store(lab, extract):
    request, run = analysed(lab, extract)
    with pytest.raises(ValidationError):
        services.ledger_record_published(request)  # nothing approved yet
    services.approve_output(request, by=lab.checker, reason="Checked.")

    added = services.ledger_record_published(request)

    path = store.ledger_path(lab.organisation.pk)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and not store.ledger_path(lab.other_organisation.pk).exists()
    ledger = store.read_ledger(lab.organisation.pk)
    assert added == ledger.num_rows > 1000 and set(ledger.column("request").to_pylist()) == {request.reference}
    assert services.ledger_record_published(request) == 0 and store.read_ledger(lab.organisation.pk) == ledger
    # The same people again (a re-run for a new report) pass, noted; the organisation's ledger is the one read.
    other = locked(lab, extract)
    rerun = run_now(other, lab.analyst)
    assert other.state == RequestState.ANALYSED
    assert rerun.publishable["differencing"]["reasons"] == [messages.DIFFERENCING_SAME_COHORT]


def test_nothing_of_the_output_reaches_the_organisation_before_the_check(client, lab, extract):
    request, run = analysed(lab, extract)
    lab_checker = lab.checker
    people = {"charity": lab.charity, "other_charity": lab.other_charity, "analyst": lab.analyst,
              "checker": lab_checker, "secretariat": lab.secretariat}  # fmt: skip

    def seen() -> dict[str, tuple[int, bool, int]]:
        found = {}
        for name, user in people.items():
            forget_roles(user)
            visible = DataLabRequest.objects.visible_to(user).filter(pk=request.pk).exists()
            runs = len(selectors.analysis_runs(user, request))
            output = selectors.approved_output(user, request) is not None
            sign_in(client, user)
            found[name] = (runs, output, client.get(url_of("output-check", request)).status_code, visible)
        return found

    assert seen() == {
        "charity": (0, False, 403, True), "other_charity": (0, False, 404, False), "analyst": (1, False, 200, True),
        "checker": (1, False, 200, True), "secretariat": (0, False, 403, True),
    }  # fmt: skip
    services.approve_output(request, by=lab_checker, reason="Checked.")
    assert seen() == {
        "charity": (1, True, 403, True), "other_charity": (0, False, 404, False), "analyst": (1, True, 200, True),
        "checker": (1, True, 200, True), "secretariat": (1, True, 403, True),
    }  # fmt: skip
    # What the organisation gets is the disclosure-controlled output, never the unrounded result.
    assert selectors.approved_output(lab.charity, request) == run.publishable

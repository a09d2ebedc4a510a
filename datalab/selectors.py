"""Reads for the lab's pages: a request with everything its page shows, the lab's queue, the audit trail.

Every read starts from ``DataLabRequest.objects.visible_to(user)``, so another organisation's request is never
found (the page is the same 404 as for a reference that does not exist), and each does its own ``select_related`` /
``prefetch_related`` so a page's queries do not grow with its rows (tests assert the counts).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404

from ehssg.roles import LAB_ANALYST_GROUP, OUTPUT_CHECKER_GROUP

from . import eligibility, services, turnaround
from .choices import RequestState
from .models import (
    AgreementAcceptance,
    AnalysisRun,
    AuditEntry,
    CohortUpload,
    DataLabRequest,
    DeletionCertificate,
    OutputCheck,
    RunStatus,
)
from .states import Actor, Transition


def visible_request(user: Any, reference: str) -> DataLabRequest:
    """The request with this reference if this person may see it, with what every page of it shows; else 404."""
    found = (
        DataLabRequest.objects.visible_to(user)
        .select_related("organisation", "analyst", "output_checker", "created_by", "agreement__accepted_by")
        .filter(reference=reference)
        .first()
    )
    if found is None:
        raise Http404
    return found


def reached(request: DataLabRequest) -> dict[str, datetime]:
    """When the request last entered each state it has been in (from its audit trail), for the status tracker."""
    entries = request.audit_entries.exclude(to_state="").order_by("at", "pk").values_list("to_state", "at")
    return dict(entries)


@dataclass(frozen=True)
class RequestPage:
    """What the request page shows, read in a fixed number of queries."""

    request: DataLabRequest
    timeline: list[turnaround.Milestone]
    next_step: str
    uploads: list[CohortUpload]
    agreement: AgreementAcceptance | None
    steps: list[Transition]
    checks: list[eligibility.Check]
    power: dict[str, Any] | None
    may_upload: bool


def request_page(user: Any, request: DataLabRequest, *, today: date) -> RequestPage:
    """The request's tracker, next step, uploads and the person's steps; for a draft, the automatic checks and the
    power as the application stands (the organisation sees them before it submits)."""
    draft = request.state == RequestState.DRAFT
    return RequestPage(
        request=request,
        timeline=turnaround.timeline(state=request.state, reached=reached(request), today=today),
        next_step=turnaround.next_step_text(request.state),
        uploads=list(request.uploads.order_by("number")),
        agreement=signed_agreement(request),
        steps=services.steps_for(user, request),
        checks=services.application_checks(request) if draft else [],
        power=services.power_check(request) if draft else None,
        may_upload=may_upload(user, request),
    )


def may_edit(user: Any, request: DataLabRequest) -> bool:
    """Whether the page offers the application form: a draft, to its organisation's people (the service decides)."""
    return request.state == RequestState.DRAFT and Actor.CHARITY in services.actors_for(user, request)


def signed_agreement(request: DataLabRequest) -> AgreementAcceptance | None:
    """The agreement the organisation accepted (read with the request by ``visible_request``), or None."""
    try:
        return request.agreement
    except AgreementAcceptance.DoesNotExist:
        return None


def may_upload(user: Any, request: DataLabRequest) -> bool:
    """Whether the upload page offers this person a file input (the service checks again when they send one)."""
    return request.state == RequestState.AWAITING_UPLOAD and Actor.CHARITY in services.actors_for(user, request)


@dataclass(frozen=True)
class QueueRow:
    request: DataLabRequest
    since: datetime
    expected_by: date | None
    next_step: str
    waiting_for_me: bool


@dataclass(frozen=True)
class Queue:
    """The requests a person sees, filtered, with the count in each state and of those waiting for them."""

    rows: list[QueueRow]
    counts: list[tuple[str, str, int]]  # state, label, requests in it (states with none left out)
    total: int
    waiting: int


def _expected_by(request: DataLabRequest, today: date) -> date | None:
    milestones = turnaround.timeline(
        state=request.state, reached={request.state: request.state_entered_at}, today=today
    )
    current = next((m for m in milestones if m.current), None)
    return current.expected_by if current else None


def queue(user: Any, *, state: str = "", waiting: bool = False, today: date) -> Queue:
    """The lab's queue (every submitted request) or an organisation's own requests, oldest in its state first.

    "Waiting for me" is worked out with ``steps_for`` on each row (the rule of who acts lives in one place), so the
    whole visible list is read once, in one query, however many pages it has."""
    visible = list(
        DataLabRequest.objects.visible_to(user).select_related("organisation").order_by("state_entered_at", "pk")
    )
    counts = Counter(r.state for r in visible)
    mine = {r.pk for r in visible if services.steps_for(user, r)}
    chosen = [r for r in visible if (not state or r.state == state) and (not waiting or r.pk in mine)]
    rows = [
        QueueRow(request=r, since=r.state_entered_at, expected_by=_expected_by(r, today),
                 next_step=turnaround.next_step_text(r.state), waiting_for_me=r.pk in mine)
        for r in chosen
    ]  # fmt: skip
    return Queue(
        rows=rows,
        counts=[(s.value, str(s.label), counts[s.value]) for s in RequestState if counts[s.value]],
        total=len(visible),
        waiting=len(mine),
    )


@dataclass(frozen=True)
class AnalysisPanel:
    """The request page's analysis: the runs this person may see (newest first), whether they may ask for a run or
    check the output now, and whether the page should refresh itself (a run is waiting or running)."""

    runs: list[AnalysisRun]
    active: AnalysisRun | None
    may_run: bool
    may_check: bool
    may_read_output: bool


def analysis_runs(user: Any, request: DataLabRequest) -> list[AnalysisRun]:
    """The request's runs this person may see, newest first: all of them for the lab's analysts and output
    checkers, only an approved one for the organisation and the secretariat (``AnalysisRun.objects.visible_to``)."""
    return list(
        AnalysisRun.objects.visible_to(user).filter(request=request).select_related("requested_by").order_by("-version")
    )


def approved_output(user: Any, request: DataLabRequest) -> dict[str, Any] | None:
    """The disclosure-controlled output an output checker approved, if this person may see it (never the
    unrounded result, which stays with the lab's people); None before the approval."""
    run = (
        AnalysisRun.objects.visible_to(user)
        .filter(request=request, checks__decision="approved")
        .order_by("-version")
        .first()
    )
    return run.publishable if run is not None else None


def may_run_analysis(user: Any, request: DataLabRequest, runs: list[AnalysisRun]) -> bool:
    """Whether the page offers "Run the analysis" (the service checks again)."""
    return (
        request.state == RequestState.PROTOCOL_LOCKED and Actor.ANALYST in services.actors_for(user, request)
        and not any(run.active for run in runs)
    )  # fmt: skip


def may_check_output(user: Any, request: DataLabRequest) -> bool:
    """Whether the output check page offers this person its decision (the service checks the two-person rule)."""
    return request.state == RequestState.ANALYSED and Actor.CHECKER in services.actors_for(user, request)


def may_read_output(user: Any, request: DataLabRequest) -> bool:
    """The lab's analyst and output checker of the request read the output check page (the tables and their checks)."""
    return bool({Actor.ANALYST, Actor.CHECKER} & services.actors_for(user, request))


def analysis_panel(user: Any, request: DataLabRequest) -> AnalysisPanel:
    runs = analysis_runs(user, request)
    return AnalysisPanel(
        runs=runs, active=next((run for run in runs if run.active), None),
        may_run=may_run_analysis(user, request, runs), may_check=may_check_output(user, request),
        may_read_output=may_read_output(user, request) and any(r.status == RunStatus.FINISHED for r in runs),
    )  # fmt: skip


@dataclass(frozen=True)
class OutputReview:
    """What the output check page shows: the latest finished run, its publishable tables, its automatic checks and
    the decisions already taken on the request's runs."""

    run: AnalysisRun
    output: dict[str, Any]
    checks: dict[str, Any]
    evidence: dict[str, list[dict[str, Any]]]  # table name -> its suppressed cells
    decisions: list[OutputCheck]


def output_review(user: Any, request: DataLabRequest) -> OutputReview | None:
    """The latest finished run for the lab's analyst and checker of the request; None for anyone else, or before."""
    if not may_read_output(user, request):
        return None
    run = (
        AnalysisRun.objects.visible_to(user).filter(request=request, status=RunStatus.FINISHED)
        .select_related("requested_by").order_by("-version").first()
    )  # fmt: skip
    if run is None:
        return None
    evidence: dict[str, list[dict[str, Any]]] = {}
    for cell in run.publishable.get("evidence", []):
        if cell["action"] == "suppressed":
            evidence.setdefault(cell["table"], []).append(cell)
    decisions = list(OutputCheck.objects.filter(run__request=request).select_related("run", "checker"))
    return OutputReview(run=run, output=run.publishable, checks=services.automatic_checks(run), evidence=evidence,
                        decisions=decisions)  # fmt: skip


def lab_team() -> tuple[QuerySet[Any], QuerySet[Any]]:
    """The lab's analysts and its output checkers, by name: the people the upload's opening can assign."""
    users = get_user_model().objects.order_by("first_name", "last_name", "username")
    return users.filter(groups__name=LAB_ANALYST_GROUP), users.filter(groups__name=OUTPUT_CHECKER_GROUP)


@dataclass(frozen=True)
class AuditTrail:
    entries: list[AuditEntry]
    certificates: list[DeletionCertificate]


def audit_trail(request: DataLabRequest) -> AuditTrail:
    """Everything that happened to the request, in time order, and the certificates of each deletion of its data."""
    return AuditTrail(
        entries=list(request.audit_entries.order_by("at", "pk")),
        certificates=list(request.deletion_certificates.order_by("deleted_at", "pk")),
    )

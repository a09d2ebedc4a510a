"""Reads for the report's pages: which run a request's report shows, who may read it, the public catalogue.

Who reads a report:
- once published (``Report.published_at``): everyone, for ever (the request may move on to its data's deletion);
- before that, the lab's analysts, output checkers and the secretariat (they make and check it);
- the organisation that asked: during its factual review, and once scheduled only from its pre-release access (at
  most 24 hours before 9:30am on the day, recorded on the release; Code of Practice for Statistics);
- no one else: to them an unpublished report is the same 404 as one that does not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.http import Http404

from ehssg.roles import roles_of
from releases.services import PRE_RELEASE_MAX_HOURS

from .. import services
from ..choices import Measure, Outcome, RequestState
from ..models import AnalysisRun, DataLabRequest, Report, RunStatus
from . import svg, view_model, words


def _report_of(request: DataLabRequest) -> Report | None:
    try:
        return request.report
    except Report.DoesNotExist:
        return None


def report_run(user: Any, request: DataLabRequest) -> AnalysisRun | None:
    """The scheduled report's run; else the approved run; for the lab's staff, else the newest finished run (what
    the output checker is looking at)."""
    report = _report_of(request)
    if report is not None:
        return report.run
    approved = services.approved_run(request)
    if approved is not None or not roles_of(user).lab_staff:
        return approved
    return request.runs.filter(status=RunStatus.FINISHED).exclude(publishable={}).order_by("-version").first()


def pre_release_from(report: Report) -> datetime | None:
    release_at = report.release.release_at
    return None if release_at is None else release_at - timedelta(hours=PRE_RELEASE_MAX_HOURS)


def may_read(user: Any, request: DataLabRequest, *, now: datetime) -> bool:
    report = _report_of(request)
    if report is not None and report.published_at is not None:
        return True
    roles = roles_of(user)
    if roles.lab_staff:
        return request.state != RequestState.DRAFT
    if request.organisation_id not in roles.charity_of:
        return False
    if request.state == RequestState.FACTUAL_REVIEW:
        return True
    starts = pre_release_from(report) if report is not None else None
    return request.state == RequestState.SCHEDULED and starts is not None and starts <= now


def subject(request: DataLabRequest, run: AnalysisRun) -> view_model.Subject:
    parameters = run.parameters or {}
    mid = parameters.get("minimal_important_difference", request.minimal_important_difference)
    return view_model.Subject(
        reference=request.reference, programme_name=request.programme_name,
        programme_description=request.programme_description, organisation=request.organisation.name,
        who_it_helps=request.who_it_helps, delivery_start=request.delivery_start, delivery_end=request.delivery_end,
        primary_outcome=parameters.get("primary_outcome", request.primary_outcome),
        primary_measure=parameters.get("primary_measure", request.primary_measure),
        minimal_important_difference=None if mid is None else float(mid),
        max_controls=int(parameters.get("max_controls", 5)), caliper_sd=float(parameters.get("caliper_sd", 0.2)),
        smd_threshold=float(parameters.get("smd_threshold", 0.10)), alpha=float(parameters.get("alpha", 0.05)),
    )  # fmt: skip


@dataclass(frozen=True)
class ReportPage:
    request: DataLabRequest
    report: Report | None
    run: AnalysisRun
    view: view_model.ReportView
    published: bool


def report_page(user: Any, reference: str, *, now: datetime) -> ReportPage:
    """The report of the request with this reference, if this person may read it now; else 404."""
    request = (
        DataLabRequest.objects.select_related("organisation", "analyst", "report__release", "report__run")
        .filter(reference=reference).first()
    )  # fmt: skip
    if request is None or not may_read(user, request, now=now):
        raise Http404
    run = report_run(user, request)
    if run is None:
        raise Http404
    report = _report_of(request)
    return ReportPage(
        request=request, report=report, run=run, view=view_model.build(run.publishable, subject(request, run)),
        published=report is not None and report.published_at is not None,
    )  # fmt: skip


# --- the public catalogue -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueRow:
    report: Report
    request: DataLabRequest
    line: view_model.OutcomeLine | None  # the chosen outcome's rate row in this report (None: not feasible)
    kind: str | None  # of the primary outcome: fewer, more, not_significant


@dataclass(frozen=True)
class Catalogue:
    rows: list[CatalogueRow]
    organisations: list[tuple[str, str]]  # slug, name: every organisation with a published report
    outcome: str
    measure: str
    forest_svg: Any


def published() -> Any:
    return (
        Report.objects.filter(published_at__isnull=False)
        .select_related("request__organisation", "run", "release")
        .order_by("-published_at", "pk")
    )


def catalogue(*, organisation: str = "", outcome: str = "", measure: str = "") -> Catalogue:
    """Every published report (every report is published, as the Justice Data Lab does), newest first; of one
    organisation if asked; with the chosen outcome's estimate from each, as a forest plot across them."""
    outcome = outcome or Outcome.EMERGENCY_ADMISSIONS.value
    measure = measure or Measure.RATE.value
    everything = list(published())
    organisations = sorted({(r.request.organisation.slug, r.request.organisation.name) for r in everything},
                           key=lambda o: o[1])  # fmt: skip
    chosen = [r for r in everything if not organisation or r.request.organisation.slug == organisation]
    rows = []
    for report in chosen:
        view = view_model.build(report.run.publishable, subject(report.request, report.run))
        line = next((x for x in view.outcomes if x.outcome == outcome and x.measure == measure), None)
        rows.append(CatalogueRow(report, report.request, line, view.kind))
    forest = _catalogue_forest(rows, outcome, measure)
    return Catalogue(rows=rows, organisations=organisations, outcome=outcome, measure=measure, forest_svg=forest)


def _catalogue_forest(rows: Sequence[CatalogueRow], outcome: str, measure: str) -> Any:
    plotted = [
        svg.ForestRow(label=f"{r.request.programme_name} ({r.request.organisation.name})",
                      estimate=r.line.estimate, low=r.line.low, high=r.line.high)
        for r in rows if r.line is not None
    ]  # fmt: skip
    if not plotted:
        return None
    name = view_model.outcome_name(outcome)
    measure_words = view_model.MEASURE_LABELS.get(measure, measure)
    return svg.forest_plot(
        plotted, uid="catalogue-forest",
        title=words.CATALOGUE_FOREST_TITLE.format(outcome=name, measure=measure_words),
        desc=words.CATALOGUE_FOREST_DESC.format(outcome=view_model.outcome_name(outcome, lower=True),
                                                rows=len(plotted)),
        caption="Difference per 100 people (helped minus comparison)",
    )  # fmt: skip


@dataclass(frozen=True)
class ReportLinks:
    """What the request page offers about its report: reading it, correcting the description (the organisation,
    in factual review), and when the organisation's pre-release access opens once it is scheduled."""

    may_read: bool
    may_correct: bool
    pre_release_from: datetime | None


def report_links(user: Any, request: DataLabRequest, *, now: datetime) -> ReportLinks:
    from ..states import Actor

    report = _report_of(request)
    readable = may_read(user, request, now=now) and report_run(user, request) is not None
    charity = Actor.CHARITY in services.actors_for(user, request)
    return ReportLinks(
        may_read=readable,
        may_correct=charity and request.state == RequestState.FACTUAL_REVIEW,
        pre_release_from=pre_release_from(report) if report is not None and charity and not readable else None,
    )

"""Requests with a report: a real run on the session's small extract, recorded as the lab's worker records it (its
result, its publishable tables and its members file in the lab's store), approved by the output checker and sent for
factual review through the services. The run itself is made once per session (tests/datalab/test_analysis_flow.py
tests the worker's task); the system steps around it are taken with the services' own ``_take``."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from datalab import services, store
from datalab.analysis.parameters import AnalysisParameters
from datalab.analysis.run import run_analysis
from datalab.choices import RequestState
from datalab.disclosure.ledger import member_tokens
from datalab.disclosure.publish import publish
from datalab.extract import Extract
from datalab.linkage import link_cohort, read_cohort_csv
from datalab.models import AnalysisRun, DataLabRequest, Report, RunStatus
from datalab.states import Step
from releases.rules import is_working_day
from releases.schedule import LONDON
from tests.datalab.lab import APPLICATION, LabCast, advance, draft

PROGRAMME = APPLICATION["programme_name"]


@pytest.fixture(scope="session")
def analysed(extract: Extract) -> dict[str, Any]:
    """One analysis of the session extract's cohort (ACRO off: the profile tables are another test's), with its
    publishable tables, as the lab's worker would store them."""
    from tests.datalab.conftest import KEY

    assert extract.cohort_csv is not None
    linkage = link_cohort(read_cohort_csv(extract.cohort_csv.read_text()), extract.path, key=KEY)
    assert linkage.links is not None
    params = AnalysisParameters(seed=3)
    run = run_analysis(extract_dir=extract.path, links=linkage.links, params=params, submitted=linkage.submitted,
                       check_profiles=False)  # fmt: skip
    members = {"analysed": member_tokens(run.analysed_person_ids, key=KEY),
               "matched": member_tokens(run.matched_person_ids, key=KEY)}  # fmt: skip
    publishable = {**publish(run.result, programme=PROGRAMME).to_dict(),
                   "differencing": {"passed": True, "reasons": [], "published_cohorts": 0}}  # fmt: skip
    return {"parameters": params.to_dict(), "result": run.result.to_dict(), "manifest": run.result.to_dict()["manifest"],
            "fingerprint": run.result.fingerprint(), "publishable": publishable, "members": members}  # fmt: skip


def in_review(cast: LabCast, analysed: dict[str, Any], *, approve: bool = True, **changes: Any) -> DataLabRequest:
    """A request in factual review with one finished run that the output checker approved (``approve=False``: a
    request that got there without an approval on record, which the services must refuse to publish)."""
    request = advance(cast, draft(cast, **changes), RequestState.AWAITING_UPLOAD)
    now = timezone.now()
    with transaction.atomic():
        request = services._lock(request)
        request.linkage = {"submitted": 2000, "linked": 1985, "link_rate": 0.9925, "analysable": 1985, "by_method": {}}
        services._take(request, Step.LINK, actor=None, at=now, system="tests.link")
    services.request_mark_feasible(actor=cast.analyst, request=request)
    services.request_lock_protocol(actor=cast.analyst, request=request)
    with transaction.atomic():
        request = services._lock(request)
        run = AnalysisRun.objects.create(
            request=request, version=1, status=RunStatus.FINISHED, requested_by=cast.analyst, requested_at=now,
            started_at=now, finished_at=now, parameters=analysed["parameters"], manifest=analysed["manifest"],
            result=analysed["result"], fingerprint=analysed["fingerprint"], publishable=analysed["publishable"],
            feasible=analysed["publishable"]["feasible"],
        )  # fmt: skip
        store.write_table(request.reference, store.members_name(run.version), services._members_table(analysed["members"]))
        services._take(request, Step.RECORD_ANALYSIS, actor=None, at=now, system="tests.analysis")
    if approve:
        services.approve_output(request, by=cast.checker, reason="Every cell checked against the rules")
    else:  # the state without the approval on record (which the services never do): scheduling must refuse it
        with transaction.atomic():
            services._take(services._lock(request), Step.APPROVE_OUTPUT, actor=cast.checker, at=now)
    services.start_review(request, by=cast.analyst)
    request.refresh_from_db()
    assert request.state == RequestState.FACTUAL_REVIEW
    return request


def publish_day(today: date | None = None, days: int = 28) -> date:
    """The first working day at least ``days`` days after today (London)."""
    day = (today or timezone.localdate()) + timedelta(days=days)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def release_time(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 30, tzinfo=LONDON)


def scheduled(cast: LabCast, analysed: dict[str, Any], **changes: Any) -> Report:
    request = in_review(cast, analysed, **changes)
    return services.schedule_report(request, by=cast.analyst, publish_on=publish_day(), reason="Next publication slot")


def published(cast: LabCast, analysed: dict[str, Any], **changes: Any) -> Report:
    report = scheduled(cast, analysed, **changes)
    assert report.release.release_at is not None
    assert services.publish_due_reports(report.release.release_at + timedelta(minutes=1)) == [report.request.reference]
    report.refresh_from_db()
    return report

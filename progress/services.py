"""Every write of progress reports: draft (or redraft) for a quarter, write the commentary, issue.

An issued report refuses every change with one message (``messages.REPORT_ISSUED``): the figures OSR received stay
exactly as they were, whatever happens to the register later.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ehssg.roles import SECRETARIAT_GROUP, roles_of
from ehssg.site import absolute_url

from . import messages
from .choices import Breakdown, ReportStatus
from .commentary import normalise
from .metrics import figures
from .models import ProgressReport
from .quarters import Quarter

# A report's frozen figures: each metric with its total, both breakdowns and the trend, as plain JSON.
FIGURES_VERSION = 1


def _require_secretariat(actor: Any) -> None:
    if not roles_of(actor).secretariat:
        raise PermissionDenied(messages.NOT_SECRETARIAT)


def _record(report: ProgressReport, *, actor: Any, reason: str) -> None:
    report.full_clean()
    report._history_user = actor  # type: ignore[attr-defined]
    report._change_reason = reason  # type: ignore[attr-defined]
    report.save()


def frozen_figures(quarter: Quarter) -> dict[str, Any]:
    """The figures for ``quarter`` as at its end, by producer and by network, as plain JSON."""
    as_of = quarter.ends_at
    by_producer = {f.metric.key: f for f in figures(quarter=quarter, as_of=as_of, breakdown=Breakdown.PRODUCER)}
    by_network = {f.metric.key: f for f in figures(quarter=quarter, as_of=as_of, breakdown=Breakdown.NETWORK)}
    metrics = []
    for key, figure in by_producer.items():
        entry = figure.as_dict()
        entry["by_producer"] = entry.pop("breakdown")
        entry["by_network"] = [row.as_dict() for row in by_network[key].breakdown]
        metrics.append(entry)
    return {"version": FIGURES_VERSION, "quarter": quarter.key, "as_of": as_of.isoformat(), "metrics": metrics}


@transaction.atomic
def report_draft(*, actor: Any, quarter: Quarter, at: datetime | None = None) -> ProgressReport:
    """Draft the report for an ended quarter, or recompute a draft's figures; an issued report is never touched.

    ``actor=None`` is the beat schedule drafting the report for the quarter that just ended.
    """
    at = at or timezone.now()
    if actor is not None:
        _require_secretariat(actor)
    if quarter.ends_at > at:
        raise ValidationError(messages.QUARTER_NOT_ENDED.format(quarter=quarter.label))
    report = ProgressReport.objects.select_for_update().filter(quarter=quarter.key).first()
    if report is not None and report.is_issued:
        raise ValidationError(messages.REPORT_ISSUED)
    created = report is None
    if report is None:
        report = ProgressReport(quarter=quarter.key)
    report.figures = frozen_figures(quarter)
    report.as_of = quarter.ends_at
    report.computed_at = at
    report.drafted_by = actor
    _record(report, actor=actor, reason="Drafted" if created else "Figures recomputed")
    return report


@transaction.atomic
def report_update_commentary(*, actor: Any, report: ProgressReport, commentary: str) -> ProgressReport:
    """Write the secretariat's commentary on a draft."""
    _require_secretariat(actor)
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    if report.is_issued:
        raise ValidationError(messages.REPORT_ISSUED)
    report.commentary = normalise(commentary)
    _record(report, actor=actor, reason="Commentary written")
    return report


def report_check_issue(report: ProgressReport) -> None:
    """Why a report cannot be issued yet, as the ValidationError ``report_issue`` would raise; nothing if it can."""
    if report.is_issued:
        raise ValidationError(messages.REPORT_ISSUED)
    if not report.commentary.strip():
        raise ValidationError({"commentary": messages.COMMENTARY_REQUIRED})


@transaction.atomic
def report_issue(
    *, actor: Any, report: ProgressReport, expected_digest: str | None = None, at: datetime | None = None
) -> ProgressReport:
    """Issue a draft to OSR: from now on it is public at /progress/ and never changes.

    ``expected_digest`` is the ``ProgressReport.digest`` of what the secretariat previewed: if the commentary or the
    figures changed since (another tab, a colleague, a recompute), nothing is issued and they are asked to look again,
    so what is issued is exactly what was previewed.
    """
    _require_secretariat(actor)
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    report_check_issue(report)
    if expected_digest is not None and expected_digest != report.digest:
        raise ValidationError(messages.REPORT_CHANGED_SINCE_PREVIEW)
    report.status = ReportStatus.ISSUED
    report.issued_at = at or timezone.now()
    report.issued_by = actor
    _record(report, actor=actor, reason="Issued to OSR")
    return report


def report_draft_scheduled(*, at: datetime | None = None) -> ProgressReport | None:
    """The beat schedule's step: draft the quarter that just ended, once, and tell the secretariat.

    Idempotent: if the quarter already has a report (draft or issued) nothing changes and nobody is e-mailed again.
    """
    at = at or timezone.now()
    quarter = Quarter.containing(at).previous()
    with transaction.atomic():
        if ProgressReport.objects.filter(quarter=quarter.key).exists():
            return None
        report = report_draft(actor=None, quarter=quarter, at=at)
        transaction.on_commit(lambda: _tell_secretariat(report))
    return report


def _tell_secretariat(report: ProgressReport) -> None:
    emails = list(
        get_user_model()
        .objects.filter(groups__name=SECRETARIAT_GROUP, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    if not emails:
        return
    url = absolute_url(reverse("progress:manage", kwargs={"quarter": report.quarter}))
    send_mail(
        messages.DRAFTED_EMAIL_SUBJECT.format(quarter=report.period),
        messages.DRAFTED_EMAIL_BODY.format(quarter=report.period, url=url),
        None,
        sorted(emails),
    )

"""Celery tasks of progress reporting. Idempotent: running one twice changes nothing."""

from celery import shared_task

from .services import report_draft_scheduled


@shared_task(name="progress.draft_quarterly_report")
def draft_quarterly_report() -> str | None:
    """Draft the report for the quarter that just ended (once) and e-mail the secretariat; returns its quarter."""
    report = report_draft_scheduled()
    return report.quarter if report is not None else None

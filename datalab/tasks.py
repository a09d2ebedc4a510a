"""The lab's Celery tasks: linking a cohort after its upload, an analysis run, and the hourly retention sweep. Each
is idempotent."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from . import services

LINK_TASK = "datalab.link_upload"
DELETE_TASK = "datalab.delete_due_data"
RUN_TASK = "datalab.run_analysis"


@shared_task(name=LINK_TASK, bind=True)
def link_upload(self: Any, upload_id: int) -> dict[str, Any] | None:
    """Link one received cohort to the current national extract (the lab's worker reads the Parquet files)."""
    upload = services.cohort_link(upload_id=upload_id, task=LINK_TASK, task_id=str(self.request.id or ""))
    return upload.linkage if upload else None


@shared_task(name=RUN_TASK, bind=True)
def run_analysis(self: Any, run_id: int) -> dict[str, Any] | None:
    """Run one queued analysis of a locked protocol (the lab's worker reads the linked cohort and the extract);
    what happened, as the run's status and, when it finished, whether it was feasible."""
    run = services.analysis_execute(run_id=run_id, task=RUN_TASK, task_id=str(self.request.id or ""))
    return {"run": run.version, "status": run.status, "feasible": run.feasible} if run else None


@shared_task(name=DELETE_TASK, bind=True)
def delete_due_data(self: Any) -> list[str]:
    """Delete the person-level data of every request that may keep it no longer; the references done."""
    today = timezone.localdate()
    done = []
    for request in services.requests_due_for_deletion(today):
        ground = services.deletion_ground(request, today)
        if ground:
            services.request_delete_data(
                request=request, ground=ground, task=DELETE_TASK, task_id=str(self.request.id or "")
            )
            done.append(request.reference)
    return done


@shared_task(name=services.PUBLISH_TASK, bind=True)
def publish_due_reports(self: Any) -> list[str]:
    """Publish every scheduled report whose 9:30am has come (beat runs it every 5 minutes); the references done."""
    return services.publish_due_reports(timezone.now(), task=services.PUBLISH_TASK, task_id=str(self.request.id or ""))

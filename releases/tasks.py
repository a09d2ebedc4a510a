"""Celery tasks of the release register. Each is idempotent: running it twice changes nothing."""

from celery import shared_task

from .models import Release


@shared_task(name="releases.count_overdue")
def count_overdue() -> int:
    """How many announced releases are past their date without being published or cancelled."""
    return Release.objects.overdue().count()

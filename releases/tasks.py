"""Celery tasks of the release register. Each is idempotent: running it twice changes nothing."""

from celery import shared_task

from .flagging import flags_rescan
from .models import Release


@shared_task(name="releases.count_overdue")
def count_overdue() -> int:
    """How many announced releases are past their date without being published or cancelled."""
    return Release.objects.overdue().count()


@shared_task(name="releases.scan_flags")
def scan_flags() -> dict[str, int]:
    """The periodic full rescan of the coordination engines."""
    result = flags_rescan()
    return {
        "raised": result.raised,
        "reopened": result.reopened,
        "updated": result.updated,
        "retired": result.retired,
        "unchanged": result.unchanged,
    }

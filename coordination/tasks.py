"""Celery tasks of the coordination engines. Each is idempotent: running it twice changes nothing."""

from celery import shared_task

from .flagging import flags_rescan


# The task keeps the name it had in the register, so beat entries and messages already queued still find it.
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

"""`python manage.py scan_flags`: the full rescan of every engine over the whole register (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from coordination.flagging import flags_rescan


class Command(BaseCommand):
    help = "Run every coordination engine over the whole register and bring the flags up to date."

    def handle(self, *args: Any, **options: Any) -> None:
        result = flags_rescan()
        self.stdout.write(
            f"Flags: {result.raised} raised, {result.reopened} opened again, {result.updated} refreshed, "
            f"{result.retired} no longer apply, {result.unchanged} unchanged."
        )

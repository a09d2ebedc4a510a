"""What every app's admin shares."""

from typing import Any

from django.http import HttpRequest


class ReadOnlyMixin:
    """Records that only the services write: the secretariat reads them in the admin and never edits them there."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Viewing only: the change form shows every field read-only and offers no save.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

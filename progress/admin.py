"""Admin for progress reports: read-only. Reports are drafted and issued on the /osr/reports/ pages, through the
services; an issued report cannot be changed, reverted or deleted here (nor anywhere else)."""

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

from ehssg.admin import ReadOnlyMixin

from . import messages
from .models import ProgressReport


@admin.register(ProgressReport)
class ProgressReportAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["quarter", "status", "as_of", "computed_at", "issued_at", "issued_by"]
    list_filter = ["status"]
    readonly_fields = ["quarter", "status", "commentary", "figures", "as_of", "computed_at", "drafted_by",
                       "issued_at", "issued_by"]  # fmt: skip

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def history_form_view(self, request: HttpRequest, object_id: str, version_id: str,
                          extra_context: dict[str, Any] | None = None) -> HttpResponse:  # fmt: skip
        # Reverting would rewrite the report from an older version: look, never post.
        if request.method == "POST":
            raise PermissionDenied(messages.ADMIN_READ_ONLY)
        return super().history_form_view(request, object_id, version_id, extra_context)

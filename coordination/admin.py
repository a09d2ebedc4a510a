"""The secretariat's admin for what the engines keep: flags and relations (read-only: only services write them) and
the days to avoid (edited here, with history)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from releases.admin import ReadOnlyAdmin

from .models import AvoidDate, Flag, ReleaseRelation


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ["kind", "status", "severity", "network", "raised_at", "is_current"]
    list_filter = ["kind", "status", "severity", "network", "is_current"]
    search_fields = ["explanation", "key"]


@admin.register(ReleaseRelation)
class ReleaseRelationAdmin(ReadOnlyAdmin):
    list_display = ["kind", "first", "second", "created_by", "created_at"]
    list_filter = ["kind"]


@admin.register(AvoidDate)
class AvoidDateAdmin(SimpleHistoryAdmin):
    list_display = ["reason", "starts_on", "ends_on", "network"]
    list_filter = ["network"]

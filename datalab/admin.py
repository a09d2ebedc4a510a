"""The lab in the secretariat's admin: organisations and their people are kept here; everything else is read only.

Requests, agreements, uploads, extracts, the audit trail and deletion certificates change only through the services
(datalab/services.py), so the admin shows them and never edits or deletes them.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ehssg.admin import ReadOnlyMixin

from .models import (
    AgreementAcceptance,
    AnalysisRun,
    AuditEntry,
    BaseRate,
    CohortUpload,
    DataLabRequest,
    DeletionCertificate,
    NationalExtract,
    Organisation,
    OutputCheck,
)


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "charity_number"]
    search_fields = ["name", "charity_number"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["members"]


class ReadOnlyHistoryAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    pass


@admin.register(DataLabRequest)
class DataLabRequestAdmin(ReadOnlyHistoryAdmin):
    list_display = ["reference", "programme_name", "organisation", "state", "state_entered_at"]
    list_filter = ["state", "primary_outcome"]
    search_fields = ["reference", "programme_name", "organisation__name"]


@admin.register(AgreementAcceptance)
class AgreementAcceptanceAdmin(ReadOnlyHistoryAdmin):
    list_display = ["request", "agreement_version", "signatory_name", "accepted_at", "retention_until"]


@admin.register(CohortUpload)
class CohortUploadAdmin(ReadOnlyHistoryAdmin):
    list_display = ["request", "number", "rows", "status", "uploaded_at"]
    list_filter = ["status"]


@admin.register(NationalExtract)
class NationalExtractAdmin(ReadOnlyHistoryAdmin):
    list_display = ["vintage", "coverage_start", "coverage_end", "persons", "current"]


@admin.register(BaseRate)
class BaseRateAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["extract", "outcome", "age_group", "people", "rate", "mean"]
    list_filter = ["outcome", "age_group"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["request", "at", "event", "actor_name", "actor_role", "from_state", "to_state"]
    list_filter = ["event", "actor_role"]
    search_fields = ["request__reference"]


@admin.register(DeletionCertificate)
class DeletionCertificateAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["request", "deleted_at", "deleted_by", "ground", "verified"]


@admin.register(AnalysisRun)
class AnalysisRunAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["request", "version", "status", "requested_at", "finished_at", "feasible"]
    list_filter = ["status", "feasible"]


@admin.register(OutputCheck)
class OutputCheckAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["run", "checker", "decision", "decided_at"]

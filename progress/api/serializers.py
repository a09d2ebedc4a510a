"""What the API shows of progress reports: issued reports with their frozen figures (drafts to the secretariat/OSR)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import ProgressReport


class ProgressReportSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:progress-report-detail", lookup_field="quarter")
    period = serializers.CharField(read_only=True)
    # Plain text in the schema: "draft" or "issued" (a second enum named "status" would collide with others).
    status = serializers.CharField(read_only=True, help_text="draft or issued; the public sees issued reports only")
    figures = serializers.SerializerMethodField()

    class Meta:
        model = ProgressReport
        fields = ["quarter", "url", "period", "status", "as_of", "issued_at", "commentary", "figures"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_figures(self, report: ProgressReport) -> Any:
        return report.figures


class ProgressReportSummarySerializer(ProgressReportSerializer):
    class Meta(ProgressReportSerializer.Meta):
        fields = ["quarter", "url", "period", "status", "as_of", "issued_at"]
        read_only_fields = fields

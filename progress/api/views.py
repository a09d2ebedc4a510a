"""Progress reports over HTTP, read-only: an issued report never changes, so there is no write endpoint at all and
PUT, PATCH and DELETE are refused (405) like any other method the endpoint does not offer."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.serializers import BaseSerializer

from ehssg.api.views import ApiReadOnlyViewSet

from ..models import ProgressReport
from . import serializers as s


@extend_schema(tags=["progress"])
class ProgressReportViewSet(ApiReadOnlyViewSet):
    """Quarterly progress reports to OSR, with the figures frozen as at each quarter's end."""

    queryset = ProgressReport.objects.none()
    serializer_class = s.ProgressReportSerializer
    lookup_field = "quarter"
    lookup_value_regex = r"[0-9]{4}-Q[1-4]"

    def get_queryset(self) -> QuerySet[Any]:
        return ProgressReport.objects.visible_to(self.request.user).order_by("-quarter")

    def get_serializer_class(self) -> type[BaseSerializer]:
        return s.ProgressReportSummarySerializer if self.action == "list" else s.ProgressReportSerializer

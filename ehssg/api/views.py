"""What every endpoint of the API shares, and the JSON 404 for any address under /api/ that matches none."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import mixins, viewsets

from .pagination import StandardPagination
from .parsers import StrictJSONParser
from .permissions import PublicReadSignedInWrite

# Path patterns: anything else never reaches a view (and so never reaches the database); it is a JSON 404.
SLUG_PATTERN = r"[-a-zA-Z0-9_]{1,120}"
ID_PATTERN = r"[0-9]{1,18}"

NO_ENDPOINT = "There is no endpoint at this address. Addresses end with a slash; the list is at /api/docs/."


class ApiViewSet(viewsets.GenericViewSet):
    """JSON in, page-numbered lists, public reads and signed-in writes."""

    parser_classes = [StrictJSONParser]
    pagination_class = StandardPagination
    permission_classes = [PublicReadSignedInWrite]

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # Filters are the list's; an object's own address finds it whatever the query string says.
        return super().filter_queryset(queryset) if self.action == "list" else queryset


class ApiReadOnlyViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, ApiViewSet):
    """A public, read-only collection."""


@csrf_exempt  # it changes nothing; a CSRF refusal here would be an HTML 403 for a JSON client
def not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    """Unknown addresses under /api/ answer in the API's error shape, not with an HTML page."""
    return JsonResponse(
        {"detail": NO_ENDPOINT, "errors": [{"field": None, "message": NO_ENDPOINT, "code": "not_found"}]}, status=404
    )

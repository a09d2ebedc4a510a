"""What every endpoint of the API shares, its root (an index of the lists), and the JSON 404 for any address under
/api/ that matches none."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.routers import BaseRouter
from rest_framework.views import APIView

from .filters import StrictFilterBackend
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
    filter_backends = [StrictFilterBackend]

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # Filters are the list's; an object's own address finds it whatever the query string says.
        return super().filter_queryset(queryset) if self.action == "list" else queryset


class ApiReadOnlyViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, ApiViewSet):
    """A public, read-only collection."""


ROOT_SCHEMA = inline_serializer(
    "ApiRoot",
    {
        "name": serializers.CharField(),
        "version": serializers.CharField(),
        "documentation": serializers.URLField(help_text="Interactive documentation (Swagger UI)."),
        "schema": serializers.URLField(help_text="The OpenAPI 3 document."),
        "endpoints": serializers.DictField(
            child=serializers.URLField(), help_text="Each list of the API by name, with its address."
        ),
    },
)


class ApiRootView(APIView):
    """What the API is, where its documentation is, and the address of every list it offers.

    The lists come from the apps' routers, so a list added to a router appears here with nothing else to change.
    """

    permission_classes = [PublicReadSignedInWrite]
    http_method_names = ["get", "head", "options"]
    # Dotted paths of the apps' routers ("releases.api.urls.router"), as settings name apps: ehssg imports no app.
    routers: list[str] = []

    @extend_schema(
        summary="The API's root: its documentation and the address of every list",
        tags=["root"],
        responses={200: ROOT_SCHEMA},
        examples=[
            OpenApiExample(
                "The index",
                response_only=True,
                value={
                    "name": "EHSSG harmonised release calendar API",
                    "version": "v1",
                    "documentation": "https://calendar.example/api/docs/",
                    "schema": "https://calendar.example/api/schema/",
                    "endpoints": {"producers": "https://calendar.example/api/v1/producers/",
                                  "releases": "https://calendar.example/api/v1/releases/"},
                },
            )  # fmt: skip
        ],
    )
    def get(self, request: Request) -> Response:
        endpoints = {
            prefix: reverse(f"api:{basename}-list", request=request)
            for router in map(import_string, self.routers)
            for prefix, _viewset, basename in cast(BaseRouter, router).registry
        }
        return Response({
            "name": settings.SPECTACULAR_SETTINGS["TITLE"],
            "version": "v1",
            "documentation": reverse("api:docs", request=request),
            "schema": reverse("api:schema", request=request),
            "endpoints": endpoints,
        })  # fmt: skip


@csrf_exempt  # it changes nothing; a CSRF refusal here would be an HTML 403 for a JSON client
def not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    """Unknown addresses under /api/ answer in the API's error shape, not with an HTML page."""
    return JsonResponse(
        {"detail": NO_ENDPOINT, "errors": [{"field": None, "message": NO_ENDPOINT, "code": "not_found"}]}, status=404
    )

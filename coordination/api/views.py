"""The flags over HTTP (/api/v1/flags/ and their settling actions) and a release's /relate/ action.

Both were part of the register's API module before issue 15 and keep their addresses, operation ids and documents:
``RelateReleaseViewSet`` is the register's ``ReleaseViewSet`` with one more action, routed to that one address.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from ehssg.api.permissions import SignedIn
from ehssg.api.views import ID_PATTERN, ApiReadOnlyViewSet
from releases.api.views import ReleaseViewSet, _release_responses

from ..filtersets import FlagFilterSet
from ..flagging import (
    flag_acknowledge,
    flag_confirm_duplicate,
    flag_dismiss,
    flag_mark_coordinated,
    flag_resolve,
    releases_relate,
)
from ..models import Flag
from .serializers import (
    FlagConfirmDuplicateSerializer,
    FlagNoteSerializer,
    FlagReasonSerializer,
    FlagSerializer,
    RelateSerializer,
)


# The register's release endpoint plus the engines' /relate/ action; only that route uses it. The docstring is the
# register's, word for word, because drf-spectacular makes it the operation's description in the OpenAPI document.
class RelateReleaseViewSet(ReleaseViewSet):
    """Releases: the calendar, and every step of a release's life through the same services as the pages."""

    input_serializers: dict[str, type[BaseSerializer]] = {"relate": RelateSerializer}

    @extend_schema(
        summary="Declare another release related (align their days) or coordinated (the same day is agreed)",
        request=RelateSerializer,
        responses=_release_responses(),
        tags=["releases"],
        examples=[
            OpenApiExample(
                "Related releases",
                request_only=True,
                value={"other": "hospital-admissions-april-2027-2027-05", "kind": "related",
                       "note": "Both report April admissions; users read them together."},
            )  # fmt: skip
        ],
    )
    @action(detail=True, methods=["post"])
    def relate(self, request: Request, slug: str | None = None) -> Response:
        release = self.get_object()
        data = self._input(request, RelateSerializer)
        releases_relate(actor=request.user, first=release, second=data["other"], kind=data["kind"], note=data["note"])
        return self._show(release.pk)


# --- flags -----------------------------------------------------------------------------------------------------------


def _settle_schema(request_serializer: type[BaseSerializer], summary: str) -> Any:
    return extend_schema(summary=summary, request=request_serializer, responses={200: FlagSerializer})


@extend_schema(tags=["flags"])
class FlagViewSet(ApiReadOnlyViewSet):
    """What the engines found (clashes, duplicates, breaches of the Code), for the platform's signed-in people.

    Settling is for the producers concerned, the leads of the networks concerned and the secretariat. A flag needs no
    If-Match: each settling service locks the flag and refuses one that is no longer open, so a second settle of the
    same flag is a 400 saying who got there first, never a silent overwrite.
    """

    queryset = Flag.objects.select_related("network", "series").prefetch_related("releases")
    serializer_class = FlagSerializer
    filterset_class = FlagFilterSet
    permission_classes = [SignedIn]
    lookup_value_regex = ID_PATTERN
    input_serializers: dict[str, type[BaseSerializer]] = {
        "acknowledge": FlagNoteSerializer,
        "resolve": FlagReasonSerializer,
        "dismiss": FlagReasonSerializer,
        "mark_coordinated": FlagReasonSerializer,
        "confirm_duplicate": FlagConfirmDuplicateSerializer,
    }

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.request is not None and self.request.method == "POST":
            return self.input_serializers.get(self.action or "", FlagSerializer)
        return FlagSerializer

    def _apply(self, request: Request, serializer_class: type[BaseSerializer], settle: Any) -> Response:
        flag = self.get_object()
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        settle(flag, serializer.validated_data)
        flag = self.get_queryset().get(pk=flag.pk)
        return Response(FlagSerializer(flag, context=self.get_serializer_context()).data)

    @_settle_schema(FlagNoteSerializer, "Acknowledge: seen, and being worked on")
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        return self._apply(
            request,
            FlagNoteSerializer,
            lambda flag, data: flag_acknowledge(actor=request.user, flag=flag, note=data.get("note", "")),
        )

    @_settle_schema(FlagReasonSerializer, "Resolve: dealt with, saying what was done")
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        return self._apply(
            request,
            FlagReasonSerializer,
            lambda flag, data: flag_resolve(actor=request.user, flag=flag, reason=data.get("reason", "")),
        )

    @_settle_schema(FlagReasonSerializer, "Dismiss: not a problem, saying why (not raised again unless facts change)")
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str | None = None) -> Response:
        return self._apply(
            request,
            FlagReasonSerializer,
            lambda flag, data: flag_dismiss(actor=request.user, flag=flag, reason=data.get("reason", "")),
        )

    @_settle_schema(FlagReasonSerializer, "Settle a date clash by agreeing the releases come out on the same day")
    @action(detail=True, methods=["post"], url_path="mark-coordinated")
    def mark_coordinated(self, request: Request, pk: str | None = None) -> Response:
        return self._apply(
            request,
            FlagReasonSerializer,
            lambda flag, data: flag_mark_coordinated(actor=request.user, flag=flag, reason=data.get("reason", "")),
        )

    @_settle_schema(FlagConfirmDuplicateSerializer, "Confirm a duplicate: withdraw one release for the other")
    @action(detail=True, methods=["post"], url_path="confirm-duplicate")
    def confirm_duplicate(self, request: Request, pk: str | None = None) -> Response:
        return self._apply(
            request,
            FlagConfirmDuplicateSerializer,
            lambda flag, data: flag_confirm_duplicate(
                actor=request.user, flag=flag, withdraw=data["withdraw"], reason=data.get("reason", "")
            ),
        )

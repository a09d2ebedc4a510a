"""The release register over HTTP: thin views that parse, call the same services as the pages, and show the result.

Reads go through ``Release.objects.visible_to(user)`` (another producer's draft is a 404, as if it did not exist) and
``for_listing()`` so a list costs the same few queries whatever its length. Writes of an existing release lock it and
check the client's version first (:mod:`ehssg.api.concurrency`), then call the service, whose ValidationError and
PermissionDenied become 400 and 403 in the shared error shape (:mod:`ehssg.api.exceptions`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.serializers import BaseSerializer

from ehssg.api.concurrency import release_write, with_etag
from ehssg.api.exceptions import NOT_FOUND, BulkDenied, BulkInvalid
from ehssg.api.schema import ETAG, IF_MATCH
from ehssg.api.views import ID_PATTERN, SLUG_PATTERN, ApiReadOnlyViewSet
from ehssg.roles import roles_of

from .. import hooks, services
from ..choices import ChangeStatus, State
from ..filtersets import DateChangeFilterSet, DefinitionFilterSet, ReleaseFilterSet, SeriesFilterSet
from ..models import DateChange, Definition, Measure, PreReleaseAccess, Producer, Release, ReleaseSeries
from ..selectors import pre_release_access_visible
from ..services import ReleaseDetails
from . import serializers as s
from .history import release_history

BULK_MAX = 1000

# Words the API says; tests assert these constants.
NO_PENDING_CHANGE = "This release has no change waiting for the Head of Profession."
BULK_NOT_A_LIST = "Send a JSON list of releases to register (at most {maximum})."
BULK_REFUSED = "Nothing was registered: {count} of the releases were refused; each problem is listed in errors."

DETAIL_FIELDS = tuple(ReleaseDetails.__dataclass_fields__)


@contextmanager
def service_fields(**rename: str) -> Iterator[None]:
    """Name the API's fields in a service's field errors (the service says starts_on; the API says window_start)."""
    try:
        yield
    except DjangoValidationError as exc:
        if rename and hasattr(exc, "error_dict"):
            raise DjangoValidationError({rename.get(k, k): v for k, v in exc.error_dict.items()}) from exc
        raise


def _details(data: dict[str, Any], base: ReleaseDetails | None = None) -> ReleaseDetails:
    """The service's ReleaseDetails from validated input; what PATCH leaves out stays as it was."""
    values: dict[str, Any] = {name: getattr(base, name) for name in DETAIL_FIELDS} if base else {}
    values.update({name: data[name] for name in DETAIL_FIELDS if name in data})
    for name in ("summary", "geography", "market_sensitive", "joint_producers", "networks"):
        if values.get(name) is None:
            values.pop(name, None)
    return ReleaseDetails(**values)


def release_queryset(user: Any) -> QuerySet[Release]:
    """Releases the user may see, with everything a representation shows, in a fixed number of queries."""
    public_changes = Prefetch(
        "date_changes", queryset=DateChange.objects.public().order_by("decided_at", "pk"), to_attr="public_changes"
    )
    return (
        Release.objects.visible_to(user)
        .with_flags()
        .for_listing()
        .select_related("withdrawn_in_favour_of")
        .prefetch_related(public_changes, "definitions")
    )


def release_warnings(release: Release) -> list[str]:
    """What the apps above the register say about a release just written (releases/hooks.py): its open flags, or for
    a draft what the engines would flag."""
    return hooks.release_warnings([release])[release.pk]


# --- reference data --------------------------------------------------------------------------------------------------


@extend_schema(tags=["producers"])
class ProducerViewSet(ApiReadOnlyViewSet):
    """Organisations that produce official statistics."""

    queryset = Producer.objects.order_by("name")
    serializer_class = s.ProducerSerializer
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN


@extend_schema(tags=["series"])
class ReleaseSeriesViewSet(ApiReadOnlyViewSet):
    """Recurring statistical outputs, with their approved release times."""

    queryset = ReleaseSeries.objects.prefetch_related("producers", "networks", "definitions").order_by("title")
    serializer_class = s.ReleaseSeriesSerializer
    filterset_class = SeriesFilterSet
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN


@extend_schema(tags=["definitions"])
class MeasureViewSet(ApiReadOnlyViewSet):
    """Things statistics count or estimate, each with the definitions producers use."""

    queryset = Measure.objects.prefetch_related(
        Prefetch("definitions", queryset=Definition.objects.select_related("measure", "owner"))
    ).order_by("name")
    serializer_class = s.MeasureSerializer
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN


@extend_schema(tags=["definitions"])
class DefinitionViewSet(ApiReadOnlyViewSet):
    """The register of definitions of measures; harmonised ones are agreed for shared use."""

    queryset = Definition.objects.select_related("measure", "owner")
    serializer_class = s.DefinitionSerializer
    filterset_class = DefinitionFilterSet
    lookup_value_regex = ID_PATTERN


# --- releases --------------------------------------------------------------------------------------------------------

REGISTER_EXAMPLE = OpenApiExample(
    "Register and announce a provisional release",
    request_only=True,
    value={
        "title": "A&E attendances and emergency admissions, May 2027",
        "summary": "Monthly A&E attendances, four-hour performance and emergency admissions in England.",
        "lead_producer": "nhs-england",
        "networks": ["urgent-and-emergency-care"],
        "designation": "accredited",
        "reference_period_start": "2027-05-01",
        "reference_period_end": "2027-05-31",
        "lead_statistician_name": "Sam Analyst",
        "lead_statistician_email": "sam.analyst@example.org",
        "window_start": "2027-06-01",
        "window_months": 1,
        "announce": True,
    },
)
RELEASE_EXAMPLE = OpenApiExample(
    "A confirmed release",
    response_only=True,
    value={
        "slug": "ae-attendances-and-emergency-admissions-may-2027-2027-06",
        "url": "https://calendar.example/api/v1/releases/ae-attendances-and-emergency-admissions-may-2027-2027-06/",
        "uid": "0b6f0f6e-8b8e-5f53-9f7e-3d1c7c1b8a10",
        "title": "A&E attendances and emergency admissions, May 2027",
        "summary": "Monthly A&E attendances, four-hour performance and emergency admissions in England.",
        "series": None,
        "lead_producer": "nhs-england",
        "joint_producers": [],
        "networks": ["urgent-and-emergency-care"],
        "definitions": [],
        "designation": "accredited",
        "reference_period_start": "2027-05-01",
        "reference_period_end": "2027-05-31",
        "geography": "england",
        "lead_statistician_name": "Sam Analyst",
        "lead_statistician_email": "sam.analyst@example.org",
        "market_sensitive": False,
        "state": "confirmed",
        "is_overdue": False,
        "is_postponed": False,
        "precision": "exact",
        "release_at": "2027-06-10T09:30:00+01:00",
        "starts_on": "2027-06-10",
        "ends_on": "2027-06-10",
        "display_date": "10 June 2027 9:30am (confirmed)",
        "published_url": "",
        "published_at": None,
        "cancellation_reason": "",
        "cancelled_at": None,
        "withdrawn_in_favour_of": None,
        "announced_at": "2027-03-01T12:00:00Z",
        "confirmed_at": "2027-04-01T10:00:00+01:00",
        "date_changes": [],
        "sequence": 1,
        "revised_at": "2027-04-01T10:00:00+01:00",
        "version": 3,
    },
)


RESULT_EXAMPLE = OpenApiExample(
    "A release just written, with what the engines found",
    response_only=True,
    value={
        **RELEASE_EXAMPLE.value,
        "warnings": [
            "A&E attendances and emergency admissions, May 2027 (NHS England) and Hospital admissions in England, "
            "May 2027 (Office for National Statistics) are both due in Urgent and emergency care on 10 June 2027 and "
            "are not marked as coordinated. Move one, or mark them as coordinated."
        ],
    },
)


def _release_responses(code: int = 200) -> dict[int, Any]:
    return {code: OpenApiResponse(s.ReleaseResultSerializer, examples=[RESULT_EXAMPLE])}


def _write(request_serializer: type[BaseSerializer], summary: str, **kwargs: Any) -> Any:
    """The schema of a write of an existing release: If-Match in, the release (with its new ETag) out."""
    kwargs.setdefault("responses", _release_responses())
    return extend_schema(
        summary=summary, request=request_serializer, parameters=[IF_MATCH, ETAG], tags=["releases"], **kwargs
    )


@extend_schema_view(
    list=extend_schema(
        summary="The calendar: releases you may see, filtered",
        description="Announced releases for everyone; your producer's drafts too when signed in as one of its people.",
        responses={200: s.ReleaseSerializer(many=True)},
        examples=[RELEASE_EXAMPLE],
    ),
    retrieve=extend_schema(
        summary="One release, with its agreed date changes",
        parameters=[ETAG],
        responses={200: OpenApiResponse(s.ReleaseSerializer, examples=[RELEASE_EXAMPLE])},
    ),
    create=extend_schema(
        summary="Register a release (a draft, or announced at once)",
        request=s.ReleaseRegisterSerializer,
        responses=_release_responses(201),
        parameters=[ETAG],
        examples=[REGISTER_EXAMPLE],
    ),
    update=_write(s.ReleaseUpdateSerializer, "Replace what a release says (with the reason)"),
    partial_update=_write(
        s.ReleaseUpdateSerializer,
        "Change some of what a release says (with the reason)",
        examples=[
            OpenApiExample(
                "Correct the summary",
                request_only=True,
                value={"summary": "Monthly A&E attendances in England.", "reason": "Shorter summary", "version": 3},
            )
        ],
    ),
    destroy=extend_schema(
        summary="Discard a draft (an announced release is never deleted: cancel it)",
        parameters=[IF_MATCH],
        responses={204: None},
    ),
)
@extend_schema(tags=["releases"])
class ReleaseViewSet(ApiReadOnlyViewSet):
    """Releases: the calendar, and every step of a release's life through the same services as the pages."""

    serializer_class = s.ReleaseSerializer
    filterset_class = ReleaseFilterSet
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN
    input_serializers: dict[str, type[BaseSerializer]] = {
        "create": s.ReleaseRegisterSerializer,
        "update": s.ReleaseUpdateSerializer,
        "partial_update": s.ReleaseUpdateSerializer,
        "announce": s.AnnounceSerializer,
        "confirm": s.ConfirmSerializer,
        "request_change": s.RequestChangeSerializer,
        "agree_change": s.AgreeChangeSerializer,
        "cancel": s.CancelSerializer,
        "publish": s.PublishSerializer,
        "pre_release_access": s.PreReleaseAccessAddSerializer,
        "pre_release_access_remove": s.ReasonSerializer,
    }

    def get_queryset(self) -> QuerySet[Release]:
        return release_queryset(self.request.user)

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.request is not None and self.request.method not in ("GET", "HEAD", "OPTIONS"):
            return self.input_serializers.get(self.action or "", s.ReleaseSerializer)
        return s.ReleaseSerializer

    def _input(self, request: Request, serializer_class: type[BaseSerializer], **kwargs: Any) -> dict[str, Any]:
        serializer = serializer_class(data=request.data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _show(self, pk: int, *, status_code: int = status.HTTP_200_OK) -> Response:
        release = self.get_queryset().get(pk=pk)
        release.api_warnings = release_warnings(release)  # type: ignore[attr-defined]
        data = s.ReleaseResultSerializer(release, context=self.get_serializer_context()).data
        response = with_etag(Response(data, status=status_code), release.version)
        if status_code == status.HTTP_201_CREATED:
            response["Location"] = data["url"]
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        release = self.get_object()
        return with_etag(Response(self.get_serializer(release).data), release.version)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._input(request, s.ReleaseRegisterSerializer)
        with service_fields(starts_on="window_start"):
            release = services.release_create(
                actor=request.user,
                details=_details(data),
                schedule=data["schedule"],
                announce=data["announce"],
                reason=data.get("reason") or "Registered",
            )
        return self._show(release.pk, status_code=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        release = self.get_object()
        data = self._input(request, s.ReleaseUpdateSerializer, partial=partial)
        schedule = data.get("schedule")
        with release_write(request, release) as locked:
            if schedule is not None and locked.state != State.DRAFT:
                field = "release_at" if "release_at" in data else "window_start"
                raise ValidationError({field: [s.SCHEDULE_DRAFT_ONLY]})
            base = ReleaseDetails.of(locked) if partial else None
            with service_fields(starts_on="window_start"):
                services.release_update(
                    actor=request.user,
                    release=locked,
                    details=_details(data, base),
                    reason=data.get("reason", ""),
                    schedule=schedule,
                )
        return self._show(release.pk)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        release = self.get_object()
        with release_write(request, release) as locked:
            services.release_discard_draft(actor=request.user, release=locked)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @_write(s.AnnounceSerializer, "Announce a draft: provisional with a window, confirmed with an exact time")
    @action(detail=True, methods=["post"])
    def announce(self, request: Request, slug: str | None = None) -> Response:
        release = self.get_object()
        data = self._input(request, s.AnnounceSerializer)
        with release_write(request, release) as locked, service_fields(starts_on="window_start"):
            services.release_announce(actor=request.user, release=locked, reason=data.get("reason") or "Announced")
        return self._show(release.pk)

    @_write(
        s.ConfirmSerializer,
        "Confirm the exact date and time of a provisional release",
        examples=[
            OpenApiExample(
                "Confirm 9:30am on a day in the window",
                request_only=True,
                value={"release_at": "2027-06-10T09:30:00+01:00"},
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, slug: str | None = None) -> Response:
        release = self.get_object()
        data = self._input(request, s.ConfirmSerializer)
        with release_write(request, release) as locked:
            services.release_confirm(
                actor=request.user, release=locked, release_at=data["release_at"], reason=data.get("reason", "")
            )
        return self._show(release.pk)

    @_write(
        s.RequestChangeSerializer,
        "Ask to move an announced date (the Head of Profession agrees it)",
        responses={201: s.DateChangeSerializer},
        examples=[
            OpenApiExample(
                "Move a confirmed release a week later",
                request_only=True,
                value={"release_at": "2027-06-17T09:30:00+01:00", "reason": "The data supplier needs another week."},
            )
        ],
    )
    @action(detail=True, methods=["post"], url_path="request-change")
    def request_change(self, request: Request, slug: str | None = None) -> Response:
        release = self.get_object()
        data = self._input(request, s.RequestChangeSerializer)
        with release_write(request, release) as locked, service_fields(starts_on="window_start"):
            change = services.release_request_change(
                actor=request.user, release=locked, schedule=data["schedule"], reason=data.get("reason", "")
            )
        change = DateChange.objects.select_related("release").get(pk=change.pk)
        body = s.DateChangeSerializer(change, context=self.get_serializer_context()).data
        return with_etag(Response(body, status=status.HTTP_201_CREATED), change.release.version)

    @_write(s.AgreeChangeSerializer, "Agree the release's pending date change (its Head of Profession)")
    @action(detail=True, methods=["post"], url_path="agree-change")
    def agree_change(self, request: Request, slug: str | None = None) -> Response:
        release = self.get_object()
        data = self._input(request, s.AgreeChangeSerializer)
        with release_write(request, release) as locked:
            change = locked.date_changes.pending().first()
            if change is None:
                raise ValidationError(NO_PENDING_CHANGE)
            services.release_agree_change(actor=request.user, change=change, note=data.get("note", ""))
        return self._show(release.pk)

    @_write(
        s.CancelSerializer,
        "Cancel an announced release (the reason stays public)",
        examples=[
            OpenApiExample(
                "Cancel",
                request_only=True,
                value={"reason": "The survey was stopped; figures are in the annual release."},
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, slug: str | None = None) -> Response:
        release = self.get_object()
        data = self._input(request, s.CancelSerializer)
        with release_write(request, release) as locked:
            services.release_cancel(actor=request.user, release=locked, reason=data.get("reason", ""))
        return self._show(release.pk)

    @_write(
        s.PublishSerializer,
        "Mark a confirmed release as published, with the address of the output",
        examples=[
            OpenApiExample(
                "Published",
                request_only=True,
                value={"published_url": "https://www.gov.uk/government/statistics/ae-attendances-may-2027"},
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, slug: str | None = None) -> Response:
        release = self.get_object()
        data = self._input(request, s.PublishSerializer)
        with release_write(request, release) as locked:
            services.release_publish(actor=request.user, release=locked, published_url=data["published_url"])
        return self._show(release.pk)

    @extend_schema(
        summary="The public history of a release: when, what changed and why",
        responses=s.HistoryEntrySerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request: Request, slug: str | None = None) -> Response:
        release = self.get_object()
        entries = release_history(release, request.user)
        return Response(s.HistoryEntrySerializer(entries, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="Who gets the statistics early, and why (public once published; before that, its producers only)",
        responses=s.PreReleaseAccessSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Give someone pre-release access (at most 24 hours before release)",
        request=s.PreReleaseAccessAddSerializer,
        parameters=[IF_MATCH],
        responses={201: s.PreReleaseAccessSerializer},
    )
    @action(
        detail=True, methods=["get", "post"], url_path="pre-release-access", pagination_class=None,
        filterset_class=None,
    )  # fmt: skip
    def pre_release_access(self, request: Request, slug: str | None = None) -> Response:
        release = self.get_object()
        if request.method == "GET":
            if not pre_release_access_visible(release, request.user):
                raise NotFound(NOT_FOUND)
            entries = self._access(release)
            return Response(s.PreReleaseAccessSerializer(entries, many=True).data)
        data = self._input(request, s.PreReleaseAccessAddSerializer)
        data.pop("version", None)
        with release_write(request, release) as locked:
            entry = services.prerelease_access_add(actor=request.user, release=locked, **data)
        return Response(s.PreReleaseAccessSerializer(entry).data, status=status.HTTP_201_CREATED)

    def _access(self, release: Release) -> QuerySet[PreReleaseAccess]:
        return release.pre_release_access.filter(is_removed=False)

    @extend_schema(
        summary="Take someone off the pre-release access list (the entry stays in history)",
        request=s.ReasonSerializer,
        parameters=[IF_MATCH],
        responses={200: s.PreReleaseAccessSerializer},
    )
    @action(detail=True, methods=["post"], url_path=rf"pre-release-access/(?P<entry_id>{ID_PATTERN})/remove")
    def pre_release_access_remove(self, request: Request, slug: str | None = None, entry_id: str = "") -> Response:
        release = self.get_object()
        if not pre_release_access_visible(release, request.user):
            raise NotFound(NOT_FOUND)
        entry = get_object_or_404(self._access(release), pk=int(entry_id))
        data = self._input(request, s.ReasonSerializer)
        with release_write(request, release):
            entry = services.prerelease_access_remove(actor=request.user, entry=entry, reason=data.get("reason", ""))
        return Response(s.PreReleaseAccessSerializer(entry).data)

    @extend_schema(
        summary="Register up to 1,000 releases at once: all or nothing",
        description=(
            "Each item is what POST /api/v1/releases/ takes. Every item is validated and registered through the same "
            "service, in one transaction: if any item is refused, nothing is registered and every problem is "
            "reported with the index of its item."
        ),
        request=s.ReleaseRegisterSerializer(many=True),
        responses={201: s.BulkResultSerializer(many=True)},
    )
    @action(detail=False, methods=["post"], pagination_class=None, filterset_class=None)
    def bulk(self, request: Request) -> Response:
        if not isinstance(request.data, list) or not 1 <= len(request.data) <= BULK_MAX:
            raise ValidationError(BULK_NOT_A_LIST.format(maximum=BULK_MAX))
        serializer = s.ReleaseRegisterSerializer(data=request.data, many=True)
        if not serializer.is_valid():
            raise BulkInvalid.from_list(serializer.errors)
        created: list[tuple[int, Release]] = []
        with transaction.atomic():
            problems: dict[int, Any] = {}
            for index, data in enumerate(serializer.validated_data):
                try:
                    with service_fields(starts_on="window_start"):
                        release = services.release_create(
                            actor=request.user,
                            details=_details(data),
                            schedule=data["schedule"],
                            announce=data["announce"],
                            reason=data.get("reason") or "Registered",
                        )
                except DjangoValidationError as exc:
                    problems[index] = exc
                except DjangoPermissionDenied as exc:
                    raise BulkDenied(index=index, message=str(exc)) from exc
                else:
                    created.append((index, release))
            if problems:
                raise BulkInvalid.from_django(problems, summary=BULK_REFUSED.format(count=len(problems)))
        flags = hooks.release_warnings([release for _i, release in created], preview_drafts=False)
        results = [
            {
                "index": index,
                "slug": release.slug,
                "url": reverse("api:release-detail", kwargs={"slug": release.slug}, request=request),
                "state": release.state,
                "version": release.version,
                "warnings": flags[release.pk],
            }
            for index, release in created
        ]
        return Response(s.BulkResultSerializer(results, many=True).data, status=status.HTTP_201_CREATED)


# --- date changes ----------------------------------------------------------------------------------------------------


def date_change_queryset(user: Any) -> QuerySet[DateChange]:
    """Agreed changes are public; pending, refused and withdrawn ones only for the producers, secretariat and OSR."""
    roles = roles_of(user)
    changes = DateChange.objects.filter(release__in=Release.objects.visible_to(user)).select_related("release")
    if not roles.reads_everything_announced:
        own = Release.objects.of_producers(roles.producer_ids).values("pk")
        changes = changes.filter(Q(status=ChangeStatus.AGREED) | Q(release__in=own))
    return changes.order_by("-requested_at", "-pk")


def _change_write(request_serializer: type[BaseSerializer], summary: str) -> Any:
    return extend_schema(
        summary=summary,
        request=request_serializer,
        parameters=[IF_MATCH, ETAG],
        responses={200: s.DateChangeSerializer},
        description="If-Match (or version) carries the ETag of the change's release (release_version).",
    )


@extend_schema(tags=["date changes"])
@extend_schema_view(retrieve=extend_schema(parameters=[ETAG]))
class DateChangeViewSet(ApiReadOnlyViewSet):
    """Changes to announced dates: asked for by an editor, agreed or refused by the Head of Profession."""

    serializer_class = s.DateChangeSerializer
    filterset_class = DateChangeFilterSet
    lookup_value_regex = ID_PATTERN
    input_serializers: dict[str, type[BaseSerializer]] = {
        "agree": s.AgreeChangeSerializer,
        "refuse": s.RefuseChangeSerializer,
        "withdraw": s.VersionOnlySerializer,
    }

    def get_queryset(self) -> QuerySet[DateChange]:
        return date_change_queryset(self.request.user)

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.request is not None and self.request.method == "POST":
            return self.input_serializers.get(self.action or "", s.DateChangeSerializer)
        return s.DateChangeSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        change = self.get_object()
        return with_etag(Response(self.get_serializer(change).data), change.release.version)

    def _decide(self, request: Request, serializer_class: type[BaseSerializer], decide: Any) -> Response:
        change = self.get_object()
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        with release_write(request, change.release):
            decide(change, serializer.validated_data)
        change = self.get_queryset().get(pk=change.pk)
        data = s.DateChangeSerializer(change, context=self.get_serializer_context()).data
        return with_etag(Response(data), change.release.version)

    @_change_write(s.AgreeChangeSerializer, "Agree a change (the release's Head of Profession): the release moves")
    @action(detail=True, methods=["post"])
    def agree(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(
            request,
            s.AgreeChangeSerializer,
            lambda change, data: services.release_agree_change(
                actor=request.user, change=change, note=data.get("note", "")
            ),
        )

    @_change_write(s.RefuseChangeSerializer, "Refuse a change (the release's Head of Profession), saying why")
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(
            request,
            s.RefuseChangeSerializer,
            lambda change, data: services.release_refuse_change(
                actor=request.user, change=change, note=data.get("note", "")
            ),
        )

    @_change_write(s.VersionOnlySerializer, "Withdraw a pending change (an editor of the producer)")
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(
            request,
            s.VersionOnlySerializer,
            lambda change, data: services.release_withdraw_change(actor=request.user, change=change),
        )

"""Topic networks' work over HTTP: action plans, actions and their progress, lessons and engagement activities.

Thin views, as for releases: reads go through ``visible_to(user)`` (a draft plan of another network is a 404), writes
call the same services as the pages, so the same people may do the same things with the same history. Writes of an
existing plan or action need the version the client read (If-Match or ``version``), checked under the row lock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from ehssg.api.concurrency import locked_write, with_etag
from ehssg.api.schema import ETAG, IF_MATCH
from ehssg.api.views import ID_PATTERN, SLUG_PATTERN, ApiReadOnlyViewSet

from .. import services
from ..filtersets import ActionItemFilterSet, ActionPlanFilterSet, EngagementActivityFilterSet, LessonFilterSet
from ..models import (
    ActionItem,
    ActionItemQuerySet,
    ActionPlan,
    EngagementActivity,
    Lesson,
    ProgressUpdate,
    TopicNetwork,
)
from . import serializers as s


@extend_schema(tags=["networks"])
class TopicNetworkViewSet(ApiReadOnlyViewSet):
    """The EHSSG's topic networks and their member producers."""

    queryset = TopicNetwork.objects.prefetch_related("member_producers").order_by("name")
    serializer_class = s.TopicNetworkSerializer
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN


class _WriteViewSet(ApiReadOnlyViewSet):
    """Reads as the output serializer; each write parses with its own input serializer and shows the result."""

    input_serializers: dict[str, type[BaseSerializer]] = {}
    # The service a create calls (keyword arguments: actor and what the input serializer took in).
    create_service: Callable[..., Any]
    lookup_value_regex = ID_PATTERN

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.request is not None and self.request.method not in ("GET", "HEAD", "OPTIONS"):
            return self.input_serializers.get(self.action or "", self._output())
        return self._output()

    def _output(self) -> type[BaseSerializer]:
        return cast(type[BaseSerializer], self.serializer_class)

    def _input(self, request: Request, serializer_class: type[BaseSerializer], **kwargs: Any) -> dict[str, Any]:
        serializer = serializer_class(data=request.data, context=self.get_serializer_context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        return data

    def _show(self, pk: int, *, status_code: int = status.HTTP_200_OK) -> Response:
        instance = self.get_queryset().get(pk=pk)
        data = self._output()(instance, context=self.get_serializer_context()).data
        response = with_etag(Response(data, status=status_code), getattr(instance, "version", None))
        if status_code == status.HTTP_201_CREATED:
            response["Location"] = data["url"]
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        return with_etag(Response(self.get_serializer(instance).data), getattr(instance, "version", None))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Every create here is one service call with what the input serializer took in."""
        data = self._input(request, self.input_serializers["create"])
        created = self.create_service(actor=request.user, **data)
        return self._show(created.pk, status_code=status.HTTP_201_CREATED)


ITEM_FIELDS: tuple[str, ...] = ("title", "owner", "due_on", "goal", "description")


def _items_with_updates() -> ActionItemQuerySet:
    updates = Prefetch("updates", queryset=ProgressUpdate.objects.order_by("-written_on", "-pk"))
    return cast(ActionItemQuerySet, ActionItem.objects.select_related("plan__network").prefetch_related(updates))


def _write(request_serializer: type[BaseSerializer], summary: str, response: type[BaseSerializer]) -> Any:
    return extend_schema(summary=summary, request=request_serializer, parameters=[IF_MATCH, ETAG],
                         responses={200: response})  # fmt: skip


@extend_schema_view(
    list=extend_schema(summary="Action plans: current and superseded (earlier) ones, and drafts of your networks"),
    retrieve=extend_schema(summary="One action plan with its actions and their progress", parameters=[ETAG]),
    create=extend_schema(
        summary="Start a draft action plan (network leads and the secretariat)",
        request=s.PlanCreateSerializer,
        responses={201: s.ActionPlanSerializer},
        parameters=[ETAG],
        examples=[
            OpenApiExample(
                "A plan for the year",
                request_only=True,
                value={"network": "urgent-and-emergency-care", "title": "Action plan 2027 to 2028",
                       "summary": "Align A&E and ambulance releases; one definition of an emergency admission."},
            )  # fmt: skip
        ],
    ),
    update=_write(s.PlanUpdateSerializer, "Change a plan's title and summary (with the reason)",
                  s.ActionPlanSerializer),  # fmt: skip
    partial_update=_write(s.PlanUpdateSerializer, "Change a plan's title or summary (with the reason)",
                          s.ActionPlanSerializer),  # fmt: skip
)
@extend_schema(tags=["action plans"])
class ActionPlanViewSet(_WriteViewSet):
    """Each network's action plans: public once published, with every later change public.

    A network has one current plan (status ``published``); publishing another marks it ``superseded`` (with
    ``superseded_at`` and ``superseded_by``), and a superseded plan stays readable here with its actions and progress.
    """

    serializer_class = s.ActionPlanSerializer
    filterset_class = ActionPlanFilterSet
    input_serializers = {
        "create": s.PlanCreateSerializer,
        "update": s.PlanUpdateSerializer,
        "partial_update": s.PlanUpdateSerializer,
        "publish": s.VersionSerializer,
    }

    def get_queryset(self) -> QuerySet[ActionPlan]:
        items = Prefetch("items", queryset=_items_with_updates().order_by("due_on", "pk"))
        return (
            ActionPlan.objects.visible_to(self.request.user)
            .select_related("network", "superseded_by")
            .prefetch_related(items)
            .order_by("network__name", "-created_at", "pk")
        )

    create_service = staticmethod(services.plan_create)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        plan = self.get_object()
        data = self._input(request, s.PlanUpdateSerializer, partial=partial)
        with locked_write(request, plan) as locked:
            services.plan_update(
                actor=request.user,
                plan=locked,
                title=data.get("title", locked.title),
                summary=data.get("summary", locked.summary),
                reason=data.get("reason", ""),
            )
        return self._show(plan.pk)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    @_write(s.VersionSerializer, "Publish a draft plan: public from now on; the network's current plan becomes "
            "superseded", s.ActionPlanSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        plan = self.get_object()
        self._input(request, s.VersionSerializer)
        with locked_write(request, plan) as locked:
            services.plan_publish(actor=request.user, plan=locked)
        return self._show(plan.pk)


@extend_schema_view(
    list=extend_schema(summary="Actions in the plans you may see, with their latest progress"),
    retrieve=extend_schema(summary="One action with every progress update", parameters=[ETAG]),
    create=extend_schema(
        summary="Add an action to a plan (network leads and the secretariat)",
        request=s.ItemCreateSerializer,
        responses={201: s.ActionItemSerializer},
        parameters=[ETAG],
    ),
    update=_write(s.ItemUpdateSerializer, "Change an action (with the reason)", s.ActionItemSerializer),
    partial_update=_write(s.ItemUpdateSerializer, "Change part of an action (with the reason)",
                          s.ActionItemSerializer),  # fmt: skip
)
@extend_schema(tags=["action plans"])
class ActionItemViewSet(_WriteViewSet):
    """The actions of action plans: owner, due date, EHSSG goal, status, RAG and dated progress."""

    serializer_class = s.ActionItemSerializer
    filterset_class = ActionItemFilterSet
    input_serializers = {
        "create": s.ItemCreateSerializer,
        "update": s.ItemUpdateSerializer,
        "partial_update": s.ItemUpdateSerializer,
        "progress": s.ProgressAddSerializer,
    }

    def get_queryset(self) -> QuerySet[ActionItem]:
        return _items_with_updates().visible_to(self.request.user).order_by("due_on", "pk")

    create_service = staticmethod(services.item_create)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        item = self.get_object()
        data = self._input(request, s.ItemUpdateSerializer, partial=partial)
        with locked_write(request, item) as locked:
            fields = {name: data.get(name, getattr(locked, name)) for name in ITEM_FIELDS}
            services.item_update(actor=request.user, item=locked, reason=data.get("reason", ""), **fields)
        return self._show(item.pk)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    @_write(s.ProgressAddSerializer, "Record progress: a dated note, the new status and RAG", s.ActionItemSerializer)
    @action(detail=True, methods=["post"])
    def progress(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        data = self._input(request, s.ProgressAddSerializer)
        with locked_write(request, item) as locked:
            services.progress_update_add(actor=request.user, item=locked, **data)
        return self._show(item.pk)


@extend_schema_view(
    list=extend_schema(summary="Lessons learned and good practice from every network, searchable"),
    create=extend_schema(
        summary="Share a lesson (network leads and the secretariat)",
        request=s.LessonCreateSerializer,
        responses={201: s.LessonSerializer},
    ),
)
@extend_schema(tags=["lessons"])
class LessonViewSet(_WriteViewSet):
    """Lessons learned and good practice, shared across networks."""

    queryset = Lesson.objects.select_related("network")
    serializer_class = s.LessonSerializer
    filterset_class = LessonFilterSet
    input_serializers = {"create": s.LessonCreateSerializer}

    create_service = staticmethod(services.lesson_record)


@extend_schema_view(
    list=extend_schema(summary="Networks' engagement with users: events, consultations, surveys, feedback"),
    create=extend_schema(
        summary="Record an engagement activity once it has happened (network leads and the secretariat)",
        request=s.ActivityCreateSerializer,
        responses={201: s.EngagementActivitySerializer},
    ),
)
@extend_schema(tags=["engagement"])
class EngagementActivityViewSet(_WriteViewSet):
    """What networks did with users, and how many people they reached."""

    queryset = EngagementActivity.objects.select_related("network")
    serializer_class = s.EngagementActivitySerializer
    filterset_class = EngagementActivityFilterSet
    input_serializers = {"create": s.ActivityCreateSerializer}

    create_service = staticmethod(services.activity_record)

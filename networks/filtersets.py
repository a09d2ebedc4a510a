"""Filters for topic networks' records, shaped like the calendar's: slugs for networks, repeatable choices."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils import timezone

from releases.filtersets import OptionalDateFilter, SlugsFilter, StrictBooleanFilter

from .choices import ActivityKind, Goal, ItemStatus, PlanStatus
from .models import ActionItem, ActionPlan, EngagementActivity, Lesson, TopicNetwork
from .selectors import lessons_search


def _network() -> SlugsFilter:
    return SlugsFilter(queryset=TopicNetwork.objects.all(), kind="topic network", label="Topic network slug.")


class ActionPlanFilterSet(django_filters.FilterSet):
    network = _network()
    status = django_filters.MultipleChoiceFilter(choices=PlanStatus.choices)

    class Meta:
        model = ActionPlan
        fields: list[str] = []


class ActionItemFilterSet(django_filters.FilterSet):
    network = SlugsFilter(
        queryset=TopicNetwork.objects.all(), kind="topic network", field_name="plan__network",
        label="Topic network slug.",
    )  # fmt: skip
    plan = django_filters.NumberFilter(field_name="plan_id", min_value=1, max_value=2**62)
    status = django_filters.MultipleChoiceFilter(choices=ItemStatus.choices)
    goal = django_filters.MultipleChoiceFilter(choices=Goal.choices)
    overdue = StrictBooleanFilter(method="filter_overdue", label="true: due date passed, not complete or dropped.")

    class Meta:
        model = ActionItem
        fields: list[str] = []

    def filter_overdue(self, queryset: QuerySet[ActionItem], name: str, value: bool | None) -> QuerySet[ActionItem]:
        if value is None:
            return queryset
        overdue = ActionItem.objects.overdue(timezone.localdate()).values("pk")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)


class LessonFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", max_length=200, label="Words in the title, text or tags (every word must appear)."
    )
    network = _network()

    class Meta:
        model = Lesson
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Lesson], name: str, value: str) -> QuerySet[Lesson]:
        return queryset & lessons_search(value)


class EngagementActivityFilterSet(django_filters.FilterSet):
    network = _network()
    kind = django_filters.MultipleChoiceFilter(choices=ActivityKind.choices)
    held_from = OptionalDateFilter(field_name="held_on", lookup_expr="gte", label="Held on or after (YYYY-MM-DD).")
    held_to = OptionalDateFilter(field_name="held_on", lookup_expr="lte", label="Held on or before (YYYY-MM-DD).")

    class Meta:
        model = EngagementActivity
        fields: list[str] = []

"""Reads of topic networks' records."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from releases.models import Release

from .choices import ItemStatus, PlanStatus
from .models import ActionItem, ActionPlan, EngagementActivity, Lesson, ProgressUpdate, TopicNetwork

# Flags still to settle (coordination.choices.UNSETTLED_STATUSES; tests/test_architecture.py checks they agree). Named
# here, and the flags reached through the reverse accessor, because the engines build on the networks, not the reverse.
UNSETTLED_FLAG_STATUSES = ("open", "acknowledged")


@dataclass(frozen=True)
class NetworkSummary:
    network: TopicNetwork
    open_flags: int
    items_by_status: dict[str, int]
    overdue_items: int
    has_published_plan: bool


def network_summaries(today: date) -> list[NetworkSummary]:
    """Every network with its lead, member producers and counts, in a fixed number of queries."""
    networks = list(
        TopicNetwork.objects.prefetch_related("leads", "member_producers").annotate(
            open_flags=Count("flags", filter=Q(flags__status__in=UNSETTLED_FLAG_STATUSES), distinct=True),
            published_plans=Count("plans", filter=Q(plans__status=PlanStatus.PUBLISHED), distinct=True),
        )
    )
    by_status: dict[int, Counter[str]] = {n.pk: Counter() for n in networks}
    for network_id, status, count in (
        ActionItem.objects.values_list("plan__network_id", "status").annotate(n=Count("pk")).order_by()
    ):
        by_status[network_id][status] += count
    overdue = dict(
        ActionItem.objects.overdue(today).values_list("plan__network_id").annotate(n=Count("pk")).order_by()
    )
    return [
        NetworkSummary(
            network=n,
            open_flags=n.open_flags,  # type: ignore[attr-defined]
            items_by_status={s.value: by_status[n.pk][s.value] for s in ItemStatus},
            overdue_items=overdue.get(n.pk, 0),
            has_published_plan=n.published_plans > 0,  # type: ignore[attr-defined]
        )
        for n in networks
    ]


def published_plan(network: TopicNetwork) -> ActionPlan | None:
    """The network's latest published plan, with its items and each item's updates."""
    updates = Prefetch("updates", queryset=ProgressUpdate.objects.order_by("-written_on", "-pk"))
    items = Prefetch(
        "items",
        queryset=ActionItem.objects.prefetch_related(updates).order_by("due_on", "pk"),  # type: ignore[arg-type]
    )
    return (
        ActionPlan.objects.filter(network=network, status=PlanStatus.PUBLISHED)
        .prefetch_related(items)
        .order_by("-published_at")
        .first()
    )


def plan_public_history(plan: ActionPlan) -> list[dict[str, Any]]:
    """What changed in a published plan and its items since publication, newest first."""
    if plan.published_at is None:
        return []
    rows = []
    for record in plan.history.filter(history_date__gte=plan.published_at):
        rows.append({"when": record.history_date, "what": plan.title, "why": record.history_change_reason or ""})
    item_ids = list(plan.items.values_list("pk", flat=True))
    for record in ActionItem.history.filter(id__in=item_ids, history_date__gte=plan.published_at):
        rows.append({"when": record.history_date, "what": record.title, "why": record.history_change_reason or ""})
    return sorted(rows, key=lambda r: r["when"], reverse=True)


def network_upcoming_releases(network: TopicNetwork, today: date, limit: int = 20) -> QuerySet[Release]:
    return (
        Release.objects.announced()
        .filter(networks=network, ends_on__gte=today, state__in=("provisional", "confirmed"))
        .for_listing()
        .order_by("starts_on", "release_at")[:limit]
    )


def lessons_search(query: str = "") -> QuerySet[Lesson]:
    """Lessons across every network whose title, text or tags contain every word of the query."""
    lessons = Lesson.objects.select_related("network")
    for word in query.split()[:10]:
        lessons = lessons.filter(Q(title__icontains=word) | Q(text__icontains=word) | Q(tags__icontains=word))
    return lessons


def network_activities(network: TopicNetwork) -> QuerySet[EngagementActivity]:
    return EngagementActivity.objects.filter(network=network)

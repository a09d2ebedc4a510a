"""Reads of topic networks' records."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from releases.choices import UNSETTLED_FLAG_STATUSES
from releases.models import Release

from .choices import ItemStatus, PlanStatus
from .models import ActionItem, ActionPlan, EngagementActivity, Lesson, ProgressUpdate, TopicNetwork


@dataclass(frozen=True)
class NetworkSummary:
    """A network and the counts of its current plan's actions: /networks/ and the network page show the same."""

    network: TopicNetwork
    open_flags: int
    items_by_status: dict[str, int]
    overdue_items: int
    has_published_plan: bool

    @property
    def items_total(self) -> int:
        return sum(self.items_by_status.values())


def network_summaries(today: date, *, network: TopicNetwork | None = None) -> list[NetworkSummary]:
    """Every network (or one) with its lead, member producers, open flags and the counts of its current plan's
    actions, in a fixed number of queries. Earlier (superseded) plans and drafts are not counted: the counts describe
    the plan the network page shows."""
    networks = TopicNetwork.objects.prefetch_related("leads", "member_producers").annotate(
        open_flags=Count("flags", filter=Q(flags__status__in=UNSETTLED_FLAG_STATUSES), distinct=True),
        published_plans=Count("plans", filter=Q(plans__status=PlanStatus.PUBLISHED), distinct=True),
    )
    if network is not None:
        networks = networks.filter(pk=network.pk)
    found = list(networks)
    current = ActionItem.objects.filter(plan__status=PlanStatus.PUBLISHED, plan__network__in=[n.pk for n in found])
    by_status: dict[int, Counter[str]] = {n.pk: Counter() for n in found}
    counted = current.values_list("plan__network_id", "status").annotate(n=Count("pk")).order_by()
    for network_id, status, count in counted:
        by_status[network_id][status] += count
    overdue = dict(current.overdue(today).values_list("plan__network_id").annotate(n=Count("pk")).order_by())
    return [
        NetworkSummary(
            network=n,
            open_flags=n.open_flags,  # type: ignore[attr-defined]
            items_by_status={s.value: by_status[n.pk][s.value] for s in ItemStatus},
            overdue_items=overdue.get(n.pk, 0),
            has_published_plan=n.published_plans > 0,  # type: ignore[attr-defined]
        )
        for n in found
    ]


def network_summary(network: TopicNetwork, today: date) -> NetworkSummary:
    """The network page's counts: the same selector as /networks/, for one network."""
    return network_summaries(today, network=network)[0]


def _items_with_updates() -> Prefetch:
    updates = Prefetch("updates", queryset=ProgressUpdate.objects.order_by("-written_on", "-pk"))
    return Prefetch(
        "items",
        queryset=ActionItem.objects.prefetch_related(updates).order_by("due_on", "pk"),  # type: ignore[arg-type]
    )


def published_plan(network: TopicNetwork) -> ActionPlan | None:
    """The network's current plan (the one published last), with its items and each item's updates."""
    return (
        ActionPlan.objects.filter(network=network, status=PlanStatus.PUBLISHED)
        .prefetch_related(_items_with_updates())
        .order_by("-published_at")
        .first()
    )


def earlier_plans(network: TopicNetwork) -> QuerySet[ActionPlan]:
    """The network's superseded plans, newest first, each with the plan that replaced it."""
    return (
        ActionPlan.objects.filter(network=network, status=PlanStatus.SUPERSEDED)
        .select_related("superseded_by")
        .order_by("-published_at", "-pk")
    )


def plan_for_page(network: TopicNetwork, pk: int, user: Any) -> ActionPlan | None:
    """One plan of the network the person may see (current, superseded, or a draft for its people), with its
    actions and every progress update; None if there is no such plan for them."""
    return (
        ActionPlan.objects.visible_to(user)
        .filter(network=network, pk=pk)
        .select_related("network", "superseded_by")
        .prefetch_related(_items_with_updates())
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

"""Every write to topic networks' records: action plans, items, progress updates, lessons and engagement.

Only a network's leads and the EHSSG secretariat write; each write is atomic, validated and recorded with who and why.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from ehssg.roles import roles_of

from . import messages
from .choices import PUBLIC_PLAN_STATUSES, ItemStatus, PlanStatus
from .models import ActionItem, ActionPlan, EngagementActivity, Lesson, ProgressUpdate, TopicNetwork


def network_can_edit(user: Any, network: TopicNetwork) -> bool:
    """Leads of the network and the secretariat change its records; members and OSR read them."""
    roles = roles_of(user)
    return roles.secretariat or network.pk in roles.lead_of


def _require_lead(actor: Any, network: TopicNetwork) -> None:
    if not network_can_edit(actor, network):
        raise PermissionDenied(messages.NOT_LEAD.format(network=network))


def _required(value: str, message: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _record(instance: Model, *, actor: Any, reason: str) -> None:
    if instance.pk is not None and hasattr(instance, "version"):
        # Plans and items carry a version for the API's If-Match: every write of an existing one moves it on.
        instance.version += 1
    instance.full_clean()
    instance._history_user = actor  # type: ignore[attr-defined]
    instance._change_reason = reason  # type: ignore[attr-defined]
    instance.save()


def _today(at: datetime | None) -> date:
    return timezone.localdate(at or timezone.now())


@transaction.atomic
def plan_create(
    *, actor: Any, network: TopicNetwork, title: str, summary: str = "", at: datetime | None = None
) -> ActionPlan:
    """Start a draft action plan for a network."""
    _require_lead(actor, network)
    at = at or timezone.now()
    plan = ActionPlan(
        network=network,
        title=_required(title, messages.TITLE_REQUIRED, "title"),
        summary=(summary or "").strip(),
        created_at=at,
        updated_at=at,
    )
    _record(plan, actor=actor, reason="Plan started")
    return plan


@transaction.atomic
def plan_update(
    *, actor: Any, plan: ActionPlan, title: str, summary: str, reason: str, at: datetime | None = None
) -> ActionPlan:
    """Change a plan's title or summary; on a published plan the change is public history."""
    plan = ActionPlan.objects.select_for_update().select_related("network").get(pk=plan.pk)
    _require_lead(actor, plan.network)
    reason = _required(reason, messages.REASON_REQUIRED, "reason")
    plan.title = _required(title, messages.TITLE_REQUIRED, "title")
    plan.summary = (summary or "").strip()
    plan.updated_at = at or timezone.now()
    _record(plan, actor=actor, reason=reason)
    return plan


@transaction.atomic
def plan_publish(*, actor: Any, plan: ActionPlan, at: datetime | None = None) -> ActionPlan:
    """Publish a plan: public from now on, with every later change visible.

    A network has one current plan: the one it published last. Publishing marks the current plan superseded (it stays
    public, with its actions and their progress, on its own page). Publishing with an ``at`` in the past (imports, the
    demo) slots the plan into the network's sequence: the plan published before it is superseded then, and if a later
    plan exists the new one is superseded by it at once.
    """
    plan = ActionPlan.objects.select_for_update().select_related("network").get(pk=plan.pk)
    _require_lead(actor, plan.network)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(messages.ALREADY_PUBLISHED)
    if not plan.items.exists():
        raise ValidationError(messages.PLAN_HAS_NO_ITEMS)
    at = at or timezone.now()
    # One publication at a time per network, so two plans cannot both become current.
    TopicNetwork.objects.select_for_update().filter(pk=plan.network_id).first()
    public = ActionPlan.objects.select_for_update().filter(network=plan.network_id, status__in=PUBLIC_PLAN_STATUSES)
    earlier = public.filter(published_at__lte=at).exclude(superseded_at__lte=at).order_by("-published_at").first()
    later = public.filter(published_at__gt=at).order_by("published_at").first()
    if earlier is not None:
        earlier.status = PlanStatus.SUPERSEDED
        earlier.superseded_at = at
        earlier.superseded_by = plan
        earlier.updated_at = at
        _record(earlier, actor=actor, reason=messages.SUPERSEDED_REASON.format(plan=plan.title))
    plan.published_at = at
    plan.updated_at = at
    if later is None:
        plan.status = PlanStatus.PUBLISHED
    else:
        plan.status = PlanStatus.SUPERSEDED
        plan.superseded_at = later.published_at
        plan.superseded_by = later
    _record(plan, actor=actor, reason="Published")
    return plan


@transaction.atomic
def item_create(
    *,
    actor: Any,
    plan: ActionPlan,
    title: str,
    owner: str,
    due_on: date,
    goal: str,
    description: str = "",
    at: datetime | None = None,
) -> ActionItem:
    """Add an action to a plan."""
    _require_lead(actor, plan.network)
    item = ActionItem(
        plan=plan,
        title=_required(title, messages.TITLE_REQUIRED, "title"),
        owner=_required(owner, messages.OWNER_REQUIRED, "owner"),
        due_on=due_on,
        goal=goal,
        description=(description or "").strip(),
    )
    _record(item, actor=actor, reason="Action added")
    _touch(plan, at)
    return item


@transaction.atomic
def item_update(
    *,
    actor: Any,
    item: ActionItem,
    title: str,
    owner: str,
    due_on: date,
    goal: str,
    description: str,
    reason: str,
    at: datetime | None = None,
) -> ActionItem:
    """Change what an action is, who owns it or when it is due (status moves through progress updates)."""
    item = ActionItem.objects.select_for_update().select_related("plan__network").get(pk=item.pk)
    _require_lead(actor, item.plan.network)
    reason = _required(reason, messages.REASON_REQUIRED, "reason")
    item.title = _required(title, messages.TITLE_REQUIRED, "title")
    item.owner = _required(owner, messages.OWNER_REQUIRED, "owner")
    item.due_on = due_on
    item.goal = goal
    item.description = (description or "").strip()
    _record(item, actor=actor, reason=reason)
    _touch(item.plan, at)
    return item


@transaction.atomic
def progress_update_add(
    *,
    actor: Any,
    item: ActionItem,
    status: str,
    rag: str,
    note: str,
    written_on: date | None = None,
    at: datetime | None = None,
) -> ProgressUpdate:
    """Record progress on an action: a dated note and the status and RAG it moves to."""
    item = ActionItem.objects.select_for_update().select_related("plan__network").get(pk=item.pk)
    _require_lead(actor, item.plan.network)
    at = at or timezone.now()
    written_on = written_on or _today(at)
    if written_on > _today(at):
        raise ValidationError({"written_on": messages.UPDATE_IN_FUTURE})
    update = ProgressUpdate(
        item=item,
        written_on=written_on,
        status=status,
        rag=rag,
        note=_required(note, messages.NOTE_REQUIRED, "note"),
        author=actor,
        created_at=at,
    )
    _record(update, actor=actor, reason="Progress update")
    item.status = status
    item.rag = rag
    item.completed_on = written_on if status == ItemStatus.COMPLETE else None
    _record(item, actor=actor, reason=f"Progress: {update.get_status_display()}")
    _touch(item.plan, at)
    return update


def _touch(plan: ActionPlan, at: datetime | None) -> None:
    ActionPlan.objects.filter(pk=plan.pk).update(updated_at=at or timezone.now())


@transaction.atomic
def lesson_record(
    *,
    actor: Any,
    network: TopicNetwork,
    title: str,
    text: str,
    tags: str = "",
    recorded_on: date | None = None,
    at: datetime | None = None,
) -> Lesson:
    """Share a lesson learned or good practice, searchable across every network."""
    _require_lead(actor, network)
    lesson = Lesson(
        network=network,
        title=_required(title, messages.TITLE_REQUIRED, "title"),
        text=_required(text, messages.TEXT_REQUIRED, "text"),
        tags=", ".join(t.strip() for t in (tags or "").split(",") if t.strip()),
        recorded_on=recorded_on or _today(at),
        author=actor,
    )
    _record(lesson, actor=actor, reason="Lesson recorded")
    return lesson


@transaction.atomic
def activity_record(
    *,
    actor: Any,
    network: TopicNetwork,
    held_on: date,
    kind: str,
    title: str,
    people_reached: int,
    summary: str,
    at: datetime | None = None,
) -> EngagementActivity:
    """Record an engagement activity once it has happened."""
    _require_lead(actor, network)
    if held_on > _today(at):
        raise ValidationError({"held_on": messages.ACTIVITY_IN_FUTURE})
    if people_reached is None or people_reached < 0:
        raise ValidationError({"people_reached": messages.PEOPLE_NEGATIVE})
    activity = EngagementActivity(
        network=network,
        held_on=held_on,
        kind=kind,
        title=_required(title, messages.TITLE_REQUIRED, "title"),
        people_reached=people_reached,
        summary=_required(summary, messages.SUMMARY_REQUIRED, "summary"),
        author=actor,
    )
    _record(activity, actor=actor, reason="Activity recorded")
    return activity

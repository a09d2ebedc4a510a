"""Network records: every write, who may make it, overdue actions and lesson search."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from networks import messages, services
from networks.choices import ActivityKind, Goal, ItemStatus, PlanStatus, Rag
from networks.models import ActionItem, ActionPlan, EngagementActivity, Lesson, ProgressUpdate
from networks.selectors import (
    earlier_plans,
    lessons_search,
    network_summaries,
    network_summary,
    plan_public_history,
    published_plan,
)

NOW = datetime(2027, 3, 1, 10, 0, tzinfo=ZoneInfo("Europe/London"))
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def plan(cast):
    return services.plan_create(actor=cast.lead, network=cast.network, title="Urgent care action plan 2027")


@pytest.fixture
def item(cast, plan):
    return services.item_create(
        actor=cast.lead,
        plan=plan,
        title="Align A&E and admissions releases",
        owner="NHS England analytical team",
        due_on=date(2027, 6, 30),
        goal=Goal.ALIGN_DATES,
    )


def counts():
    return tuple(m.objects.count() for m in (ActionPlan, ActionItem, ProgressUpdate, Lesson, EngagementActivity))


WRITERS = {"lead": True, "secretariat": True}
ROLES = ["anonymous", "member", "other_lead", "editor", "hop", "osr", "lead", "secretariat"]


def actor_for(cast, role, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser() if role == "anonymous" else getattr(cast, role)


WRITES = {
    "plan_create": lambda cast, plan, item, actor: services.plan_create(actor=actor, network=cast.network, title="P"),
    "plan_update": lambda cast, plan, item, actor: services.plan_update(
        actor=actor, plan=plan, title="New title", summary="", reason="Clearer title"
    ),
    "plan_publish": lambda cast, plan, item, actor: services.plan_publish(actor=actor, plan=plan),
    "item_create": lambda cast, plan, item, actor: services.item_create(
        actor=actor, plan=plan, title="T", owner="O", due_on=TODAY, goal=Goal.ENGAGEMENT
    ),
    "item_update": lambda cast, plan, item, actor: services.item_update(
        actor=actor, item=item, title="T2", owner="O", due_on=TODAY, goal=Goal.ENGAGEMENT, description="",
        reason="Re-scoped",
    ),  # fmt: skip
    "progress_update_add": lambda cast, plan, item, actor: services.progress_update_add(
        actor=actor, item=item, status=ItemStatus.IN_PROGRESS, rag=Rag.AMBER, note="Meeting held"
    ),
    "lesson_record": lambda cast, plan, item, actor: services.lesson_record(
        actor=actor, network=cast.network, title="L", text="Agree dates early"
    ),
    "activity_record": lambda cast, plan, item, actor: services.activity_record(
        actor=actor, network=cast.network, held_on=TODAY, kind=ActivityKind.EVENT, title="Webinar",
        people_reached=40, summary="Users asked for aligned dates",
    ),  # fmt: skip
}


@pytest.mark.django_db
@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(cast, plan, item, write, role, django_user_model):
    actor = actor_for(cast, role, django_user_model)
    before = counts()

    if WRITERS.get(role):
        WRITES[write](cast, plan, item, actor)
    else:
        with pytest.raises(PermissionDenied, match="Only the leads of Urgent and emergency care"):
            WRITES[write](cast, plan, item, actor)
        assert counts() == before


@pytest.mark.django_db
def test_progress_update_moves_the_item_and_keeps_history(cast, item):
    services.progress_update_add(actor=cast.lead, item=item, status=ItemStatus.COMPLETE, rag=Rag.GREEN,
                                 note="Both releases now on the second Thursday")  # fmt: skip

    item.refresh_from_db()
    assert (item.status, item.rag, item.completed_on) == (ItemStatus.COMPLETE, Rag.GREEN, TODAY)
    latest = item.history.first()
    assert (latest.history_user, latest.history_change_reason) == (cast.lead, "Progress: Complete")


@pytest.mark.django_db
def test_overdue_items(cast, plan):
    def make(due, status=ItemStatus.IN_PROGRESS):
        return ActionItem.objects.create(plan=plan, title=f"Item {due} {status}", owner="o", due_on=due,
                                         goal=Goal.HARMONISE, status=status,
                                         completed_on=due if status == ItemStatus.COMPLETE else None)  # fmt: skip

    late = make(TODAY - timedelta(days=1))
    make(TODAY)
    make(TODAY - timedelta(days=5), ItemStatus.COMPLETE)
    make(TODAY - timedelta(days=5), ItemStatus.DROPPED)
    blocked = make(TODAY - timedelta(days=30), ItemStatus.BLOCKED)

    assert set(ActionItem.objects.overdue(TODAY)) == {late, blocked}
    assert late.is_overdue(TODAY) and not late.is_overdue(TODAY - timedelta(days=1))
    services.plan_publish(actor=cast.lead, plan=plan)  # the counts are the current (published) plan's
    summary = next(s for s in network_summaries(TODAY) if s.network == cast.network)
    assert summary.overdue_items == 2
    assert summary.items_by_status["complete"] == 1


@pytest.mark.django_db
def test_publishing_needs_items_and_then_shows_changes_publicly(cast, plan):
    with pytest.raises(ValidationError, match=messages.PLAN_HAS_NO_ITEMS):
        services.plan_publish(actor=cast.lead, plan=plan)

    item = services.item_create(actor=cast.lead, plan=plan, title="Harmonise emergency admission definition",
                                owner="EHSSG definitions group", due_on=date(2027, 9, 30), goal=Goal.HARMONISE)  # fmt: skip
    services.plan_publish(actor=cast.lead, plan=plan)
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        services.item_update(actor=cast.lead, item=item, title=item.title, owner=item.owner,
                             due_on=date(2027, 12, 31), goal=item.goal, description="", reason="Consultation extended")  # fmt: skip

    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED
    assert published_plan(cast.network) == plan
    history = plan_public_history(plan)
    assert history[0]["why"] == "Consultation extended"
    assert history[0]["what"] == "Harmonise emergency admission definition"
    with pytest.raises(ValidationError, match=messages.ALREADY_PUBLISHED):
        services.plan_publish(actor=cast.lead, plan=plan)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("call", "field", "message"),
    [
        (lambda c, p, i: services.plan_create(actor=c.lead, network=c.network, title="  "), "title",
         messages.TITLE_REQUIRED),
        (lambda c, p, i: services.item_create(actor=c.lead, plan=p, title="T", owner="", due_on=TODAY,
                                              goal=Goal.ENGAGEMENT), "owner", messages.OWNER_REQUIRED),
        (lambda c, p, i: services.progress_update_add(actor=c.lead, item=i, status=ItemStatus.BLOCKED,
                                                      rag=Rag.RED, note=""), "note", messages.NOTE_REQUIRED),
        (lambda c, p, i: services.progress_update_add(actor=c.lead, item=i, status=ItemStatus.BLOCKED,
                                                      rag=Rag.RED, note="x", written_on=TODAY + timedelta(days=1)),
         "written_on", messages.UPDATE_IN_FUTURE),
        (lambda c, p, i: services.lesson_record(actor=c.lead, network=c.network, title="T", text=" "), "text",
         messages.TEXT_REQUIRED),
        (lambda c, p, i: services.activity_record(actor=c.lead, network=c.network, held_on=TODAY, kind="event",
                                                  title="T", people_reached=-1, summary="s"), "people_reached",
         messages.PEOPLE_NEGATIVE),
        (lambda c, p, i: services.activity_record(actor=c.lead, network=c.network,
                                                  held_on=TODAY + timedelta(days=2), kind="event", title="T",
                                                  people_reached=1, summary="s"), "held_on",
         messages.ACTIVITY_IN_FUTURE),
        (lambda c, p, i: services.item_create(actor=c.lead, plan=p, title="T", owner="o", due_on=TODAY,
                                              goal="world_peace"), "goal", None),
    ],
)  # fmt: skip
def test_bad_input_is_refused_and_nothing_saved(cast, plan, item, call, field, message):
    before = counts()
    history_before = ActionItem.history.count()

    with pytest.raises(ValidationError) as error:
        call(cast, plan, item)

    assert field in error.value.message_dict
    if message:
        assert error.value.message_dict[field] == [message]
    assert counts() == before
    assert ActionItem.history.count() == history_before


@pytest.mark.django_db
def test_lessons_are_searchable_across_networks(cast):
    services.lesson_record(actor=cast.lead, network=cast.network, title="Agree dates a quarter ahead",
                           text="Coordinating with ONS early avoided two clashes.", tags="dates, coordination")  # fmt: skip
    services.lesson_record(actor=cast.other_lead, network=cast.other_network, title="Publish definitions",
                           text="A shared glossary cut user queries by half.", tags="definitions")  # fmt: skip

    assert [lesson.title for lesson in lessons_search("dates")] == ["Agree dates a quarter ahead"]
    assert [lesson.title for lesson in lessons_search("GLOSSARY")] == ["Publish definitions"]
    assert [lesson.title for lesson in lessons_search("ons clashes")] == ["Agree dates a quarter ahead"]
    assert lessons_search("").count() == 2
    assert lessons_search("nothing-like-this").count() == 0


def _plan_with_an_item(cast, title):
    plan = services.plan_create(actor=cast.lead, network=cast.network, title=title)
    services.item_create(actor=cast.lead, plan=plan, title=f"Action of {title}", owner="Team",
                         due_on=date(2027, 9, 30), goal=Goal.ALIGN_DATES)  # fmt: skip
    return plan


@pytest.mark.django_db
def test_publishing_supersedes_the_current_plan_and_keeps_its_progress(cast):
    first = _plan_with_an_item(cast, "Plan 2026")
    services.plan_publish(actor=cast.lead, plan=first, at=NOW - timedelta(days=300))
    services.progress_update_add(actor=cast.lead, item=first.items.get(), status=ItemStatus.IN_PROGRESS,
                                 rag=Rag.AMBER, note="Half done")  # fmt: skip
    second = _plan_with_an_item(cast, "Plan 2027")

    services.plan_publish(actor=cast.lead, plan=second)

    first.refresh_from_db()
    assert (first.status, first.superseded_at, first.superseded_by) == (PlanStatus.SUPERSEDED, NOW, second)
    assert first.version == 3 and first.history.first().history_change_reason == "Superseded by Plan 2027"
    assert published_plan(cast.network) == second
    assert [p.title for p in earlier_plans(cast.network)] == ["Plan 2026"]
    assert first.items.get().updates.get().note == "Half done"
    assert set(ActionPlan.objects.visible_to(None)) == {first, second}
    with pytest.raises(ValidationError, match=messages.ALREADY_PUBLISHED):
        services.plan_publish(actor=cast.lead, plan=first)


@pytest.mark.django_db
def test_publishing_in_the_past_slots_the_plan_into_the_sequence(cast):
    """Imports and the demo play the past through the services: the newest publication stays the current plan."""
    current = _plan_with_an_item(cast, "Plan 2027")
    services.plan_publish(actor=cast.lead, plan=current, at=NOW - timedelta(days=10))
    oldest = _plan_with_an_item(cast, "Plan 2025")
    services.plan_publish(actor=cast.lead, plan=oldest, at=NOW - timedelta(days=700))
    middle = _plan_with_an_item(cast, "Plan 2026")
    services.plan_publish(actor=cast.lead, plan=middle, at=NOW - timedelta(days=300))

    plans = {p.title: p for p in ActionPlan.objects.all()}
    assert published_plan(cast.network) == current and plans["Plan 2027"].status == PlanStatus.PUBLISHED
    assert (plans["Plan 2026"].superseded_by, plans["Plan 2026"].superseded_at) == (current, NOW - timedelta(days=10))
    assert (plans["Plan 2025"].superseded_by, plans["Plan 2025"].superseded_at) == (middle, NOW - timedelta(days=300))


@pytest.mark.django_db
def test_the_database_keeps_one_current_plan_per_network(cast):
    first = _plan_with_an_item(cast, "Plan 2026")
    services.plan_publish(actor=cast.lead, plan=first)
    second = _plan_with_an_item(cast, "Plan 2027")

    with pytest.raises(IntegrityError), transaction.atomic():
        ActionPlan.objects.filter(pk=second.pk).update(status=PlanStatus.PUBLISHED, published_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionPlan.objects.filter(pk=first.pk).update(status=PlanStatus.SUPERSEDED)  # superseded needs its time


@pytest.mark.django_db
def test_network_summaries_count_only_the_current_plan(cast):
    old = _plan_with_an_item(cast, "Plan 2026")
    services.plan_publish(actor=cast.lead, plan=old, at=NOW - timedelta(days=300))
    services.progress_update_add(actor=cast.lead, item=old.items.get(), status=ItemStatus.COMPLETE, rag=Rag.GREEN,
                                 note="Done")  # fmt: skip
    new = _plan_with_an_item(cast, "Plan 2027")
    services.plan_publish(actor=cast.lead, plan=new)
    _plan_with_an_item(cast, "Draft 2028")

    summary = network_summary(cast.network, TODAY)

    assert summary.items_by_status == {"not_started": 1, "in_progress": 0, "complete": 0, "blocked": 0, "dropped": 0}
    assert next(s for s in network_summaries(TODAY) if s.network == cast.network) == summary

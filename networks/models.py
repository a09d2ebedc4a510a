"""Topic networks: groups of producers and people working on one topic (cancer, mental health, ...).

Action plans, progress updates, lessons and engagement records hang off a network (a later part of the platform); the
release register needs the network itself so releases and series can say which networks they serve.
"""

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from ehssg.models import HistoryWithRequestId

from .choices import CLOSED_ITEM_STATUSES, PUBLIC_PLAN_STATUSES, ActivityKind, Goal, ItemStatus, PlanStatus, Rag


class TopicNetworkQuerySet(models.QuerySet["TopicNetwork"]):
    def led_by(self, user: Any) -> "TopicNetworkQuerySet":
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(leads=user)


class TopicNetwork(models.Model):
    """A topic network of the EHSSG: who leads it, which producers and people belong to it."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    leads = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="led_networks")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="member_networks")
    member_producers = models.ManyToManyField("releases.Producer", blank=True, related_name="networks")
    max_major_releases_per_day = models.PositiveSmallIntegerField(
        default=2, help_text="More accredited or official releases than this on one day is a clash."
    )

    history = HistoricalRecords(
        m2m_fields=[leads, member_producers], bases=[HistoryWithRequestId], m2m_bases=[HistoryWithRequestId]
    )
    objects = TopicNetworkQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("networks:detail", kwargs={"slug": self.slug})


class ActionPlanQuerySet(models.QuerySet["ActionPlan"]):
    def visible_to(self, user: Any) -> "ActionPlanQuerySet":
        """Published plans for everyone; drafts for the network's members and leads, the secretariat and OSR."""
        from ehssg.roles import roles_of

        roles = roles_of(user)
        if roles.secretariat or roles.osr:
            return self
        return self.filter(
            Q(status__in=PUBLIC_PLAN_STATUSES) | Q(network_id__in=roles.lead_of | roles.member_of)
        )


class ActionPlan(models.Model):
    """A network's action plan. Once published it is public, and every later change is public history.

    A network has at most one published (current) plan: publishing another marks it superseded, and a superseded
    plan stays public with its actions and their progress (``networks.services.plan_publish``).
    """

    network = models.ForeignKey(TopicNetwork, on_delete=models.PROTECT, related_name="plans")
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes",
        help_text="The plan whose publication replaced this one.",
    )  # fmt: skip
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # Bumped by every service write: the API's ETag, so a stale client cannot overwrite a newer change.
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(bases=[HistoryWithRequestId])
    objects = ActionPlanQuerySet.as_manager()

    class Meta:
        ordering = ["network__name", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=PlanStatus.DRAFT) | Q(published_at__isnull=False),
                name="actionplan_published_has_time",
            ),
            models.CheckConstraint(
                condition=(Q(status=PlanStatus.SUPERSEDED) & Q(superseded_at__isnull=False))
                | (~Q(status=PlanStatus.SUPERSEDED) & Q(superseded_at__isnull=True)),
                name="actionplan_superseded_has_time",
            ),
            models.UniqueConstraint(
                fields=["network"], condition=Q(status=PlanStatus.PUBLISHED), name="actionplan_one_current_per_network"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("networks:plan", kwargs={"slug": self.network.slug, "pk": self.pk})


class ActionItemQuerySet(models.QuerySet["ActionItem"]):
    def visible_to(self, user: Any) -> "ActionItemQuerySet":
        """Actions of the plans the person may see."""
        return self.filter(plan__in=ActionPlan.objects.visible_to(user))

    def overdue(self, today: date) -> "ActionItemQuerySet":
        """Due date passed and neither complete nor dropped: derived, never stored."""
        return self.filter(due_on__lt=today).exclude(status__in=CLOSED_ITEM_STATUSES)


class ActionItem(models.Model):
    """One thing a network will do, who owns it, by when, and which EHSSG goal it serves."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.PROTECT, related_name="items")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.CharField(max_length=200, help_text="The person or team responsible.")
    due_on = models.DateField()
    goal = models.CharField(max_length=20, choices=Goal.choices)
    status = models.CharField(max_length=12, choices=ItemStatus.choices, default=ItemStatus.NOT_STARTED)
    rag = models.CharField(max_length=5, choices=Rag.choices, default=Rag.GREEN)
    completed_on = models.DateField(null=True, blank=True)
    # Bumped by every service write: the API's ETag, so a stale client cannot overwrite a newer change.
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(bases=[HistoryWithRequestId])
    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ItemStatus.COMPLETE) | Q(completed_on__isnull=False),
                name="actionitem_complete_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today: date) -> bool:
        return self.due_on < today and self.status not in CLOSED_ITEM_STATUSES


class ProgressUpdate(models.Model):
    """A dated note on an action item, with the status it moved to."""

    item = models.ForeignKey(ActionItem, on_delete=models.PROTECT, related_name="updates")
    written_on = models.DateField()
    status = models.CharField(max_length=12, choices=ItemStatus.choices)
    rag = models.CharField(max_length=5, choices=Rag.choices)
    note = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    history = HistoricalRecords(bases=[HistoryWithRequestId])

    class Meta:
        ordering = ["-written_on", "-pk"]
        constraints = [models.CheckConstraint(condition=~Q(note=""), name="progressupdate_has_note")]

    def __str__(self) -> str:
        return f"{self.item}: {self.get_status_display()} on {self.written_on}"


class Lesson(models.Model):
    """A lesson learned or a piece of good practice, shared across networks."""

    network = models.ForeignKey(TopicNetwork, on_delete=models.PROTECT, related_name="lessons")
    title = models.CharField(max_length=200)
    text = models.TextField()
    tags = models.CharField(max_length=300, blank=True, help_text="Comma-separated, for example: dates, definitions")
    recorded_on = models.DateField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords(bases=[HistoryWithRequestId])

    class Meta:
        ordering = ["-recorded_on", "title"]

    def __str__(self) -> str:
        return self.title

    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]


class EngagementActivity(models.Model):
    """Something a network did with users: an event, a consultation, a survey, feedback received."""

    network = models.ForeignKey(TopicNetwork, on_delete=models.PROTECT, related_name="activities")
    held_on = models.DateField()
    kind = models.CharField(max_length=15, choices=ActivityKind.choices)
    title = models.CharField(max_length=200)
    people_reached = models.PositiveIntegerField()
    summary = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords(bases=[HistoryWithRequestId])

    class Meta:
        ordering = ["-held_on", "title"]
        verbose_name_plural = "engagement activities"

    def __str__(self) -> str:
        return self.title

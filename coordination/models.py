"""What the coordination engines keep: days to avoid, declared relations between releases, and the flags they raise.

These models moved here from the release register (issue 15); each keeps its table (``db_table``) and its history
table, so no row moved. The migrations move only Django's idea of which app owns them (``SeparateDatabaseAndState``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from ehssg.models import HistoryWithRequestId
from releases.models import Release, ReleaseSeries

from .choices import FlagKind, FlagStatus, RelationKind, Severity


class AvoidDate(models.Model):
    """Days the EHSSG, or one topic network, asks producers not to publish on (a Budget, a pre-election period)."""

    starts_on = models.DateField()
    ends_on = models.DateField()
    network = models.ForeignKey(
        "networks.TopicNetwork",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="avoid_dates",
        help_text="Leave empty for a day every network should avoid.",
    )
    reason = models.CharField(max_length=200)

    history = HistoricalRecords(bases=[HistoryWithRequestId], table_name="releases_historicalavoiddate")

    class Meta:
        db_table = "releases_avoiddate"
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="avoiddate_range_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.reason} ({self.starts_on:%d %b %Y})"


class ReleaseRelation(models.Model):
    """Two releases declared related (publish together) or coordinated (the same day is agreed, not a clash)."""

    kind = models.CharField(max_length=12, choices=RelationKind.choices)
    first = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="+")
    second = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    history = HistoricalRecords(bases=[HistoryWithRequestId], table_name="releases_historicalreleaserelation")

    class Meta:
        db_table = "releases_releaserelation"
        constraints = [
            models.UniqueConstraint(fields=["kind", "first", "second"], name="releaserelation_unique"),
            models.CheckConstraint(condition=Q(first__lt=models.F("second")), name="releaserelation_ordered_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.first_id} and {self.second_id}"


class Flag(models.Model):
    """Something the engines found that a person should look at: a clash, a duplicate, a breach of the Code ...

    ``key`` names the finding (kind and the things it is about), so a rescan finds the same flag again instead of
    raising a new one; ``facts_hash`` says what the finding rested on, so a settled flag opens again only when the
    facts change.
    """

    kind = models.CharField(max_length=20, choices=FlagKind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.WARNING)
    key = models.CharField(max_length=200, unique=True)
    network = models.ForeignKey(
        "networks.TopicNetwork", null=True, blank=True, on_delete=models.PROTECT, related_name="flags"
    )
    series = models.ForeignKey(ReleaseSeries, null=True, blank=True, on_delete=models.PROTECT, related_name="flags")
    releases = models.ManyToManyField(Release, blank=True, related_name="flags", db_table="releases_flag_releases")
    explanation = models.TextField()
    facts = models.JSONField(default=dict)
    facts_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    is_current = models.BooleanField(default=True, help_text="Whether the engines still find this.")
    raised_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    settled_at = models.DateTimeField(null=True, blank=True)
    settle_reason = models.TextField(blank=True)

    # The releases a flag concerns are kept in ``facts`` too, so each history row says what it was about.
    history = HistoricalRecords(bases=[HistoryWithRequestId], table_name="releases_historicalflag")

    class Meta:
        db_table = "releases_flag"
        ordering = ["-raised_at", "pk"]
        indexes = [
            models.Index(fields=["status", "kind"], name="flag_status_kind_idx"),
            models.Index(fields=["network", "status"], name="flag_network_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=[FlagStatus.RESOLVED, FlagStatus.DISMISSED])
                | (Q(settled_at__isnull=False) & ~Q(settle_reason="")),
                name="flag_settled_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.explanation[:60]}"

    def get_absolute_url(self) -> str:
        return reverse("flag-detail", kwargs={"pk": self.pk})

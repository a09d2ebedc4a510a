"""Quarterly progress reports to OSR: figures frozen as at the quarter's end, with the secretariat's commentary.

Once issued a report never changes. The services refuse; so do ``save()``, ``delete()`` and the queryset's bulk
``update()``/``delete()`` (a guard for the admin, the shell and any future code path), and the admin shows it read-only.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from ehssg.models import HistoryWithRequestId
from ehssg.roles import roles_of

from . import messages
from .choices import ReportStatus
from .quarters import Quarter


class ProgressReportQuerySet(models.QuerySet["ProgressReport"]):
    def issued(self) -> ProgressReportQuerySet:
        return self.filter(status=ReportStatus.ISSUED)

    def visible_to(self, user: Any) -> ProgressReportQuerySet:
        """Issued reports are public; drafts are for the secretariat and OSR."""
        roles = roles_of(user)
        if roles.secretariat or roles.osr:
            return self.all()
        return self.issued()

    def update(self, **kwargs: Any) -> int:
        if self.filter(status=ReportStatus.ISSUED).exists():
            raise ValidationError(messages.REPORT_ISSUED)
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(status=ReportStatus.ISSUED).exists():
            raise ValidationError(messages.REPORT_ISSUED)
        return super().delete()


class ProgressReport(models.Model):
    """The progress report to OSR for one quarter: frozen figures plus commentary; immutable once issued."""

    quarter = models.CharField(max_length=7, unique=True, help_text="For example 2026-Q1.")
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    commentary = models.TextField(blank=True)
    figures = models.JSONField(default=dict, help_text="The figures as computed at drafting, never recomputed.")
    as_of = models.DateTimeField(help_text="The moment the figures describe: the end of the quarter.")
    computed_at = models.DateTimeField()
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords(bases=[HistoryWithRequestId])
    objects = ProgressReportQuerySet.as_manager()

    class Meta:
        ordering = ["-quarter"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ReportStatus.DRAFT) | (Q(issued_at__isnull=False) & Q(issued_by__isnull=False)),
                name="progressreport_issued_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=Q(status=ReportStatus.DRAFT) | ~Q(commentary=""),
                name="progressreport_issued_has_commentary",
            ),
        ]

    def __str__(self) -> str:
        return f"Progress report for {self.period}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A guard, not a rule: the services decide; this only stops any path from rewriting an issued report.
        if self.pk is not None and type(self).objects.filter(pk=self.pk, status=ReportStatus.ISSUED).exists():
            raise ValidationError(messages.REPORT_ISSUED)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("progress:report", kwargs={"quarter": self.quarter})

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.pk is not None and type(self).objects.filter(pk=self.pk, status=ReportStatus.ISSUED).exists():
            raise ValidationError(messages.REPORT_ISSUED)
        return super().delete(*args, **kwargs)

    @property
    def period(self) -> str:
        quarter = Quarter.parse(self.quarter)
        return quarter.label if quarter else self.quarter

    @property
    def digest(self) -> str:
        """A fingerprint of what issuing would publish (commentary and figures): the preview carries it, and
        ``report_issue`` refuses if the report changed since the preview was shown."""
        content = json.dumps([self.quarter, self.commentary, self.figures, self.as_of.isoformat()], sort_keys=True)
        return hashlib.sha256(content.encode()).hexdigest()

    @property
    def is_issued(self) -> bool:
        return self.status == ReportStatus.ISSUED

"""The Health Data Lab's records in the web database: organisations, requests, agreements, uploads, the audit trail.

Nothing here is person-level. A cohort's rows are pseudonymised on arrival and kept as Parquet files under
``DATALAB_DATA_DIR`` (datalab/store.py), read only by the lab's workers; the database keeps what a person may read:
counts, link rates, reasons, dates and who did what. The audit trail and the deletion certificates are append-only:
the querysets refuse updates and deletes, the models refuse to save twice, and database triggers refuse UPDATE and
DELETE on both databases (migration 0002).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from ehssg.models import HistoryWithHttpRequestId, HistoryWithRequestId

from . import messages
from .choices import AgeGroup, LawfulBasis, Measure, Outcome, RequestState, SpecialCategoryCondition
from .querysets import AnalysisRunQuerySet, AppendOnlyQuerySet, DataLabRequestQuerySet, OrganisationQuerySet
from .states import Actor, Step


class Organisation(models.Model):
    """A charity or other voluntary-sector organisation that asks the lab about its programmes.

    Its members see its requests and only its requests (``DataLabRequest.objects.visible_to``).
    """

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    charity_number = models.CharField(
        max_length=20, blank=True, help_text="Registered charity number (Charity Commission), where it has one."
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="datalab_organisations")

    history = HistoricalRecords(m2m_fields=[members], bases=[HistoryWithRequestId], m2m_bases=[HistoryWithRequestId])
    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NationalExtract(models.Model):
    """A vintage of the national hospital extract the lab links to: where it is, what it covers, how big it is.

    Only this description is in the web database (the eligibility checks read the coverage); the person-level files
    are under ``DATALAB_DATA_DIR`` and only the lab's workers open them. One extract is current at a time.
    """

    vintage = models.CharField(max_length=80, unique=True)
    folder = models.CharField(max_length=300, help_text="Folder of the Parquet files, relative to DATALAB_DATA_DIR.")
    coverage_start = models.DateField()
    coverage_end = models.DateField()
    persons = models.PositiveBigIntegerField()
    generator_version = models.CharField(max_length=20, blank=True)
    registered_at = models.DateTimeField()
    current = models.BooleanField(default=False)

    history = HistoricalRecords(bases=[HistoryWithRequestId])

    class Meta:
        ordering = ["-registered_at"]
        constraints = [
            models.UniqueConstraint(fields=["current"], condition=Q(current=True), name="nationalextract_one_current"),
            models.CheckConstraint(
                condition=Q(coverage_end__gt=F("coverage_start")), name="nationalextract_coverage_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.vintage


class BaseRate(models.Model):
    """A national figure of hospital use over one reference year, by outcome and age group: the power check's input.

    Aggregates over thousands of people, computed by the lab's worker from the extract (datalab/base_rates.py).
    """

    extract = models.ForeignKey(NationalExtract, on_delete=models.PROTECT, related_name="base_rates")
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    age_group = models.CharField(max_length=10, choices=AgeGroup.choices)
    people = models.PositiveBigIntegerField()
    rate = models.FloatField(help_text="Share of people with at least one in the year.")
    mean = models.FloatField(help_text="Events (or nights) per person in the year.")
    variance = models.FloatField(help_text="Variance of events (or nights) per person.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["extract", "outcome", "age_group"], name="baserate_one_per_group"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}, {self.get_age_group_display()}: {self.rate:.1%}"


class DataLabRequest(models.Model):
    """One organisation's request to have one programme evaluated, from application to publication and deletion.

    Its state moves only through datalab/services.py, along the table in datalab/states.py; every step writes an
    ``AuditEntry`` in the same transaction.
    """

    reference = models.CharField(max_length=20, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="requests")
    state = models.CharField(max_length=30, choices=RequestState.choices, default=RequestState.DRAFT)
    state_entered_at = models.DateTimeField()

    programme_name = models.CharField(max_length=200)
    programme_description = models.TextField()
    who_it_helps = models.TextField()
    age_group = models.CharField(max_length=10, choices=AgeGroup.choices, default=AgeGroup.ALL)
    delivery_start = models.DateField(help_text="The first programme start (index) date of the people helped.")
    delivery_end = models.DateField(help_text="The last programme start (index) date of the people helped.")
    expected_people = models.PositiveIntegerField()
    primary_outcome = models.CharField(max_length=30, choices=Outcome.choices)
    primary_measure = models.CharField(max_length=12, choices=Measure.choices, default=Measure.RATE)
    minimal_important_difference = models.DecimalField(
        max_digits=6, decimal_places=1, null=True, blank=True,
        help_text="Per 100 people: the smallest change the organisation would call worthwhile (optional).",
    )  # fmt: skip
    lawful_basis = models.CharField(max_length=30, choices=LawfulBasis.choices)
    special_category_condition = models.CharField(max_length=30, choices=SpecialCategoryCondition.choices)
    privacy_notice_confirmed = models.BooleanField(default=False)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)

    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    output_checker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # Snapshots a person can read later: the checks as they were when the request was submitted or checked.
    eligibility = models.JSONField(default=list, blank=True)
    power = models.JSONField(default=dict, blank=True)
    linkage = models.JSONField(default=dict, blank=True, help_text="Counts only: submitted, linked, reasons.")
    outcome_reasons = models.TextField(blank=True, help_text="Why the request was not feasible, or withdrawn.")
    protocol = models.JSONField(default=dict, blank=True)
    protocol_locked_at = models.DateTimeField(null=True, blank=True)
    retention_until = models.DateField(null=True, blank=True)
    analysis_started_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every service write: the API's ETag, so a stale client cannot overwrite a newer change.
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(bases=[HistoryWithRequestId])
    objects = DataLabRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(delivery_end__gte=F("delivery_start")), name="datalabrequest_delivery_ordered"
            ),
            models.CheckConstraint(
                condition=Q(analyst__isnull=True) | Q(output_checker__isnull=True) | ~Q(analyst=F("output_checker")),
                name="datalabrequest_checker_is_not_analyst",
            ),
            models.CheckConstraint(
                # A draft may be withdrawn (and then closed) without ever having been submitted.
                condition=Q(state__in=[RequestState.DRAFT, RequestState.WITHDRAWN, RequestState.CLOSED])
                | Q(submitted_at__isnull=False),
                name="datalabrequest_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=Q(protocol_locked_at__isnull=True) | ~Q(protocol={}),
                name="datalabrequest_locked_protocol_recorded",
            ),
        ]
        indexes = [models.Index(fields=["state", "state_entered_at"], name="datalabrequest_queue")]

    def __str__(self) -> str:
        return f"{self.reference}: {self.programme_name}"

    def get_absolute_url(self) -> str:
        return reverse("datalab:request", kwargs={"reference": self.reference})


class AgreementAcceptance(models.Model):
    """The data sharing agreement a request's organisation accepted: which version, by whom, when, kept until when.

    No cohort can be uploaded before it exists (datalab/services.py checks the state the signing leads to).
    """

    request = models.OneToOneField(DataLabRequest, on_delete=models.PROTECT, related_name="agreement")
    agreement_version = models.CharField(max_length=20)
    agreement_sha256 = models.CharField(max_length=64, help_text="Digest of the exact text accepted.")
    signatory_name = models.CharField(max_length=200)
    signatory_role = models.CharField(max_length=200)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField()
    retention_until = models.DateField(help_text="The person-level data is deleted on this date at the latest.")

    history = HistoricalRecords(bases=[HistoryWithHttpRequestId])

    def __str__(self) -> str:
        return f"{self.request.reference}: agreement {self.agreement_version}"


class UploadStatus(models.TextChoices):
    RECEIVED = "received", "Received, waiting to be linked"
    LINKED = "linked", "Linked"
    REPLACED = "replaced", "Replaced by a later upload"
    DELETED = "deleted", "Person-level data deleted"


class CohortUpload(models.Model):
    """One cohort file a request's organisation sent, as counts: the rows themselves are pseudonymised on disk.

    ``stored_as`` names the Parquet file of pseudonyms under ``DATALAB_DATA_DIR`` (never a raw identifier); the
    linkage summary is counts and reason codes only.
    """

    request = models.ForeignKey(DataLabRequest, on_delete=models.PROTECT, related_name="uploads")
    number = models.PositiveSmallIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()
    file_format = models.CharField(max_length=4)
    rows = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=UploadStatus.choices, default=UploadStatus.RECEIVED)
    stored_as = models.CharField(max_length=300, blank=True)
    linkage = models.JSONField(default=dict, blank=True)
    linked_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(bases=[HistoryWithHttpRequestId])

    class Meta:
        ordering = ["request", "number"]
        constraints = [
            models.UniqueConstraint(fields=["request", "number"], name="cohortupload_numbered"),
            models.CheckConstraint(
                condition=~Q(status=UploadStatus.DELETED) | Q(deleted_at__isnull=False),
                name="cohortupload_deleted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request.reference} upload {self.number}"


class AppendOnly(models.Model):
    """Rows written once and never changed or removed: the audit trail, deletion certificates.

    The queryset refuses ``update()`` and ``delete()``, a saved row refuses ``save()`` and ``delete()``, and the
    database refuses UPDATE and DELETE with triggers (migration 0002), so neither the admin, the API nor a stray
    script can rewrite what happened.
    """

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionDenied(messages.APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionDenied(messages.APPEND_ONLY)


class AuditEntry(AppendOnly):
    """One thing that happened to a request: who (a person or a task), when, which step, between which states, why."""

    request = models.ForeignKey(DataLabRequest, on_delete=models.PROTECT, related_name="audit_entries")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=200, help_text="The person's name, or the task, at the time.")
    actor_role = models.CharField(max_length=20, choices=Actor.choices)
    step = models.CharField(max_length=30, choices=Step.choices, blank=True)
    event = models.CharField(max_length=40, help_text="What happened, as a code (a step, or e.g. 'edited').")
    from_state = models.CharField(max_length=30, choices=RequestState.choices, blank=True)
    to_state = models.CharField(max_length=30, choices=RequestState.choices, blank=True)
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["request", "at"], name="auditentry_request_at")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.at:%Y-%m-%d %H:%M} {self.event}"


class DeletionCertificate(AppendOnly):
    """Proof that a request's person-level data was deleted: what, when, by which task, and the check afterwards."""

    request = models.ForeignKey(DataLabRequest, on_delete=models.PROTECT, related_name="deletion_certificates")
    deleted_at = models.DateTimeField()
    deleted_by = models.CharField(max_length=200, help_text="The task (or person) that deleted the data.")
    task_id = models.CharField(max_length=100, blank=True)
    ground = models.CharField(max_length=40, help_text="Why now: the retention date, publication, withdrawal ...")
    files = models.JSONField(default=list, help_text="Each file deleted: name, bytes, rows (no contents).")
    verified = models.BooleanField(help_text="The request's folder was checked afterwards and holds nothing.")

    class Meta:
        ordering = ["deleted_at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id} deleted {self.deleted_at:%Y-%m-%d}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for the lab's worker"
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"
    FAILED = "failed", "Failed"


FINAL_RUN_STATUSES = (RunStatus.FINISHED, RunStatus.FAILED)
ACTIVE_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class RunStage(models.TextChoices):
    """Where a run is, as the request page shows it (``AnalysisRun.stage`` holds the value; no choices in the
    database, so a new stage needs no migration)."""

    QUEUED = "queued", "Waiting for the lab's worker"
    LOADING = "loading", "Reading the linked cohort"
    ANALYSING = "analysing", "Matching and estimating"
    DISCLOSURE = "disclosure", "Disclosure control"
    DONE = "done", "Done"


class AnalysisRun(models.Model):
    """One run of a request's locked protocol: its manifest, its raw aggregates (the lab's eyes only), and the
    disclosure-controlled tables that may reach the organisation once an output checker approves them.

    Results are immutable: once a run has finished (or failed) its row never changes again (the model refuses, and a
    database trigger refuses UPDATE and DELETE of a finished run, migration 0004). A re-run is a new version.
    """

    request = models.ForeignKey(DataLabRequest, on_delete=models.PROTECT, related_name="runs")
    version = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=100, blank=True)
    stage = models.CharField(max_length=40, blank=True, help_text="Where a running analysis is (for the page).")
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")
    parameters = models.JSONField(default=dict, help_text="The locked protocol's analysis parameters.")
    manifest = models.JSONField(default=dict, blank=True, help_text="Code version, extract vintage, seed, packages.")
    result = models.JSONField(default=dict, blank=True, help_text="Unrounded aggregates: the lab's people only.")
    fingerprint = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the result's canonical JSON.")
    publishable = models.JSONField(default=dict, blank=True, help_text="After disclosure control, with evidence.")
    feasible = models.BooleanField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="Why a run failed, in words with no person-level data.")

    objects = AnalysisRunQuerySet.as_manager()

    class Meta:
        ordering = ["request", "version"]
        constraints = [
            models.UniqueConstraint(fields=["request", "version"], name="analysisrun_versioned"),
            models.CheckConstraint(
                condition=~Q(status__in=FINAL_RUN_STATUSES) | Q(finished_at__isnull=False),
                name="analysisrun_final_has_time",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="analysisrun_progress_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.request.reference} run {self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and type(self).objects.filter(pk=self.pk, status__in=FINAL_RUN_STATUSES).exists():
            raise PermissionDenied(messages.RUN_IMMUTABLE)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionDenied(messages.RUN_IMMUTABLE)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_RUN_STATUSES

    def stage_label(self) -> str:
        return str(RunStage(self.stage).label) if self.stage in RunStage.values else self.stage


class CheckDecision(models.TextChoices):
    APPROVED = "approved", "Approved for the organisation and publication"
    RETURNED = "returned", "Sent back to the analyst"


class OutputCheck(AppendOnly):
    """An output checker's decision on one run (the two-person rule: never the request's analyst or the person who
    asked for the run), with the automatic checks as the checker saw them."""

    run = models.ForeignKey(AnalysisRun, on_delete=models.PROTECT, related_name="checks")
    checker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    decision = models.CharField(max_length=10, choices=CheckDecision.choices)
    reasons = models.TextField(blank=True)
    automatic_checks = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["decided_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision=CheckDecision.APPROVED) | ~Q(reasons=""), name="outputcheck_return_has_reasons"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run} {self.decision}"


class Report(models.Model):
    """A request's report from its scheduling on: the approved run it shows, its release in the register (the Health
    Data Lab's, official statistics, pre-announced on the public calendar) and when it was published.

    Published once, public for ever: ``published_at`` (not the request's state, which moves on to the data's
    deletion and closing) is what makes the report public. The release's time is the report's time.
    """

    request = models.OneToOneField(DataLabRequest, on_delete=models.PROTECT, related_name="report")
    run = models.ForeignKey(AnalysisRun, on_delete=models.PROTECT, related_name="reports")
    release = models.OneToOneField("releases.Release", on_delete=models.PROTECT, related_name="datalab_report")
    scheduled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scheduled_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(bases=[HistoryWithHttpRequestId])

    class Meta:
        ordering = ["-published_at", "-scheduled_at"]
        indexes = [models.Index(fields=["published_at"], name="datalabreport_published")]

    def __str__(self) -> str:
        return f"{self.request.reference} report"

    def get_absolute_url(self) -> str:
        return reverse("datalab:report", kwargs={"reference": self.request.reference})

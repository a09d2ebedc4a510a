"""The release register: producers, series, releases, date changes and pre-release access.

Every domain model keeps its history (django-simple-history); services set who and why on each change. Invariants that
the database can hold are named constraints, so a bug in a service cannot store an impossible release.
"""

import uuid
from datetime import date, datetime, time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from ehssg.models import HistoryWithRequestId, OneQueryCheckConstraints

from .choices import (
    ChangeStatus,
    Designation,
    Frequency,
    Geography,
    ImportSource,
    Precision,
    ProducerRole,
    State,
)
from .querysets import DateChangeQuerySet, ProducerQuerySet, ReleaseQuerySet, ReleaseSeriesQuerySet

# A stable namespace for release UIDs (UUIDv5 of the slug), shared by pages, feeds and the API.
RELEASE_UID_NAMESPACE = uuid.UUID("6f0c6b9e-2f4b-5a7e-9d1a-3c3e8f6a9b10")


class Producer(models.Model):
    """An organisation that produces official statistics (ONS, NHS England, UKHSA ...)."""

    name = models.CharField(max_length=200, unique=True)
    abbreviation = models.CharField(max_length=20, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    website = models.URLField(blank=True)

    history = HistoricalRecords(bases=[HistoryWithRequestId])
    objects = ProducerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.abbreviation


class ProducerMembership(models.Model):
    """A person's role at a producer: editor (registers releases) or Head of Profession (agrees changes)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="producer_memberships")
    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=ProducerRole.choices)

    history = HistoricalRecords(bases=[HistoryWithRequestId])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "producer", "role"], name="producermembership_unique_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} at {self.producer}"


class ReleaseSeries(models.Model):
    """A recurring statistical output (for example "A&E attendances and emergency admissions")."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120, unique=True)
    producers = models.ManyToManyField(Producer, related_name="series")
    networks = models.ManyToManyField("networks.TopicNetwork", blank=True, related_name="series")
    definitions = models.ManyToManyField("releases.Definition", blank=True, related_name="series")
    frequency = models.CharField(max_length=20, choices=Frequency.choices)
    designation = models.CharField(max_length=30, choices=Designation.choices)
    standard_release_time = models.TimeField(default=time(9, 30))
    alternative_release_time = models.TimeField(
        null=True, blank=True, help_text="A release time other than 9:30am that OSR approved for this series."
    )
    alternative_time_approved_on = models.DateField(null=True, blank=True)
    alternative_time_reference = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords(
        m2m_fields=[producers, networks], bases=[HistoryWithRequestId], m2m_bases=[HistoryWithRequestId]
    )
    objects = ReleaseSeriesQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "release series"
        constraints = [
            models.CheckConstraint(
                condition=Q(alternative_release_time__isnull=True)
                | (Q(alternative_time_approved_on__isnull=False) & ~Q(alternative_time_reference="")),
                name="releaseseries_alternative_time_approved",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def allowed_release_times(self) -> tuple[time, ...]:
        """The times a release of this series may be published at without breaching the Code."""
        times = [time(9, 30)]
        if self.alternative_release_time is not None:
            times.append(self.alternative_release_time)
        return tuple(times)


class Release(OneQueryCheckConstraints, models.Model):
    """One statistical release, from draft to published or cancelled.

    ``state`` is the only lifecycle field; "overdue" and "postponed" are derived by the queryset. A provisional release
    has a window (one or two calendar months); a confirmed or published one has an exact date and time. ``starts_on``
    and ``ends_on`` hold the London calendar days the release may fall on, for every precision, so the calendar filters
    and sorts with one index.
    """

    uid = models.UUIDField(unique=True, editable=False)
    slug = models.SlugField(max_length=120, unique=True)
    series = models.ForeignKey(
        ReleaseSeries, null=True, blank=True, on_delete=models.PROTECT, related_name="releases"
    )
    title = models.CharField(max_length=200)
    summary = models.TextField(max_length=1000, blank=True)
    lead_producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="led_releases")
    joint_producers = models.ManyToManyField(Producer, blank=True, related_name="joint_releases")
    networks = models.ManyToManyField("networks.TopicNetwork", blank=True, related_name="releases")
    definitions = models.ManyToManyField("releases.Definition", blank=True, related_name="releases")
    designation = models.CharField(max_length=30, choices=Designation.choices)
    reference_period_start = models.DateField(null=True, blank=True)
    reference_period_end = models.DateField(null=True, blank=True)
    geography = models.CharField(max_length=20, choices=Geography.choices, default=Geography.ENGLAND)
    lead_statistician_name = models.CharField(max_length=200)
    lead_statistician_email = models.EmailField()
    market_sensitive = models.BooleanField(default=False)

    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    precision = models.CharField(max_length=12, choices=Precision.choices)
    release_at = models.DateTimeField(null=True, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()

    published_url = models.URLField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.TextField(blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    announced_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_in_favour_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces"
    )

    # Calendar clients need a number that rises on each significant change (RFC 5545 SEQUENCE) and the time of the
    # last revision (DTSTAMP); both are set by the services, never by hand.
    sequence = models.PositiveIntegerField(default=0)
    revised_at = models.DateTimeField()
    # Optimistic concurrency for the API: every write bumps it.
    version = models.PositiveIntegerField(default=1)

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Where an imported release came from and its identifier there (a GOV.UK base_path, an ONS /releases/ URI, a
    # page address), so importing the same source again finds it instead of registering it twice.
    # (NULL, not "", when not imported: the unique check then costs no query on every save of every other release.)
    source = models.CharField(max_length=10, choices=ImportSource.choices, blank=True)
    source_identifier = models.CharField(max_length=500, null=True, blank=True)

    history = HistoricalRecords(
        m2m_fields=[joint_producers, networks], bases=[HistoryWithRequestId], m2m_bases=[HistoryWithRequestId]
    )
    objects = ReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "release_at", "title"]
        indexes = [
            models.Index(fields=["state", "starts_on"], name="release_state_starts_idx"),
            models.Index(fields=["starts_on", "ends_on"], name="release_window_idx"),
            models.Index(fields=["lead_producer", "state"], name="release_producer_state_idx"),
            models.Index(fields=["reference_period_start", "reference_period_end"], name="release_refperiod_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=[State.CONFIRMED, State.PUBLISHED]) | Q(precision=Precision.EXACT),
                name="release_confirmed_is_exact",
            ),
            models.CheckConstraint(
                condition=~Q(precision=Precision.EXACT) | Q(release_at__isnull=False),
                name="release_exact_has_time",
            ),
            models.CheckConstraint(
                condition=Q(precision=Precision.EXACT) | Q(release_at__isnull=True),
                name="release_window_has_no_time",
            ),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="release_window_ordered"),
            models.CheckConstraint(
                condition=~Q(state=State.CANCELLED) | (~Q(cancellation_reason="") & Q(cancelled_at__isnull=False)),
                name="release_cancelled_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(state=State.PUBLISHED) | (~Q(published_url="") & Q(published_at__isnull=False)),
                name="release_published_has_url",
            ),
            models.CheckConstraint(
                condition=Q(state=State.DRAFT) | Q(announced_at__isnull=False),
                name="release_announced_has_time",
            ),
            models.CheckConstraint(
                condition=Q(reference_period_start__isnull=True)
                | Q(reference_period_end__isnull=True)
                | Q(reference_period_end__gte=models.F("reference_period_start")),
                name="release_reference_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_in_favour_of__isnull=True) | Q(state=State.CANCELLED),
                name="release_withdrawn_is_cancelled",
            ),
            models.UniqueConstraint(
                fields=["source", "source_identifier"],
                name="release_unique_source_identifier",
                violation_error_message="A release was already imported from this source with this identifier.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("release-detail", kwargs={"slug": self.slug})

    @property
    def producers(self) -> list[Producer]:
        """The lead producer then the joint producers (uses the prefetch cache when there is one)."""
        return [self.lead_producer, *self.joint_producers.all()]

    @property
    def is_announced(self) -> bool:
        return self.state != State.DRAFT

    def release_date(self) -> date:
        return self.starts_on

    def is_due(self, now: datetime | None = None) -> bool:
        """Confirmed and its release time has come: only then can it be marked as published."""
        from django.utils import timezone

        moment = now or timezone.now()
        return self.state == State.CONFIRMED and self.release_at is not None and self.release_at <= moment

    def local_release_at(self) -> datetime | None:
        from zoneinfo import ZoneInfo

        if self.release_at is None:
            return None
        return self.release_at.astimezone(ZoneInfo("Europe/London"))


class DateChange(OneQueryCheckConstraints, models.Model):
    """A change to an announced date: the old and new dates, the reason and who asked and agreed.

    A change to a confirmed date waits for the Head of Profession; it moves the release only once agreed. Agreed
    changes are public for ever.
    """

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="date_changes")
    status = models.CharField(max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING)
    previous_precision = models.CharField(max_length=12, choices=Precision.choices)
    previous_release_at = models.DateTimeField(null=True, blank=True)
    previous_starts_on = models.DateField()
    previous_ends_on = models.DateField()
    new_precision = models.CharField(max_length=12, choices=Precision.choices)
    new_release_at = models.DateTimeField(null=True, blank=True)
    new_starts_on = models.DateField()
    new_ends_on = models.DateField()
    reason = models.TextField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    history = HistoricalRecords(bases=[HistoryWithRequestId])
    objects = DateChangeQuerySet.as_manager()

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="datechange_has_reason"),
            models.CheckConstraint(
                condition=Q(status=ChangeStatus.PENDING) | Q(decided_at__isnull=False),
                name="datechange_decided_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=ChangeStatus.AGREED) | Q(decided_by__isnull=False),
                name="datechange_agreed_has_hop",
            ),
            models.UniqueConstraint(
                fields=["release"],
                condition=Q(status=ChangeStatus.PENDING),
                name="datechange_one_pending_per_release",
            ),
        ]

    def __str__(self) -> str:
        return f"Change to {self.release}: {self.get_status_display()}"

    def previous_wording(self) -> str:
        from .schedule import Schedule

        return Schedule(self.previous_precision, self.previous_starts_on, self.previous_ends_on,
                        self.previous_release_at).wording()  # fmt: skip

    def new_wording(self) -> str:
        from .schedule import Schedule

        return Schedule(self.new_precision, self.new_starts_on, self.new_ends_on, self.new_release_at).wording()


class PreReleaseAccess(models.Model):
    """Someone given the statistics before release, and why (Code of Practice: at most 24 hours before)."""

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="pre_release_access")
    recipient_role = models.CharField(max_length=200)
    organisation = models.CharField(max_length=200)
    justification = models.TextField()
    access_starts_at = models.DateTimeField()
    is_removed = models.BooleanField(default=False)

    history = HistoricalRecords(bases=[HistoryWithRequestId])

    class Meta:
        ordering = ["organisation", "recipient_role"]
        verbose_name = "pre-release access entry"
        verbose_name_plural = "pre-release access entries"
        constraints = [
            models.CheckConstraint(condition=~Q(justification=""), name="prerelease_has_justification"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_role}, {self.organisation}"


class Measure(models.Model):
    """Something statistics count or estimate, for example "emergency admission"."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=120, unique=True)

    history = HistoricalRecords(bases=[HistoryWithRequestId])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Definition(models.Model):
    """One producer's definition of a measure, versioned; harmonised when the EHSSG agreed it for shared use."""

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="definitions")
    text = models.TextField()
    owner = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="definitions")
    version = models.CharField(max_length=20, default="1")
    is_harmonised = models.BooleanField(default=False)
    source_url = models.URLField(blank=True)

    history = HistoricalRecords(bases=[HistoryWithRequestId])

    class Meta:
        ordering = ["measure__name", "owner__name", "version"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "owner", "version"], name="definition_unique_version"),
            models.CheckConstraint(condition=~Q(text=""), name="definition_has_text"),
        ]

    def __str__(self) -> str:
        return f"{self.measure} ({self.owner}, version {self.version})"

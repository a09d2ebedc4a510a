"""Enumerations of e-mail alerts and reminders."""

from django.db import models


class Frequency(models.TextChoices):
    """How often a subscriber hears from us."""

    IMMEDIATE = "immediate", "An email for each change"
    WEEKLY = "weekly", "A weekly email of the next 2 weeks"


class EventKind(models.TextChoices):
    """Something that happened and that people should hear about: one outbox row each."""

    # Changes to a release, sent to matching subscribers.
    ANNOUNCED = "announced", "Release announced"
    CONFIRMED = "confirmed", "Release date confirmed"
    RESCHEDULED = "rescheduled", "Release date changed"
    CANCELLED = "cancelled", "Release cancelled"
    PUBLISHED = "published", "Release published"
    # To one subscriber: confirm the subscription (double opt-in).
    CONFIRM_SUBSCRIPTION = "confirm_subscription", "Confirm your subscription"
    # The weekly look-ahead, to weekly subscribers.
    DIGEST = "digest", "Weekly look-ahead"
    # Reminders to producers.
    REMIND_NO_EXACT_DATE = "remind_no_exact_date", "Provisional release without an exact date"
    REMIND_CHANGE_WAITING = "remind_change_waiting", "Date change waiting for agreement"
    REMIND_OVERDUE = "remind_overdue", "Release overdue"
    REMIND_COVERAGE = "remind_coverage", "Series about to lose 12 months of announcements"


RELEASE_CHANGE_KINDS = (
    EventKind.ANNOUNCED,
    EventKind.CONFIRMED,
    EventKind.RESCHEDULED,
    EventKind.CANCELLED,
    EventKind.PUBLISHED,
)
REMINDER_KINDS = (
    EventKind.REMIND_NO_EXACT_DATE,
    EventKind.REMIND_CHANGE_WAITING,
    EventKind.REMIND_OVERDUE,
    EventKind.REMIND_COVERAGE,
)


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed for good"
    SKIPPED = "skipped", "Not sent: unsubscribed before sending"

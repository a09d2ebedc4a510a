"""E-mail alerts for the public and reminders for producers, sent through a transactional outbox.

``Subscription``: someone's e-mail address and the calendar filter they want to hear about. No account: the address is
confirmed by a signed link (double opt-in) and every e-mail carries a signed one-click unsubscribe link.

``Event`` is the outbox: whatever should be told (a release announced, confirmed, rescheduled, cancelled or published; a
weekly look-ahead; a reminder to a producer; a confirmation link) is written as one row, in the same database
transaction as the change that caused it, under a unique ``key`` so the same occasion is never written twice.
``Delivery`` is one (event, recipient) pair with its own state: workers claim pending deliveries, send them and mark
them sent, so each pair is sent at most once (bar the documented window, docs/decisions/0002-alert-delivery.md) and
retried until it is sent or fails for good.

Subscriptions and deliveries hold personal data (an e-mail address), so they keep no django-simple-history: their own
timestamps say what happened, and an address is not copied into history tables for ever.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from .choices import DeliveryState, EventKind, Frequency


class Subscription(models.Model):
    """An e-mail address and the calendar filter it wants alerts for (producers, networks, designations, keywords)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(max_length=254, help_text="Stored in lower case.")
    producers = models.ManyToManyField("releases.Producer", blank=True, related_name="alert_subscriptions")
    networks = models.ManyToManyField("networks.TopicNetwork", blank=True, related_name="alert_subscriptions")
    designations = models.JSONField(default=list, blank=True)
    keywords = models.CharField(max_length=200, blank=True)
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.IMMEDIATE)
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["email"], name="subscription_email_idx"),
            models.Index(fields=["confirmed_at", "unsubscribed_at"], name="subscription_active_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(unsubscribed_at__isnull=True) | Q(unsubscribed_at__gte=models.F("created_at")),
                name="subscription_unsubscribed_after_created",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True) | Q(confirmed_at__gte=models.F("created_at")),
                name="subscription_confirmed_after_created",
            ),
        ]

    def __str__(self) -> str:
        return f"Subscription {self.pk} ({self.get_frequency_display().lower()})"

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class Event(models.Model):
    """The outbox: one thing to tell people, written in the transaction of the change that caused it.

    ``key`` names the occasion (``release:12:v7:confirmed``, ``digest:2027-01-04``, ``remind_overdue:r12:2027-01-04``),
    so writing the same occasion twice (a task run twice, beat firing late) is refused by the database, not sent twice.
    ``payload`` keeps what was true at the time (old and new date, reason, link), so the e-mail says what happened even
    if the release changes again before it is sent.
    """

    kind = models.CharField(max_length=30, choices=EventKind.choices)
    key = models.CharField(max_length=200, unique=True)
    release = models.ForeignKey(
        "releases.Release", null=True, blank=True, on_delete=models.SET_NULL, related_name="alert_events"
    )
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.CASCADE, related_name="events",
        help_text="For a confirmation e-mail: the one subscription it is for.",
    )  # fmt: skip
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    fanned_out_at = models.DateTimeField(
        null=True, blank=True, help_text="When its deliveries were written; until then a worker will write them."
    )

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["fanned_out_at", "created_at"], name="event_fanout_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.key})"


class Delivery(models.Model):
    """One e-mail of one event to one recipient: a subscription (the public) or a user (producers' reminders).

    The unique constraints make "at most once per (event, recipient)" a property of the database: a second fan-out of
    the same event writes nothing new. ``state`` moves pending → sending → sent, or back to pending with a later
    ``next_attempt_at`` after a passing failure, or to failed (refused for good, or out of attempts).
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="alert_deliveries"
    )
    email = models.EmailField(max_length=254)
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    message_id = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due_idx")]
        constraints = [
            models.UniqueConstraint(fields=["event", "subscription"], name="delivery_once_per_subscription"),
            models.UniqueConstraint(fields=["event", "user"], name="delivery_once_per_user"),
            models.UniqueConstraint(fields=["event", "email"], name="delivery_once_per_address"),
            models.CheckConstraint(
                condition=(Q(subscription__isnull=False) & Q(user__isnull=True))
                | (Q(subscription__isnull=True) & Q(user__isnull=False)),
                name="delivery_has_one_recipient",
            ),
            models.CheckConstraint(
                condition=~Q(state=DeliveryState.SENT) | Q(sent_at__isnull=False), name="delivery_sent_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"Delivery {self.pk} of {self.event.key}: {self.get_state_display()}"

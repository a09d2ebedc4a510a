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

from django.db import models
from django.db.models import Q

from .choices import Frequency


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

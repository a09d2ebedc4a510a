"""Helpers for the alerts tests: confirmed subscriptions made directly, and running what the workers run."""

from django.utils import timezone

from alerts.models import Subscription


def subscription(email, *, producers=(), networks=(), designations=(), keywords="", frequency="immediate",
                 confirmed=True, unsubscribed=False):  # fmt: skip
    now = timezone.now()
    s = Subscription.objects.create(
        email=email, designations=list(designations), keywords=keywords, frequency=frequency, created_at=now,
        confirmed_at=now if confirmed else None, unsubscribed_at=now if unsubscribed else None,
    )  # fmt: skip
    s.producers.set(producers)
    s.networks.set(networks)
    return s


def recipients(outbox):
    return sorted(address for message in outbox for address in message.to)

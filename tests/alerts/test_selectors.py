"""subscriber_count: the engagement figure OSR reads (confirmed, not yet unsubscribed, distinct addresses)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from alerts.models import Subscription
from alerts.selectors import subscriber_count

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=ZoneInfo("UTC"))


def _sub(email: str, *, created: int = 0, confirmed: int | None = None, unsubscribed: int | None = None):
    return Subscription.objects.create(
        email=email,
        created_at=T0 + timedelta(days=created),
        confirmed_at=None if confirmed is None else T0 + timedelta(days=confirmed),
        unsubscribed_at=None if unsubscribed is None else T0 + timedelta(days=unsubscribed),
    )


@pytest.mark.django_db
def test_counts_confirmed_distinct_addresses_at_the_moment_asked():
    _sub("a@example.org", confirmed=1)
    _sub("a@example.org", created=2, confirmed=2)  # a second filter of the same person counts once
    _sub("b@example.org", confirmed=1, unsubscribed=5)
    _sub("c@example.org")  # never confirmed
    _sub("d@example.org", created=3, confirmed=4)

    assert subscriber_count(as_of=T0) == 0
    assert subscriber_count(as_of=T0 + timedelta(days=1)) == 2
    assert subscriber_count(as_of=T0 + timedelta(days=4)) == 3
    assert subscriber_count(as_of=T0 + timedelta(days=5)) == 2
    assert subscriber_count(as_of=T0 + timedelta(days=30)) == 2


@pytest.mark.django_db
def test_naive_moment_is_refused():
    with pytest.raises(ValueError):
        subscriber_count(as_of=datetime(2026, 3, 1))  # noqa: DTZ001

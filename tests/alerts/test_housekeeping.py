"""Data minimisation and the beat schedule."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from alerts import tasks
from alerts.models import Subscription
from alerts.selectors import subscriber_count
from ehssg.celery import app
from tests.alerts.helpers import subscription

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("UTC"))


@pytest.mark.django_db
def test_unconfirmed_addresses_are_forgotten_after_eight_days_and_confirmed_ones_kept():
    with time_machine.travel(NOW, tick=False):
        typed = subscription("typed@example.org", confirmed=False)
        kept = subscription("kept@example.org")
        left = subscription("left@example.org", unsubscribed=True)
    with time_machine.travel(NOW + timedelta(days=7), tick=False):
        assert tasks.forget_unconfirmed() == 0  # its link still works
    with time_machine.travel(NOW + timedelta(days=8, seconds=1), tick=False):
        assert tasks.forget_unconfirmed() == 1
    assert set(Subscription.objects.values_list("pk", flat=True)) == {kept.pk, left.pk}
    assert not Subscription.objects.filter(pk=typed.pk).exists()
    assert subscriber_count(as_of=NOW + timedelta(days=9)) == 1


def test_every_alerts_beat_entry_names_a_registered_task():
    import alerts.tasks  # noqa: F401 - registers the tasks

    entries = {name: e for name, e in settings.CELERY_BEAT_SCHEDULE.items() if name.startswith("alerts-")}
    assert {e["task"] for e in entries.values()} == {
        "alerts.sweep", "alerts.weekly_digest", "alerts.producer_reminders", "alerts.forget_unconfirmed",
    }  # fmt: skip
    assert all(e["task"] in app.tasks for e in entries.values())

"""Retries with backoff, permanent failures, unsubscribing before the send, dead workers' claims, lost task messages."""

import smtplib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from alerts import delivery, tasks
from alerts.choices import DeliveryState
from alerts.models import Delivery, Event
from alerts.services import subscription_unsubscribe
from releases import services
from tests.alerts.helpers import subscription
from tests.factories import ReleaseFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("UTC"))


class FlakyBackend(EmailBackend):
    """locmem, but each send first takes the next failure from ``failures`` (if any)."""

    failures: list[Exception] = []

    def send_messages(self, messages):
        if FlakyBackend.failures:
            raise FlakyBackend.failures.pop(0)
        return super().send_messages(messages)


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = "tests.alerts.test_delivery.FlakyBackend"
    FlakyBackend.failures = []
    return FlakyBackend.failures


def _announce(cast, django_capture_on_commit_callbacks, *emails):
    for email in emails:
        subscription(email, producers=[cast.producer])
    release = ReleaseFactory(lead_producer=cast.producer)
    with django_capture_on_commit_callbacks(execute=True):
        services.release_announce(actor=cast.editor, release=release)
    return release


def test_a_passing_failure_is_retried_later_with_growing_delays(cast, flaky, django_capture_on_commit_callbacks):
    flaky += [smtplib.SMTPServerDisconnected("connection lost"), smtplib.SMTPResponseException(451, b"try later")]
    with time_machine.travel(NOW, tick=False):
        _announce(cast, django_capture_on_commit_callbacks, "reader@example.org")
        d = Delivery.objects.get()
        assert (d.state, d.attempts, d.next_attempt_at) == (DeliveryState.PENDING, 1, NOW + timedelta(minutes=1))
        assert d.last_error == "SMTPServerDisconnected: connection lost"
        assert tasks.sweep()["tried"] == 0  # not due yet
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        assert tasks.sweep()["tried"] == 1
        d.refresh_from_db()
        assert (d.state, d.attempts, d.next_attempt_at) == (DeliveryState.PENDING, 2, NOW + timedelta(minutes=6))
    with time_machine.travel(NOW + timedelta(minutes=6), tick=False):
        tasks.sweep()
    d.refresh_from_db()
    assert (d.state, d.attempts, d.last_error) == (DeliveryState.SENT, 3, "")
    assert [m.to for m in mail.outbox] == [["reader@example.org"]]


def test_an_address_refused_for_good_is_not_tried_again(cast, flaky, django_capture_on_commit_callbacks):
    flaky.append(smtplib.SMTPRecipientsRefused({"gone@example.org": (550, b"5.1.1 No such user")}))
    with time_machine.travel(NOW, tick=False):
        _announce(cast, django_capture_on_commit_callbacks, "gone@example.org")
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        assert tasks.sweep()["tried"] == 0
    d = Delivery.objects.get()
    assert (d.state, d.attempts) == (DeliveryState.FAILED, 1)
    assert "No such user" in d.last_error and mail.outbox == []


def test_after_the_last_attempt_a_delivery_fails(cast, flaky, django_capture_on_commit_callbacks):
    flaky += [smtplib.SMTPServerDisconnected("down")] * delivery.MAX_ATTEMPTS
    with time_machine.travel(NOW, tick=False):
        _announce(cast, django_capture_on_commit_callbacks, "reader@example.org")
    for day in range(1, delivery.MAX_ATTEMPTS + 2):
        with time_machine.travel(NOW + timedelta(days=day), tick=False):
            tasks.sweep()
    d = Delivery.objects.get()
    assert (d.state, d.attempts) == (DeliveryState.FAILED, delivery.MAX_ATTEMPTS)
    assert mail.outbox == []


def test_unsubscribing_before_the_send_skips_the_e_mail(cast, flaky, django_capture_on_commit_callbacks):
    flaky.append(smtplib.SMTPServerDisconnected("down"))
    with time_machine.travel(NOW, tick=False):
        _announce(cast, django_capture_on_commit_callbacks, "reader@example.org")
        subscription_unsubscribe(subscription=Delivery.objects.get().subscription)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        tasks.sweep()
    assert Delivery.objects.get().state == DeliveryState.SKIPPED
    assert mail.outbox == []


def test_a_dead_workers_claim_is_sent_after_the_lease_and_a_live_one_is_left_alone(cast, settings):
    settings.ALERTS_CLAIM_LEASE_SECONDS = 600
    subscription("a@example.org", producers=[cast.producer])
    subscription("b@example.org", producers=[cast.producer])
    with time_machine.travel(NOW, tick=False):
        event = Event.objects.create(kind="announced", key="k", created_at=NOW, release=ReleaseFactory(
            lead_producer=cast.producer, state="provisional", announced_at=NOW), payload={
                "title": "T", "url": "http://x/", "producer": "NHSE", "when": "May 2026 (provisional)",
                "previous": "", "reason": "", "published_url": ""})  # fmt: skip
        assert delivery.fan_out(event.pk) == 2
        assert delivery.fan_out(event.pk) == 0  # a second fan-out writes nothing
        first = delivery.claim_next()  # a worker claims one, then dies
    with time_machine.travel(NOW + timedelta(minutes=9), tick=False):
        second = delivery.claim_next()  # another worker, still within the first one's lease
        assert second.pk != first.pk
        assert delivery.recover_stale_claims() == 0
    with time_machine.travel(NOW + timedelta(minutes=11), tick=False):
        assert delivery.recover_stale_claims() == 1  # the first claim is older than the lease; the second is not
        assert delivery.send_due() == 1
        assert [m.to[0] for m in mail.outbox] == [first.email]
    with time_machine.travel(NOW + timedelta(minutes=20), tick=False):
        assert delivery.recover_stale_claims() == 1  # the second worker died too
        assert delivery.send_due() == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "b@example.org"]
    assert Delivery.objects.filter(state=DeliveryState.SENT).count() == 2
    assert sorted(Delivery.objects.values_list("attempts", flat=True)) == [2, 2]


def test_a_lost_task_message_or_a_broker_outage_is_caught_by_the_sweep(
    cast, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks.dispatch_events, "delay", broker_down)
    with time_machine.travel(NOW, tick=False):
        release = _announce(cast, django_capture_on_commit_callbacks, "reader@example.org")
        release.refresh_from_db()
        assert release.state == "provisional"  # the change committed all the same
        assert Event.objects.get().fanned_out_at is None and mail.outbox == []
        assert tasks.sweep() == {"fanned_out": 1, "recovered": 0, "tried": 1}
    assert [m.to for m in mail.outbox] == [["reader@example.org"]]


class SlowBackend(EmailBackend):
    """locmem, slow enough that workers running side by side interleave."""

    def send_messages(self, messages):
        import time

        time.sleep(0.005)
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_workers_side_by_side_never_send_the_same_delivery_twice(cast, settings):
    """Four workers at once on PostgreSQL (SKIP LOCKED and the conditional claim): every e-mail goes exactly once."""
    import threading

    from django.db import connection, connections

    from tests.conftest import skip_or_fail

    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL (DATABASE_URL) for workers on separate connections at the same time")
    settings.EMAIL_BACKEND = "tests.alerts.test_delivery.SlowBackend"
    for i in range(40):
        subscription(f"reader{i:02d}@example.org", producers=[cast.producer])
    release = ReleaseFactory(lead_producer=cast.producer, state="provisional", announced_at=NOW)
    event = Event.objects.create(kind="announced", key="side-by-side", created_at=NOW, release=release, payload={
        "title": "T", "url": "http://x/", "producer": "NHSE", "when": "May 2026 (provisional)", "previous": "",
        "reason": "", "published_url": ""})  # fmt: skip
    assert delivery.fan_out(event.pk) == 40
    tried: list[int] = []

    def worker():
        try:
            tried.append(delivery.send_due())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(tried) == 40 and len(tried) == 4
    assert sorted(m.to[0] for m in mail.outbox) == [f"reader{i:02d}@example.org" for i in range(40)]
    assert Delivery.objects.filter(state=DeliveryState.SENT, attempts=1).count() == 40

"""No request waits for e-mail: a state change only records the event; matching and sending happen after the response.

On the embedded default (no broker) the local worker thread of alerts/dispatch.py sends; with a broker the request only
enqueues ``alerts.dispatch_events``. ``worker.held()`` keeps the thread from running so a test can look at what the
request left behind, and ``worker.drain()`` is the explicit, synchronous hook that then sends.
"""

from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from alerts import dispatch, tasks
from alerts.choices import DeliveryState
from alerts.models import Delivery, Event
from tests.alerts.helpers import recipients, subscription
from tests.factories import ProvisionalReleaseFactory

NOW = datetime(2027, 3, 1, 10, 0, tzinfo=ZoneInfo("Europe/London"))
READERS = [f"reader{i}@example.org" for i in range(5)]
CONFIRM = {"release_date_day": "14", "release_date_month": "12", "release_date_year": "2027", "release_time": "9:30am"}


@pytest.fixture
def stage(cast):
    for address in READERS:
        subscription(address, producers=[cast.producer])
    subscription("cancer@example.org", networks=[cast.other_network])  # not told: another network
    release = ProvisionalReleaseFactory(lead_producer=cast.producer, starts_on=date(2027, 12, 1),
                                        ends_on=date(2027, 12, 31))  # fmt: skip
    return cast, release


def _confirm(client, cast, release):
    client.force_login(cast.editor)
    response = client.post(reverse("producer:release-confirm", kwargs={"slug": release.slug}), CONFIRM)
    assert response.status_code == 302
    release.refresh_from_db()
    assert release.state == "confirmed"


@pytest.mark.django_db
def test_on_the_embedded_default_the_request_neither_matches_nor_sends(
    client, stage, settings, django_capture_on_commit_callbacks
):
    cast, release = stage
    settings.ALERTS_DISPATCH = ""  # what the embedded default decides: no broker, so the local worker
    assert dispatch.mode() == "thread"
    with time_machine.travel(NOW, tick=False), dispatch.worker.held() as worker:
        with django_capture_on_commit_callbacks(execute=True):
            _confirm(client, cast, release)

        event = Event.objects.get(release=release, kind="confirmed")
        assert mail.outbox == []  # nothing was sent in the request ...
        assert event.fanned_out_at is None and not Delivery.objects.exists()  # ... nor matched
        worker.drain()  # the hook the thread runs, here in the test's thread

    assert recipients(mail.outbox) == READERS
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}
    mail.outbox.clear()
    assert tasks.sweep() == {"fanned_out": 0, "recovered": 0, "tried": 0}  # each went exactly once
    assert mail.outbox == []


@pytest.mark.django_db
def test_with_a_broker_the_request_only_enqueues_the_event(
    client, stage, settings, monkeypatch, django_capture_on_commit_callbacks
):
    cast, release = stage
    settings.ALERTS_DISPATCH = "celery"
    enqueued = []
    monkeypatch.setattr(tasks.dispatch_events, "delay", lambda ids: enqueued.append(ids))
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        _confirm(client, cast, release)

    assert enqueued == [[Event.objects.get(release=release, kind="confirmed").pk]]
    assert mail.outbox == [] and not Delivery.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_local_worker_thread_sends_each_e_mail_once_after_the_response(client, stage, settings):
    """The real thread, on committed rows: it starts on the first commit, sends, and a second round sends nothing."""
    cast, release = stage
    settings.ALERTS_DISPATCH = "thread"
    with time_machine.travel(NOW, tick=True), dispatch.worker.held() as worker:
        _confirm(client, cast, release)  # commits: the on-commit hook queues the event for the thread
        assert mail.outbox == []
        try:
            worker.release()
            assert worker.wait_until_idle(timeout=120), "the local worker did not finish"
        finally:
            worker.stop()

    assert Counter(m.to[0] for m in mail.outbox) == dict.fromkeys(READERS, 1)
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}

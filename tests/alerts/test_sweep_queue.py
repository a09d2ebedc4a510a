"""The sweep never waits behind dispatch tasks: it has a queue of its own, and a worker process of its own consumes it.

Before, a killed worker's claim waited 5.5 minutes because the sweep queued behind dispatch tasks. The recovery bound
written in docs/alerts.md is the claim lease plus one sweep interval; the real-worker test shows it holds with a main
worker stuck mid-send and many dispatch tasks queued behind it (Redis and PostgreSQL, like tests/alerts/test_worker.py).
"""

import re
import signal
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from alerts import delivery, tasks
from alerts.choices import DeliveryState
from alerts.models import Delivery, Event
from ehssg.celery import app
from tests.alerts.helpers import subscription
from tests.alerts.test_worker import _lines, _log, _require_services, _stop, _wait_for, _worker
from tests.factories import ReleaseFactory

ROOT = Path(__file__).resolve().parents[2]
SWEEP_QUEUE = "alerts-sweep"
LEASE_SECONDS = 1  # the workers' lease in these tests (tests/alerts/test_worker.py sets it)
SWEEP_INTERVAL = settings.CELERY_BEAT_SCHEDULE["alerts-sweep"]["schedule"]


def test_the_sweep_is_routed_to_its_own_queue_and_dispatch_is_not():
    router = app.amqp.router
    assert router.route({}, "alerts.sweep")["queue"].name == SWEEP_QUEUE
    assert router.route({}, "alerts.dispatch_events")["queue"].name == app.conf.task_default_queue
    assert settings.CELERY_BEAT_SCHEDULE["alerts-sweep"]["options"]["queue"] == SWEEP_QUEUE


def test_make_worker_starts_a_worker_for_the_sweep_queue_alone_and_one_for_the_rest():
    recipe = re.search(r"^worker:.*?\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.M)
    assert recipe, "Makefile has no worker target"
    commands = recipe.group(1)
    assert f"-Q {SWEEP_QUEUE} " in commands and "-Q celery " in commands


def test_docs_give_the_recovery_bound():
    text = (ROOT / "docs" / "alerts.md").read_text()
    assert "ALERTS_CLAIM_LEASE_SECONDS" in text and "own queue" in text and "lease + 1 minute" in text


def _purge() -> None:
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        for queue in (app.conf.task_default_queue, SWEEP_QUEUE):
            channel.queue_purge(queue)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_dead_workers_claim_is_recovered_within_the_bound_while_dispatch_tasks_wait(cast, tmp_path):
    _require_services()
    _purge()  # messages other tests left on this broker belong to databases that no longer exist
    for i in range(3):
        subscription(f"reader{i}@example.org", producers=[cast.producer])
    release = ReleaseFactory(lead_producer=cast.producer, state="provisional", announced_at=timezone.now())
    event = Event.objects.create(kind="announced", key="sweep-queue", created_at=timezone.now(), release=release,
                                 payload={"title": "T", "url": "http://x/", "producer": "NHSE", "when": "May 2027",
                                          "previous": "", "reason": "", "published_url": ""})  # fmt: skip
    assert delivery.fan_out(event.pk) == 3
    dead = delivery.claim_next()  # a worker claimed it and was killed: the claim is older than the lease
    Delivery.objects.filter(pk=dead.pk).update(claimed_at=timezone.now() - timedelta(seconds=5 * LEASE_SECONDS))
    mailbox = tmp_path / "mailbox.jsonl"

    main = _worker(mailbox, block="before:1", queues="celery")  # stuck for good at its first e-mail
    sweeper = None
    try:
        tasks.dispatch_events.delay([event.pk])
        _wait_for(lambda: Path(f"{mailbox}.blocked").exists() or main.poll() is not None, "the main worker to stick")
        assert main.poll() is None, _log(mailbox, "before:1")
        for _ in range(50):
            tasks.dispatch_events.delay([event.pk])  # queued behind the stuck task, as after a busy import
        sweeper = _worker(mailbox, queues=SWEEP_QUEUE)
        tasks.sweep.delay()  # what beat sends every minute
        # The documented bound: the lease plus one sweep interval, whatever waits in the dispatch queue.
        _wait_for(lambda: Delivery.objects.get(pk=dead.pk).state == DeliveryState.SENT or sweeper.poll() is not None,
                  "the sweep to send the dead worker's claim", timeout=LEASE_SECONDS + SWEEP_INTERVAL)  # fmt: skip
        assert sweeper.poll() is None, _log(mailbox, "", SWEEP_QUEUE)
    finally:
        main.send_signal(signal.SIGKILL)
        main.wait(timeout=30)
        if sweeper is not None:
            _stop(sweeper)
        _purge()
    sent_to = [line["to"][0] for line in _lines(mailbox)]
    assert sent_to.count(dead.email) == 1

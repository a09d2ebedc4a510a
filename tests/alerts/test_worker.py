"""A real Celery worker on Redis and PostgreSQL, killed with SIGKILL in the middle of a batch, then restarted.

The worker runs as a separate process (``celery -A ehssg worker``) with an e-mail backend that records every accepted
message durably (tests/alerts/recording_backend.py) and stops dead at an exact message, so the kill lands where the test
says, not by luck. Needs PostgreSQL (the worker must see the test's committed rows) and Redis; skips without them and
fails where EHSSG_REQUIRE_SERVICES=1.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from alerts import tasks
from alerts.choices import DeliveryState
from alerts.models import Delivery
from releases import services
from tests.alerts.helpers import subscription
from tests.conftest import skip_or_fail
from tests.factories import ReleaseFactory

ROOT = Path(__file__).resolve().parents[2]
SUBSCRIBERS = 12
STOP_AT = 5


def _require_services():
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL.startswith("redis"):
        skip_or_fail("needs CELERY_BROKER_URL pointing at Redis (services.md) for a real worker")
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL (DATABASE_URL): a worker process cannot see an in-memory SQLite test database")
    import redis

    try:
        redis.Redis.from_url(settings.CELERY_BROKER_URL).ping()
    except redis.exceptions.ConnectionError:
        skip_or_fail(f"Redis is not answering at {settings.CELERY_BROKER_URL}")


def _log(mailbox: Path, block: str = "", queues: str = "celery,alerts-sweep") -> str:
    return Path(f"{mailbox}.{block or queues}.log").read_text()[-5000:]


def _worker(mailbox: Path, block: str = "", queues: str = "celery,alerts-sweep") -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.alerts.worker_settings",
        "ALERTS_TEST_DB_NAME": connection.settings_dict["NAME"],
        "ALERTS_TEST_MAILBOX": str(mailbox),
        "ALERTS_TEST_BLOCK": block,
        "ALERTS_CLAIM_LEASE_SECONDS": "1",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "celery", "-A", "ehssg", "worker", "--pool=solo", "--loglevel=WARNING",
               "--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", queues,
               "-n", f"alerts-{uuid.uuid4().hex[:8]}@%h"]  # fmt: skip
    # The log goes to a file, not a pipe: a full pipe would stall the worker. Popen keeps its own copy of the handle.
    with open(f"{mailbox}.{block or queues}.log", "wb") as log:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603 - our argv


def _wait_for(condition, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def _lines(mailbox: Path) -> list[dict]:
    return [json.loads(line) for line in mailbox.read_text().splitlines()] if mailbox.exists() else []


def _stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("moment", ["before", "after"])
def test_a_worker_killed_mid_batch_and_restarted_sends_the_rest(cast, tmp_path, moment):
    """Killed before the server accepts message 5: every subscriber gets exactly one e-mail after the restart.

    Killed after the server accepted message 5 but before the worker could record it: that one e-mail goes twice, with
    the same Message-ID, and nothing else does. This is the window docs/decisions/0002-alert-delivery.md describes.
    """
    _require_services()
    from ehssg.celery import app

    app.control.purge()  # messages other tests left on this broker belong to databases that no longer exist
    addresses = [f"reader{i:02d}@example.org" for i in range(SUBSCRIBERS)]
    for address in addresses:
        subscription(address, producers=[cast.producer])
    release = ReleaseFactory(lead_producer=cast.producer, title="A&E attendances")
    mailbox = tmp_path / "mailbox.jsonl"

    first = _worker(mailbox, block=f"{moment}:{STOP_AT}")
    try:
        services.release_announce(actor=cast.editor, release=release)  # commits; enqueues alerts.dispatch_events
        _wait_for(
            lambda: Path(f"{mailbox}.blocked").exists() or first.poll() is not None,
            "the worker to reach e-mail 5",
            timeout=40,
        )
        assert first.poll() is None, _log(mailbox, f"{moment}:{STOP_AT}")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    except BaseException:
        first.kill()
        print("worker log:", _log(mailbox, f"{moment}:{STOP_AT}"), "mail:", _lines(mailbox),
              list(Delivery.objects.values_list("state", flat=True)))  # fmt: skip
        raise
    finally:
        if first.poll() is None:
            first.kill()
    accepted = STOP_AT if moment == "after" else STOP_AT - 1
    assert len(_lines(mailbox)) == accepted
    states = Counter(Delivery.objects.values_list("state", flat=True))
    assert states == {DeliveryState.SENT: STOP_AT - 1, DeliveryState.SENDING: 1,
                      DeliveryState.PENDING: SUBSCRIBERS - STOP_AT}  # fmt: skip

    second = _worker(mailbox)
    try:
        # Beat would run the sweep within a minute; the test asks at once, once the dead worker's 1 s lease is over.
        _wait_for(lambda: not Delivery.objects.filter(state=DeliveryState.SENDING,
                                                      claimed_at__gt=timezone.now() - timedelta(seconds=1.5)).exists(),
                  "the lease to run out")  # fmt: skip
        tasks.sweep.delay()
        _wait_for(lambda: not Delivery.objects.exclude(state=DeliveryState.SENT).exists() or second.poll() is not None,
                  "the restarted worker to send the rest")  # fmt: skip
        assert second.poll() is None, _log(mailbox)
    finally:
        _stop(second)

    lines = _lines(mailbox)
    sent_to = Counter(line["to"][0] for line in lines)
    assert set(sent_to) == set(addresses)
    assert Delivery.objects.filter(state=DeliveryState.SENT).count() == SUBSCRIBERS
    if moment == "before":
        assert len(lines) == SUBSCRIBERS and set(sent_to.values()) == {1}
    else:
        [(twice, n)] = [(address, n) for address, n in sent_to.items() if n > 1]
        assert n == 2 and len(lines) == SUBSCRIBERS + 1
        ids = [line["message_id"] for line in lines if line["to"] == [twice]]
        assert ids[0] == ids[1] == Delivery.objects.get(email=twice).message_id
    assert len({line["message_id"] for line in lines}) == SUBSCRIBERS

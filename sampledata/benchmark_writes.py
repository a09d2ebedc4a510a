"""`manage.py benchmark writes`: how long a producer waits for register, confirm, agree and cancel, with subscribers.

Every action goes through the real request path: Django's test Client with a signed-in person, so middleware, the
view, the form, the service, history, the flag engines and the commit with its on-commit hooks (the alerts outbox)
all count. Actions must commit for on-commit hooks to run, so the benchmark works in a scratch database of its own (a
SQLite file in a temporary folder on the embedded default, ``<name>_benchmark`` on PostgreSQL), created, migrated and
dropped around the run: the real database is never touched. E-mails go to a counting backend that renders each
message fully (as the console or SMTP backend would) and remembers its Message-ID, so the run also shows that every
e-mail went out exactly once.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time as clock
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from releases.choices import ProducerRole
from releases.schedule import LONDON, Schedule

from .benchmarking import TOPICS, percentile, timed

ACTIONS = ("register", "confirm", "agree", "cancel")


class CountingBackend(BaseEmailBackend):
    """Renders every message to bytes, as a real backend must, and keeps its Message-ID (nothing is printed)."""

    lock = threading.Lock()
    sent: list[str] = []

    def send_messages(self, email_messages: Any) -> int:
        for message in email_messages:
            message.message().as_bytes()
            with CountingBackend.lock:
                CountingBackend.sent.append(str(message.extra_headers.get("Message-ID", "")))
        return len(email_messages)


@contextmanager
def scratch_database() -> Iterator[None]:
    """A migrated database of the benchmark's own, dropped afterwards (a file, not memory, on SQLite)."""
    test = connection.settings_dict.setdefault("TEST", {})
    folder = None
    if connection.vendor == "sqlite":
        folder = tempfile.TemporaryDirectory(prefix="ehssg-benchmark-")
        test["NAME"] = str(Path(folder.name) / "writes.sqlite3")
    else:
        test["NAME"] = f"{connection.settings_dict['NAME']}_benchmark"
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        if folder is not None:
            folder.cleanup()


def _subscribers(count: int, *, producer: Any, other: Any, network: Any, other_network: Any) -> int:
    """``count`` confirmed subscribers with the filters people choose; returns how many follow the benchmark's releases.

    A tenth follow everything, a quarter the producer, a quarter the network, a tenth a topic word, a fifth another
    producer or network, a tenth the weekly look-ahead: about 70% hear of each change at once.
    """
    from alerts.models import Subscription

    kinds = ["all"] * 2 + ["producer"] * 5 + ["network"] * 5 + ["keyword"] * 2 + ["other"] * 4 + ["weekly"] * 2
    now = timezone.now()
    rows = Subscription.objects.bulk_create(
        Subscription(email=f"reader{i:05d}@example.org", created_at=now, confirmed_at=now,
                     keywords="attendances" if kinds[i % len(kinds)] == "keyword" else "",
                     frequency="weekly" if kinds[i % len(kinds)] == "weekly" else "immediate")
        for i in range(count)
    )  # fmt: skip
    producers = Subscription.producers.through
    networks = Subscription.networks.through
    producers.objects.bulk_create(
        producers(subscription_id=s.pk, producer_id=(producer if kinds[i % len(kinds)] == "producer" else other).pk)
        for i, s in enumerate(rows)
        if kinds[i % len(kinds)] == "producer" or (kinds[i % len(kinds)] == "other" and i % 2)
    )
    networks.objects.bulk_create(
        networks(subscription_id=s.pk,
                 topicnetwork_id=(network if kinds[i % len(kinds)] == "network" else other_network).pk)
        for i, s in enumerate(rows)
        if kinds[i % len(kinds)] == "network" or (kinds[i % len(kinds)] == "other" and not i % 2)
    )  # fmt: skip
    return sum(1 for i in range(count) if kinds[i % len(kinds)] in ("all", "producer", "network", "keyword"))


def _month(n: int) -> date:
    first = timezone.localdate().replace(day=1)
    year, month = divmod(first.month - 1 + n, 12)
    return date(first.year + year, month + 1, 1)


def _weekday(month: date, n: int) -> date:
    day = month + timedelta(days=2 + n % 20)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


class Stage:
    """The producer, network, people, subscribers and releases the timed requests act on."""

    def __init__(self, *, subscribers: int, requests: int) -> None:
        from networks.models import TopicNetwork
        from releases import services
        from releases.models import Producer, ProducerMembership

        User = get_user_model()
        self.producer = Producer.objects.create(name="Benchmark producer", abbreviation="BENCH", slug="bench-writes")
        other = Producer.objects.create(name="Other producer", abbreviation="OTHER", slug="bench-other")
        self.network = TopicNetwork.objects.create(name="Benchmark network", slug="bench-writes")
        other_network = TopicNetwork.objects.create(name="Other network", slug="bench-other")
        self.network.member_producers.set([self.producer])
        self.editor = User.objects.create_user(username="bench.editor", email="bench.editor@example.org")
        self.hop = User.objects.create_user(username="bench.hop", email="bench.hop@example.org")
        ProducerMembership.objects.create(user=self.editor, producer=self.producer, role=ProducerRole.EDITOR)
        ProducerMembership.objects.create(user=self.hop, producer=self.producer, role=ProducerRole.HOP)
        self.matching = _subscribers(subscribers, producer=self.producer, other=other, network=self.network,
                                     other_network=other_network)  # fmt: skip
        self.to_confirm, self.to_cancel, self.changes = [], [], []
        with transaction.atomic():
            for i in range(requests):
                self.to_confirm.append(self._announced(f"confirm {i}", _month(4 + i % 8)))
                self.to_cancel.append(self._announced(f"cancel {i}", _month(4 + i % 8)))
                agreed = self._announced(f"agree {i}", _month(4 + i % 8))
                day = _weekday(_month(4 + i % 8), i)
                at = datetime.combine(day, time(9, 30), tzinfo=LONDON)
                services.release_confirm(actor=self.editor, release=agreed, release_at=at)
                later = Schedule.exact_local(day + timedelta(days=7), time(9, 30))
                reason = "The supplier needs another week."
                self.changes.append(services.release_request_change(
                    actor=self.editor, release=agreed, schedule=later, reason=reason))  # fmt: skip
            # What was set up is not news: nobody is e-mailed about it (as demo_data does).
            from alerts.models import Event

            Event.objects.filter(fanned_out_at__isnull=True).update(fanned_out_at=timezone.now())

    def _announced(self, name: str, month: date) -> Any:
        from releases import services

        return services.release_create(actor=self.editor, details=self.details(name), schedule=Schedule.window(month),
                                       announce=True)  # fmt: skip

    def details(self, name: str) -> Any:
        from releases.services import ReleaseDetails

        topic = TOPICS[hash(name) % len(TOPICS)]
        return ReleaseDetails(title=f"{topic}: benchmark {name}", lead_producer=self.producer, designation="official",
                              lead_statistician_name="Bench Analyst", lead_statistician_email="bench@example.org",
                              networks=(self.network,))  # fmt: skip


def _request(client: Client, url: str, data: dict[str, Any]) -> float:
    seconds, response = timed(client.post, url, data)
    if response.status_code != 302:
        raise RuntimeError(f"POST {url} answered {response.status_code}, not a redirect: the action failed")
    sys.stderr.write(f"POST {url} {seconds * 1000:.0f} ms\n")  # progress: the JSON comes at the end
    return seconds * 1000


def _figures(timings: list[float]) -> dict[str, float]:
    return {
        "requests": len(timings),
        "p50_ms": round(percentile(timings, 50), 1),
        "p95_ms": round(percentile(timings, 95), 1),
        "min_ms": round(min(timings), 1),
        "max_ms": round(max(timings), 1),
    }


def _left() -> int:
    from alerts.choices import DeliveryState
    from alerts.models import Delivery, Event

    waiting = Delivery.objects.filter(state__in=(DeliveryState.PENDING, DeliveryState.SENDING)).count()
    return waiting + Event.objects.filter(fanned_out_at__isnull=True).count()


def _drain(timeout: float) -> tuple[float, int]:
    """Wait up to ``timeout`` for every alert to go: the local worker on the embedded default, else run the sweep.

    Returns the seconds waited and what was left then (events not fanned out + deliveries not yet sent).
    """
    from alerts.tasks import sweep

    started = clock.perf_counter()
    while (left := _left()) and clock.perf_counter() - started < timeout:
        if _mode() == "thread":
            clock.sleep(0.5)
        else:
            sweep()
    return clock.perf_counter() - started, left


def _mode() -> str:
    from alerts import dispatch

    return dispatch.mode()


def run(*, subscribers: int, requests: int, drain_timeout: float = 120) -> dict[str, Any]:
    """Time ``requests`` of each action (interleaved, as producers work) and then the e-mails they caused."""
    from alerts.models import Delivery

    CountingBackend.sent = []
    figures: dict[str, Any] = {"benchmark": "writes", "subscribers": subscribers, "dispatch": _mode()}
    backend = f"{__name__}.CountingBackend"
    with scratch_database(), override_settings(EMAIL_BACKEND=backend):
        setup_s, stage = timed(Stage, subscribers=subscribers, requests=requests)
        editor, hop = Client(), Client()
        editor.force_login(stage.editor)
        hop.force_login(stage.hop)
        timings: dict[str, list[float]] = {action: [] for action in ACTIONS}
        for i in range(requests):
            month = _month(4 + i % 8)
            form = {"title": f"{TOPICS[i % len(TOPICS)]}: benchmark register {i}", "summary": "Monthly figures.",
                    "lead_producer": stage.producer.pk, "networks": [stage.network.pk], "designation": "official",
                    "geography": "england", "lead_statistician_name": "Sam Analyst",
                    "lead_statistician_email": "sam@example.org", "timing": "window",
                    "window_start_month": str(month.month), "window_start_year": str(month.year),
                    "window_months": "1", "release_time": "9:30am", "announce": "1"}  # fmt: skip
            timings["register"].append(_request(editor, "/producer/releases/new/", form))
            day = _weekday(month, i + 1)
            confirm = {"release_date_day": day.day, "release_date_month": day.month, "release_date_year": day.year,
                       "release_time": "9:30am"}  # fmt: skip
            slug = stage.to_confirm[i].slug
            timings["confirm"].append(_request(editor, f"/producer/releases/{slug}/confirm/", confirm))
            timings["agree"].append(_request(hop, f"/producer/changes/{stage.changes[i].pk}/agree/", {}))
            cancel = {"reason": "Merged into the monthly release."}
            timings["cancel"].append(_request(editor, f"/producer/releases/{stage.to_cancel[i].slug}/cancel/", cancel))
        try:
            drain_s, left = _drain(drain_timeout)
        finally:
            from alerts.dispatch import worker

            worker.stop(timeout=120)  # before the scratch database goes
        states = Counter(Delivery.objects.values_list("state", flat=True))
        sent = list(CountingBackend.sent)
    figures.update(
        setup_seconds=round(setup_s, 1),
        subscribers_told_of_each_change=stage.matching,
        actions={action: _figures(values) for action, values in timings.items()},
        e_mails={
            "sent": len(sent),
            "distinct_message_ids": len(set(sent)),
            "deliveries": dict(states),
            "seconds_waited_after_the_last_request": round(drain_s, 1),
            "left_unsent_when_the_wait_ended": left,
        },
        machine={"cores": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()]},
        settings_module=os.environ.get("DJANGO_SETTINGS_MODULE", ""),
        broker="configured" if not settings.CELERY_TASK_ALWAYS_EAGER else "none (eager)",
    )
    return figures

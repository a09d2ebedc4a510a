"""After the commit: who works the outbox off, so that no request ever waits for an e-mail to be matched or sent.

``events_committed`` is the one on-commit hook of the outbox. What it does depends on ``mode()``:

- ``celery`` (a broker is configured, as in production): the request only enqueues ``alerts.dispatch_events`` with the
  event ids, a few milliseconds; matching and sending happen in a Celery worker. A broker outage fails nothing: the
  beat sweep finds the events later.
- ``thread`` (the embedded default: no broker, Celery eager): the ids go to the local worker, one daemon thread in the
  web process, started by the first commit that records events. It runs the same task bodies a Celery worker would,
  and the sweep every ``ALERTS_LOCAL_SWEEP_SECONDS`` (beat's job where there is a broker), so retries, stale claims and
  events a stopped process never sent are picked up too.

The outbox rows are the truth and the thread is only a driver: if the process stops half-way, events without
``fanned_out_at`` and claims past their lease are taken up by the next sweep, so every e-mail still goes exactly once
(docs/decisions/0002-alert-delivery.md). ``ALERTS_DISPATCH`` can name the mode; the test settings name ``celery``, so
tests with eager Celery drain synchronously on commit, and ``worker.held()`` / ``worker.drain()`` are the explicit
hooks for tests of the local worker itself.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connections

log = logging.getLogger(__name__)
BATCH = 5  # e-mails between two looks at ``stop()`` and at requests in flight
MAX_YIELD_SECONDS = 5  # the longest the local worker gives way to requests before it sends a batch anyway


def mode() -> str:
    """``celery`` where a broker takes the tasks, ``thread`` on the embedded default (``ALERTS_DISPATCH`` overrides)."""
    from ehssg.celery import app

    configured = getattr(settings, "ALERTS_DISPATCH", "")
    if configured:
        return str(configured)
    return "thread" if app.conf.task_always_eager else "celery"


def events_committed(ids: list[int]) -> None:
    """The outbox's on-commit hook: hand the events of a committed transaction to whoever sends them."""
    if mode() == "thread":
        worker.submit(ids)
        return
    from .tasks import dispatch_events

    try:
        dispatch_events.delay(ids)
    except Exception:  # noqa: BLE001 - a broker outage must not fail the committed change: the sweep sends it later
        log.warning("alerts: could not enqueue events %s; the sweep will send them", ids)


_in_flight = 0
_in_flight_lock = threading.Lock()


def requests_in_flight() -> int:
    return _in_flight


def _request_started(**kwargs: object) -> None:
    global _in_flight
    with _in_flight_lock:
        _in_flight += 1


def _request_finished(**kwargs: object) -> None:
    global _in_flight
    with _in_flight_lock:
        _in_flight = max(0, _in_flight - 1)


def watch_requests() -> None:
    """Count the requests this process is serving (``AlertsConfig.ready``), so the local worker can give way."""
    request_started.connect(_request_started, dispatch_uid="alerts-dispatch-started")
    request_finished.connect(_request_finished, dispatch_uid="alerts-dispatch-finished")


class LocalWorker:
    """The embedded default's Celery worker: a daemon thread that dispatches committed events and sweeps each minute."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._ids: list[int] = []
        self._thread: threading.Thread | None = None
        self._held = 0
        self._stopping = False
        self._last_sweep = float("-inf")

    def submit(self, ids: list[int]) -> None:
        """Queue events for sending and wake the thread (starting it the first time); returns at once."""
        with self._lock:
            self._ids.extend(ids)
            self._idle.clear()
            if self._held:
                return
            if self._thread is None or not self._thread.is_alive():
                self._stopping = False
                self._thread = threading.Thread(target=self._run, name="ehssg-alerts-worker", daemon=True)
                self._thread.start()
        self._wake.set()

    def drain(self, *, sweep: bool = False) -> int:
        """Dispatch what is queued now in the calling thread (and sweep if asked or due); returns the events handled.

        The same work as ``alerts.dispatch_events`` and ``alerts.sweep``, in small batches so ``stop()`` is heard.
        """
        from . import delivery

        with self._lock:
            ids, self._ids = self._ids, []
        for event_id in ids:
            self._give_way()
            delivery.fan_out(event_id)
        interval = getattr(settings, "ALERTS_LOCAL_SWEEP_SECONDS", 60)
        if sweep or time.monotonic() - self._last_sweep >= interval:
            self._last_sweep = time.monotonic()
            delivery.fan_out_waiting()
            delivery.recover_stale_claims()
        while not self._stopping:
            self._give_way()
            if delivery.send_due(limit=BATCH) < BATCH:
                break
        return len(ids)

    def _give_way(self) -> None:
        """Wait while this process serves requests (up to MAX_YIELD_SECONDS): the thread shares the interpreter with
        them, so it works in the gaps between a person's clicks rather than slowing the clicks down."""
        if threading.current_thread() is not self._thread:
            return  # an explicit drain in a test or the benchmark: nothing to give way to
        deadline = time.monotonic() + MAX_YIELD_SECONDS
        while requests_in_flight() and time.monotonic() < deadline:
            time.sleep(0.01)

    def _run(self) -> None:
        interval = getattr(settings, "ALERTS_LOCAL_SWEEP_SECONDS", 60)
        while not self._stopping:
            try:
                self.drain()
            except Exception:  # noqa: BLE001 - the outbox keeps the work: the next sweep takes it up again
                log.exception("alerts: the local worker failed; the next sweep tries again")
            finally:
                connections.close_all()  # this thread's connections only
            with self._lock:
                if not self._ids:
                    self._idle.set()
            self._wake.wait(timeout=interval)
            self._wake.clear()

    def wait_until_idle(self, timeout: float) -> bool:
        """True once everything submitted has been dispatched (tests and the benchmark wait on this)."""
        return self._idle.wait(timeout)

    def stop(self, timeout: float = 30) -> None:
        """Stop the thread after its current round (tests; a web process simply exits and the sweep catches up)."""
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None
        self._stopping = False

    @contextmanager
    def held(self) -> Iterator[LocalWorker]:
        """Queue without running (a test looks at what a request left, then ``drain()``); forgets the queue after."""
        with self._lock:
            self._held += 1
        try:
            yield self
        finally:
            with self._lock:
                self._held = max(0, self._held - 1)
                if not self._held and (self._thread is None or not self._thread.is_alive()):
                    self._ids = []
                    self._idle.set()

    def release(self) -> None:
        """Start working off what was queued while held (tests of the thread itself)."""
        with self._lock:
            self._held = 0
        self.submit([])


worker = LocalWorker()

from typing import Any

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "E-mail alerts and reminders"

    def ready(self) -> None:
        from releases import hooks

        from . import outbox, tasks

        def enqueue(ids: list[int]) -> Any:
            # Looked up at each call, so a test (or a later patch) replacing the task's delay is honoured.
            return tasks.dispatch_events.delay(ids)

        outbox.enqueue_dispatch = enqueue
        hooks.on_release_saved("alerts", outbox.on_release_saved)

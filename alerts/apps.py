from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "E-mail alerts and reminders"

    def ready(self) -> None:
        from releases import hooks

        from . import outbox
        from .dispatch import events_committed, watch_requests

        outbox.enqueue_dispatch = events_committed
        hooks.on_release_saved("alerts", outbox.on_release_saved)
        watch_requests()

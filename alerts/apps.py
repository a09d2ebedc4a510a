from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "E-mail alerts and reminders"

    def ready(self) -> None:
        from .dispatch import watch_requests

        watch_requests()

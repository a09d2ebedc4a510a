from django.apps import AppConfig


class PublicCalendarConfig(AppConfig):
    name = "public_calendar"
    verbose_name = "Public calendar and feeds"

    def ready(self) -> None:
        from releases import hooks

        from .feeds import on_release_saved

        hooks.on_release_saved("public_calendar", on_release_saved)

from django.apps import AppConfig


class PublicCalendarConfig(AppConfig):
    name = "public_calendar"
    verbose_name = "Public calendar and feeds"

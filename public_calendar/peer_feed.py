"""The same calendar built with django-ical, only as the peer the feeds benchmark measures against."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from releases.models import Release

from .feeds import event_data


def django_ical_bytes(releases: list[Release]) -> bytes:
    from django.http import HttpRequest
    from django_ical.views import ICalFeed

    data = [event_data(r) for r in releases]

    class Peer(ICalFeed):  # type: ignore[misc]
        product_id = "-//EHSSG//benchmark peer//EN"
        timezone = "Europe/London"
        title = "Health statistics release calendar"

        def items(self) -> list[Any]:
            return data

        def item_guid(self, item: Any) -> str:
            return f"{item.uid}@ehssg-release-calendar"

        def item_title(self, item: Any) -> str:
            return item.title

        def item_description(self, item: Any) -> str:
            return item.summary

        def item_link(self, item: Any) -> str:
            return item.url

        def item_start_datetime(self, item: Any) -> Any:
            return item.release_at or item.window_start

        def item_end_datetime(self, item: Any) -> Any:
            return (item.release_at + timedelta(minutes=30)) if item.release_at else item.window_start + timedelta(1)

        def item_timestamp(self, item: Any) -> Any:
            return item.revised_at

        def item_updateddate(self, item: Any) -> Any:
            return item.revised_at

    request = HttpRequest()
    request.META["SERVER_NAME"], request.META["SERVER_PORT"] = "127.0.0.1", "8000"
    return bytes(Peer()(request).content)

"""Absolute links: in development they follow the address served (`make run PORT=8101`); with SITE_URL (required in
production, tests/test_settings.py) they are always SITE_URL, whatever Host a request names."""

import pytest
from django.urls import reverse

from ehssg.site import DEVELOPMENT_ADDRESS, absolute_url

pytestmark = pytest.mark.django_db
SERVED = "127.0.0.1:8101"


def test_calendar_subscription_links_follow_the_port_served_in_development(client, cast, development):
    body = client.get(reverse("calendar"), {"network": "cancer"}, HTTP_HOST=SERVED).content.decode()

    assert f'href="webcal://{SERVED}/calendar.ics?network=cancer"' in body
    assert "render?cid=http%3A%2F%2F127.0.0.1%3A8101%2Fcalendar.ics%3Fnetwork%3Dcancer" in body
    assert "8000" not in body


def test_feeds_link_to_the_port_served_in_development(client, cast, development):
    atom = client.get(reverse("calendar-atom"), HTTP_HOST=SERVED).content.decode()

    assert f'href="http://{SERVED}/calendar/"' in atom
    assert "127.0.0.1:8000" not in atom


def test_before_any_request_development_links_use_make_runs_default(development):
    assert absolute_url("/calendar/") == f"{DEVELOPMENT_ADDRESS}/calendar/"


def test_with_site_url_links_never_follow_the_request(client, cast, settings):
    settings.SITE_URL = "https://calendar.ehssg.example"
    settings.ALLOWED_HOSTS = ["127.0.0.1", "calendar.ehssg.example"]

    body = client.get(reverse("calendar"), HTTP_HOST=SERVED).content.decode()

    assert 'href="webcal://calendar.ehssg.example/calendar.ics"' in body
    assert SERVED not in body
    assert absolute_url("/calendar/") == "https://calendar.ehssg.example/calendar/"

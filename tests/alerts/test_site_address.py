"""E-mail links in development follow the address served (`make run PORT=8101`): confirm, and the one-click
unsubscribe of an alert sent when a producer changes a release through the pages."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.alerts.helpers import subscription
from tests.factories import ReleaseFactory

pytestmark = pytest.mark.django_db
SERVED = "http://127.0.0.1:8101"


def test_confirmation_link_follows_the_port_served(client, cast, development, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("alerts:subscribe"),
            {"email": "reader@example.org", "frequency": "immediate"},
            HTTP_HOST="127.0.0.1:8101",
        )

    assert response.status_code == 302
    [message] = mail.outbox
    assert re.search(rf"{re.escape(SERVED)}/alerts/confirm/[^/\s]+/", message.body)
    assert "127.0.0.1:8000" not in message.body


def test_alert_links_follow_the_port_served(client, cast, development, django_capture_on_commit_callbacks):
    subscription("reader@example.org", producers=[cast.producer])
    release = ReleaseFactory(lead_producer=cast.producer, title="A&E attendances")
    client.force_login(cast.editor)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("producer:release-announce", kwargs={"slug": release.slug}), HTTP_HOST="127.0.0.1:8101")

    [message] = [m for m in mail.outbox if m.to == ["reader@example.org"]]
    assert message.extra_headers["List-Unsubscribe"].startswith(f"<{SERVED}/alerts/unsubscribe/")
    assert f"{SERVED}/releases/{release.slug}/" in message.body
    assert "127.0.0.1:8000" not in message.body

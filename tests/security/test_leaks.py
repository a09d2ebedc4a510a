"""Drafts and pre-release access lists never reach the public or another producer, by any path.

One register with marked secrets (a draft's title and summary, a pre-release access entry of an announced release),
then every way out: pages, calendar search, feeds and open data, a release's .ics, the API (lists, search, detail,
history, the access list), and the error pages. Each response is searched for every marker.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from releases.models import PreReleaseAccess
from tests.factories import (
    ConfirmedReleaseFactory,
    DateChangeFactory,
    PublishedReleaseFactory,
    ReleaseFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DRAFT_TITLE = "Zebracorn waiting times draft"
DRAFT_SUMMARY = "Quokkafigures not yet announced"
ACCESS_ORG = "Wombatministry of secrets"
ACCESS_WHY = "Narwhalbriefing before release"
MARKERS = ("Zebracorn", "Quokkafigures", "Wombatministry", "Narwhalbriefing")


@pytest.fixture
def secrets(cast):
    draft = ReleaseFactory(lead_producer=cast.producer, title=DRAFT_TITLE, summary=DRAFT_SUMMARY,
                           networks=[cast.network])  # fmt: skip
    confirmed = ConfirmedReleaseFactory(lead_producer=cast.producer, networks=[cast.network],
                                        title="Accident and emergency attendances")  # fmt: skip
    DateChangeFactory(release=confirmed, requested_by=cast.editor)
    PreReleaseAccess.objects.create(release=confirmed, recipient_role="Private secretary", organisation=ACCESS_ORG,
                                    justification=ACCESS_WHY,
                                    access_starts_at=confirmed.release_at - timedelta(hours=3))  # fmt: skip
    PublishedReleaseFactory(lead_producer=cast.other_producer, title="Cancer waiting times")
    return {"draft": draft, "confirmed": confirmed}


def public_paths(secrets):
    # Searches use part of a marker: the page echoes the query, and the echo must not count as a leak.
    draft, confirmed = secrets["draft"].slug, secrets["confirmed"].slug
    return {
        "home": ("/", 200),
        "calendar": ("/calendar/", 200),
        "calendar search": ("/calendar/?q=ebracorn", 200),
        "calendar search summary": ("/calendar/?q=uokkafigures", 200),
        "calendar published tab": ("/calendar/?tab=published", 200),
        "calendar cancelled tab": ("/calendar/?tab=cancelled", 200),
        "calendar network filter": ("/calendar/?network=urgent-and-emergency-care", 200),
        "ics": ("/calendar.ics", 200),
        "ics search": ("/calendar.ics?q=ebracorn", 200),
        "atom": ("/calendar.atom", 200),
        "csv": ("/calendar.csv", 200),
        "csv search": ("/calendar.csv?q=ebracorn", 200),
        "json": ("/calendar.json", 200),
        "json search": ("/calendar.json?q=uokkafigures", 200),
        "draft page": (f"/releases/{draft}/", 404),
        "draft ics": (f"/releases/{draft}.ics", 404),
        "announced page": (f"/releases/{confirmed}/", 200),
        "announced ics": (f"/releases/{confirmed}.ics", 200),
        "network page": ("/networks/urgent-and-emergency-care/", 200),
        "lesson search": ("/lessons/?q=ebracorn", 200),
        "api list": ("/api/v1/releases/", 200),
        "api search": ("/api/v1/releases/?q=ebracorn", 200),
        "api draft": (f"/api/v1/releases/{draft}/", 404),
        "api draft history": (f"/api/v1/releases/{draft}/history/", 404),
        "api draft access": (f"/api/v1/releases/{draft}/pre-release-access/", 404),
        "api announced": (f"/api/v1/releases/{confirmed}/", 200),
        "api announced history": (f"/api/v1/releases/{confirmed}/history/", 200),
        "api announced access": (f"/api/v1/releases/{confirmed}/pre-release-access/", 404),
        "api date changes": ("/api/v1/date-changes/", 200),
        "api flags": ("/api/v1/flags/", None),
        "api producers": ("/api/v1/producers/", 200),
        "api unknown": ("/api/v1/nothing-here/", 404),
        "page not found": ("/no-such-page/", 404),
        "producer page of a draft": (f"/producer/releases/{draft}/", None),
    }


def body_of(response) -> str:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def assert_no_secret(client: Client, paths: dict[str, tuple[str, int | None]]) -> None:
    for name, (path, status) in paths.items():
        response = client.get(path)
        if status is not None:
            assert response.status_code == status, (name, path, response.status_code)
        body = body_of(response)
        leaked = [m for m in MARKERS if m.lower() in body.lower()]
        assert leaked == [], f"{name} ({path}) shows {leaked}"


def test_the_public_sees_no_draft_and_no_access_list(client, secrets):
    assert_no_secret(client, public_paths(secrets))


def test_another_producer_sees_no_draft_and_no_access_list(client, secrets, cast):
    client.force_login(cast.other_editor)
    paths = public_paths(secrets)
    draft = secrets["draft"].slug
    paths.update({
        "home": ("/", 302),  # a producer lands on their releases (ehssg/navigation.py)
        "about": ("/about/", 200),
        "my releases": ("/producer/releases/", 200),
        "flags": ("/flags/", 200),
        "producer page of a draft": (f"/producer/releases/{draft}/", 404),
        "edit a draft": (f"/producer/releases/{draft}/edit/", 404),
        "access form of another's release": (
            f"/producer/releases/{secrets['confirmed'].slug}/pre-release-access/add/", 404),
    })  # fmt: skip
    assert_no_secret(client, paths)


def test_the_markers_are_there_for_the_owner(client, secrets, cast):
    """Proves the searches above could find a leak: the owner's own pages show every marker."""
    client.force_login(cast.editor)
    draft = client.get(f"/releases/{secrets['draft'].slug}/").content.decode()
    assert DRAFT_TITLE in draft and DRAFT_SUMMARY in draft
    assert ACCESS_ORG in client.get(f"/releases/{secrets['confirmed'].slug}/").content.decode()
    api = client.get(f"/api/v1/releases/{secrets['confirmed'].slug}/pre-release-access/").content.decode()
    assert ACCESS_ORG in api and ACCESS_WHY in api
    assert DRAFT_TITLE in client.get("/api/v1/releases/?q=ebracorn").content.decode()  # the search term finds it


def test_the_admin_is_for_staff_only(client, secrets, cast):
    client.force_login(cast.editor)
    response = client.get(reverse("admin:releases_release_changelist"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    client.logout()
    response = client.post(reverse("admin:login"), {"username": cast.editor.username,
                                                    "password": "correct horse battery staple"})  # fmt: skip
    assert response.status_code == 200  # the form again: a producer's password does not open the admin
    assert "_auth_user_id" not in client.session


@pytest.fixture
def failing_client(monkeypatch):
    """A view that breaks with an exception carrying secrets, served as in production (DEBUG off)."""
    from releases import selectors

    def broken(*args, **kwargs):
        raise RuntimeError(f"database said: {DRAFT_TITLE} {ACCESS_ORG}")

    monkeypatch.setattr(selectors, "release_detail", broken)
    return Client(raise_request_exception=False)


def test_the_error_page_shows_no_debug_information(failing_client, secrets, settings):
    assert settings.DEBUG is False
    response = failing_client.get(f"/releases/{secrets['confirmed'].slug}/", HTTP_X_REQUEST_ID="req-0123456789abcdef")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Sorry, there is a problem with the service" in body
    assert "req-0123456789abcdef" in body  # the reference to quote, which leads to the logs
    for secret in (*MARKERS, "Traceback", "RuntimeError", settings.SECRET_KEY, "DATABASES", "selectors"):
        assert secret not in body, secret
    assert response["X-Request-ID"] == "req-0123456789abcdef"
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_403_shows_the_refusal_only(client, secrets):
    client.force_login(UserFactory(username="nobody"))  # signed in, but in no role: the flags are not for them
    response = client.get("/flags/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "The flags are for producers" in body
    assert [m for m in MARKERS if m in body] == []
    assert "Traceback" not in body

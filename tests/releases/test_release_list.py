"""The producer's release list: title search, state filter, "needs action" filters with counts; the manage page offers
"Mark as published" only once the release time has come; a release's history shows one row per change."""

import html
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from coordination.models import Flag
from releases import messages, services
from releases.schedule import Schedule
from releases.services import ReleaseDetails
from tests.factories import (
    ConfirmedReleaseFactory,
    DateChangeFactory,
    ProvisionalReleaseFactory,
    PublishedReleaseFactory,
    london,
)

NOW = datetime(2027, 3, 1, 10, 0, tzinfo=ZoneInfo("Europe/London"))
LIST = reverse("producer:release-list")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def releases(cast):
    soon = ProvisionalReleaseFactory(lead_producer=cast.producer, title="Cancer waiting times: January 2027",
                                     starts_on=date(2027, 3, 1), ends_on=date(2027, 3, 31))  # fmt: skip
    later = ProvisionalReleaseFactory(lead_producer=cast.producer, title="Cancer waiting times: March 2027",
                                      starts_on=date(2027, 6, 1), ends_on=date(2027, 6, 30))  # fmt: skip
    moving = ConfirmedReleaseFactory(lead_producer=cast.producer, title="NHS workforce statistics: December 2026")
    DateChangeFactory(release=moving, requested_by=cast.editor)
    overdue = ConfirmedReleaseFactory(lead_producer=cast.producer, title="Ambulance quality indicators: January 2027",
                                      release_at=NOW - timedelta(days=1))  # fmt: skip
    flagged = ConfirmedReleaseFactory(lead_producer=cast.producer, title="A&E attendances: February 2027")
    flag = Flag.objects.create(kind="clash", key=f"clash:test:{flagged.pk}", explanation="Clash.", facts={},
                               facts_hash="x" * 64, raised_at=NOW, last_seen_at=NOW)  # fmt: skip
    flag.releases.set([flagged])
    published = PublishedReleaseFactory(lead_producer=cast.producer, title="Cancer waiting times: December 2026")
    ConfirmedReleaseFactory(lead_producer=cast.other_producer, title="Cancer registrations: not ours")
    return {"soon": soon, "later": later, "moving": moving, "overdue": overdue, "flagged": flagged,
            "published": published}  # fmt: skip


def titles(response) -> list[str]:
    body = html.unescape(response.content.decode())
    return sorted(re.findall(r'href="/producer/releases/[^/"]+/">([^<]+)</a>', body))


def t(*releases) -> list[str]:
    return sorted(r.title for r in releases)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=cancer+waiting", ["soon", "later", "published"]),
        ("state=provisional", ["soon", "later"]),
        ("q=cancer&state=published", ["published"]),
        ("needs=provisional_soon", ["soon"]),
        ("needs=pending_change", ["moving"]),
        ("needs=overdue", ["overdue"]),
        ("needs=open_flags", ["flagged"]),
        ("needs=any", ["soon", "moving", "overdue", "flagged"]),
        ("", ["soon", "later", "moving", "overdue", "flagged", "published"]),
    ],
)
def test_search_and_filters(client, cast, releases, query, expected):
    client.force_login(cast.editor)

    response = client.get(f"{LIST}?{query}")

    assert response.status_code == 200
    assert titles(response) == t(*(releases[k] for k in expected))


@pytest.mark.django_db
def test_needs_action_counts_are_shown(client, cast, releases):
    client.force_login(cast.editor)
    body = html.unescape(client.get(LIST).content.decode())

    listed = dict(re.findall(r'<li><a class="govuk-link" href="\?needs=([a-z_]+)">[^<]+</a>: (\d+)</li>', body))
    assert listed == {"any": "4", "provisional_soon": "1", "pending_change": "1", "overdue": "1", "open_flags": "1"}
    assert "Overdue (1)" in body  # the filter's options carry the counts too


@pytest.mark.django_db
def test_filters_that_match_nothing_say_so_and_bad_filters_are_ignored(client, cast, releases):
    client.force_login(cast.editor)

    nothing = html.unescape(client.get(f"{LIST}?q=zzzz").content.decode())
    bad = client.get(f"{LIST}?state=nonsense&needs=%25")

    assert messages.NO_RELEASES_MATCH in nothing
    assert bad.status_code == 200 and len(titles(bad)) == 6


@pytest.mark.django_db
def test_mark_as_published_is_offered_only_once_the_time_has_come(client, cast):
    due = ConfirmedReleaseFactory(lead_producer=cast.producer, release_at=NOW - timedelta(minutes=5))
    later = ConfirmedReleaseFactory(lead_producer=cast.producer, release_at=NOW + timedelta(days=3))
    client.force_login(cast.editor)
    publish = "Mark as published"

    assert publish in client.get(reverse("producer:release-manage", kwargs={"slug": due.slug})).content.decode()
    assert publish not in client.get(reverse("producer:release-manage", kwargs={"slug": later.slug})).content.decode()


@pytest.mark.django_db
def test_registered_appears_once_in_the_history(client, cast):
    details = ReleaseDetails(
        title="Cancer waiting times: April 2027", summary="", lead_producer=cast.producer,
        joint_producers=(cast.other_producer,), networks=(cast.network,), series=None, designation="official",
        reference_period_start=date(2027, 4, 1), reference_period_end=date(2027, 4, 30), geography="england",
        lead_statistician_name="Sam Analyst", lead_statistician_email="sam@example.org", market_sensitive=False,
    )  # fmt: skip
    release = services.release_create(actor=cast.editor, details=details,
                                      schedule=Schedule.exact(london(date(2027, 5, 12))), announce=True)  # fmt: skip
    assert release.history.filter(history_change_reason="Registered").count() > 1  # what simple-history writes
    client.force_login(cast.editor)

    body = client.get(reverse("producer:release-manage", kwargs={"slug": release.slug})).content.decode()

    history = body[body.index("<h2 class=\"govuk-heading-m\">History</h2>") :]
    reasons = re.findall(r'<td class="govuk-table__cell">([^<]*)</td>\s*</tr>', history)
    assert reasons == ["Announced", "Registered"]

"""Words a user reads: grammar for one, two and many, GOV.UK times, no state said twice, length hints that match the
limits, acronyms kept in the demo's summaries, and the pre-release access sentence only once it is true."""

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from coordination.detection import are_all
from releases.forms import ReleaseForm
from releases.models import Release, ReleaseSeries
from sampledata.demo import SERIES, in_sentence, summary_of
from tests.factories import ConfirmedReleaseFactory, PublishedReleaseFactory

NOW = datetime(2027, 3, 1, 10, 0, tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_both_for_two_all_for_more():
    assert (are_all(2), are_all(3), are_all(7)) == ("are both", "are all", "are all")


def test_demo_summaries_keep_acronyms():
    assert in_sentence("A&E attendances and emergency admissions") == "A&E attendances and emergency admissions"
    assert in_sentence("Seasonal flu vaccine uptake in GP patients") == "seasonal flu vaccine uptake in GP patients"
    assert in_sentence("NHS workforce statistics") == "NHS workforce statistics"
    for title, *_ in SERIES:
        summary = summary_of(ReleaseSeries(title=title, frequency=SERIES[0][3]))
        acronyms = [w for w in re.findall(r"[\w&]+", title) if sum(c.isupper() for c in w) > 1]
        assert all(a in summary for a in acronyms), (title, summary)
        assert "a&e" not in summary and " gp " not in summary


@pytest.mark.django_db
def test_a_confirmed_release_says_confirmed_once(client, cast):
    release = ConfirmedReleaseFactory(lead_producer=cast.producer)
    client.force_login(cast.editor)

    public = text(client.get(reverse("release-detail", kwargs={"slug": release.slug})))
    manage = text(client.get(reverse("producer:release-manage", kwargs={"slug": release.slug})))

    for body in (public, manage):
        assert "(confirmed)" not in body
        assert re.search(r"govuk-tag--blue\">\s*Confirmed\s*<", body)
    assert "12 April 2027 9:30am" in public and "12 April 2027 9:30am" in manage


@pytest.mark.django_db
def test_nobody_had_access_is_said_only_after_publication(client, cast):
    confirmed = ConfirmedReleaseFactory(lead_producer=cast.producer)
    published = PublishedReleaseFactory(lead_producer=cast.producer)
    client.force_login(cast.editor)  # a producer sees the (empty) list before publication too

    before = text(client.get(reverse("release-detail", kwargs={"slug": confirmed.slug})))
    after = text(client.get(reverse("release-detail", kwargs={"slug": published.slug})))

    assert "Nobody had access" not in before and "Nobody has been given pre-release access." in before
    assert "Nobody had access to these statistics before release." in after


@pytest.mark.django_db
def test_length_hints_and_limits_come_from_the_model(client, cast):
    form = ReleaseForm(user=cast.editor)
    for name in ("title", "summary", "lead_statistician_name"):
        limit = Release._meta.get_field(name).max_length
        assert form.fields[name].max_length == limit, name  # type: ignore[attr-defined]
    assert "at most 200" in form.fields["title"].help_text
    assert "at most 1,000" in form.fields["summary"].help_text

    client.force_login(cast.editor)
    response = client.post(reverse("producer:release-create"), {"title": "x" * 201, "summary": "y" * 1001})

    body = text(response)
    assert "Title must be 200 characters or fewer" in body
    assert "Summary must be 1,000 characters or fewer" in body
    assert not Release.objects.exists()


def test_release_times_say_midday_and_midnight():
    from releases.schedule import Schedule

    midday = Schedule.exact(datetime(2027, 3, 4, 12, 0, tzinfo=ZoneInfo("Europe/London")))
    midnight = Schedule.exact(datetime(2027, 3, 4, 0, 0, tzinfo=ZoneInfo("Europe/London")) + timedelta(days=1))
    assert midday.wording() == "4 March 2027 midday"
    assert midnight.wording() == "5 March 2027 midnight"

"""Reminders to producers fire once, at the right time (frozen time), to the right people; the look-ahead weekly."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from alerts import tasks
from alerts.choices import EventKind
from alerts.models import Event
from releases.choices import Frequency, ProducerRole
from tests.alerts.helpers import recipients, subscription
from tests.factories import (
    ConfirmedReleaseFactory,
    DateChangeFactory,
    ProvisionalReleaseFactory,
    ReleaseSeriesFactory,
    UserFactory,
    give_role,
    london,
)

pytestmark = pytest.mark.django_db
UTC = ZoneInfo("UTC")
MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _run(django_capture_on_commit_callbacks, task):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = task()
    return result


def test_provisional_release_without_exact_date_is_reminded_once_six_weeks_ahead(
    cast, django_capture_on_commit_callbacks
):
    run = lambda: _run(django_capture_on_commit_callbacks, tasks.producer_reminders)  # noqa: E731
    with time_machine.travel(datetime(2026, 3, 1, 8, 0, tzinfo=UTC), tick=False):
        release = ProvisionalReleaseFactory(lead_producer=cast.producer, title="Cancer waiting times",
                                            starts_on=date(2026, 4, 13), ends_on=date(2026, 4, 30))  # fmt: skip
        ProvisionalReleaseFactory(
            lead_producer=cast.other_producer, starts_on=date(2026, 6, 1), ends_on=date(2026, 6, 30)
        )
        assert run() == 0  # 43 days ahead: not yet
        assert mail.outbox == []
    with time_machine.travel(datetime(2026, 3, 2, 8, 0, tzinfo=UTC), tick=False):
        assert run() == 1  # 42 days ahead: now
        assert recipients(mail.outbox) == ["editor@example.org", "hop@example.org"]
        message = mail.outbox[0]
        assert message.subject == "Give an exact release date: Cancer waiting times"
        assert "at least 28 days ahead" in message.body
        assert f"/producer/releases/{release.slug}/" in message.body
        assert "List-Unsubscribe" not in message.extra_headers
        assert run() == 0 and mail.outbox == []  # the same day again: nothing twice
    with time_machine.travel(datetime(2026, 3, 9, 8, 0, tzinfo=UTC), tick=False):
        assert run() == 0 and mail.outbox == []  # a week later, same window: still once


def test_a_change_waiting_for_the_hop_reminds_hops_only_after_two_days(cast, django_capture_on_commit_callbacks):
    run = lambda: _run(django_capture_on_commit_callbacks, tasks.producer_reminders)  # noqa: E731
    with time_machine.travel(MONDAY, tick=False):
        release = ConfirmedReleaseFactory(lead_producer=cast.producer, title="Ambulance quality indicators",
                                          release_at=london(date(2026, 6, 11)))  # fmt: skip
        DateChangeFactory(release=release, requested_by=cast.editor, requested_at=MONDAY)
    with time_machine.travel(MONDAY + timedelta(days=1, hours=23), tick=False):
        assert run() == 0
    with time_machine.travel(MONDAY + timedelta(days=2), tick=False):
        assert run() == 1
        assert recipients(mail.outbox) == ["hop@example.org"]
        assert mail.outbox[0].subject == "Date change waiting for your agreement: Ambulance quality indicators"
        assert "Reason: Data quality checks need another week." in mail.outbox[0].body
    with time_machine.travel(MONDAY + timedelta(days=5), tick=False):
        assert run() == 0 and mail.outbox == []


def test_an_overdue_release_is_reminded_once_after_its_time(cast, django_capture_on_commit_callbacks):
    run = lambda: _run(django_capture_on_commit_callbacks, tasks.producer_reminders)  # noqa: E731
    due = london(date(2026, 3, 12))
    with time_machine.travel(due - timedelta(days=40), tick=False):
        ConfirmedReleaseFactory(lead_producer=cast.producer, title="Mental health services", release_at=due)
    with time_machine.travel(due - timedelta(minutes=1), tick=False):
        assert run() == 0
    with time_machine.travel(due + timedelta(minutes=1), tick=False):
        assert run() == 1
        assert recipients(mail.outbox) == ["editor@example.org", "hop@example.org"]
        assert mail.outbox[0].subject == "Release overdue: Mental health services"
    with time_machine.travel(due + timedelta(days=1), tick=False):
        assert run() == 0 and mail.outbox == []


def test_a_series_about_to_lose_twelve_months_of_coverage_is_reminded_once(cast, django_capture_on_commit_callbacks):
    run = lambda: _run(django_capture_on_commit_callbacks, tasks.producer_reminders)  # noqa: E731
    with time_machine.travel(datetime(2026, 3, 10, 8, 0, tzinfo=UTC), tick=False):
        series = ReleaseSeriesFactory(title="Diagnostics waiting times", producers=[cast.producer],
                                      frequency=Frequency.MONTHLY)  # fmt: skip
        ProvisionalReleaseFactory(lead_producer=cast.producer, series=series, starts_on=date(2027, 2, 1),
                                  ends_on=date(2027, 2, 28))  # fmt: skip
        run()
        assert not Event.objects.filter(kind=EventKind.REMIND_COVERAGE).exists()  # still covered in 2 weeks
    with time_machine.travel(datetime(2026, 3, 20, 8, 0, tzinfo=UTC), tick=False):
        run()  # covered today, not in 2 weeks: remind now, while there is time
        [event] = Event.objects.filter(kind=EventKind.REMIND_COVERAGE)
        assert event.key == f"remind_coverage:s{series.pk}:2027-02-28"
        coverage = [m for m in mail.outbox if m.subject == "Announce more releases: Diagnostics waiting times"]
        assert recipients(coverage) == ["editor@example.org", "hop@example.org"]
        assert "will no longer cover the next 12 months" in coverage[0].body
    with time_machine.travel(datetime(2026, 3, 21, 8, 0, tzinfo=UTC), tick=False):
        run()
        assert Event.objects.filter(kind=EventKind.REMIND_COVERAGE).count() == 1
        assert not [m for m in mail.outbox if m.subject.startswith("Announce more releases")]


def test_reminders_skip_people_without_a_role_or_an_address(cast, django_capture_on_commit_callbacks):
    nobody = UserFactory(username="noaddress", email="")
    give_role(nobody, cast.producer, ProducerRole.EDITOR)
    with time_machine.travel(MONDAY, tick=False):
        ProvisionalReleaseFactory(lead_producer=cast.producer, starts_on=date(2026, 4, 1), ends_on=date(2026, 4, 30))
        _run(django_capture_on_commit_callbacks, tasks.producer_reminders)
    assert recipients(mail.outbox) == ["editor@example.org", "hop@example.org"]


def test_weekly_look_ahead_lists_the_next_two_weeks_once_a_week(cast, django_capture_on_commit_callbacks):
    with time_machine.travel(MONDAY, tick=False):
        subscription("weekly@example.org", producers=[cast.producer], frequency="weekly")
        subscription("weekly-ons@example.org", producers=[cast.other_producer], frequency="weekly")
        subscription("immediate@example.org")
        ConfirmedReleaseFactory(
            lead_producer=cast.producer, title="A&E attendances", release_at=london(date(2026, 3, 12))
        )
        ProvisionalReleaseFactory(lead_producer=cast.producer, title="Bed availability",
                                  starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31))  # fmt: skip
        ConfirmedReleaseFactory(
            lead_producer=cast.producer, title="Too far ahead", release_at=london(date(2026, 3, 16))
        )
        ConfirmedReleaseFactory(lead_producer=cast.other_producer, title="ONS one", release_at=london(date(2026, 3, 3)))
        sent = _run(django_capture_on_commit_callbacks, tasks.weekly_digest)
        assert sent is True
        by_address = {m.to[0]: m for m in mail.outbox}
        assert sorted(by_address) == ["weekly-ons@example.org", "weekly@example.org"]
        digest = by_address["weekly@example.org"]
        assert digest.subject == "Health and social care statistics due from 2 March 2026 to 15 March 2026"
        assert digest.body.index("Bed availability") < digest.body.index("A&E attendances")
        assert "Too far ahead" not in digest.body and "ONS one" not in digest.body
        assert "List-Unsubscribe" in digest.extra_headers
    with time_machine.travel(MONDAY + timedelta(hours=5), tick=False):
        assert _run(django_capture_on_commit_callbacks, tasks.weekly_digest) is False  # beat fired twice: once only
        assert mail.outbox == []

"""The database side: facts gathered from real history rows written by the services, read "as of" a moment."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from alerts.models import Subscription
from progress.facts import gather
from progress.metrics import BY_KEY, Calculator
from progress.quarters import Quarter
from releases import services as release_services
from releases.schedule import LONDON, Schedule

pytestmark = pytest.mark.django_db


def announce(cast, release_at, at):
    return release_services.release_create(
        actor=cast.editor, announce=True, at=at, schedule=Schedule.window(release_at.astimezone(LONDON).date()),
        details=release_services.ReleaseDetails(
            title=f"Admissions {release_at:%d %B %Y}", lead_producer=cast.producer, designation="official",
            lead_statistician_name="Sam", lead_statistician_email="sam@example.org", networks=(cast.network,),
        ),
    )  # fmt: skip


def figure(key, quarter, as_of=None):
    as_of = as_of or min(timezone.now(), quarter.ends_at)
    facts = gather(quarters=quarter.last(8), until=as_of)
    return Calculator(facts).rows(BY_KEY[key], quarter, as_of)[0]


def test_a_late_confirmation_stays_late_after_later_edits(cast):
    last = Quarter.containing(timezone.now()).previous()
    release_at = datetime.combine(last.first_day + timedelta(days=45), time(9, 30), tzinfo=LONDON)
    release = announce(cast, release_at, release_at - timedelta(days=80))
    release = release_services.release_confirm(actor=cast.editor, release=release, release_at=release_at,
                                               at=release_at - timedelta(days=10))  # fmt: skip
    before = figure("confirmed_28_days", last)
    assert (before.numerator, before.denominator) == (0, 1)

    # Edited today (a new title): a new history row, but the quarter's figure does not move.
    details = release_services.ReleaseDetails.of(release)
    details.title = "Admissions, retitled"
    release_services.release_update(actor=cast.editor, release=release, details=details, reason="Clearer title")

    assert figure("confirmed_28_days", last) == before
    assert figure("lead_time", last).value == 10.0


def test_a_release_moved_across_the_quarter_end_counts_where_it_stood(cast):
    now = timezone.now()
    last = Quarter.containing(now).previous()
    first_time = datetime.combine(last.next_first_day - timedelta(days=3), time(9, 30), tzinfo=LONDON)
    release = announce(cast, first_time, first_time - timedelta(days=120))
    release = release_services.release_confirm(actor=cast.editor, release=release, release_at=first_time,
                                               at=first_time - timedelta(days=60))  # fmt: skip
    moved_to = first_time + timedelta(days=14)
    change = release_services.release_request_change(actor=cast.editor, release=release, at=first_time - timedelta(days=6),
                                                     schedule=Schedule.exact(moved_to), reason="Late data")  # fmt: skip
    release_services.release_agree_change(actor=cast.hop, change=change, at=first_time - timedelta(days=5))

    # As at the end of last quarter it had moved out of it: not due then.
    assert figure("confirmed_28_days", last).denominator == 0
    assert figure("date_changes", last).parts == (("Under 4 weeks' notice", 1), ("4 weeks' notice or more", 0))
    # Asked as at a day before the move, it was due in last quarter, confirmed 60 days ahead.
    early = figure("confirmed_28_days", last, as_of=first_time - timedelta(days=7))
    assert (early.numerator, early.denominator) == (1, 1)
    if moved_to <= now:
        current = Quarter.containing(now)
        due_now = figure("confirmed_28_days", current)
        assert due_now.denominator == 1 and due_now.numerator == 0  # 19 days between the move and the release


def test_subscribers_come_from_the_alerts_app(cast):
    last = Quarter.containing(timezone.now()).previous()
    start = last.starts_at
    for n, (confirmed, left) in enumerate([(1, None), (2, 40), (3, 200), (None, None), (200, None)]):
        Subscription.objects.create(
            email=f"person{n}@example.org", created_at=start,
            confirmed_at=start + timedelta(days=confirmed) if confirmed else None,
            unsubscribed_at=start + timedelta(days=left) if left else None,
        )  # fmt: skip
    # At the end of last quarter: person0, and person2 (left on day 200); person1 left, person3 never confirmed.
    assert figure("subscribers", last).value == 2.0

"""Each kind of change reaches exactly the matching subscribers, once, with what changed and why.

Runs the real path: a release service writes the outbox row in its transaction; on commit the (eager) Celery task fans
the event out through the calendar's filter and sends through Django's e-mail framework (locmem in tests).
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from alerts import tasks
from alerts.choices import DeliveryState, EventKind
from alerts.models import Delivery, Event
from releases import services
from releases.choices import Designation
from releases.schedule import Schedule
from tests.alerts.helpers import recipients, subscription
from tests.factories import ReleaseFactory

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("UTC"))
LONDON = ZoneInfo("Europe/London")
MATCHING = ["all@example.org", "keyword@example.org", "network@example.org", "nhse@example.org"]


@pytest.fixture
def people(cast):
    """Who should and should not hear about an NHS England release in urgent care titled "A&E attendances"."""
    subscription("all@example.org")
    subscription("nhse@example.org", producers=[cast.producer])
    subscription("NHSE@example.org".lower(), keywords="attendances")  # the same person again: one e-mail only
    subscription("network@example.org", networks=[cast.network])
    subscription("keyword@example.org", keywords="A&E attendances")
    subscription("ons@example.org", producers=[cast.other_producer])
    subscription("cancer@example.org", networks=[cast.other_network])
    subscription("accredited@example.org", designations=[Designation.ACCREDITED])
    subscription("otherwords@example.org", keywords="cancer waiting")
    subscription("unconfirmed@example.org", confirmed=False)
    subscription("weekly@example.org", frequency="weekly")
    subscription("left@example.org", unsubscribed=True)
    return cast


def _draft(cast):
    return ReleaseFactory(
        lead_producer=cast.producer, title="A&E attendances and emergency admissions", networks=[cast.network],
        designation=Designation.OFFICIAL, starts_on=datetime(2026, 5, 1).date(), ends_on=datetime(2026, 5, 31).date(),
    )  # fmt: skip


def _act(django_capture_on_commit_callbacks, action):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = action()
    return result


@pytest.mark.django_db
def test_every_kind_of_change_reaches_exactly_the_matching_subscribers_once(people, django_capture_on_commit_callbacks):
    cast = people
    act = lambda f: _act(django_capture_on_commit_callbacks, f)  # noqa: E731
    with time_machine.travel(NOW, tick=False):
        release = _draft(cast)
        act(lambda: services.release_announce(actor=cast.editor, release=release))
        assert recipients(mail.outbox) == MATCHING
        assert {m.subject for m in mail.outbox} == {"New release announced: A&E attendances and emergency admissions"}
        assert "Release date: May 2026 (provisional)" in mail.outbox[0].body

        at = datetime.combine(datetime(2026, 5, 14).date(), time(9, 30), tzinfo=LONDON)
        act(lambda: services.release_confirm(actor=cast.editor, release=release, release_at=at))
        assert recipients(mail.outbox) == MATCHING
        assert mail.outbox[0].subject == "Release date confirmed: A&E attendances and emergency admissions"
        assert "Release date: 14 May 2026 9:30am (confirmed)" in mail.outbox[0].body

        change = services.release_request_change(
            actor=cast.editor, release=release, schedule=Schedule.exact(at + timedelta(days=7)),
            reason="The supplier needs another week to check the data.",
        )  # fmt: skip
        assert Event.objects.count() == 2  # asking is not announcing: nothing goes to the public yet
        act(lambda: services.release_agree_change(actor=cast.hop, change=change))
        assert recipients(mail.outbox) == MATCHING
        body = mail.outbox[0].body
        assert mail.outbox[0].subject == "Release date changed: A&E attendances and emergency admissions"
        assert "New release date: 21 May 2026 9:30am (confirmed)" in body
        assert "Previous release date: 14 May 2026 9:30am" in body
        assert "Reason for the change: The supplier needs another week to check the data." in body

    with time_machine.travel(datetime(2026, 5, 21, 9, 31, tzinfo=LONDON), tick=False):
        act(lambda: services.release_publish(actor=cast.editor, release=release,
                                             published_url="https://www.england.nhs.uk/statistics/ae/"))  # fmt: skip
        assert recipients(mail.outbox) == MATCHING
        assert mail.outbox[0].subject == "Statistics published: A&E attendances and emergency admissions"
        assert "https://www.england.nhs.uk/statistics/ae/" in mail.outbox[0].body

    with time_machine.travel(NOW, tick=False):
        other = _draft(cast)
        act(lambda: services.release_announce(actor=cast.editor, release=other))
        act(
            lambda: services.release_cancel(actor=cast.editor, release=other, reason="Merged into the monthly release.")
        )
        assert recipients(mail.outbox) == MATCHING
        assert mail.outbox[0].subject == "Release cancelled: A&E attendances and emergency admissions"
        assert "Reason: Merged into the monthly release." in mail.outbox[0].body

        # Running the workers' safety net again sends nothing more: each (event, recipient) went exactly once.
        mail.outbox.clear()
        assert tasks.sweep() == {"fanned_out": 0, "recovered": 0, "tried": 0}
        assert mail.outbox == []
    kinds = list(Event.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == [EventKind.ANNOUNCED, EventKind.CONFIRMED, EventKind.RESCHEDULED, EventKind.PUBLISHED,
                     EventKind.ANNOUNCED, EventKind.CANCELLED]  # fmt: skip
    assert Delivery.objects.count() == 6 * len(MATCHING)
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}


@pytest.mark.django_db
def test_each_e_mail_has_text_html_and_one_click_unsubscribe_headers(people, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False):
        release = _draft(people)
        _act(
            django_capture_on_commit_callbacks, lambda: services.release_announce(actor=people.editor, release=release)
        )
    message = next(m for m in mail.outbox if m.to == ["network@example.org"])
    link = message.extra_headers["List-Unsubscribe"]
    assert link.startswith("<http://127.0.0.1:8000/alerts/unsubscribe/") and link.endswith("/>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["Message-ID"] == Delivery.objects.get(email="network@example.org").message_id
    html, mime = message.alternatives[0]
    assert mime == "text/html"
    assert "A&amp;E attendances and emergency admissions" in html  # escaped in HTML
    assert "Unsubscribe from these emails" in html
    assert "releases in Urgent and emergency care" in message.body
    assert f"Unsubscribe: {link[1:-1]}" in message.body


@pytest.mark.django_db
def test_a_change_that_is_rolled_back_tells_nobody(people, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False):
        release = _draft(people)
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
            from django.db import transaction

            with transaction.atomic():
                services.release_announce(actor=people.editor, release=release)
                raise RuntimeError("the request failed after the service")
    assert Event.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_drafts_and_edits_send_nothing(people, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False):
        release = _draft(people)
        details = services.ReleaseDetails.of(release)
        _act(django_capture_on_commit_callbacks, lambda: services.release_update(
            actor=people.editor, release=release, details=details, reason="Typo"))  # fmt: skip
    assert Event.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_fan_out_costs_queries_per_distinct_filter_not_per_subscriber(cast, django_assert_max_num_queries):
    from alerts.delivery import fan_out

    def event_for(n):
        for i in range(n):
            subscription(f"nhse{n}-{i}@example.org", producers=[cast.producer])
            subscription(f"uec{n}-{i}@example.org", networks=[cast.network])
        release = _draft(cast)
        release.state, release.announced_at = "provisional", NOW
        release.save()
        return Event.objects.create(kind="announced", key=f"k{n}", created_at=NOW, release=release, payload={})

    small = event_for(3)
    with django_assert_max_num_queries(40) as few:
        assert fan_out(small.pk) == 6
    large = event_for(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert fan_out(large.pk) == 66  # 3 + 30 subscribers of each filter, in the same number of queries


@pytest.mark.django_db
def test_many_releases_changed_in_one_transaction_make_one_e_mail_per_subscriber(
    people, django_capture_on_commit_callbacks
):
    """An import, or a producer announcing a quarter's releases at once: one e-mail each, listing every change."""
    from django.db import transaction

    with time_machine.travel(NOW, tick=False):
        drafts = [_draft(people) for _ in range(3)]
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            for draft in drafts:
                services.release_announce(actor=people.editor, release=draft)
    assert recipients(mail.outbox) == MATCHING
    message = next(m for m in mail.outbox if m.to == ["network@example.org"])
    assert message.subject == "3 changes to health and social care statistics releases"
    assert message.body.count("New release announced: A&E attendances and emergency admissions") == 3
    assert "List-Unsubscribe" in message.extra_headers
    assert Delivery.objects.count() == 3 * len(MATCHING)
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}
    assert Delivery.objects.filter(email="network@example.org").values("sent_at").distinct().count() == 1

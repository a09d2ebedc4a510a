"""The flags pages: who reads them, who settles, and bad input."""

import html
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from coordination.choices import FlagKind, FlagStatus
from coordination.flagging import flags_rescan
from coordination.models import Flag
from releases.choices import State
from tests.factories import ConfirmedReleaseFactory, ProvisionalReleaseFactory, london

NOW = datetime(2027, 3, 1, 10, 0, tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def clash(cast):
    for producer in (cast.producer, cast.other_producer):
        ConfirmedReleaseFactory(lead_producer=producer, networks=[cast.network], release_at=london(date(2027, 5, 12)))
    flags_rescan()
    return Flag.objects.get(kind=FlagKind.CLASH)


def text(response):
    return html.unescape(response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "status"), [("lead", 200), ("osr", 200), ("secretariat", 200), ("editor", 200)])
def test_people_with_a_role_read_the_flags(client, cast, clash, who, status):
    client.force_login(getattr(cast, who))

    response = client.get(reverse("flag-list"))

    assert response.status_code == status
    assert "are both due in Urgent and emergency care on 12 May 2027" in text(response)


@pytest.mark.django_db
def test_anonymous_and_people_without_a_role_cannot(client, cast, clash, django_user_model):
    assert client.get(reverse("flag-list")).status_code == 302
    client.force_login(django_user_model.objects.create_user("nobody", password="x" * 20))
    assert client.get(reverse("flag-list")).status_code == 403


@pytest.mark.django_db
def test_lead_marks_a_clash_coordinated(client, cast, clash):
    client.force_login(cast.lead)

    response = client.post(reverse("flag-detail", kwargs={"pk": clash.pk}),
                           {"action": "coordinated", "reason": "Joint briefing agreed"})  # fmt: skip

    assert response.status_code == 302
    clash.refresh_from_db()
    assert clash.status == FlagStatus.RESOLVED
    assert clash.settle_reason == "Marked as coordinated: Joint briefing agreed"


@pytest.mark.django_db
def test_osr_cannot_settle(client, cast, clash):
    client.force_login(cast.osr)

    assert "Settle this flag" not in text(client.get(reverse("flag-detail", kwargs={"pk": clash.pk})))
    response = client.post(reverse("flag-detail", kwargs={"pk": clash.pk}), {"action": "dismiss", "reason": "x"})

    assert response.status_code == 403
    clash.refresh_from_db()
    assert clash.status == FlagStatus.OPEN


@pytest.mark.django_db
def test_dismissing_without_a_reason_shows_an_error_and_changes_nothing(client, cast, clash):
    client.force_login(cast.lead)

    response = client.post(reverse("flag-detail", kwargs={"pk": clash.pk}), {"action": "dismiss", "reason": ""})

    assert response.status_code == 200
    assert "Enter what was done, or why this is not a problem" in text(response)
    clash.refresh_from_db()
    assert clash.status == FlagStatus.OPEN


@pytest.mark.django_db
def test_confirming_a_duplicate_on_the_page_withdraws_the_chosen_release(client, cast):
    kwargs = {"networks": [cast.network], "reference_period_start": date(2027, 1, 1),
              "reference_period_end": date(2027, 1, 31)}  # fmt: skip
    keep = ProvisionalReleaseFactory(lead_producer=cast.producer, title="Emergency admissions: January 2027", **kwargs)
    drop = ProvisionalReleaseFactory(lead_producer=cast.other_producer, title="Emergency Admissions, January 2027",
                                     **kwargs)  # fmt: skip
    flags_rescan()
    flag = Flag.objects.get(kind=FlagKind.DUPLICATE)
    client.force_login(cast.secretariat)

    client.post(reverse("flag-detail", kwargs={"pk": flag.pk}),
                {"action": "duplicate", "withdraw": drop.pk, "reason": "NHS England's release stays"})  # fmt: skip

    drop.refresh_from_db()
    assert drop.state == State.CANCELLED and drop.withdrawn_in_favour_of == keep
    public = text(client.get(reverse("release-detail", kwargs={"slug": drop.slug})))
    assert "It was withdrawn in favour of" in public
    assert f'href="{reverse("release-detail", kwargs={"slug": keep.slug})}">{keep.title}</a>' in public


@pytest.mark.django_db
def test_the_list_reads_no_releases_and_its_queries_do_not_grow(client, cast, clash):
    """/flags/ loaded every listed flag's releases (and their producers) and showed none of them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cast.secretariat)
    client.get(reverse("flag-list"))  # the session and roles

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("flag-list")).status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    few = queries()
    for day in (13, 14, 17, 18, 19):  # five more clashes, each of two releases
        for producer in (cast.producer, cast.other_producer):
            ConfirmedReleaseFactory(lead_producer=producer, networks=[cast.network],
                                    release_at=london(date(2027, 5, day)))  # fmt: skip
    flags_rescan()
    many = queries()

    assert Flag.objects.filter(kind=FlagKind.CLASH).count() == 6
    assert len(many) == len(few)
    assert not [sql for sql in many if '"releases_release"' in sql or '"releases_flag_releases"' in sql]

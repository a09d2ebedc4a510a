"""A changed source updates its release through the services (history, date changes, flags as for a person's edit);
the same source again changes nothing; upcoming releases are announced as of the import."""

from datetime import date, timedelta

import pytest

from coordination.choices import FlagKind
from coordination.models import Flag
from importing import govuk, messages
from importing.runner import IMPORT_USERNAME, import_files
from releases.choices import ChangeStatus, ImportSource, Precision, State
from releases.models import Release
from tests.factories import london
from tests.importing.conftest import NOW

BASE = "/government/statistics/announcements/ae-attendances-december-2026"
LABEL = f"GOV.UK {BASE}"


def item(display_date: str, state: str = "provisional", **details):
    return {
        "base_path": BASE,
        "title": "A&E attendances and emergency admissions: December 2026",
        "description": "Monthly A&E attendances in England.",
        "schema_name": "statistics_announcement",
        "first_published_at": "2026-10-01T10:00:00+01:00",
        "details": {"display_date": display_date, "state": state, "format_sub_type": "national", **details},
        "links": {"organisations": [{"base_path": "/government/organisations/nhs-england", "title": "NHS England"}]},
    }


def run(requester, *items, **kwargs):
    files = [govuk.parse_document(f"item{n}.json", i) for n, i in enumerate(items)]
    return import_files(files, requester=requester, **kwargs)


def only(summary):
    (outcome,) = summary.outcomes
    return outcome


def release() -> Release:
    return Release.objects.get(source=ImportSource.GOVUK, source_identifier=BASE)


def reasons() -> list[str]:
    return list(release().history.order_by("history_id").values_list("history_change_reason", flat=True))


@pytest.mark.django_db
def test_an_upcoming_window_then_its_confirmation_then_a_move_then_a_cancellation(people):
    editor = people.nhse_editor
    first = only(run(editor, item("January 2027")))
    assert first.result == "created"
    created = release()
    assert (created.state, created.precision, created.starts_on, created.ends_on) == (
        State.PROVISIONAL, Precision.MONTH, date(2027, 1, 1), date(2027, 1, 31))  # fmt: skip
    assert created.announced_at.isoformat() == "2026-10-01T09:00:00+00:00"  # first_published_at
    assert (created.lead_statistician_name, created.lead_statistician_email) == ("Priya Shah", editor.email)
    assert only(run(editor, item("January 2027"))).result == "unchanged"

    # Confirmed inside the window: a confirmation, not a change.
    two_days_ago = NOW - timedelta(days=2)
    confirmed = only(run(editor, item("14 January 2027 9:30am", "confirmed"), now=two_days_ago))
    assert (confirmed.result, confirmed.changed) == ("updated", ("date",))
    assert (release().state, release().release_at) == (State.CONFIRMED, london(date(2027, 1, 14)))
    assert release().confirmed_at == two_days_ago  # GOV.UK gives no time for it: the register learns it then
    assert reasons()[-1] == messages.CONFIRMED_REASON.format(when="14 January 2027 9:30am", label=LABEL)
    assert not release().date_changes.exists()

    # GOV.UK then moves it, with the change note: an agreed change with the reason, made when GOV.UK says.
    moved = item("21 January 2027 9:30am", "confirmed", previous_display_date="14 January 2027 9:30am",
                 latest_change_note="Late data from three trusts.")  # fmt: skip
    moved["public_updated_at"] = "2026-11-01T16:00:00+00:00"
    outcome = only(run(editor, moved))
    assert outcome.changed == ("date",), outcome
    change = release().date_changes.get()
    assert (change.status, change.previous_wording(), change.new_wording(), change.reason) == (
        ChangeStatus.AGREED, "14 January 2027 9:30am", "21 January 2027 9:30am", "Late data from three trusts.")  # fmt: skip
    assert change.decided_at.isoformat() == "2026-11-01T16:00:00+00:00"
    assert (change.requested_by.username, change.decided_by.username) == (IMPORT_USERNAME, IMPORT_USERNAME)
    assert release().release_at == london(date(2027, 1, 21))
    assert only(run(editor, moved)).result == "unchanged"

    # A title edit goes through release_update with the source in the reason.
    retitled = dict(moved, title="A&E attendances and emergency admissions in England: December 2026")
    assert only(run(editor, retitled)).changed == ("title",)
    assert release().title == retitled["title"]
    assert reasons()[-1] == messages.UPDATED_REASON.format(label=LABEL, fields="title")

    # Cancelled on GOV.UK: cancelled here with GOV.UK's reason, and it stays public.
    cancelled = dict(retitled, details={**retitled["details"], "state": "cancelled",
                                        "cancellation_reason": "Merged into the quarterly release."})  # fmt: skip
    assert only(run(editor, cancelled)).changed == ("cancelled",)
    assert (release().state, release().cancellation_reason) == (State.CANCELLED, "Merged into the quarterly release.")
    assert only(run(editor, cancelled)).result == "unchanged"

    # Nothing more can change a cancelled release: the source's change is refused with the reason.
    revived = dict(retitled, title="Something else")
    refused = only(run(editor, revived))
    assert refused.result == "rejected"
    assert refused.reasons == (messages.FINAL_HERE.format(state="cancelled", what="title, announced"),)


@pytest.mark.django_db
def test_a_late_confirmation_learnt_now_raises_the_short_notice_flag(people):
    soon = (NOW + timedelta(days=10)).date()
    late = item(f"{soon.day} {soon:%B %Y} 9:30am", "confirmed")
    del late["first_published_at"]
    outcome = only(run(people.secretariat, late))
    assert outcome.result == "created"
    assert (release().announced_at, release().confirmed_at) == (NOW, NOW)
    kinds = set(Flag.objects.filter(releases=release()).values_list("kind", flat=True))
    assert kinds == {FlagKind.SHORT_NOTICE}


@pytest.mark.django_db
def test_announced_by_the_source_weeks_ahead_is_not_short_notice(people):
    soon = (NOW + timedelta(days=10)).date()
    only(run(people.secretariat, item(f"{soon.day} {soon:%B %Y} 9:30am", "confirmed")))  # first published 1 October
    assert release().confirmed_at.isoformat() == "2026-10-01T09:00:00+00:00"
    assert not Flag.objects.filter(releases=release()).exists()


@pytest.mark.django_db
def test_a_move_outside_the_window_is_an_agreed_change_then_a_confirmation(people):
    run(people.nhse_editor, item("January 2027"))
    moved = item("9 February 2027 9:30am", "confirmed", previous_display_date="January 2027",
                 latest_change_note="Moved to follow the annual refresh.")  # fmt: skip
    assert only(run(people.nhse_editor, moved)).changed == ("date",)
    change = release().date_changes.get()
    assert (change.previous_wording(), change.new_wording(), change.reason) == (
        "January 2027", "February 2027", "Moved to follow the annual refresh.")  # fmt: skip
    assert (release().state, release().release_at) == (State.CONFIRMED, london(date(2027, 2, 9)))


@pytest.mark.django_db
def test_a_release_confirmed_here_inside_the_window_the_source_still_shows_is_left_alone(people):
    run(people.nhse_editor, item("January 2027"))
    from releases import services

    services.release_confirm(actor=people.nhse_editor, release=release(), release_at=london(date(2027, 1, 14)))
    assert only(run(people.nhse_editor, item("January 2027"))).result == "unchanged"
    assert only(run(people.nhse_editor, item("March 2027"))).reasons == (messages.CANNOT_UNCONFIRM,)


@pytest.mark.django_db
def test_a_source_cannot_hand_a_release_to_another_producer_without_its_people(people):
    run(people.nhse_editor, item("January 2027"))
    to_ons = item("January 2027")
    to_ons["links"] = {"organisations": [{"base_path": "/government/organisations/office-for-national-statistics",
                                          "title": "Office for National Statistics"}]}  # fmt: skip
    refused = only(run(people.ons_editor, to_ons))
    assert refused.reasons == (messages.NOT_YOUR_PRODUCER.format(producer="NHS England"),)
    assert release().lead_producer == people.producers["NHSE"]
    moved = only(run(people.secretariat, to_ons))
    assert moved.changed == ("lead_producer",)
    assert release().lead_producer == people.producers["ONS"]

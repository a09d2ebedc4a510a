"""Working days, the status tracker's expected dates, whose turn it is and what happens next."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ImproperlyConfigured

from datalab import messages
from datalab.choices import RequestState as S
from datalab.states import MAIN_PATH
from datalab.turnaround import (
    add_working_days,
    is_working_day,
    next_step_text,
    summary_text,
    timeline,
    whose_turn,
)

LAB = "The lab's analyst or the EHSSG secretariat"


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def path_until(state: S, start: date = date(2025, 6, 2)) -> dict[str, datetime]:
    """The usual path reached one day apart, up to ``state``."""
    return {s: at(date.fromordinal(start.toordinal() + i)) for i, s in enumerate(MAIN_PATH[: MAIN_PATH.index(state) + 1])}


def by_state(milestones):
    return {m.state: m for m in milestones}


def test_weekends_and_england_bank_holidays_are_not_working_days():
    assert not is_working_day(date(2025, 8, 25))  # Late Summer Bank Holiday (a Monday)
    assert not is_working_day(date(2025, 8, 23))  # a Saturday
    assert is_working_day(date(2025, 8, 26))
    assert add_working_days(date(2025, 8, 22), 1) == date(2025, 8, 26)  # Friday -> Tuesday, over the weekend and the holiday
    assert add_working_days(date(2025, 12, 24), 1) == date(2025, 12, 29)  # Christmas Day, Boxing Day, a weekend
    assert add_working_days(date(2025, 12, 24), 4) == date(2026, 1, 2)  # and New Year's Day
    assert add_working_days(date(2025, 9, 6), 1) == date(2025, 9, 8)  # from a Saturday
    assert add_working_days(date(2025, 9, 6), 0) == date(2025, 9, 6)


def test_expected_dates_chain_from_the_london_day_the_current_state_was_reached():
    # Submitted at 23:30 UTC on Thursday 21 August 2025: 00:30 on Friday 22 August in London. Ten working days after
    # that Friday (25 August is a bank holiday): 26, 27, 28, 29 August, 1 to 5 September, 8 September.
    reached = {S.DRAFT: at(date(2025, 8, 20)), S.SUBMITTED: datetime(2025, 8, 21, 23, 30, tzinfo=UTC)}
    milestones = by_state(timeline(state=S.SUBMITTED, reached=reached, today=date(2025, 8, 26)))
    assert list(milestones) == [s.value for s in MAIN_PATH]
    assert milestones["draft"].reached_at == reached[S.DRAFT] and not milestones["draft"].current
    current = milestones["submitted"]
    assert (current.current, current.reached_at, current.expected_by, current.whose_turn) == (
        True, reached[S.SUBMITTED], date(2025, 9, 8), LAB,
    )  # fmt: skip
    assert milestones["eligibility_checked"].expected_by == date(2025, 9, 8)
    assert milestones["eligibility_checked"].whose_turn == "The organisation"  # it signs the agreement next
    assert milestones["agreement_signed"].expected_by is None  # the organisation's own step
    assert milestones["awaiting_upload"].expected_by == date(2025, 9, 15)  # 5 working days after 8 September
    assert milestones["linked"].expected_by == date(2025, 9, 22)  # 5 after an upload that day
    assert [m.label for m in milestones.values()][:3] == ["Draft", "Submitted", "Eligibility checked"]


def test_steps_after_an_overdue_one_count_from_today():
    reached = {S.DRAFT: at(date(2025, 8, 20)), S.SUBMITTED: at(date(2025, 8, 22))}
    milestones = by_state(timeline(state=S.SUBMITTED, reached=reached, today=date(2025, 9, 10)))
    assert milestones["submitted"].expected_by == date(2025, 9, 8)  # overdue: still shown as it was due
    assert milestones["awaiting_upload"].expected_by == date(2025, 9, 17)  # 5 working days after today


def test_a_draft_expects_nothing_of_the_organisation_and_counts_the_lab_from_today():
    milestones = by_state(timeline(state=S.DRAFT, reached={S.DRAFT: at(date(2025, 11, 3))}, today=date(2025, 12, 17)))
    draft = milestones["draft"]
    assert (draft.current, draft.expected_by, draft.whose_turn) == (True, None, "The organisation")
    assert milestones["submitted"].expected_by is None
    # 18, 19, 22, 23, 24, 29, 30, 31 December (Christmas and Boxing Day off), 2 and 5 January (New Year's Day off)
    assert milestones["eligibility_checked"].expected_by == date(2026, 1, 5)


def test_the_working_days_are_configurable(settings):
    settings.DATALAB_TURNAROUND_DAYS = {"eligibility_checked": 3}
    reached = {S.DRAFT: at(date(2025, 8, 20)), S.SUBMITTED: at(date(2025, 8, 22))}
    assert by_state(timeline(state=S.SUBMITTED, reached=reached, today=date(2025, 8, 22)))["submitted"].expected_by == (
        date(2025, 8, 28)
    )
    assert next_step_text(S.SUBMITTED) == (
        "The lab is checking that it can answer the request, and aims to tell you within 3 working days."
    )
    settings.DATALAB_TURNAROUND_DAYS = {"eligibility": 3}
    with pytest.raises(ImproperlyConfigured, match="DATALAB_TURNAROUND_DAYS names eligibility: only"):
        next_step_text(S.SUBMITTED)
    settings.DATALAB_TURNAROUND_DAYS = {"linked": -1}
    with pytest.raises(ImproperlyConfigured) as raised:
        next_step_text(S.SUBMITTED)
    assert str(raised.value) == messages.TURNAROUND_NOT_DAYS.format(name="linked")


def test_a_withdrawn_request_ends_its_timeline_where_it_left_the_path():
    reached = {**path_until(S.AWAITING_UPLOAD), S.WITHDRAWN: at(date(2025, 6, 20))}
    milestones = timeline(state=S.WITHDRAWN, reached=reached, today=date(2025, 6, 23))
    assert [m.state for m in milestones] == [
        "draft", "submitted", "eligibility_checked", "agreement_signed", "awaiting_upload", "withdrawn",
    ]  # fmt: skip
    assert all(m.reached_at == reached[m.state] for m in milestones)
    assert all(m.expected_by is None for m in milestones)
    assert [m.current for m in milestones] == [False] * 5 + [True]
    assert milestones[-1].whose_turn == "The lab's systems"  # its data is deleted next
    # Then its data deleted, then closed: the clearing up it reached, nothing expected.
    reached[S.DATA_DELETED] = at(date(2025, 6, 21))
    later = timeline(state=S.DATA_DELETED, reached=reached, today=date(2025, 6, 23))
    assert [m.state for m in later][-3:] == ["awaiting_upload", "withdrawn", "data_deleted"]
    assert later[-1].current and later[-1].whose_turn == LAB
    reached[S.CLOSED] = at(date(2025, 6, 22))
    closed = timeline(state=S.CLOSED, reached=reached, today=date(2025, 6, 23))
    assert [m.state for m in closed][-3:] == ["withdrawn", "data_deleted", "closed"]
    assert closed[-1].whose_turn == ""


def test_a_request_refused_at_the_eligibility_check_or_withdrawn_as_a_draft_stops_there():
    refused = {**path_until(S.SUBMITTED), S.NOT_FEASIBLE: at(date(2025, 6, 9))}
    assert [m.state for m in timeline(state=S.NOT_FEASIBLE, reached=refused, today=date(2025, 6, 10))] == [
        "draft", "submitted", "not_feasible",
    ]  # fmt: skip
    withdrawn = {S.DRAFT: at(date(2025, 6, 2)), S.WITHDRAWN: at(date(2025, 6, 3))}
    assert [m.state for m in timeline(state=S.WITHDRAWN, reached=withdrawn, today=date(2025, 6, 4))] == [
        "draft", "withdrawn",
    ]  # fmt: skip


def test_a_published_request_deleting_its_data_stays_on_the_usual_path():
    reached = path_until(S.DATA_DELETED)
    milestones = timeline(state=S.DATA_DELETED, reached=reached, today=date(2025, 6, 20))
    assert [m.state for m in milestones] == [s.value for s in MAIN_PATH]
    assert milestones[-1].expected_by == add_working_days(date(2025, 6, 15), 5)  # closed 5 working days on


def test_an_output_sent_back_is_expected_again():
    reached = path_until(S.ANALYSED)
    reached[S.PROTOCOL_LOCKED] = at(date(2025, 7, 1))  # the checker returned the output: locked again, analysed before
    milestones = by_state(timeline(state=S.PROTOCOL_LOCKED, reached=reached, today=date(2025, 7, 1)))
    assert milestones["analysed"].reached_at is None
    assert milestones["analysed"].expected_by == date(2025, 7, 29)  # 20 working days after 1 July
    assert milestones["protocol_locked"].whose_turn == "The lab's analyst"  # who runs it (the system records it)


def test_times_must_be_aware():
    with pytest.raises(ValueError, match="aware"):
        timeline(state=S.SUBMITTED, reached={S.SUBMITTED: datetime(2025, 8, 22, 10)}, today=date(2025, 8, 22))  # noqa: DTZ001


@pytest.mark.parametrize("state", list(S))
def test_every_state_says_what_happens_next(state):
    text = next_step_text(state)
    assert text == messages.NEXT_STEPS[state].format(
        **{name: f"{days} working day{'s' if days != 1 else ''}" for name, days in {
            "eligibility_checked": 10, "awaiting_upload": 5, "linked": 5, "feasible": 10, "protocol_locked": 10,
            "analysed": 20, "output_checked": 10, "factual_review": 2, "scheduled": 10, "published": 20,
            "data_deleted": 1, "closed": 5,
        }.items()}  # fmt: skip
    )
    assert "{" not in text and text.endswith(".")


def test_what_happens_next_while_waiting_for_the_upload():
    assert next_step_text(S.AWAITING_UPLOAD) == (
        "Upload the list of people your programme helped, using the template. The lab links it within 5 working days."
    )
    assert next_step_text(S.PUBLISHED).endswith("within 1 working day.")
    assert whose_turn(S.AWAITING_UPLOAD) == "The organisation"
    assert whose_turn(S.FACTUAL_REVIEW) == "The organisation"
    assert whose_turn(S.SCHEDULED) == "The EHSSG secretariat or the lab's systems"


def test_the_usual_time_from_submission_to_publication():
    # 10 + 5 + 5 + 10 + 10 + 20 + 10 + 2 + 10 + 20 working days; 102 / 21 a month is about 5 months
    assert summary_text() == messages.TURNAROUND_SUMMARY.format(months=5, days=102)

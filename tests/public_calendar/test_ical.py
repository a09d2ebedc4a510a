"""The iCalendar builder, to the letter of shared/docs/ical.md, checked by three independent parsers."""

import uuid
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest

from public_calendar.ical import EventData, calendar_component, event_bytes, event_component, feed_bytes
from tests.calendar_parsers import parse_with_all, parse_with_icalendar

REVISED = datetime(2026, 11, 2, 10, 15, 7, 123456, tzinfo=UTC)


def data(**overrides) -> EventData:
    values = {
        "uid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "title": "A&E attendances and emergency admissions: April 2027",
        "url": "https://calendar.example/releases/ae-april-2027/",
        "state": "confirmed",
        "sequence": 1,
        "revised_at": REVISED,
        "created_at": REVISED - timedelta(days=40),
        "release_at": datetime(2027, 5, 13, 8, 30, tzinfo=UTC),  # 9:30am BST
        "summary": "Monthly figures for England.",
        "producers": ("NHS England",),
        "networks": ("Urgent and emergency care",),
        "designation": "Accredited official statistics",
        "lead_statistician": "Sam Analyst, sam.analyst@example.org",
    }
    values.update(overrides)
    return EventData(**values)


def lines(body: bytes) -> list[bytes]:
    assert body.endswith(b"\r\n")
    return body[:-2].split(b"\r\n")


def unfolded(body: bytes) -> list[str]:
    return body.decode().replace("\r\n ", "").split("\r\n")


PROVISIONAL = data(state="provisional", release_at=None, window_start=date(2027, 4, 1), window_label="April 2027",
                   sequence=0)  # fmt: skip
CANCELLED = data(state="cancelled", sequence=2, cancellation_reason="Merged into the quarterly release, see notes")
RESCHEDULED = data(sequence=2, changes=("Rescheduled from 6 May 2027 9:30am. Reason: late data from trusts",))


def test_joined_feed_equals_what_icalendar_writes_for_the_whole_calendar():
    events = [data(), PROVISIONAL, CANCELLED]
    whole = calendar_component("Health statistics", "Every release")
    for event in events:
        whole.add_component(event_component(event))

    assert feed_bytes("Health statistics", "Every release", [event_bytes(e) for e in events]) == whole.to_ical()


def test_same_data_same_bytes_and_dtstamp_is_the_revision():
    assert event_bytes(data()) == event_bytes(data())
    text = unfolded(event_bytes(data()))
    assert "DTSTAMP:20261102T101507Z" in text
    assert "LAST-MODIFIED:20261102T101507Z" in text


def test_exact_release_in_london_time_with_a_nominal_half_hour():
    text = unfolded(event_bytes(data()))

    assert "DTSTART;TZID=Europe/London:20270513T093000" in text
    assert "DTEND;TZID=Europe/London:20270513T100000" in text
    assert "STATUS:CONFIRMED" in text
    assert "TRANSP:TRANSPARENT" in text and "X-MICROSOFT-CDO-BUSYSTATUS:FREE" in text
    assert "UID:12345678-1234-5678-1234-567812345678@ehssg-release-calendar" in text
    assert not any(line.startswith("DURATION") for line in text)
    assert "CATEGORIES:NHS England,Urgent and emergency care,Accredited official statistics" in text


def test_provisional_window_is_one_tentative_all_day_event():
    text = unfolded(event_bytes(PROVISIONAL))

    assert "DTSTART;VALUE=DATE:20270401" in text
    assert "DTEND;VALUE=DATE:20270402" in text
    assert "STATUS:TENTATIVE" in text
    assert "SUMMARY:[Provisional: April 2027] A&E attendances and emergency admissions: April 2027" in text
    assert any(line.startswith("DESCRIPTION:Provisional: due in April 2027.") for line in text)


def test_cancelled_keeps_the_event_with_the_reason_in_words():
    text = unfolded(event_bytes(CANCELLED))

    assert "STATUS:CANCELLED" in text
    assert "SEQUENCE:2" in text
    assert "SUMMARY:CANCELLED: A&E attendances and emergency admissions: April 2027" in text
    assert any(
        line.startswith("DESCRIPTION:Cancelled. Reason: Merged into the quarterly release\\, see notes")
        for line in text
    )


def test_rescheduled_says_from_when_and_why():
    text = unfolded(event_bytes(RESCHEDULED))

    description = next(line for line in text if line.startswith("DESCRIPTION:"))
    assert description.startswith("DESCRIPTION:Rescheduled from 6 May 2027 9:30am. Reason: late data from trusts\\n")


def test_text_is_escaped():
    body = event_bytes(data(title="Deaths; weekly, provisional\nEngland \\ Wales"))

    assert "SUMMARY:Deaths\\; weekly\\, provisional\\nEngland \\\\ Wales" in unfolded(body)
    assert parse_with_icalendar(feed_bytes("x", "y", [body]))[0]["SUMMARY"] == "Deaths; weekly, provisional\nEngland \\ Wales"


def test_long_utf8_lines_fold_at_75_octets_never_inside_a_character():
    body = event_bytes(data(summary="Ystadegau iechyd – ‘prif ganfyddiadau’ é" * 12))

    for line in lines(body):
        assert len(line) <= 75
        line.decode("utf-8")  # raises if a character was split across lines


def test_calendar_header_and_timezone_follow_the_contract():
    body = feed_bytes("Health statistics, England", "Releases, upcoming; and recent", [])
    text = unfolded(body)

    assert text.count("VERSION:2.0") == 1 and sum(line.startswith("PRODID:") for line in text) == 1
    assert "NAME:Health statistics\\, England" in text and "X-WR-CALNAME:Health statistics\\, England" in text
    assert "X-WR-CALDESC:Releases\\, upcoming\\; and recent" in text
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT6H" in text and "X-PUBLISHED-TTL:PT6H" in text
    assert not any(line.startswith("METHOD") for line in text)
    tz = text[text.index("BEGIN:VTIMEZONE") : text.index("END:VTIMEZONE")]
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in tz and "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in tz
    assert not any(line.startswith(("COMMENT", "RDATE")) for line in tz)


def test_timezone_rules_give_the_right_utc_times_in_summer_and_winter():
    summer = data(release_at=datetime(2027, 7, 1, 8, 30, tzinfo=UTC))
    winter = data(uid=uuid.uuid4(), release_at=datetime(2027, 1, 14, 9, 30, tzinfo=UTC))
    events = parse_with_icalendar(feed_bytes("x", "y", [event_bytes(summer), event_bytes(winter)]))

    starts = sorted(e.decoded("DTSTART").astimezone(UTC) for e in events)
    assert starts == [datetime(2027, 1, 14, 9, 30, tzinfo=UTC), datetime(2027, 7, 1, 8, 30, tzinfo=UTC)]


def test_three_independent_parsers_accept_every_kind_of_event():
    events = [data(), PROVISIONAL.__class__(**{**PROVISIONAL.__dict__, "uid": uuid.uuid4()}),
              CANCELLED.__class__(**{**CANCELLED.__dict__, "uid": uuid.uuid4()}),
              data(uid=uuid.uuid4(), title="Zażółć, gęślą; jaźń " * 6)]  # fmt: skip
    body = feed_bytes("Health statistics, England", "Every release; upcoming", [event_bytes(e) for e in events])

    parsed = parse_with_all(body)

    assert len(parsed["libical"]) == len(parsed["icaljs"]) == 4
    statuses = sorted(line.split()[2] for line in parsed["icaljs"])
    assert statuses == ["CANCELLED", "CONFIRMED", "CONFIRMED", "TENTATIVE"]
    assert "2027-05-13T08:30:00.000Z" in " ".join(parsed["icaljs"])


@pytest.mark.parametrize("event", [data(), PROVISIONAL, CANCELLED])
def test_icalendar_round_trip_keeps_uid_and_sequence(event):
    parsed = parse_with_icalendar(feed_bytes("x", "y", [event_bytes(event)]))[0]

    assert parsed["UID"] == f"{event.uid}@ehssg-release-calendar"
    assert parsed["SEQUENCE"] == event.sequence
    assert isinstance(parsed, icalendar.Event)

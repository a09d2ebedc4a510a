"""iCalendar bytes for releases (pure: plain data in, bytes out). The contract is shared/docs/ical.md.

Each release's VEVENT is written once per revision with the icalendar library and can be kept (the selectors cache it
by release and version); a feed is the calendar header, the Europe/London VTIMEZONE and the kept events joined. The
tests prove the joined bytes equal what icalendar writes for the whole calendar. Every value is passed explicitly,
because icalendar 7 defaults to a random UID and the current time, writes REFRESH-INTERVAL without VALUE=DURATION, a
timedelta TTL as "6:00:00", and a VTIMEZONE full of fixed dates with a COMMENT that libical rejects.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vText

from releases.schedule import LONDON

PRODID = "-//English Health Statistics Steering Group//Health statistics release calendar//EN"
REFRESH = "PT6H"
EXACT_DURATION = timedelta(minutes=30)
CRLF = b"\r\n"


@dataclass(frozen=True)
class EventData:
    """What a calendar event says about one release."""

    uid: uuid.UUID
    title: str
    url: str
    state: str  # provisional / confirmed / published / cancelled
    sequence: int
    revised_at: datetime
    created_at: datetime
    release_at: datetime | None = None
    window_start: date | None = None
    window_label: str = ""
    summary: str = ""
    producers: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()
    designation: str = ""
    lead_statistician: str = ""
    cancellation_reason: str = ""
    published_url: str = ""
    changes: tuple[str, ...] = field(default_factory=tuple)  # "Rescheduled from ... Reason: ..."


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def event_component(data: EventData) -> Event:
    event = Event()
    event.add("uid", f"{data.uid}@ehssg-release-calendar")
    event.add("dtstamp", _utc(data.revised_at))
    event.add("created", _utc(data.created_at))
    event.add("last-modified", _utc(data.revised_at))
    event.add("sequence", data.sequence)
    prefix = ""
    if data.state == "cancelled":
        prefix = "CANCELLED: "
    elif data.release_at is None:
        prefix = f"[Provisional: {data.window_label}] "
    event.add("summary", prefix + data.title)
    if data.release_at is not None:
        start = data.release_at.astimezone(LONDON).replace(microsecond=0)
        event.add("dtstart", start)
        event.add("dtend", start + EXACT_DURATION)
    else:
        assert data.window_start is not None  # noqa: S101 - a window release always has its first day
        event.add("dtstart", data.window_start)
        event.add("dtend", data.window_start + timedelta(days=1))
    event.add("status", {"cancelled": "CANCELLED", "provisional": "TENTATIVE"}.get(data.state, "CONFIRMED"))
    event.add("transp", "TRANSPARENT")
    event.add("x-microsoft-cdo-busystatus", "FREE")
    event.add("url", data.url)
    event.add("description", _description(data))
    categories = [*data.producers, *data.networks, *([data.designation] if data.designation else [])]
    if categories:
        event.add("categories", categories)
    return event


def _description(data: EventData) -> str:
    lines = []
    if data.state == "cancelled":
        lines.append(f"Cancelled. Reason: {data.cancellation_reason}")
    if data.release_at is None:
        lines.append(f"Provisional: due in {data.window_label}. The exact date and time will be announced.")
    lines.extend(data.changes)
    if data.summary:
        lines.append(data.summary)
    if data.producers:
        lines.append(f"Produced by {', '.join(data.producers)}")
    if data.designation:
        lines.append(data.designation)
    if data.lead_statistician:
        lines.append(f"Lead statistician: {data.lead_statistician}")
    if data.published_url:
        lines.append(f"Published: {data.published_url}")
    lines.append(f"Details: {data.url}")
    return "\n".join(lines)


def event_bytes(data: EventData) -> bytes:
    """One VEVENT, folded and CRLF-terminated, ready to be kept and joined into feeds."""
    return event_component(data).to_ical()


def london_timezone() -> Timezone:
    """Europe/London as yearly rules (not a list of dates, no COMMENT): what every client accepts."""
    tz = Timezone()
    tz.add("tzid", "Europe/London")
    summer = TimezoneDaylight()
    summer.add("tzname", "BST")
    summer.add("tzoffsetfrom", timedelta(0))
    summer.add("tzoffsetto", timedelta(hours=1))
    summer.add("dtstart", datetime(1981, 3, 29, 1, 0))  # noqa: DTZ001 - VTIMEZONE DTSTART is local time by RFC 5545
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1SU"})
    winter = TimezoneStandard()
    winter.add("tzname", "GMT")
    winter.add("tzoffsetfrom", timedelta(hours=1))
    winter.add("tzoffsetto", timedelta(0))
    winter.add("dtstart", datetime(1996, 10, 27, 2, 0))  # noqa: DTZ001 - local time, as above
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1SU"})
    tz.add_component(summer)
    tz.add_component(winter)
    return tz


def calendar_component(name: str, description: str) -> Calendar:
    cal = Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", PRODID)
    cal.add("calscale", "GREGORIAN")
    # icalendar 7.3 leaves commas in NAME, X-WR-CALNAME and X-WR-CALDESC unescaped: pass them as text ourselves.
    for key, value in (("name", name), ("x-wr-calname", name), ("description", description),
                       ("x-wr-caldesc", description)):  # fmt: skip
        cal.add(key, vText(value), encode=False)
    cal.add("x-wr-timezone", "Europe/London")
    refresh = vText(REFRESH)
    refresh.params["VALUE"] = "DURATION"
    cal.add("refresh-interval", refresh, encode=False)
    cal.add("x-published-ttl", vText(REFRESH), encode=False)
    cal.add_component(london_timezone())
    return cal


def feed_bytes(name: str, description: str, events: list[bytes]) -> bytes:
    """A whole feed: the header and VTIMEZONE written by icalendar, the kept events joined in."""
    shell = calendar_component(name, description).to_ical()
    end = b"END:VCALENDAR" + CRLF
    if not shell.endswith(end):  # pragma: no cover - icalendar always ends the calendar like this
        raise ValueError("unexpected calendar ending")
    return shell[: -len(end)] + b"".join(events) + end

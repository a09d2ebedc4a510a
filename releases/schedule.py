"""When a release is due: an exact London date and time, or a provisional window of one or two calendar months.

Pure values and GOV.UK wording ("20 January 2027 9:30am (confirmed)", "January to February 2027 (provisional)"),
shared by the services, the pages, the feeds and the API.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from .choices import Precision, State

LONDON = ZoneInfo("Europe/London")


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    return date(day.year + month_index // 12, month_index % 12 + 1, 1)


def month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


@dataclass(frozen=True)
class Schedule:
    """An exact release time, or a window of whole calendar months."""

    precision: str
    starts_on: date
    ends_on: date
    release_at: datetime | None = None

    @classmethod
    def exact(cls, release_at: datetime) -> Schedule:
        if release_at.tzinfo is None:
            raise ValueError("A release time must be timezone-aware.")
        local_day = release_at.astimezone(LONDON).date()
        return cls(Precision.EXACT, local_day, local_day, release_at)

    @classmethod
    def exact_local(cls, day: date, at: time) -> Schedule:
        """An exact release on a London calendar day at a London wall-clock time."""
        return cls.exact(datetime.combine(day, at, tzinfo=LONDON))

    @classmethod
    def window(cls, first_month: date, months: int = 1) -> Schedule:
        if months not in (1, 2):
            raise ValueError("A provisional window is one or two calendar months.")
        start = first_month.replace(day=1)
        end = month_end(add_months(start, months - 1))
        return cls(Precision.MONTH if months == 1 else Precision.TWO_MONTHS, start, end, None)

    @classmethod
    def of(cls, release: object) -> Schedule:
        return cls(
            precision=release.precision,  # type: ignore[attr-defined]
            starts_on=release.starts_on,  # type: ignore[attr-defined]
            ends_on=release.ends_on,  # type: ignore[attr-defined]
            release_at=release.release_at,  # type: ignore[attr-defined]
        )

    @property
    def is_exact(self) -> bool:
        return self.precision == Precision.EXACT

    def local_release_at(self) -> datetime | None:
        return self.release_at.astimezone(LONDON) if self.release_at else None

    def contains(self, moment: datetime) -> bool:
        return self.starts_on <= moment.astimezone(LONDON).date() <= self.ends_on

    def wording(self) -> str:
        """GOV.UK display wording without the state, for example "20 January 2027 9:30am"."""
        local = self.local_release_at()
        if local is not None:
            return f"{format_day(local.date())} {format_time(local.time())}"
        if self.precision == Precision.MONTH:
            return f"{self.starts_on:%B %Y}"
        if self.starts_on.year == self.ends_on.year:
            return f"{self.starts_on:%B} to {self.ends_on:%B %Y}"
        return f"{self.starts_on:%B %Y} to {self.ends_on:%B %Y}"


def format_day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def format_time(moment: time) -> str:
    """GOV.UK style: 9:30am, 4:15pm, and "midday" and "midnight" rather than 12pm and 12am."""
    if (moment.hour, moment.minute) == (12, 0):
        return "midday"
    if (moment.hour, moment.minute) == (0, 0):
        return "midnight"
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes}{suffix}"


def display_date(schedule: Schedule, state: str) -> str:
    """The calendar's wording: "20 January 2027 9:30am (confirmed)", "January 2027 (provisional)"."""
    label = {
        State.DRAFT: "draft",
        State.PROVISIONAL: "provisional",
        State.CONFIRMED: "confirmed",
        State.PUBLISHED: "published",
        State.CANCELLED: "cancelled",
    }[State(state)]
    return f"{schedule.wording()} ({label})"

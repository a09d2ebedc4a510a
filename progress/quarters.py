"""Calendar quarters in London time: the periods progress is reported to OSR for.

A quarter runs from 00:00 London time on its first day to 00:00 on the first day of the next quarter (exclusive), so a
release at 00:30 on 1 April London time (23:30 UTC on 31 March, in summer time) belongs to April to June.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from releases.schedule import LONDON

_KEY = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]  # fmt: skip


@dataclass(frozen=True, order=True)
class Quarter:
    """One calendar quarter: ``Quarter(2026, 1)`` is January to March 2026."""

    year: int
    number: int

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def containing(cls, moment: datetime) -> Quarter:
        return cls.of(moment.astimezone(LONDON).date())

    @classmethod
    def parse(cls, key: str) -> Quarter | None:
        """``"2026-Q1"`` to a quarter; None for anything else (the caller says what was wrong)."""
        match = _KEY.match(key or "")
        if not match or not 2000 <= int(match.group(1)) <= 2100:
            return None
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def key(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def label(self) -> str:
        first = _MONTHS[(self.number - 1) * 3]
        last = _MONTHS[(self.number - 1) * 3 + 2]
        return f"{first} to {last} {self.year}"

    @property
    def short_label(self) -> str:
        return f"{_MONTHS[(self.number - 1) * 3][:3]}-{_MONTHS[(self.number - 1) * 3 + 2][:3]} {self.year}"

    @property
    def first_day(self) -> date:
        return date(self.year, (self.number - 1) * 3 + 1, 1)

    @property
    def next_first_day(self) -> date:
        return self.next().first_day

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.first_day, time(0), tzinfo=LONDON)

    @property
    def ends_at(self) -> datetime:
        """The first moment after the quarter (exclusive end)."""
        return datetime.combine(self.next_first_day, time(0), tzinfo=LONDON)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def last(self, count: int) -> list[Quarter]:
        """This quarter and the ``count - 1`` before it, oldest first."""
        quarters = [self]
        while len(quarters) < count:
            quarters.append(quarters[-1].previous())
        return quarters[::-1]

    def contains(self, moment: datetime | date | None) -> bool:
        if moment is None:
            return False
        if isinstance(moment, datetime):
            return self.starts_at <= moment < self.ends_at
        return self.first_day <= moment < self.next_first_day

    def __str__(self) -> str:
        return self.label

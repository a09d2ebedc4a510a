"""Code of Practice checks on a release time that warn, never block: notice, standard time, weekend, bank holiday.

Pure functions over plain values, shared by the forms, the services and the engines.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from functools import lru_cache

import holidays

from . import messages
from .schedule import LONDON, format_day, format_time

STANDARD_TIME = time(9, 30)


@lru_cache(maxsize=64)
def _england_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="ENG", years=year)


def bank_holiday_name(day: date) -> str | None:
    """The England and Wales bank holiday on ``day``, if any (from the maintained ``holidays`` package)."""
    return _england_holidays(day.year).get(day)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and bank_holiday_name(day) is None


def day_warnings(day: date) -> list[str]:
    found = []
    if day.weekday() >= 5:
        found.append(messages.WARN_WEEKEND.format(day=format_day(day), weekday=f"{day:%A}"))
    holiday = bank_holiday_name(day)
    if holiday:
        found.append(messages.WARN_BANK_HOLIDAY.format(day=format_day(day), name=holiday))
    return found


def notice_days(release_at: datetime, confirmed_at: datetime) -> int:
    """Whole London calendar days between confirmation and release."""
    return (release_at.astimezone(LONDON).date() - confirmed_at.astimezone(LONDON).date()).days


def release_time_warnings(
    *,
    release_at: datetime,
    confirmed_at: datetime,
    allowed_times: Sequence[time] = (STANDARD_TIME,),
    minimum_notice_days: int = 28,
) -> list[str]:
    """Everything the Code of Practice would query about confirming ``release_at`` at ``confirmed_at``."""
    local = release_at.astimezone(LONDON)
    found = []
    days = notice_days(release_at, confirmed_at)
    if days < minimum_notice_days:
        found.append(messages.WARN_SHORT_NOTICE.format(days=days, minimum=minimum_notice_days))
    if local.time().replace(second=0, microsecond=0) not in allowed_times:
        alternatives = [format_time(t) for t in allowed_times if t != STANDARD_TIME]
        alternative = f" or the approved {alternatives[0]}" if alternatives else ""
        found.append(messages.WARN_NON_STANDARD_TIME.format(time=format_time(local.time()), alternative=alternative))
    found.extend(day_warnings(local.date()))
    return found

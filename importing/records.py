"""What every parser produces: plain, frozen values that say what the source says, checked for shape only.

A parser never touches the database. Whether a producer exists, whether the person importing may act for it, and
whether the register's rules accept the history are the runner's business.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from releases.choices import Designation, State
from releases.schedule import LONDON, Schedule

from . import messages

STANDARD_TIME = time(9, 30)


class RecordProblem(ValueError):
    """A record the parser cannot turn into an ImportRecord; the message says why, in words a person can act on."""


@dataclass(frozen=True)
class SourceChange:
    """A change of date the source reports: the date it moved from, why, and (when the source says) when."""

    previous: Schedule
    reason: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class ImportRecord:
    """One release as the source describes it now, with the date changes it reports (oldest first)."""

    source: str
    source_name: str  # "GOV.UK", "the ONS release calendar", "the CSV"
    identifier: str
    where: str
    title: str
    organisations: tuple[tuple[str, ...], ...]  # each organisation: the names it goes by (slug, title, acronym)
    schedule: Schedule
    state: str  # provisional, confirmed, cancelled or published
    summary: str = ""
    designation: str = Designation.OFFICIAL
    changes: tuple[SourceChange, ...] = ()
    cancellation_reason: str = ""
    cancelled_at: datetime | None = None
    published_url: str = ""
    published_at: datetime | None = None
    announced_at: datetime | None = None
    seen_at: datetime | None = None  # the source showed the record as it is by then (every step came before)
    contact_name: str = ""
    contact_email: str = ""
    assumptions: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """How history names the record: "GOV.UK /government/statistics/announcements/..."."""
        return f"{self.source_name} {self.identifier}"

    @property
    def schedules(self) -> list[Schedule]:
        """Every date the release has had, oldest first, ending with the current one."""
        return [c.previous for c in self.changes] + [self.schedule]


@dataclass(frozen=True)
class Rejected:
    """A record that cannot be imported, with every reason found."""

    where: str
    identifier: str
    title: str
    reasons: tuple[str, ...]


@dataclass
class ParsedFile:
    """What one file holds: records and rejections in file order, or a note that it holds no releases at all."""

    name: str
    items: list[ImportRecord | Rejected] = field(default_factory=list)
    note: str = ""
    error: str = ""


# --- shared parsing helpers ------------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_json(name: str, data: bytes, parse_document: Callable[[str, Any], ParsedFile]) -> ParsedFile:
    """Decode a JSON file and hand the document to a format's parser; bytes that are not UTF-8 JSON are the file's
    one error, reported for the file as a whole."""
    try:
        document = json.loads(data)
    except UnicodeDecodeError as exc:
        return ParsedFile(name, error=messages.NOT_UTF8_JSON.format(error=exc.reason))
    except ValueError as exc:
        return ParsedFile(name, error=messages.NOT_JSON.format(error=exc))
    return parse_document(name, document)


def title_problems(title: str) -> list[str]:
    """What is wrong with a source's title: missing, or too long for the register."""
    if not title:
        return [messages.MISSING.format(field="title")]
    return [messages.TITLE_TOO_LONG] if len(title) > 200 else []


def text(value: Any) -> str:
    """A string field, stripped; anything that is not a string counts as missing."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else ""


def parse_datetime(value: Any, field_name: str) -> datetime | None:
    """An ISO 8601 moment; a naive one is London wall-clock time. Empty is None; anything else is a problem."""
    raw = text(value)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise RecordProblem(messages.BAD_DATE.format(field=field_name, value=raw)) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LONDON)
    return moment


def parse_date(value: Any, field_name: str) -> date | None:
    raw = text(value)
    if not raw:
        return None
    try:
        if not _ISO_DATE.match(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise RecordProblem(messages.BAD_DATE.format(field=field_name, value=raw)) from exc


def parse_time(value: Any, field_name: str) -> time | None:
    raw = text(value)
    if not raw:
        return None
    try:
        hours, minutes = raw.split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise RecordProblem(messages.BAD_TIME.format(field=field_name, value=raw)) from exc


def day_start(day: date) -> datetime:
    """Midnight in London at the start of ``day`` (for sources that give a day, not a time)."""
    return datetime.combine(day, time(0, 0), tzinfo=LONDON)


def month_window(day: date) -> Schedule:
    return Schedule.window(day.replace(day=1), 1)


def as_window(schedule: Schedule) -> Schedule:
    """A provisional release has a window: an exact date becomes the month it falls in."""
    return month_window(schedule.starts_on) if schedule.is_exact else schedule


def settle_chain(
    state: str, current: Schedule, changes: list[SourceChange]
) -> tuple[Schedule, tuple[SourceChange, ...]]:
    """Make a record's dates fit the register's lifecycle, or say why they cannot.

    A provisional record keeps windows only (an exact date it shows becomes its month, as GOV.UK shows provisional
    dates). Dates go from windows to exact dates, never back. Changes that leave the date where it was are dropped.
    """
    if state == State.PROVISIONAL:
        current = as_window(current)
        changes = [SourceChange(as_window(c.previous), c.reason, c.at) for c in changes]
    chain = [c.previous for c in changes] + [current]
    for earlier, later in zip(chain, chain[1:], strict=False):
        if earlier.is_exact and not later.is_exact:
            raise RecordProblem(messages.BACK_TO_WINDOW.format(window=later.wording()))
    kept: list[SourceChange] = []
    for index, change in enumerate(changes):
        following = chain[index + 1]
        if change.previous != following:
            kept.append(change)
    return current, tuple(kept)


def designation_from_words(words: str, default: str = Designation.OFFICIAL) -> str:
    """GOV.UK's and ONS's labels: national / accredited, official, experimental / in development, management info."""
    lowered = words.lower()
    if "accredited" in lowered or "national statistic" in lowered or lowered.strip() == "national":
        return Designation.ACCREDITED
    if "experimental" in lowered or "in development" in lowered:
        return Designation.IN_DEVELOPMENT
    if "management information" in lowered:
        return Designation.MANAGEMENT_INFORMATION
    if "ad hoc" in lowered:
        return Designation.AD_HOC
    if "official" in lowered:
        return Designation.OFFICIAL
    return default


_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                "november", "december")  # fmt: skip
_MONTH_WORD = "(" + "|".join(_MONTH_NAMES) + ")"
_PERIOD_RANGE = re.compile(rf"\b{_MONTH_WORD} (\d{{4}}) ?(?:-|to|–) ?{_MONTH_WORD} (\d{{4}})\b")
_PERIOD_MONTH = re.compile(rf"\b{_MONTH_WORD} (\d{{4}})\b")


def reference_period(title: str) -> tuple[date, date] | None:
    """The period a title names, read only where it is plain: "May 2020 to May 2021", "April 2021 - May 2021", or a
    lone "September 2015". Titles naming other months too ("Final April, Provisional May 2020") or a day ("week ending
    14 May 2016") say nothing for sure, so nothing is read; the producer can add the period."""
    from releases.schedule import month_end

    lowered = " ".join(title.lower().split())
    if found := _PERIOD_RANGE.search(lowered):
        start = date(int(found[2]), _MONTH_NAMES.index(found[1]) + 1, 1)
        end = month_end(date(int(found[4]), _MONTH_NAMES.index(found[3]) + 1, 1))
        return (start, end) if start <= end else None
    months = _PERIOD_MONTH.findall(lowered)
    month_words = re.findall(rf"\b{_MONTH_WORD}\b", lowered)
    dated = re.search(rf"\b\d{{1,2}} {_MONTH_WORD} \d{{4}}\b", lowered)  # a day ("week ending 14 May 2016")
    if len(set(months)) == 1 and len(month_words) == 1 and not dated:
        month, year = months[0]
        start = date(int(year), _MONTH_NAMES.index(month) + 1, 1)
        return start, month_end(start)
    return None

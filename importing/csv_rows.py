"""A CSV table of announcements, in the columns of realdata/web-extracted-announcements (see docs/import.md).

Columns: ``url`` (identifies the release), ``producer`` (several joined by "/", the first leads), ``page_label``
(the designation: "National statistics announcement" → accredited ...), ``title``, ``release_date`` (YYYY-MM-DD, or
YYYY-MM for a month), ``release_time`` (24-hour London time), ``date_precision`` (exact_time, exact_date, month),
``state`` (provisional, confirmed, cancelled, or empty: exact dates are then confirmed and months provisional),
``previous_release_date`` and ``previous_release_time`` (several joined by ";", oldest first),
``change_or_cancellation_note_paraphrased`` (the reason for the changes, or for the cancellation),
``announcement_published`` and ``announcement_last_updated``. Optional: ``summary``, ``lead_statistician_name``,
``lead_statistician_email``. Other columns (``health_related``, ``notes``) are ignored.

A GOV.UK announcement's address is its identifier whatever host the row was read from (mirrors included); other
pages can list several releases, so their identifier adds the title.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from urllib.parse import urlsplit

from django.utils.text import slugify

from releases.choices import ImportSource, State
from releases.schedule import Schedule

from . import messages
from .records import (
    STANDARD_TIME,
    ImportRecord,
    ParsedFile,
    RecordProblem,
    Rejected,
    SourceChange,
    day_start,
    designation_from_words,
    month_window,
    parse_date,
    parse_time,
    settle_chain,
    title_problems,
)

SOURCE_NAME = "the CSV"
REQUIRED = ("url", "title", "release_date")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_PRECISIONS = ("exact_time", "exact_date", "month")
GOVUK_ANNOUNCEMENTS = "/government/statistics/announcements/"


def canonical_identifier(url: str, title: str) -> str:
    """One identifier per release whatever the row's spelling of its address."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or "/"
    host = parts.netloc.lower()
    if path.startswith(GOVUK_ANNOUNCEMENTS):
        return f"https://www.gov.uk{path}"
    if host.endswith("ons.gov.uk") and path.startswith("/releases/"):
        return f"https://www.ons.gov.uk{path}"
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme.lower() or 'https'}://{host}{path}{query}#{slugify(title)[:80]}"


def _schedule(day_text: str, time_text: str, precision: str, state: str, field: str) -> tuple[Schedule, list[str]]:
    if month := _MONTH.match(day_text):
        return Schedule.window(date(int(month[1]), int(month[2]), 1)), []
    day = parse_date(day_text, field)
    assert day is not None  # noqa: S101 - callers pass a non-empty day
    at = parse_time(time_text, field.replace("date", "time"))
    if precision == "month":
        return month_window(day), []
    if state == State.PROVISIONAL:
        return month_window(day), []
    if at is None:
        return Schedule.exact_local(day, STANDARD_TIME), [messages.NO_TIME_ASSUMPTION]
    return Schedule.exact_local(day, at), []


def parse_row(row: dict[str, str], where: str) -> ImportRecord | Rejected:
    values = {k.strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(k, str)}
    url, title = values.get("url", ""), " ".join(values.get("title", "").split())
    identifier = canonical_identifier(url, title) if url else ""
    if any("\udc80" <= ch <= "\udcff" for v in values.values() for ch in v):
        return Rejected(where, identifier, title, (messages.NOT_UTF8_LINE.format(line=where.rsplit(" ", 1)[-1]),))
    problems: list[str] = []
    if not url:
        problems.append(messages.MISSING.format(field="url"))
    problems += title_problems(title)
    state = values.get("state", "").lower()
    if state and state not in (State.PROVISIONAL, State.CONFIRMED, State.CANCELLED):
        problems.append(messages.BAD_STATE.format(value=state))
    precision = values.get("date_precision", "").lower()
    if precision and precision not in _PRECISIONS:
        problems.append(messages.BAD_PRECISION.format(value=precision))
    day_text = values.get("release_date", "")
    if not day_text:
        problems.append(messages.MISSING.format(field="release_date"))
    schedule: Schedule | None = None
    changes: list[SourceChange] = []
    assumptions: list[str] = []
    announced_at = seen_at = None
    note = values.get("change_or_cancellation_note_paraphrased", "")
    try:
        if day_text and not problems:
            schedule, more = _schedule(day_text, values.get("release_time", ""), precision, state, "release_date")
            assumptions += more
            state = state or (State.CONFIRMED if schedule.is_exact else State.PROVISIONAL)
            if state == State.CONFIRMED and not schedule.is_exact:
                raise RecordProblem(messages.CONFIRMED_WITHOUT_TIME.format(state=state))
        published = parse_date(values.get("announcement_published"), "announcement_published")
        updated = parse_date(values.get("announcement_last_updated"), "announcement_last_updated")
        announced_at = day_start(published) if published else None
        seen_at = day_start(updated) if updated else None
        days = [d.strip() for d in values.get("previous_release_date", "").split(";") if d.strip()]
        times = [t.strip() for t in values.get("previous_release_time", "").split(";")] if values.get(
            "previous_release_time") else []  # fmt: skip
        if times and len(times) != len(days):
            raise RecordProblem(messages.CHANGES_MISMATCH.format(dates=values["previous_release_date"],
                                                                 times=values["previous_release_time"]))  # fmt: skip
        if schedule is not None:
            for index, day in enumerate(days):
                previous, more = _schedule(day, times[index] if times else "", "exact_time" if schedule.is_exact
                                           else "month", state, "previous_release_date")  # fmt: skip
                assumptions += more
                last = index == len(days) - 1
                changes.append(SourceChange(previous, note, seen_at if last else None))
            base = State.PROVISIONAL if state == State.CANCELLED and not schedule.is_exact else state
            schedule, kept = settle_chain(base, schedule, changes)
            changes = list(kept)
    except (ValueError, OverflowError) as exc:  # RecordProblem, and dates out of any calendar's range
        problems.append(str(exc) if isinstance(exc, RecordProblem) else messages.OUT_OF_RANGE)
    if problems or schedule is None:
        return Rejected(where, identifier, title, tuple(problems))
    producers = [p.strip() for p in values.get("producer", "").split("/") if p.strip()]
    return ImportRecord(
        source=ImportSource.CSV,
        source_name=SOURCE_NAME,
        identifier=identifier,
        where=where,
        title=title,
        organisations=tuple((p,) for p in producers),
        schedule=schedule,
        state=state,
        summary=values.get("summary", ""),
        designation=designation_from_words(values.get("page_label", "")),
        changes=tuple(changes),
        cancellation_reason=note if state == State.CANCELLED else "",
        announced_at=announced_at,
        seen_at=seen_at,
        contact_name=values.get("lead_statistician_name", ""),
        contact_email=values.get("lead_statistician_email", ""),
        assumptions=tuple(dict.fromkeys(assumptions)),
    )


def parse(name: str, data: bytes) -> ParsedFile:
    """Rows in file order; a row with bytes that are not UTF-8 is refused on its own, the others still import."""
    parsed = ParsedFile(name)
    content = data.decode("utf-8-sig", errors="surrogateescape")
    reader = csv.DictReader(io.StringIO(content, newline=""))
    columns = {c.strip().lower() for c in reader.fieldnames or [] if isinstance(c, str)}
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        parsed.error = messages.CSV_MISSING_COLUMNS.format(columns=", ".join(missing))
        return parsed
    try:
        for row in reader:
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue
            parsed.items.append(parse_row(row, f"{name} line {reader.line_num}"))
    except csv.Error as exc:
        parsed.error = messages.NOT_CSV.format(error=exc)
    return parsed

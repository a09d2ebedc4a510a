"""The ONS release calendar: release documents as the ONS search API, its Elasticsearch index and the ons.gov.uk
release pages (``/releases/<name>/data``) give them.

What ONS says and what it becomes here (the producer is always the Office for National Statistics):

- ``finalised``: the date is confirmed, the exact time is ``release_date``; otherwise the release is provisional and
  its window comes from ``provisional_date`` ("August to September", "August 2018", or a day, whose month is the
  window), or the month of ``release_date`` when there is none.
- ``cancelled`` (with ``cancellation_notice``), ``published`` (the output is at ons.gov.uk + ``uri``). A document that
  is both is refused: the register has one state.
- ``date_changes``: each ``previous_date`` (a day, or a moment) with its ``change_notice``, oldest first; a day without
  a time is taken at 9:30am, the standard release time.
- ``uri`` identifies the release. Field names are accepted in snake_case and camelCase.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from releases.choices import Designation, ImportSource, State
from releases.schedule import LONDON, Schedule

from . import messages
from .govuk import parse_display_date
from .records import (
    STANDARD_TIME,
    ImportRecord,
    ParsedFile,
    RecordProblem,
    Rejected,
    SourceChange,
    designation_from_words,
    month_window,
    parse_datetime,
    parse_json,
    settle_chain,
    text,
    title_problems,
)

SOURCE_NAME = "the ONS release calendar"
ONS = ("office-for-national-statistics", "Office for National Statistics", "ONS")
ONS_SITE = "https://www.ons.gov.uk"
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTHS_ONLY = re.compile(r"^([a-z]+)(?: to ([a-z]+))?$")


def _get(doc: dict[str, Any], *names: str) -> Any:
    """A field from the document or its ``description``, under any of its spellings."""
    raw = doc.get("description")
    description: dict[str, Any] = raw if isinstance(raw, dict) else {}
    for name in names:
        for place in (doc, description):
            if name in place and place[name] not in (None, ""):
                return place[name]
    return None


def _flag(doc: dict[str, Any], name: str, camel: str) -> bool:
    return _get(doc, name, camel) is True


def provisional_window(wording: str, release_date: datetime) -> Schedule:
    """ONS's provisional date text as a window; a month without a year takes the year of the release date."""
    raw = " ".join(wording.split())
    if not raw:
        return month_window(release_date.astimezone(LONDON).date())
    if _ISO_DAY.match(raw):
        return month_window(date.fromisoformat(raw))
    year = release_date.astimezone(LONDON).year
    found = _MONTHS_ONLY.match(raw.lower())
    try:
        if found:
            raw = f"{raw} {year}"
        schedule, _ = parse_display_date(raw)
    except RecordProblem as exc:
        raise RecordProblem(messages.BAD_PROVISIONAL_TEXT.format(value=wording)) from exc
    if schedule.is_exact:
        return month_window(schedule.starts_on)
    return schedule


def _previous(value: Any) -> Schedule:
    raw = text(value)
    if _ISO_DAY.match(raw):
        return Schedule.exact_local(date.fromisoformat(raw), STANDARD_TIME)
    moment = parse_datetime(raw, "previous_date")
    if moment is None:
        raise RecordProblem(messages.MISSING.format(field="previous_date"))
    return Schedule.exact(moment)


def parse_release(doc: Any, where: str) -> ImportRecord | Rejected:
    if not isinstance(doc, dict):
        return Rejected(where, "", "", (messages.NOT_AN_OBJECT,))
    identifier = text(_get(doc, "uri"))
    title = text(_get(doc, "title"))
    problems: list[str] = []
    if not identifier:
        problems.append(messages.MISSING.format(field="uri"))
    problems += title_problems(title)
    finalised = _flag(doc, "finalised", "finalised")
    cancelled = _flag(doc, "cancelled", "cancelled")
    published = _flag(doc, "published", "published")
    if cancelled and published:
        problems.append(messages.BOTH_PUBLISHED_AND_CANCELLED)
    state = State.CANCELLED if cancelled else State.PUBLISHED if published else (
        State.CONFIRMED if finalised else State.PROVISIONAL)  # fmt: skip
    schedule: Schedule | None = None
    changes: list[SourceChange] = []
    assumptions: list[str] = []
    try:
        release_date = parse_datetime(_get(doc, "release_date", "releaseDate"), "release_date")
        if release_date is None:
            problems.append(messages.MISSING.format(field="release_date"))
        elif finalised or published:
            schedule = Schedule.exact(release_date)
        else:
            schedule = provisional_window(text(_get(doc, "provisional_date", "provisionalDate")), release_date)
        raw_changes = _get(doc, "date_changes", "dateChanges") or []
        for change in raw_changes if isinstance(raw_changes, list) else []:
            if not isinstance(change, dict):
                raise RecordProblem(messages.NOT_AN_OBJECT)
            previous = _previous(change.get("previous_date") or change.get("previousDate"))
            if _ISO_DAY.match(text(change.get("previous_date") or change.get("previousDate"))):
                assumptions.append(messages.NO_TIME_ASSUMPTION)
            changes.append(SourceChange(previous, text(change.get("change_notice") or change.get("changeNotice"))))
        if schedule is not None:
            base = State.PROVISIONAL if not schedule.is_exact else State.CONFIRMED
            schedule, kept = settle_chain(base, schedule, changes)
            changes = list(kept)
    except (ValueError, OverflowError) as exc:  # RecordProblem, and dates out of any calendar's range
        problems.append(str(exc) if isinstance(exc, RecordProblem) else messages.OUT_OF_RANGE)
    if problems or schedule is None:
        return Rejected(where, identifier, title, tuple(problems))
    notice = _get(doc, "cancellation_notice", "cancellationNotice")
    if isinstance(notice, list):
        notice = " ".join(text(n) for n in notice)
    national = _get(doc, "national_statistic", "nationalStatistic") is True
    return ImportRecord(
        source=ImportSource.ONS,
        source_name=SOURCE_NAME,
        identifier=identifier,
        where=where,
        title=title,
        organisations=(ONS,),
        schedule=schedule,
        state=state,
        summary=text(_get(doc, "summary")),
        designation=Designation.ACCREDITED if national else designation_from_words(title),
        changes=tuple(changes),
        cancellation_reason=text(notice),
        published_url=f"{ONS_SITE}{identifier}" if published and identifier.startswith("/") else "",
        assumptions=tuple(dict.fromkeys(assumptions)),
    )


def _documents(document: Any) -> tuple[list[Any], str]:
    """The release documents in any of the shapes ONS gives them, and what to call each in a report."""
    if isinstance(document, list):
        return document, "release"
    if not isinstance(document, dict):
        return [], ""
    if isinstance(document.get("responses"), list):
        found = []
        for response in document["responses"]:
            found += _documents(response)[0]
        return found, "hit"
    if isinstance(document.get("hits"), dict):
        hits = document["hits"].get("hits")
        return [
            h.get("_source", h) if isinstance(h, dict) else h for h in (hits if isinstance(hits, list) else [])
        ], "hit"
    if isinstance(document.get("releases"), list):
        return document["releases"], "release"
    if document.get("type") == "release" or "uri" in document:
        return [document], ""
    return [], ""


def parse(name: str, data: bytes) -> ParsedFile:
    """A file of ONS JSON: one release document, a list of them, or a search response holding them."""
    return parse_json(name, data, parse_document)


def parse_document(name: str, document: Any) -> ParsedFile:
    parsed = ParsedFile(name)
    docs, label = _documents(document)
    if not docs:
        what = "a search response with no releases" if isinstance(document, dict) and (
            "responses" in document or "hits" in document) else "some other JSON"  # fmt: skip
        parsed.note = messages.NO_RECORDS_ONS.format(what=what)
        return parsed
    for index, doc in enumerate(docs, start=1):
        parsed.items.append(parse_release(doc, f"{name} {label} {index}" if label else name))
    return parsed

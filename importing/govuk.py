"""GOV.UK statistics announcements: publishing-api ``statistics_announcement`` content items and search-api results.

What GOV.UK says and what it becomes here:

- ``details.display_date`` in GOV.UK's wording: "11 January 2018 9:30am" is an exact London time, "January 2016" a
  one-month window, "January to February 2016" a two-month window. ``details.release_timestamp`` is used when there is
  no display date.
- ``details.state``: provisional, confirmed or cancelled; ``cancellation_reason`` and ``cancelled_at`` with it.
- ``previous_display_date`` with ``latest_change_note``: a date change with its reason, made when the item was last
  updated (``public_updated_at``); GOV.UK keeps only the latest change.
- ``links.organisations``: the producers (the first is the lead), matched by GOV.UK slug or name.
- ``format_sub_type`` / ``document_type``: national → accredited official statistics, official → official statistics.
- ``base_path`` identifies the announcement (``content_id`` does not: GOV.UK's own examples share one).
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from releases.choices import ImportSource, State
from releases.schedule import Schedule, add_months

from . import messages
from .records import (
    STANDARD_TIME,
    ImportRecord,
    ParsedFile,
    RecordProblem,
    Rejected,
    SourceChange,
    designation_from_words,
    parse_datetime,
    parse_json,
    settle_chain,
    text,
    title_problems,
)

SOURCE_NAME = "GOV.UK"
_MONTHS = {name.lower(): n for n, name in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
     "December"], start=1)}  # fmt: skip
_MONTH = r"(january|february|march|april|may|june|july|august|september|october|november|december)"
_EXACT = re.compile(rf"^(\d{{1,2}}) {_MONTH} (\d{{4}})(?:,? (\d{{1,2}})(?:[:.](\d{{2}}))? ?(am|pm))?$")
_ONE_MONTH = re.compile(rf"^{_MONTH} (\d{{4}})$")
_TWO_MONTHS = re.compile(rf"^{_MONTH}(?: (\d{{4}}))? to {_MONTH} (\d{{4}})$")
_STATE_SUFFIX = re.compile(r"\s*\((provisional|confirmed|cancelled)\)\s*$")


def parse_display_date(wording: str, *, exact_needed: bool = False) -> tuple[Schedule, tuple[str, ...]]:
    """GOV.UK's display date as a Schedule, with any assumption made (a day without a time gets 9:30am)."""
    raw = " ".join(_STATE_SUFFIX.sub("", wording).split())
    lowered = raw.lower()
    if found := _EXACT.match(lowered):
        day = date(int(found[3]), _MONTHS[found[2]], int(found[1]))
        if found[4] is None:
            if not exact_needed:
                return Schedule.window(day.replace(day=1)), ()
            return Schedule.exact_local(day, STANDARD_TIME), (messages.NO_TIME_ASSUMPTION,)
        hour = int(found[4]) % 12 + (12 if found[6] == "pm" else 0)
        return Schedule.exact_local(day, time(hour, int(found[5] or 0))), ()
    if found := _ONE_MONTH.match(lowered):
        return Schedule.window(date(int(found[2]), _MONTHS[found[1]], 1)), ()
    if found := _TWO_MONTHS.match(lowered):
        end = date(int(found[4]), _MONTHS[found[3]], 1)
        start = date(int(found[2] or found[4]), _MONTHS[found[1]], 1)
        if found[2] is None and start > end:
            start = start.replace(year=end.year - 1)
        if add_months(start, 1) != end:
            raise RecordProblem(messages.WINDOW_TOO_WIDE.format(value=raw))
        return Schedule.window(start, 2), ()
    raise RecordProblem(messages.BAD_DISPLAY_DATE.format(value=wording))


def _organisations(value: Any) -> tuple[tuple[str, ...], ...]:
    found = []
    names: tuple[str, ...]
    for org in value if isinstance(value, list) else []:
        if isinstance(org, str):
            names = (org.strip(),)
        elif isinstance(org, dict):
            slug = text(org.get("slug")) or text(org.get("base_path")).rstrip("/").rsplit("/", 1)[-1]
            names = tuple(n for n in (slug, text(org.get("title")), text(org.get("acronym"))) if n)
        else:
            continue
        if names and names[0]:
            found.append(names)
    return tuple(found)


def _is_announcement(item: Any) -> bool:
    if not isinstance(item, dict):
        return False
    kind = f"{item.get('schema_name', '')} {item.get('document_type', '')} {item.get('format', '')}"
    return (
        "statistics_announcement" in kind
        or (isinstance(item.get("details"), dict) and "display_date" in item["details"])
        or isinstance(item.get("statistics_announcement_state"), str)
    )


def parse_item(item: Any, where: str) -> ImportRecord | Rejected:
    """One content item (or search-api result) as an ImportRecord, or every reason it cannot be one."""
    if not isinstance(item, dict):
        return Rejected(where, "", "", (messages.NOT_AN_OBJECT,))
    raw_details = item.get("details")
    details: dict[str, Any] = raw_details if isinstance(raw_details, dict) else {}
    identifier = text(item.get("base_path")) or text(item.get("link"))
    title = text(item.get("title"))
    problems: list[str] = []
    if not identifier:
        problems.append(messages.MISSING.format(field="base_path"))
    problems += title_problems(title)
    state = text(details.get("state")) or text(item.get("statistics_announcement_state"))
    if state not in (State.PROVISIONAL, State.CONFIRMED, State.CANCELLED):
        problems.append(messages.BAD_STATE.format(value=state) if state else messages.MISSING.format(field="state"))
    organisations = _organisations((item.get("links") or {}).get("organisations") if isinstance(item.get("links"), dict)
                                   else item.get("organisations"))  # fmt: skip
    schedule: Schedule | None = None
    assumptions: tuple[str, ...] = ()
    changes: list[SourceChange] = []
    cancelled_at = announced_at = updated_at = None
    try:
        wording = text(details.get("display_date")) or text(item.get("display_date"))
        timestamp = parse_datetime(details.get("release_timestamp") or item.get("release_timestamp"),
                                   "release_timestamp")  # fmt: skip
        exact_needed = state == State.CONFIRMED
        if wording:
            schedule, assumptions = parse_display_date(wording, exact_needed=exact_needed)
        elif timestamp is not None:
            schedule = Schedule.exact(timestamp)
        else:
            problems.append(messages.MISSING.format(field="display_date"))
        if schedule is not None and state == State.CONFIRMED and not schedule.is_exact:
            problems.append(messages.CONFIRMED_WITHOUT_TIME.format(state=state))
        updated_at = parse_datetime(item.get("public_updated_at"), "public_updated_at")
        announced_at = parse_datetime(item.get("first_published_at"), "first_published_at")
        cancelled_at = parse_datetime(details.get("cancelled_at"), "cancelled_at")
        previous = text(details.get("previous_display_date")) or text(item.get("previous_display_date"))
        if previous:
            before, more = parse_display_date(previous, exact_needed=bool(schedule and schedule.is_exact))
            assumptions += more
            note = text(details.get("latest_change_note")) or text(item.get("latest_change_note"))
            changes.append(SourceChange(before, note, updated_at))
        if schedule is not None and state in (State.PROVISIONAL, State.CONFIRMED, State.CANCELLED):
            schedule, kept = settle_chain(State.PROVISIONAL if not schedule.is_exact and state == State.CANCELLED
                                          else state, schedule, changes)  # fmt: skip
            changes = list(kept)
    except (ValueError, OverflowError) as exc:  # RecordProblem, and dates out of any calendar's range
        problems.append(str(exc) if isinstance(exc, RecordProblem) else messages.OUT_OF_RANGE)
    if problems or schedule is None:
        return Rejected(where, identifier, title, tuple(problems))
    sub_type = f"{text(details.get('format_sub_type'))} {text(item.get('document_type'))} {text(item.get('format'))}"
    return ImportRecord(
        source=ImportSource.GOVUK,
        source_name=SOURCE_NAME,
        identifier=identifier,
        where=where,
        title=title,
        organisations=organisations,
        schedule=schedule,
        state=state,
        summary=text(item.get("description")),
        designation=designation_from_words(sub_type.replace("_", " ")),
        changes=tuple(changes),
        cancellation_reason=text(details.get("cancellation_reason")),
        cancelled_at=cancelled_at,
        announced_at=announced_at,
        seen_at=updated_at,
        assumptions=assumptions,
    )


def _what(document: Any) -> str:
    if isinstance(document, dict):
        if "$schema" in document or "definitions" in document:
            return "a JSON Schema"
        if document and all(isinstance(v, dict) and ("type" in v or "description" in v) for v in document.values()):
            return "search-api field definitions"
        if document.get("document_type") or document.get("schema_name"):
            return f"a {text(document.get('document_type')) or text(document.get('schema_name'))} content item"
    return "some other JSON"


def parse(name: str, data: bytes) -> ParsedFile:
    """A file of GOV.UK JSON: one content item, a list of them, or a search-api response (``results``)."""
    return parse_json(name, data, parse_document)


def parse_document(name: str, document: Any) -> ParsedFile:
    parsed = ParsedFile(name)
    if isinstance(document, dict) and isinstance(document.get("results"), list):
        items, label = document["results"], "result"
    elif isinstance(document, list):
        items, label = document, "item"
    else:
        items, label = [document], ""
    if not any(_is_announcement(i) for i in items):
        parsed.note = messages.NO_RECORDS_GOVUK.format(what=_what(document))
        return parsed
    for index, item in enumerate(items, start=1):
        parsed.items.append(parse_item(item, f"{name} {label} {index}" if label else name))
    return parsed

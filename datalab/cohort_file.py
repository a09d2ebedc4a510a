"""Read and check the file of people an organisation helped (its cohort): a CSV file or an Excel workbook.

Pure: no models, no database, nothing written to disk. The file arrives as bytes and leaves either as ``CohortRow``
values with normalised identifiers, or as ``CohortFileInvalid`` listing every problem by row and column, so the
organisation can correct the whole file at once. Nothing is partial: a file with any problem gives no rows.

The identifiers are person-level data: a message names the row and the column and says what is wrong, never what the
cell holds (it may be an NHS number, a date of birth or a postcode), so the messages can be shown, stored and logged.

Uploads are treated as hostile: the size and the number of rows are capped (settings ``DATALAB_MAX_UPLOAD_BYTES``,
``DATALAB_MAX_COHORT_ROWS``, read at each call), a CSV must be text in UTF-8, a workbook must be a zip whose members
unpack to at most ``DATALAB_MAX_XLSX_UNPACKED_BYTES`` (checked before openpyxl opens it, against zip bombs), formulas
are reported and never evaluated, and a value a spreadsheet could run as a formula (CSV injection) is refused.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Generator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ehssg.spreadsheets import csv_bytes

from . import messages
from .pseudonymise import normalise_nhs_number, normalise_postcode, normalise_sex

COLUMNS = ("nhs_number", "date_of_birth", "sex", "postcode", "index_date", "sessions")
REQUIRED_COLUMNS = COLUMNS[:5]
FALLBACK_COLUMNS = ("date_of_birth", "sex", "postcode")  # needed, all three, when there is no NHS number
LABELS = messages.COHORT_COLUMN_LABELS
EARLIEST_DATE = date(1900, 1, 1)
MAX_SESSIONS = 10_000

# Defaults of the settings (each read when a file is read, never at import).
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_COHORT_ROWS = 50_000
MAX_REPORTED_ERRORS = 500
MAX_XLSX_UNPACKED_BYTES = 100 * 1024 * 1024  # a workbook of 50,000 people unpacks to about 20 MiB

MAX_ZIP_MEMBERS = 1_000  # an Excel workbook has a few dozen
MAX_COLUMNS = 100  # a row of a workbook wider than this is refused before its cells are looked at
EXCEL_MAX_ROWS = 1_048_576  # openpyxl fills the gap to any row number a hostile sheet claims: stop at Excel's own limit
ZIP_MAGIC = b"PK\x03\x04"
# A text starting with one of these is run as a formula by spreadsheets (OWASP, CSV injection; ehssg.spreadsheets makes
# the CSVs the platform writes safe against the same list). "-" is not refused as such when reading: no column here can
# be negative, so a value starting with "-" fails its column's own check, with that column's message.
FORMULA_START = "="
FORMULA_LIKE_START = ("+", "@", "\t", "\r", "\n")

_HEADING_SPACES = re.compile(r"[\s-]+")
_PLAIN_HEADING = re.compile(r"[a-z][a-z_]{0,39}")  # only such a heading is repeated in a message: never a value
_NHS_NUMBER = re.compile(r"[0-9][0-9\s-]*[0-9]")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_UK_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_WHOLE_NUMBER = re.compile(r"[0-9]{1,6}")
_Records = Generator[Sequence[object], None, None]  # a file's rows, as cell values, from row 1


@dataclass(frozen=True)
class CohortRow:
    """One person of the cohort, normalised: what ``linkage.pseudonymise_cohort`` turns into pseudonyms."""

    row: int  # the row in the spreadsheet (the headings are row 1), for messages and for the link results
    nhs_number: str | None  # 10 digits with a valid check digit
    date_of_birth: date | None
    sex: str | None  # HES codes: "1" male, "2" female
    postcode: str | None  # upper case, no space
    index_date: date
    sessions: int | None


@dataclass(frozen=True)
class RowError:
    """A problem with the file (``row`` None, ``field`` "") or with one cell; ``message`` never holds a cell's value."""

    row: int | None
    field: str
    message: str


class CohortFileInvalid(Exception):
    """The file cannot be used: ``errors`` (the first DATALAB_MAX_REPORTED_ERRORS) out of ``total`` problems."""

    def __init__(self, errors: Sequence[RowError], total: int | None = None) -> None:
        self.errors = list(errors)
        self.total = len(self.errors) if total is None else total
        count = messages.COHORT_PROBLEM if self.total == 1 else messages.COHORT_PROBLEMS.format(count=self.total)
        super().__init__(messages.COHORT_INVALID.format(count=count))


@dataclass(frozen=True)
class _Limits:
    upload_bytes: int
    rows: int
    reported_errors: int
    unpacked_bytes: int


def _limits() -> _Limits:
    return _Limits(
        upload_bytes=int(getattr(settings, "DATALAB_MAX_UPLOAD_BYTES", MAX_UPLOAD_BYTES)),
        rows=int(getattr(settings, "DATALAB_MAX_COHORT_ROWS", MAX_COHORT_ROWS)),
        reported_errors=int(getattr(settings, "DATALAB_MAX_REPORTED_ERRORS", MAX_REPORTED_ERRORS)),
        unpacked_bytes=int(getattr(settings, "DATALAB_MAX_XLSX_UNPACKED_BYTES", MAX_XLSX_UNPACKED_BYTES)),
    )


class _Errors:
    """The errors found: the first ``keep`` kept, all counted."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.kept: list[RowError] = []
        self.total = 0

    def add(self, error: RowError) -> None:
        self.total += 1
        if len(self.kept) < self.keep:
            self.kept.append(error)

    def first(self, error: RowError) -> None:
        """An error about the whole file, shown before the rows' errors."""
        self.total += 1
        self.kept = [error, *self.kept][: self.keep]


def _file_error(message: str) -> CohortFileInvalid:
    return CohortFileInvalid([RowError(row=None, field="", message=message)])


def _size(count: int) -> str:
    """A size as people read it: 10 MB, 256 KB, 300 bytes."""
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):g} MB"
    return f"{count // 1024:,} KB" if count >= 1024 else f"{count:,} bytes"


# --- reading ----------------------------------------------------------------------------------------------------------


def read_cohort_file(*, filename: str, data: bytes, today: date) -> list[CohortRow]:
    """Every row of the uploaded file, checked and normalised, or ``CohortFileInvalid`` with every problem found.

    ``filename`` decides the format with the content (a .csv must be UTF-8 text, a .xlsx a zip); ``today`` is the
    organisation's date, for the dates that cannot be in the future."""
    limits = _limits()
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise _file_error(messages.COHORT_WRONG_TYPE)
    if not data:
        raise _file_error(messages.COHORT_EMPTY)
    if len(data) > limits.upload_bytes:
        raise _file_error(messages.COHORT_TOO_BIG.format(size=_size(limits.upload_bytes)))
    records = _csv_records(data) if suffix == ".csv" else _xlsx_records(data, limits)
    with closing(records):
        header = next(records, ())  # a sheet with nothing on it has no headings
        if suffix == ".csv" and _wrong_separator(header):
            raise _file_error(messages.COHORT_CSV_SEPARATOR)
        columns = _columns(header)
        people = _people(records, limits.rows)
    return _check(people, columns, today, limits)


def _people(records: _Records, limit: int) -> list[tuple[int, Sequence[object]]]:
    """The rows after the headings that are not empty, with their row numbers; refused as soon as there are too many."""
    people: list[tuple[int, Sequence[object]]] = []
    for number, cells in enumerate(records, start=2):
        if not cells or all(_is_empty(cell) for cell in cells):
            continue
        if len(people) == limit:
            raise _file_error(messages.COHORT_TOO_MANY_ROWS.format(limit=f"{limit:,}"))
        people.append((number, cells))
    if not people:
        raise _file_error(messages.COHORT_NO_ROWS)
    return people


_DUPLICATES = {  # a person's identity kind -> the field and the message of a later row with the same identity
    "nhs": ("nhs_number", messages.COHORT_ROW_DUPLICATE_NHS_NUMBER),
    "details": ("nhs_number", messages.COHORT_ROW_DUPLICATE_DETAILS),  # the remedy: give the NHS numbers
}


def _check(
    people: list[tuple[int, Sequence[object]]], columns: dict[str, int], today: date, limits: _Limits
) -> list[CohortRow]:
    """Every row checked, with duplicates of an earlier row found; the rows, or every problem."""
    rows: list[CohortRow] = []
    found = _Errors(limits.reported_errors)
    unheaded: set[int] = set()
    first_seen: dict[tuple[str, object], int] = {}
    used = set(columns.values())
    for number, cells in people:
        unheaded.update(index for index, cell in enumerate(cells) if index not in used and not _is_empty(cell))
        values = {field: cells[index] if index < len(cells) else None for field, index in columns.items()}
        row, errors, identity = _row(number, values, today)
        if identity is not None and identity in first_seen:
            field, duplicate = _DUPLICATES[identity[0]]
            errors.append(RowError(row=number, field=field, message=duplicate.format(row=number,
                                                                                     first=first_seen[identity])))
        elif identity is not None:
            first_seen[identity] = number
        for error in errors:
            found.add(error)
        if row is not None and not errors:
            rows.append(row)
    if unheaded:
        letters = _join([f"column {get_column_letter(index + 1)}" for index in sorted(unheaded)[:5]])
        message = messages.COHORT_VALUES_WITHOUT_HEADING.format(columns=letters)
        found.first(RowError(row=None, field="", message=message))
    if found.total:
        raise CohortFileInvalid(found.kept, total=found.total)
    return rows


# --- one row ----------------------------------------------------------------------------------------------------------


class _Invalid(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _row(
    number: int, values: dict[str, object], today: date
) -> tuple[CohortRow | None, list[RowError], tuple[str, object] | None]:
    """One person checked: the row (None if any cell is wrong), its errors, and who it is for finding duplicates."""
    errors: list[RowError] = []

    def bad(field: str, message: str) -> None:
        errors.append(RowError(row=number, field=field, message=message.format(row=number, column=LABELS[field])))

    given = {field: value for field, value in values.items() if not _is_empty(value)}
    parsed: dict[str, Any] = {}
    for field, value in given.items():
        try:
            _refuse_formula(value)
            parsed[field] = _PARSERS[field](value)
        except _Invalid as problem:
            bad(field, problem.message)
    if "nhs_number" not in given and not all(field in given for field in FALLBACK_COLUMNS):
        bad("nhs_number", messages.COHORT_ROW_IDENTIFIERS_MISSING)
    born = parsed.get("date_of_birth")
    if born is not None and not _dated(born, today, "date_of_birth", bad):
        born = None
    index = parsed.get("index_date")
    if "index_date" not in given:
        bad("index_date", messages.COHORT_ROW_INDEX_DATE_MISSING)
    elif index is not None and _dated(index, today, "index_date", bad) and born is not None and index < born:
        bad("index_date", messages.COHORT_ROW_INDEX_BEFORE_BIRTH)

    identity: tuple[str, object] | None = None
    if parsed.get("nhs_number"):
        identity = ("nhs", parsed["nhs_number"])
    elif "nhs_number" not in given and all(parsed.get(field) for field in FALLBACK_COLUMNS):
        identity = ("details", tuple(parsed[field] for field in FALLBACK_COLUMNS))
    if errors:
        return None, sorted(errors, key=lambda error: COLUMNS.index(error.field)), identity
    row = CohortRow(
        row=number, nhs_number=parsed.get("nhs_number"), date_of_birth=parsed.get("date_of_birth"),
        sex=parsed.get("sex"), postcode=parsed.get("postcode"), index_date=parsed["index_date"],
        sessions=parsed.get("sessions"),
    )  # fmt: skip
    return row, errors, identity


_DATE_RANGE = {
    "date_of_birth": (messages.COHORT_ROW_DATE_OF_BIRTH_FUTURE, messages.COHORT_ROW_DATE_OF_BIRTH_TOO_EARLY),
    "index_date": (messages.COHORT_ROW_INDEX_DATE_FUTURE, messages.COHORT_ROW_INDEX_DATE_TOO_EARLY),
}


def _dated(value: date, today: date, field: str, bad: Callable[[str, str], None]) -> bool:
    """Whether the date is between 1 January 1900 and today, saying which end it misses when it is not."""
    future, too_early = _DATE_RANGE[field]
    if value > today:
        bad(field, future)
    elif value < EARLIEST_DATE:
        bad(field, too_early)
    else:
        return True
    return False


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _Formula:
    """A workbook's formula cell: reported, never evaluated (nor is its cached result read)."""


FORMULA = _Formula()


def _refuse_formula(value: object) -> None:
    if isinstance(value, _Formula):
        raise _Invalid(messages.COHORT_ROW_FORMULA)
    if isinstance(value, str):
        start = value.lstrip(" ")[:1]
        if start == FORMULA_START:
            raise _Invalid(messages.COHORT_ROW_FORMULA)
        if start in FORMULA_LIKE_START:
            raise _Invalid(messages.COHORT_ROW_FORMULA_LIKE)


def _text(value: object) -> str | None:
    """A cell as text: strings stripped, whole numbers (a workbook's numeric cells) as digits; else None."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None


def _nhs_number(value: object) -> str:
    text = _text(value)
    if text is None or not _NHS_NUMBER.fullmatch(text) or len(re.sub(r"[\s-]", "", text)) != 10:
        raise _Invalid(messages.COHORT_ROW_NHS_NUMBER_FORMAT)
    normalised = normalise_nhs_number(text)  # the modulus 11 check digit (the nhs-number package)
    if normalised is None:
        raise _Invalid(messages.COHORT_ROW_NHS_NUMBER_CHECK)
    return normalised


def _date(value: object, *, invalid: str) -> date:
    """A workbook's date cell, or text as year-month-day or day/month/year."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if match := _ISO_DATE.fullmatch(text):
            year, month, day = match.groups()
        elif match := _UK_DATE.fullmatch(text):
            day, month, year = match.groups()
        else:
            raise _Invalid(invalid)
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            raise _Invalid(invalid) from None
    raise _Invalid(invalid)


def _sex(value: object) -> str:
    text = _text(value)
    code = normalise_sex(text) if text is not None else None
    if code is None:
        raise _Invalid(messages.COHORT_ROW_SEX)
    return code


def _postcode(value: object) -> str:
    normalised = normalise_postcode(value) if isinstance(value, str) else None
    if normalised is None:
        raise _Invalid(messages.COHORT_ROW_POSTCODE)
    return normalised


def _sessions(value: object) -> int:
    text = _text(value)
    if text is None or not _WHOLE_NUMBER.fullmatch(text) or int(text) > MAX_SESSIONS:
        raise _Invalid(messages.COHORT_ROW_SESSIONS)
    return int(text)


_PARSERS: dict[str, Callable[[object], object]] = {
    "nhs_number": _nhs_number,
    "date_of_birth": partial(_date, invalid=messages.COHORT_ROW_DATE_OF_BIRTH_FORMAT),
    "sex": _sex,
    "postcode": _postcode,
    "index_date": partial(_date, invalid=messages.COHORT_ROW_INDEX_DATE_FORMAT),
    "sessions": _sessions,
}


# --- the headings -----------------------------------------------------------------------------------------------------


def _heading(value: object) -> str | None:
    return _HEADING_SPACES.sub("_", value.strip().lower()) if isinstance(value, str) else None


def _columns(header: Sequence[object]) -> dict[str, int]:
    """Where each column is: headings matched whatever their case, spaces or hyphens; refused if any is wrong."""
    positions: dict[str, list[int]] = {}
    unknown: list[str] = []
    for index, cell in enumerate(header):
        if _is_empty(cell):
            continue
        name = _heading(cell)
        if name in COLUMNS:
            positions.setdefault(name, []).append(index)
        else:
            letter = get_column_letter(index + 1)
            # A heading is repeated only when it is plainly a heading: a first row of data must not be echoed.
            plain = name is not None and _PLAIN_HEADING.fullmatch(name) and not isinstance(cell, _Formula)
            unknown.append(f"column {letter} ({name})" if plain else f"column {letter}")
    if not positions:
        raise _file_error(messages.COHORT_HEADER_MISSING)
    problems = []
    missing = [name for name in REQUIRED_COLUMNS if name not in positions]
    if missing:
        problems.append(messages.COHORT_COLUMNS_MISSING.format(columns=_join(missing)))
    if unknown:
        problems.append(messages.COHORT_COLUMNS_UNKNOWN.format(columns=_join(unknown)))
    duplicated = [name for name in COLUMNS if len(positions.get(name, ())) > 1]
    if duplicated:
        problems.append(messages.COHORT_COLUMNS_DUPLICATED.format(columns=_join(duplicated)))
    if problems:
        raise CohortFileInvalid([RowError(row=None, field="", message=problem) for problem in problems])
    return {name: places[0] for name, places in positions.items()}


def _wrong_separator(header: Sequence[object]) -> bool:
    """A CSV saved with semicolons or tabs between its columns reads as one heading holding all the others."""
    cells = [cell for cell in header if not _is_empty(cell)]
    return len(cells) == 1 and isinstance(cells[0], str) and (";" in cells[0] or "\t" in cells[0])


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# --- the two formats --------------------------------------------------------------------------------------------------


def _csv_records(data: bytes) -> _Records:
    """The rows of a UTF-8 CSV file (with or without a byte order mark, CRLF or LF), or the reason it is not one."""
    if data.startswith(ZIP_MAGIC):
        raise _file_error(messages.COHORT_CSV_IS_WORKBOOK)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)):
        raise _file_error(messages.COHORT_NOT_UTF8)
    if b"\x00" in data:
        raise _file_error(messages.COHORT_CSV_BINARY)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_error(messages.COHORT_NOT_UTF8) from None
    return _csv_rows(csv.reader(io.StringIO(text, newline=""), strict=True))


def _csv_rows(reader: Any) -> _Records:
    try:
        yield from reader
    except csv.Error:  # a stray quote, a field over the csv module's limit (128 KiB)
        raise _file_error(messages.COHORT_CSV_UNREADABLE.format(line=reader.line_num)) from None


def _xlsx_records(data: bytes, limits: _Limits) -> _Records:
    """The rows of a workbook's first worksheet, once the zip is known not to unpack into more than the cap."""
    if not data.startswith(ZIP_MAGIC):
        raise _file_error(messages.COHORT_XLSX_NOT_WORKBOOK)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _file_error(messages.COHORT_XLSX_UNREADABLE) from None
    # zipfile stops unpacking a member at its declared size, so capping the declared sizes caps what openpyxl unpacks.
    if len(members) > MAX_ZIP_MEMBERS or sum(member.file_size for member in members) > limits.unpacked_bytes:
        raise _file_error(messages.COHORT_XLSX_TOO_LARGE.format(size=_size(limits.unpacked_bytes)))
    return _xlsx_rows(data)


def _xlsx_rows(data: bytes) -> _Records:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception:  # noqa: BLE001 - a damaged or hostile workbook fails in many ways inside openpyxl: one message
        raise _file_error(messages.COHORT_XLSX_UNREADABLE) from None
    try:
        if not workbook.worksheets:
            raise _file_error(messages.COHORT_XLSX_NO_SHEET)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # a sheet's stated size may be wrong: read the cells there are, no padding
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            if number > EXCEL_MAX_ROWS:
                raise _file_error(messages.COHORT_XLSX_TOO_LONG.format(row=f"{EXCEL_MAX_ROWS:,}"))
            if len(cells) > MAX_COLUMNS:
                raise _file_error(messages.COHORT_XLSX_TOO_WIDE.format(column=get_column_letter(MAX_COLUMNS)))
            yield tuple(FORMULA if cell.data_type == "f" else cell.value for cell in cells) if cells else ()
    except CohortFileInvalid:
        raise
    except Exception:  # noqa: BLE001 - read-only openpyxl parses as it goes, so damage shows while reading rows
        raise _file_error(messages.COHORT_XLSX_UNREADABLE) from None
    finally:
        workbook.close()


# --- the templates ----------------------------------------------------------------------------------------------------

TEMPLATE_SHEET = "People"
GUIDANCE_SHEET = "Guidance"
TEXT_COLUMNS = ("nhs_number", "date_of_birth", "index_date")  # formatted as text: Excel keeps them as typed
_WIDTHS = {"nhs_number": 16, "date_of_birth": 16, "sex": 8, "postcode": 12, "index_date": 16, "sessions": 12}


def template_csv() -> bytes:
    """The headings only, written as every CSV of the platform is (a byte order mark for Excel, CRLF)."""
    return csv_bytes(COLUMNS, [])


def template_xlsx() -> bytes:
    """A workbook with the headings (bold, sized, the NHS number and date columns formatted as text so that Excel
    neither drops leading zeros nor turns dates into numbers) and a sheet of guidance on each column."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = TEMPLATE_SHEET
    sheet.append(list(COLUMNS))
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    for index, name in enumerate(COLUMNS, start=1):
        dimension = sheet.column_dimensions[get_column_letter(index)]
        dimension.width = _WIDTHS[name]
        if name in TEXT_COLUMNS:
            dimension.number_format = "@"
    sheet.freeze_panes = "A2"

    guidance = workbook.create_sheet(GUIDANCE_SHEET)
    guidance.append([messages.COHORT_GUIDANCE_TITLE])
    guidance["A1"].font = Font(bold=True, size=14)
    wrap = Alignment(wrap_text=True, vertical="top")
    for paragraph in messages.COHORT_GUIDANCE_INTRO:
        guidance.append([paragraph])
        guidance.merge_cells(start_row=guidance.max_row, start_column=1, end_row=guidance.max_row, end_column=4)
        guidance.cell(row=guidance.max_row, column=1).alignment = wrap
        guidance.row_dimensions[guidance.max_row].height = 32
    guidance.append([])
    guidance.append(list(messages.COHORT_GUIDANCE_HEADINGS))
    for cell in guidance[guidance.max_row]:
        cell.font = bold
    for name in COLUMNS:
        guidance.append([name, *messages.COHORT_GUIDANCE_COLUMNS[name]])
        for cell in guidance[guidance.max_row]:
            cell.alignment = wrap
            cell.number_format = "@"
    for letter, width in zip("ABCD", (16, 70, 26, 14), strict=True):
        guidance.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

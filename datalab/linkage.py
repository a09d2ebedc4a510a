"""Pseudonymise a charity's cohort in memory and link it to the national extract with DuckDB over the Parquet files.

Each row: a valid NHS number is linked on its pseudonym; a row with no NHS number falls back on the pseudonym of date of
birth + sex + postcode, linked only when exactly one person has it. The raw identifiers live only in this process's
memory while the pseudonyms are made: DuckDB (in memory, no database file) sees pseudonyms only.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from . import messages
from .cohort_file import CohortRow
from .pseudonymise import (
    fallback_pseudonym,
    load_key,
    nhs_pseudonym,
    normalise_nhs_number,
    normalise_postcode,
    normalise_sex,
)


@dataclass
class LinkageResult:
    submitted: int
    linked: int
    reasons: dict[str, int]  # reason code -> rows not linked (codes in messages.REASONS)
    by_method: dict[str, int] = field(default_factory=dict)  # "nhs_number" / "fallback" -> rows linked
    links: pa.Table | None = None  # row (1-based), person_id, index_date, sessions, method: no identifiers

    @property
    def link_rate(self) -> float:
        return self.linked / self.submitted if self.submitted else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "submitted": self.submitted,
            "linked": self.linked,
            "link_rate": round(self.link_rate, 4),
            "by_method": self.by_method,
            "not_linked": self.reasons,
        }


def read_cohort_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


# One person as the pseudonymising needs them: row, NHS number, date of birth, sex, postcode, index date, sessions.
_Person = tuple[int, str | None, date | None, str | None, str | None, date | None, int | None]


def _pseudonymise(people: Iterable[_Person], key: bytes) -> pa.Table:
    """The one place identifiers become pseudonyms: the NHS number's when there is one, else the fallback key's."""
    numbers: list[int] = []
    nhs: list[str | None] = []
    fallback: list[str | None] = []
    index: list[date | None] = []
    sessions: list[int | None] = []
    for number, nhs_number, born, sex, postcode, index_date, attended in people:
        if nhs_number:
            nhs.append(nhs_pseudonym(key, nhs_number))
            fallback.append(None)
        elif born is not None and sex and postcode:
            nhs.append(None)
            fallback.append(fallback_pseudonym(key, born, sex, postcode))
        else:
            raise ValueError(messages.NO_IDENTIFIERS.format(row=number))
        numbers.append(number)
        index.append(index_date)
        sessions.append(attended)
    return pa.table({
        "row": pa.array(numbers, pa.int64()),
        "NHS_PSEUDONYM": pa.array(nhs, pa.string()),
        "FALLBACK_PSEUDONYM": pa.array(fallback, pa.string()),
        "index_date": pa.array(index, pa.date32()),
        "sessions": pa.array(sessions, pa.int32()),
    })  # fmt: skip


def pseudonymise_cohort(rows: Sequence[CohortRow], key: bytes) -> pa.Table:
    """A checked cohort file's rows (``cohort_file.read_cohort_file``) as pseudonyms, ``row`` its spreadsheet row:
    the only form in which the lab keeps a cohort."""
    return _pseudonymise(
        ((r.row, r.nhs_number, r.date_of_birth, r.sex, r.postcode, r.index_date, r.sessions) for r in rows), key
    )


def pseudonymise_rows(rows: Iterable[Mapping[str, Any]], key: bytes) -> tuple[pa.Table, Counter[str]]:
    """The rows as pseudonyms (row, NHS_PSEUDONYM or FALLBACK_PSEUDONYM, index date, sessions), and reasons so far.

    Lenient, for rows not checked by ``cohort_file``: a row whose identifiers are not valid is counted, not refused."""
    reasons: Counter[str] = Counter()

    def people() -> Iterator[_Person]:
        for number, row in enumerate(rows, start=1):
            raw_nhs = str(row.get("nhs_number") or "").strip()
            normalised: str | None = None
            born: date | None = None
            sex: str | None = None
            postcode: str | None = None
            if raw_nhs:
                normalised = normalise_nhs_number(raw_nhs)
                if normalised is None:
                    reasons["invalid_nhs_number"] += 1
                    continue
            else:
                born, sex = _date(row.get("date_of_birth")), normalise_sex(row.get("sex"))
                postcode = normalise_postcode(row.get("postcode"))
                if born is None or sex is None or postcode is None:
                    reasons["missing_identifiers"] += 1
                    continue
            raw_sessions = str(row.get("sessions") or "").strip()
            attended = int(raw_sessions) if raw_sessions.isdigit() else None
            yield number, normalised, born, sex, postcode, _date(row.get("index_date")), attended

    return _pseudonymise(people(), key), reasons


LINK_SQL = """
WITH by_nhs AS (
    SELECT c.row, p.person_id
    FROM cohort c JOIN read_parquet($persons) p ON p.NHS_PSEUDONYM = c.NHS_PSEUDONYM
    WHERE c.NHS_PSEUDONYM IS NOT NULL
),
candidates AS (
    SELECT p.FALLBACK_PSEUDONYM, count(*) AS people, min(p.person_id) AS person_id
    FROM read_parquet($persons) p
    WHERE p.FALLBACK_PSEUDONYM IN (SELECT FALLBACK_PSEUDONYM FROM cohort WHERE FALLBACK_PSEUDONYM IS NOT NULL)
    GROUP BY p.FALLBACK_PSEUDONYM
)
SELECT c.row, c.index_date, c.sessions,
       coalesce(n.person_id, CASE WHEN f.people = 1 THEN f.person_id END) AS person_id,
       CASE WHEN n.person_id IS NOT NULL THEN 'nhs_number'
            WHEN f.people = 1 THEN 'fallback'
            WHEN f.people > 1 THEN 'ambiguous_fallback'
            ELSE 'no_match' END AS outcome
FROM cohort c
LEFT JOIN by_nhs n ON n.row = c.row
LEFT JOIN candidates f ON f.FALLBACK_PSEUDONYM = c.FALLBACK_PSEUDONYM
ORDER BY c.row
"""


def _persons_file(extract_dir: Path) -> Path:
    persons = Path(extract_dir) / "persons.parquet"
    if not persons.exists():
        raise FileNotFoundError(messages.EXTRACT_MISSING.format(path=extract_dir))
    return persons


def link_pseudonymised(cohort: pa.Table, extract_dir: Path) -> LinkageResult:
    """Link an already pseudonymised cohort (``pseudonymise_cohort``'s table, as the lab's worker reads it back from
    its Parquet file) to the extract in ``extract_dir``: DuckDB in memory, pseudonyms only."""
    persons = _persons_file(extract_dir)
    connection = duckdb.connect(":memory:")
    try:
        connection.register("cohort", cohort)
        result = connection.execute(LINK_SQL, {"persons": str(persons)}).to_arrow_table()
    finally:
        connection.close()
    outcomes = Counter(result.column("outcome").to_pylist())
    by_method = {method: outcomes.pop(method) for method in ("nhs_number", "fallback") if method in outcomes}
    linked = result.filter(pa.compute.is_valid(result.column("person_id")))
    links = linked.select(["row", "person_id", "index_date", "sessions", "outcome"]).rename_columns(
        ["row", "person_id", "index_date", "sessions", "method"]
    )
    return LinkageResult(
        submitted=cohort.num_rows, linked=links.num_rows, reasons=dict(sorted(outcomes.items())), by_method=by_method,
        links=links,
    )  # fmt: skip


def link_cohort(rows: Iterable[Mapping[str, Any]], extract_dir: Path, *, key: bytes | None = None) -> LinkageResult:
    """Pseudonymise unchecked rows in memory and link them; rows with invalid identifiers count among the reasons."""
    _persons_file(extract_dir)  # before the key is asked for: no extract is the first thing to say
    key = key if key is not None else load_key()
    rows = list(rows)
    cohort, reasons = pseudonymise_rows(rows, key)
    result = link_pseudonymised(cohort, extract_dir)
    reasons.update(result.reasons)
    return replace(result, submitted=len(rows), reasons=dict(sorted(reasons.items())))

"""Pseudonymise a charity's cohort in memory and link it to the national extract with DuckDB over the Parquet files.

Each row: a valid NHS number is linked on its pseudonym; a row with no NHS number falls back on the pseudonym of date of
birth + sex + postcode, linked only when exactly one person has it. The raw identifiers live only in this process's
memory while the pseudonyms are made: DuckDB (in memory, no database file) sees pseudonyms only.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from . import messages
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


def pseudonymise_rows(rows: Iterable[Mapping[str, Any]], key: bytes) -> tuple[pa.Table, Counter[str]]:
    """The rows as pseudonyms (row, NHS_PSEUDONYM or FALLBACK_PSEUDONYM, index date, sessions), and reasons so far."""
    numbers, nhs, fallback, index, sessions = [], [], [], [], []
    reasons: Counter[str] = Counter()
    for number, row in enumerate(rows, start=1):
        raw_nhs = str(row.get("nhs_number") or "").strip()
        nhs_key = fallback_key = None
        if raw_nhs:
            normalised = normalise_nhs_number(raw_nhs)
            if normalised is None:
                reasons["invalid_nhs_number"] += 1
                continue
            nhs_key = nhs_pseudonym(key, normalised)
        else:
            born, sex, postcode = (
                _date(row.get("date_of_birth")),
                normalise_sex(row.get("sex")),
                normalise_postcode(row.get("postcode")),
            )
            if born is None or sex is None or postcode is None:
                reasons["missing_identifiers"] += 1
                continue
            fallback_key = fallback_pseudonym(key, born, sex, postcode)
        numbers.append(number)
        nhs.append(nhs_key)
        fallback.append(fallback_key)
        index.append(_date(row.get("index_date")))
        raw_sessions = str(row.get("sessions") or "").strip()
        sessions.append(int(raw_sessions) if raw_sessions.isdigit() else None)
    table = pa.table({
        "row": pa.array(numbers, pa.int64()),
        "NHS_PSEUDONYM": pa.array(nhs, pa.string()),
        "FALLBACK_PSEUDONYM": pa.array(fallback, pa.string()),
        "index_date": pa.array(index, pa.date32()),
        "sessions": pa.array(sessions, pa.int32()),
    })  # fmt: skip
    return table, reasons


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


def link_cohort(rows: Iterable[Mapping[str, Any]], extract_dir: Path, *, key: bytes | None = None) -> LinkageResult:
    persons = Path(extract_dir) / "persons.parquet"
    if not persons.exists():
        raise FileNotFoundError(messages.EXTRACT_MISSING.format(path=extract_dir))
    key = key if key is not None else load_key()
    rows = list(rows)
    cohort, reasons = pseudonymise_rows(rows, key)
    connection = duckdb.connect(":memory:")
    try:
        connection.register("cohort", cohort)
        result = connection.execute(LINK_SQL, {"persons": str(persons)}).to_arrow_table()
    finally:
        connection.close()
    outcomes = Counter(result.column("outcome").to_pylist())
    by_method = {method: outcomes.pop(method) for method in ("nhs_number", "fallback") if method in outcomes}
    reasons.update(outcomes)
    linked = result.filter(pa.compute.is_valid(result.column("person_id")))
    links = linked.select(["row", "person_id", "index_date", "sessions", "outcome"]).rename_columns(
        ["row", "person_id", "index_date", "sessions", "method"]
    )
    return LinkageResult(
        submitted=len(rows), linked=links.num_rows, reasons=dict(sorted(reasons.items())), by_method=by_method,
        links=links,
    )  # fmt: skip

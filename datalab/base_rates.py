"""National base rates of each outcome by age group, from the extract: what the power check starts from.

Run by the lab's worker and management commands when an extract is registered, never in a web request: it reads the
Parquet files with DuckDB. The figures are aggregates over every person in the extract (thousands per cell), so they
may be kept in the web database (datalab.models.BaseRate).

The reference year is the follow-up year of the latest programme start date the extract can follow up: the 365 days
ending at the end of coverage less the processing lag (DATALAB_PROCESSING_LAG_DAYS), so its records are as complete as
a request's would be. Age is age on the first day of that year, from the date of birth. What each outcome counts:
- emergency and elective admissions: spells (not episodes) admitted in the year, by the ADMIMETH codes of extract.py;
- A&E attendances: arrivals in the year; outpatient attendances: appointments in the year attended (ATTENDED 5);
- bed days: the nights (SPELDUR) of spells admitted in the year, whatever the admission method; same-day stays count
  0; a spell still open at the end of coverage counts its nights to that day.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

from . import messages
from .choices import AgeGroup, Outcome
from .eligibility import Coverage, latest_index_date, processing_lag_days
from .extract import ELECTIVE_CODES, EMERGENCY_CODES


@dataclass(frozen=True)
class BaseRate:
    """One outcome for one age group over the reference year: the people, the share with at least one event, and
    the mean and variance (n - 1 denominator) of events (or bed days) per person, zeros included."""

    outcome: str
    age_group: str
    people: int
    rate: float
    mean: float
    variance: float


# Age bands by age in whole years on the first day of the reference year (both ends inclusive); older than
# OLDEST counts as OLDEST.
OLDEST = 130
AGE_BANDS = (
    (AgeGroup.CHILDREN, 0, 17),
    (AgeGroup.ADULTS_18_39, 18, 39),
    (AgeGroup.ADULTS_40_64, 40, 64),
    (AgeGroup.ADULTS_65_79, 65, 79),
    (AgeGroup.ADULTS_80, 80, OLDEST),
)

# Each person's age group, looked up in a table of every age (an equality join costs what a CASE does; a range join
# on the bands cost three times as much on 5 million persons, and date_sub('year', ...) twice this arithmetic).
PEOPLE_SQL = """
CREATE TEMP TABLE people AS
SELECT p.person_id, a.age_group
FROM (
    SELECT person_id,
           least(year($start) - year(DOB)
                 - CASE WHEN month(DOB) * 100 + day(DOB) > month($start) * 100 + day($start) THEN 1 ELSE 0 END,
                 $oldest) AS age
    FROM read_parquet($persons) WHERE DOB <= $start
) p
JOIN ages a USING (age)
"""
PEOPLE_COUNT_SQL = """
SELECT CASE WHEN GROUPING(age_group) = 1 THEN $all ELSE age_group END AS age_group, count(*) AS people
FROM people GROUP BY GROUPING SETS ((age_group), ())
"""
# Each table's events per person and outcome in the reference year (long form: person_id, outcome, n), summed by
# AGGREGATE_SQL for each age group and for all ages: people with at least one, the events, their squares.
PER_PERSON_SQL = {
    "apc": """
        UNPIVOT (
            SELECT person_id,
                   count(*) FILTER (WHERE list_contains($emergency, ADMIMETH)) AS emergency_admissions,
                   count(*) FILTER (WHERE list_contains($elective, ADMIMETH)) AS elective_admissions,
                   sum(coalesce(SPELDUR, date_diff('day', ADMIDATE, $coverage_end)))::BIGINT AS bed_days
            FROM read_parquet($apc) WHERE ADMIDATE BETWEEN $start AND $end GROUP BY person_id
        ) ON emergency_admissions, elective_admissions, bed_days INTO NAME outcome VALUE n
    """,
    "ae": """
        SELECT person_id, 'ae_attendances' AS outcome, count(*) AS n
        FROM read_parquet($ae) WHERE ARRIVALDATE BETWEEN $start AND $end GROUP BY person_id
    """,
    "op": """
        SELECT person_id, 'outpatient_attendances' AS outcome, count(*) AS n
        FROM read_parquet($op) WHERE APPTDATE BETWEEN $start AND $end AND ATTENDED = '5' GROUP BY person_id
    """,
}
AGGREGATE_SQL = """
WITH per_person AS ({per_person})
SELECT e.outcome, CASE WHEN GROUPING(p.age_group) = 1 THEN $all ELSE p.age_group END AS age_group,
       count(*) FILTER (WHERE e.n > 0) AS with_event, sum(e.n)::DOUBLE AS events,
       sum(e.n::DOUBLE * e.n) AS events_squared
FROM per_person e JOIN people p USING (person_id)
GROUP BY GROUPING SETS ((e.outcome, p.age_group), (e.outcome))
"""
TABLE_SQL = {
    table: AGGREGATE_SQL.format(per_person=sql)  # noqa: S608 - the module's own constants, no outside text
    for table, sql in PER_PERSON_SQL.items()
}


def read_coverage(extract_dir: Path) -> tuple[Coverage, dict[str, Any]]:
    """The extract's coverage and its manifest (manifest.json), or FileNotFoundError naming the folder."""
    manifest_path = Path(extract_dir) / "manifest.json"
    if not manifest_path.exists():
        raise FileNotFoundError(messages.EXTRACT_MISSING.format(path=extract_dir))
    manifest = json.loads(manifest_path.read_text())
    coverage = Coverage(
        start=date.fromisoformat(manifest["coverage_start"]),
        end=date.fromisoformat(manifest["coverage_end"]),
        vintage=str(manifest["vintage"]),
    )
    return coverage, manifest


def reference_year(coverage: Coverage, lag_days: int | None = None) -> tuple[date, date]:
    """The first and last day (inclusive, 365 days) of the year the base rates describe."""
    end = coverage.end - timedelta(days=processing_lag_days(lag_days))
    return latest_index_date(coverage, lag_days) + timedelta(days=1), end


def compute_base_rates(extract_dir: Path, *, lag_days: int | None = None) -> list[BaseRate]:
    """Every outcome for every age group (all ages included), in the order of the choices: one DuckDB query per
    table of the extract, the grouping done in SQL, so 5 million persons take seconds, not a loop over people."""
    import duckdb  # the worker's dependency only: a web process importing this module for BaseRate needs none

    extract_dir = Path(extract_dir)
    coverage, manifest = read_coverage(extract_dir)
    start, end = reference_year(coverage, lag_days)
    files = {name: str(extract_dir / file) for name, file in manifest["tables"].items()}
    ages = [(age, group.value) for group, low, high in AGE_BANDS for age in range(low, high + 1)]
    ages_table = pa.table({"age": [age for age, _group in ages], "age_group": [group for _age, group in ages]})
    counts: dict[tuple[str, str], tuple[int, float, float]] = {}
    connection = duckdb.connect(":memory:")
    try:
        connection.register("ages", ages_table)
        connection.execute(PEOPLE_SQL, {"persons": files["persons"], "start": start, "oldest": OLDEST})
        people = dict(connection.execute(PEOPLE_COUNT_SQL, {"all": AgeGroup.ALL.value}).fetchall())
        for table, sql in TABLE_SQL.items():
            parameters: dict[str, Any] = {table: files[table], "start": start, "end": end, "all": AgeGroup.ALL.value}
            if table == "apc":
                parameters.update(
                    emergency=sorted(EMERGENCY_CODES), elective=sorted(ELECTIVE_CODES), coverage_end=coverage.end
                )
            for outcome, age_group, with_event, events, squared in connection.execute(sql, parameters).fetchall():
                counts[(outcome, age_group)] = (int(with_event), float(events), float(squared))
    finally:
        connection.close()
    return [
        _base_rate(outcome, group, int(people.get(group.value, 0)), counts.get((outcome.value, group.value)))
        for outcome in Outcome
        for group in AgeGroup
    ]


def _base_rate(outcome: Outcome, group: AgeGroup, people: int, sums: tuple[int, float, float] | None) -> BaseRate:
    with_event, events, squared = sums or (0, 0.0, 0.0)
    mean = events / people if people else 0.0
    variance = max((squared - people * mean * mean) / (people - 1), 0.0) if people > 1 else 0.0
    return BaseRate(
        outcome=outcome.value, age_group=group.value, people=people, rate=with_event / people if people else 0.0,
        mean=mean, variance=variance,
    )  # fmt: skip

"""The people analysed and their covariates: the cohort's index dates, the controls' pseudo-index dates, the strata.

Pseudo-index dates: every control candidate gets one index date drawn at random (seeded) from the analysed cohort's
own index dates. The controls' dates then follow the cohort's distribution, season included, and the exact strata
(sex x 5-year age band at index x calendar quarter of index) pair each treated person only with controls whose date
falls in the same quarter. One date per candidate (rather than one per candidate per quarter) keeps the pool the size
of the population; every candidate has a full history and follow-up year because the cohort's dates do.

Covariates come from the year before index (``lookback_days``): age, sex, ethnicity group, region, deprivation decile
and the counts of A&E attendances, emergency and elective admissions, outpatient attendances and bed days. Outcomes
come from the ``follow_up_days`` after it; the same counts over the year before are the placebo outcomes.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import messages
from ..choices import Outcome
from .events import KINDS, EventIndex, Window, load_events
from .parameters import AnalysisParameters

EPOCH = date(1970, 1, 1)
AGE_BAND_YEARS = 5
TOP_AGE_BAND = 19  # 95 and over

POPULATION_SQL = """
SELECT person_id, (DOB - DATE '1970-01-01')::INTEGER AS dob, SEX AS sex, ETHNIC_GROUP AS ethnic,
       RESGOR_ONS AS region, IMD_DECILE AS imd
FROM read_parquet($persons) ORDER BY person_id
"""


def day_of(value: date) -> int:
    return (value - EPOCH).days


@dataclass(frozen=True)
class Coverage:
    start: int  # days since 1970
    end: int
    vintage: str
    generator_version: str
    persons: int
    seed: int | None

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any]) -> Coverage:
        return cls(
            start=day_of(date.fromisoformat(manifest["coverage_start"])),
            end=day_of(date.fromisoformat(manifest["coverage_end"])),
            vintage=str(manifest.get("vintage", "")),
            generator_version=str(manifest.get("generator_version", "")),
            persons=int(manifest.get("persons", 0)),
            seed=manifest.get("seed"),
        )

    def index_window(self, params: AnalysisParameters) -> tuple[int, int]:
        """Index dates with a full look-back year inside coverage and the follow-up year plus the lag before its end."""
        return self.start + params.lookback_days, self.end - params.follow_up_days - params.lag_days


@dataclass(frozen=True)
class Population:
    """Everyone in the extract, sorted by person_id (a person's position is their row), categories as codes."""

    person_id: np.ndarray
    dob: np.ndarray
    female: np.ndarray  # bool (HES SEX 2)
    sex: np.ndarray  # int8: 1 male, 2 female, 0 other or unknown
    ethnic: np.ndarray  # codes into ethnic_levels
    region: np.ndarray
    imd: np.ndarray
    ethnic_levels: tuple[str, ...]
    region_levels: tuple[str, ...]

    @property
    def size(self) -> int:
        return int(self.person_id.size)

    @functools.cached_property
    def dense(self) -> bool:
        """Person ids 0, 1, 2, ... (as the synthetic extract has them): a person's id is their position."""
        return bool(self.size and self.person_id[0] == 0 and self.person_id[-1] == self.size - 1)

    def positions(self, person_ids: np.ndarray) -> np.ndarray:
        """Rows of these person ids (-1 for ids not in the population)."""
        if self.dense:
            return np.where((person_ids >= 0) & (person_ids < self.size), person_ids, -1)
        place = np.clip(np.searchsorted(self.person_id, person_ids), 0, max(self.size - 1, 0))
        return np.where(self.person_id[place] == person_ids, place, -1) if self.size else np.full(person_ids.size, -1)


def _codes(column: pa.ChunkedArray) -> tuple[np.ndarray, tuple[str, ...]]:
    """Codes into the sorted distinct values (Arrow's hash dictionary, remapped: no sort of millions of strings)."""
    encoded = pc.dictionary_encode(column.fill_null("Unknown").combine_chunks())
    dictionary = [str(v) for v in encoded.dictionary.to_pylist()]
    levels = sorted(dictionary)
    remap = np.array([levels.index(v) for v in dictionary], dtype=np.int16)
    return remap[np.asarray(encoded.indices.to_numpy(zero_copy_only=False))], tuple(levels)


def load_population(connection: duckdb.DuckDBPyConnection, extract_dir: Path) -> Population:
    table = connection.execute(POPULATION_SQL, {"persons": str(Path(extract_dir) / "persons.parquet")}).to_arrow_table()
    ethnic, ethnic_levels = _codes(table.column("ethnic"))
    region, region_levels = _codes(table.column("region"))
    sex_column = table.column("sex").fill_null("0")
    male = np.asarray(pc.equal(sex_column, "1").to_numpy(zero_copy_only=False), dtype=bool)
    female = np.asarray(pc.equal(sex_column, "2").to_numpy(zero_copy_only=False), dtype=bool)
    sex = np.select([male, female], [1, 2], 0).astype(np.int8)
    return Population(
        person_id=np.asarray(table.column("person_id").to_numpy(), dtype=np.int64),
        dob=np.asarray(table.column("dob").to_numpy(), dtype=np.int64),
        female=sex == 2,
        sex=sex,
        ethnic=ethnic,
        region=region,
        imd=np.asarray(table.column("imd").fill_null(0).to_numpy(), dtype=np.int64),
        ethnic_levels=ethnic_levels,
        region_levels=region_levels,
    )


def read_manifest(extract_dir: Path) -> dict[str, Any]:
    path = Path(extract_dir) / "manifest.json"
    if not path.exists():
        raise FileNotFoundError(messages.EXTRACT_MISSING.format(path=extract_dir))
    manifest: dict[str, Any] = json.loads(path.read_text())
    return manifest


def load_extract(extract_dir: Path) -> tuple[Coverage, Population, EventIndex]:
    """Read the extract with DuckDB (in memory, no database file): the population and every outcome's event keys."""
    coverage = Coverage.from_manifest(read_manifest(extract_dir))
    connection = duckdb.connect(":memory:")
    try:
        population = load_population(connection, extract_dir)
        end = str(np.datetime64(coverage.end, "D"))
        events = load_events(connection, extract_dir, population.positions, origin=coverage.start, coverage_end=end)
    finally:
        connection.close()
    return coverage, population, events


@dataclass(frozen=True)
class CohortSelection:
    """The linked cohort reduced to one row per person with an index date the analysis can use."""

    positions: np.ndarray  # rows in the population
    index_day: np.ndarray
    linked: int
    excluded: dict[str, int]  # reason code (messages.EXCLUSIONS) -> people
    linked_positions: np.ndarray  # everyone linked, analysed or not: never a control


def select_cohort(
    links: pa.Table, population: Population, coverage: Coverage, params: AnalysisParameters
) -> CohortSelection:
    """One row per linked person (their first row), kept when the index date leaves a full history and follow-up."""
    person_ids = np.asarray(links.column("person_id").to_numpy(zero_copy_only=False), dtype=np.int64)
    index = links.column("index_date").cast(pa.int32())
    index_days = np.asarray(index.fill_null(np.iinfo(np.int32).min).to_numpy(), dtype=np.int64)
    has_date = np.asarray(index.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    rows = np.asarray(links.column("row").to_numpy(), dtype=np.int64) if "row" in links.column_names else None
    order = np.argsort(rows, kind="stable") if rows is not None else np.arange(person_ids.size)
    person_ids, index_days, has_date = person_ids[order], index_days[order], has_date[order]
    positions = population.positions(person_ids)
    excluded = dict.fromkeys(messages.EXCLUSIONS, 0)
    known = positions >= 0
    excluded["not_in_extract"] = int((~known).sum())
    _, first_rows = np.unique(np.where(known, positions, -1 - np.arange(positions.size)), return_index=True)
    first = np.zeros(positions.size, dtype=bool)
    first[first_rows] = True
    duplicate = known & ~first
    excluded["duplicate_person"] = int(duplicate.sum())
    candidate = known & first
    first_day, last_day = coverage.index_window(params)
    excluded["index_date_missing"] = int((candidate & ~has_date).sum())
    outside = candidate & has_date & ((index_days < first_day) | (index_days > last_day))
    excluded["index_date_outside_window"] = int(outside.sum())
    keep = candidate & has_date & ~outside
    return CohortSelection(
        positions=positions[keep],
        index_day=index_days[keep],
        linked=int(person_ids.size),
        excluded=excluded,
        linked_positions=np.unique(positions[known]),
    )


def age_band_of(age: np.ndarray) -> np.ndarray:
    return np.minimum(age // AGE_BAND_YEARS, TOP_AGE_BAND)


def quarter_of(days: np.ndarray) -> np.ndarray:
    """Calendar quarter as year * 4 + quarter - 1 (2022 Q2 -> 8089)."""
    as_date = days.astype("datetime64[D]")
    year = as_date.astype("datetime64[Y]").astype(np.int64) + 1970
    month = as_date.astype("datetime64[M]").astype(np.int64) % 12
    return year * 4 + month // 3


def age_at(dob: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whole years of age on ``day`` (calendar birthdays)."""
    born, on = dob.astype("datetime64[D]"), day.astype("datetime64[D]")
    years = on.astype("datetime64[Y]").astype(np.int64) - born.astype("datetime64[Y]").astype(np.int64)
    born_doy = born - born.astype("datetime64[Y]")
    on_doy = on - on.astype("datetime64[Y]")
    return years - (on_doy < born_doy)


PRIOR = {kind: f"prior_{kind}" for kind in KINDS}
REGION_NAMES = {
    "E12000001": "North East", "E12000002": "North West", "E12000003": "Yorkshire and The Humber",
    "E12000004": "East Midlands", "E12000005": "West Midlands", "E12000006": "East of England",
    "E12000007": "London", "E12000008": "South East", "E12000009": "South West",
}  # fmt: skip


@dataclass(frozen=True)
class AnalysisFrame:
    """The analysed cohort (treated) and the control candidates: positions, index dates, strata and covariates.

    Rows: the treated first, then the candidates (every person in a stratum with a treated person, not linked).
    ``follow_up`` gives each row's outcomes; ``treated_events`` (validation only) replaces the treated people's
    follow-up events, e.g. with a planted effect, while their history stays that of ``events``.
    """

    positions: np.ndarray
    index_day: np.ndarray
    treated: np.ndarray  # bool
    stratum: np.ndarray  # codes of sex x age band x quarter
    age: np.ndarray
    age_band: np.ndarray
    quarter: np.ndarray
    sex: np.ndarray
    female: np.ndarray
    ethnic: np.ndarray
    region: np.ndarray
    imd: np.ndarray
    prior: dict[str, Window]  # per outcome, over the look-back year (the placebo outcomes; counts are covariates)
    ethnic_levels: tuple[str, ...]
    region_levels: tuple[str, ...]
    events: EventIndex
    follow_up_days: int
    lookback_days: int
    treated_events: EventIndex | None = None

    @property
    def n_treated(self) -> int:
        return int(self.treated.sum())

    def follow_up(self, rows: np.ndarray) -> dict[str, Window]:
        """Every outcome over the follow-up year (the day after index to ``follow_up_days`` after) of these rows."""
        start = self.index_day[rows] + 1
        end = self.index_day[rows] + self.follow_up_days
        windows = {kind: self.events.window(kind, self.positions[rows], start, end) for kind in KINDS}
        if self.treated_events is None:
            return windows
        mine = self.treated[rows]
        if not mine.any():
            return windows
        replaced = {}
        for kind, window in windows.items():
            override = self.treated_events.window(kind, self.positions[rows][mine], start[mine], end[mine])
            count, nights, first = window.count.copy(), window.nights.copy(), window.first_day.copy()
            count[mine], nights[mine], first[mine] = override.count, override.nights, override.first_day
            replaced[kind] = Window(count, nights, first)
        return replaced


def prior_windows(events: EventIndex, positions: np.ndarray, index_day: np.ndarray, lookback: int) -> dict[str, Window]:
    start, end = index_day - lookback, index_day - 1
    return {kind: events.window(kind, positions, start, end) for kind in KINDS}


def build_frame(
    *,
    population: Population,
    events: EventIndex,
    cohort_positions: np.ndarray,
    cohort_index_day: np.ndarray,
    excluded_positions: np.ndarray,
    params: AnalysisParameters,
    treated_events: EventIndex | None = None,
) -> AnalysisFrame:
    """Treated rows, then every control candidate with a pseudo-index date drawn from the cohort's, in shared strata."""
    rng = np.random.default_rng([params.seed, 1])
    pool = np.ones(population.size, dtype=bool)
    pool[excluded_positions] = False
    pool[cohort_positions] = False
    control_positions = np.flatnonzero(pool) if cohort_positions.size else np.empty(0, np.int64)
    control_index = cohort_index_day[rng.integers(0, max(cohort_index_day.size, 1), control_positions.size)]
    positions = np.concatenate([cohort_positions, control_positions])
    index_day = np.concatenate([cohort_index_day, control_index])
    treated = np.zeros(positions.size, dtype=bool)
    treated[: cohort_positions.size] = True
    age = age_at(population.dob[positions], index_day)
    band, quarter, sex = age_band_of(age), quarter_of(index_day), population.sex[positions].astype(np.int64)
    # A small dense key (sex x band x quarter since the first), so strata are found with lookups, not sorts.
    first_quarter = int(quarter[treated].min()) if treated.any() else 0
    quarters = int(quarter[treated].max()) - first_quarter + 1 if treated.any() else 1
    in_range = (quarter >= first_quarter) & (quarter < first_quarter + quarters) & (age >= 0)
    stratum_key = np.where(in_range, (sex * (TOP_AGE_BAND + 1) + band) * quarters + quarter - first_quarter, 0)
    treated_keys = np.unique(stratum_key[treated])
    code = np.full(3 * (TOP_AGE_BAND + 1) * quarters, -1, dtype=np.int64)
    code[treated_keys] = np.arange(treated_keys.size)
    keep = in_range & (code[stratum_key] >= 0)
    keep[: cohort_positions.size] = True
    positions, index_day, treated, age = positions[keep], index_day[keep], treated[keep], age[keep]
    band, quarter, sex = band[keep], quarter[keep], sex[keep]
    stratum = code[stratum_key[keep]]
    return AnalysisFrame(
        positions=positions,
        index_day=index_day,
        treated=treated,
        stratum=stratum,
        age=age,
        age_band=band,
        quarter=quarter,
        sex=sex,
        female=population.female[positions],
        ethnic=population.ethnic[positions],
        region=population.region[positions],
        imd=population.imd[positions],
        prior=prior_windows(events, positions, index_day, params.lookback_days),
        ethnic_levels=population.ethnic_levels,
        region_levels=population.region_levels,
        events=events,
        follow_up_days=params.follow_up_days,
        lookback_days=params.lookback_days,
        treated_events=treated_events,
    )


@dataclass(frozen=True)
class Covariate:
    name: str
    label: str
    binary: bool
    values: np.ndarray  # float, one per frame row


OUTCOME_LABELS = dict(Outcome.choices)


def balance_covariates(frame: AnalysisFrame) -> list[Covariate]:
    """The covariates the balance table shows (categories one row per level), in the order it shows them."""
    rows = [
        Covariate("age", "Age at index (years)", False, frame.age.astype(float)),
        Covariate("female", "Female", True, frame.female.astype(float)),
    ]
    for code, level in enumerate(frame.ethnic_levels):
        rows.append(Covariate(f"ethnic:{level}", f"Ethnicity group: {level}", True, (frame.ethnic == code) * 1.0))
    for code, level in enumerate(frame.region_levels):
        label = f"Region: {REGION_NAMES.get(level, level)}"
        rows.append(Covariate(f"region:{level}", label, True, (frame.region == code) * 1.0))
    rows.append(Covariate("imd", "Deprivation decile (1 most deprived)", False, frame.imd.astype(float)))
    for kind in KINDS:
        label = f"{OUTCOME_LABELS[kind]} in the year before"
        rows.append(Covariate(PRIOR[kind], label, False, frame.prior[kind].nights.astype(float)))
    return rows

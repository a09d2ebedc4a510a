"""Hospital events per person, held as sorted integer keys so that any window's count is two binary searches.

A key is position << SHIFT | day (days since the start of coverage), position being the person's row in the
population. For a person's window [start, end] the events are the keys between the two searches; the first is the
event at the lower one; bed days come from a running sum of nights. Every person's window at once is two
np.searchsorted calls over the whole array: no loop over people and no people x events table.

Loading: DuckDB reads only the columns it needs from the Parquet files and classes the events (HES ADMIMETH for
emergency and elective spells, ATTENDED = 5 for outpatient attendances); numpy makes the keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

from ..choices import Outcome
from ..extract import ELECTIVE_CODES, EMERGENCY_CODES

SHIFT = 13  # 8,192 days (22 years) of coverage per person
DAY_MASK = (1 << SHIFT) - 1
KINDS: tuple[str, ...] = tuple(Outcome.values)  # A&E, emergency, elective, outpatient, bed days


# Per outcome: the events, a day (days since 1970) and the nights they count (1 for every kind but bed days). Bed days:
# spells with at least one night (SPELDUR; a spell still open at the end of coverage runs to it), so the "first event"
# of bed days is the first overnight admission and same-day stays are excluded (IAU). Admission methods come in as a
# parameter ($codes: EMERGENCY_CODES or ELECTIVE_CODES), so every query is a constant.
EVENT_SQL = {
    Outcome.AE_ATTENDANCES: (
        "SELECT person_id, (ARRIVALDATE - DATE '1970-01-01')::INTEGER AS day, 1::BIGINT AS nights "
        "FROM read_parquet($ae)"
    ),
    Outcome.EMERGENCY_ADMISSIONS: (
        "SELECT person_id, (ADMIDATE - DATE '1970-01-01')::INTEGER AS day, 1::BIGINT AS nights "
        "FROM read_parquet($apc) WHERE list_contains($codes, ADMIMETH)"
    ),
    Outcome.ELECTIVE_ADMISSIONS: (
        "SELECT person_id, (ADMIDATE - DATE '1970-01-01')::INTEGER AS day, 1::BIGINT AS nights "
        "FROM read_parquet($apc) WHERE list_contains($codes, ADMIMETH)"
    ),
    Outcome.OUTPATIENT_ATTENDANCES: (
        "SELECT person_id, (APPTDATE - DATE '1970-01-01')::INTEGER AS day, 1::BIGINT AS nights "
        "FROM read_parquet($op) WHERE ATTENDED = '5'"
    ),
    Outcome.BED_DAYS: (
        "SELECT person_id, (ADMIDATE - DATE '1970-01-01')::INTEGER AS day, "
        "coalesce(SPELDUR, $coverage_end::DATE - ADMIDATE)::BIGINT AS nights "
        "FROM read_parquet($apc) WHERE coalesce(SPELDUR, $coverage_end::DATE - ADMIDATE) > 0"
    ),
}
CODES = {Outcome.EMERGENCY_ADMISSIONS: sorted(EMERGENCY_CODES), Outcome.ELECTIVE_ADMISSIONS: sorted(ELECTIVE_CODES)}


@dataclass(frozen=True)
class Window:
    """One outcome over each person's window: events, nights (bed days; events otherwise), first event's day."""

    count: np.ndarray
    nights: np.ndarray
    first_day: np.ndarray  # days from the window's start to the first event; -1 when there is none


@dataclass(frozen=True)
class EventIndex:
    """Every outcome's events as sorted keys (and running nights), over coverage starting on day ``origin``."""

    keys: dict[str, np.ndarray]
    cumulative_nights: dict[str, np.ndarray]  # leading 0, then the running sum of nights in key order
    origin: int  # days since 1970-01-01 of the first day of coverage

    @classmethod
    def from_arrays(cls, *, origin: int, events: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]) -> EventIndex:
        """From (position, day since 1970, nights) per outcome, in any order."""
        keys, cumulative = {}, {}
        for kind, (position, day, nights) in events.items():
            key = (position.astype(np.int64) << SHIFT) | (day.astype(np.int64) - origin)
            order = np.argsort(key, kind="stable")
            keys[kind] = key[order]
            cumulative[kind] = np.concatenate([[0], np.cumsum(nights.astype(np.int64)[order])])
        return cls(keys, cumulative, origin)

    def window(self, kind: str, positions: np.ndarray, start: np.ndarray, end: np.ndarray) -> Window:
        """Events of ``kind`` with start <= day <= end (days since 1970), for each person position."""
        keys = self.keys[kind]
        base = positions.astype(np.int64) << SHIFT
        lo = np.searchsorted(keys, base | (start.astype(np.int64) - self.origin), side="left")
        hi = np.searchsorted(keys, base | (end.astype(np.int64) + 1 - self.origin), side="left")
        count = hi - lo
        cumulative = self.cumulative_nights[kind]
        nights = cumulative[hi] - cumulative[lo]
        first = np.full(positions.size, -1, dtype=np.int64)
        has = count > 0
        first[has] = (keys[lo[has]] & DAY_MASK) + self.origin - start[has]
        return Window(count, nights, first)

    def events_between(
        self, kind: str, positions: np.ndarray, start: np.ndarray, end: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The events themselves in each person's window: (row in ``positions``, day since 1970, nights)."""
        keys = self.keys[kind]
        base = positions.astype(np.int64) << SHIFT
        lo = np.searchsorted(keys, base | (start.astype(np.int64) - self.origin), side="left")
        hi = np.searchsorted(keys, base | (end.astype(np.int64) + 1 - self.origin), side="left")
        rows = np.repeat(np.arange(positions.size), hi - lo)
        at = np.arange(rows.size) - np.repeat(np.cumsum(hi - lo) - (hi - lo), hi - lo) + np.repeat(lo, hi - lo)
        cumulative = self.cumulative_nights[kind]
        return rows, (keys[at] & DAY_MASK) + self.origin, cumulative[at + 1] - cumulative[at]


def load_events(
    connection: duckdb.DuckDBPyConnection,
    extract_dir: Path,
    positions_of: Callable[[np.ndarray], np.ndarray],
    *,
    origin: int,
    coverage_end: str,
) -> EventIndex:
    """Every outcome's keys from the extract; ``positions_of`` maps person ids to population rows (-1: unknown).

    DuckDB filters and classes the events; the keys are sorted here only when the files were not already in person
    and date order (the extract writes them so, and DuckDB keeps a scan's order), which a single pass checks.
    """
    keys, cumulative = {}, {}
    tables = {name: str(Path(extract_dir) / f"{name}.parquet") for name in ("ae", "apc", "op")}
    for kind, sql in EVENT_SQL.items():
        parameters: dict[str, object] = {name: path for name, path in tables.items() if f"${name}" in sql}
        if "$coverage_end" in sql:
            parameters["coverage_end"] = coverage_end
        if kind in CODES:
            parameters["codes"] = CODES[kind]
        result = connection.execute(sql, parameters).fetchnumpy()
        position = positions_of(np.asarray(result["person_id"], dtype=np.int64))
        known = position >= 0
        key = (position[known] << SHIFT) | (np.asarray(result["day"], dtype=np.int64)[known] - origin)
        nights = np.asarray(result["nights"], dtype=np.int64)[known]
        if key.size > 1 and bool((key[1:] < key[:-1]).any()):
            order = np.argsort(key, kind="stable")
            key, nights = key[order], nights[order]
        keys[str(kind)] = key
        cumulative[str(kind)] = np.concatenate([[0], np.cumsum(nights)])
    return EventIndex(keys, cumulative, origin)

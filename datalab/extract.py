"""A seeded, synthetic, HES-shaped national extract as Parquet files, and a charity cohort with a planted effect.

Layout of one extract (a versioned folder under settings.DATALAB_DATA_DIR, mode 0700, files 0600):
    manifest.json            vintage, seed, coverage, counts, generator version, the cohort planted (if any)
    persons.parquet          person_id, NHS_PSEUDONYM, FALLBACK_PSEUDONYM, DOB, AGE_AT_START, SEX, ETHNIC_GROUP,
                             RESGOR_ONS, IMD_DECILE, FRAILTY (latent: the lab's analysis must not use it)
    apc.parquet              admitted-patient spells: person_id, ADMIDATE, DISDATE, SPELDUR, ADMIMETH, CLASSPAT
    ae.parquet               A&E attendances: person_id, ARRIVALDATE
    op.parquet               outpatient appointments: person_id, APPTDATE, ATTENDED
The cohort (when asked for) goes beside it under cohorts/: cohort.csv, as a charity would upload it (the only file with
identifiers, synthetic ones), and truth.json (the planted effect and who was selected, for part 2 to check against).

Everything is vectorised numpy, one row group per chunk of persons, so 5 million persons fit in a few hundred MiB.
Each chunk's persons come from their own generator (seed, chunk), so the cohort's selection pass and the writing pass
see the same people without keeping them. NHS numbers are 9x xxxxxxx c in the never-issued range 9000000000-9999999999
with a valid modulus 11 check digit: a permutation of the person id keeps them unique (up to 10 million persons).
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings

from .pseudonymise import fallback_pseudonym, load_key, nhs_pseudonym

GENERATOR_VERSION = "1"
VINTAGE = "synthetic-2025-06"
COVERAGE_START = date(2021, 4, 1)
COVERAGE_END = date(2025, 3, 31)
FOLLOW_UP_DAYS = 365
PROCESSING_LAG_DAYS = 90
CHUNK = 250_000
MAX_PERSONS = 10_000_000
EPOCH = date(1970, 1, 1)

ELECTIVE = {"11": 0.55, "12": 0.15, "13": 0.30}
EMERGENCY = {"21": 0.62, "22": 0.08, "23": 0.01, "24": 0.02, "25": 0.01, "2A": 0.12, "2B": 0.04, "2C": 0.01,
             "2D": 0.04, "28": 0.05}  # fmt: skip
MATERNITY = {"31": 0.7, "32": 0.3}
TRANSFER = {"81": 0.5, "82": 0.1, "83": 0.1, "98": 0.15, "99": 0.15}
EMERGENCY_CODES = frozenset(EMERGENCY)
ELECTIVE_CODES = frozenset(ELECTIVE)
REGIONS = {f"E1200000{i}": w for i, w in enumerate([0.047, 0.131, 0.097, 0.086, 0.105, 0.111, 0.159, 0.163, 0.101], 1)}
ETHNIC_GROUPS = {"White": 0.81, "Asian": 0.096, "Black": 0.042, "Mixed": 0.03, "Other": 0.022}
POSTCODE_AREAS = ["B", "BS", "CB", "DE", "E", "EX", "GL", "HU", "L", "LE", "LS", "M", "N", "NE", "NG", "NR", "OX",
                  "PL", "S", "SE", "SO", "ST", "SW", "TS", "W", "WV", "YO"]  # fmt: skip
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
TWIN_EVERY = 997  # person ids with id % 997 == 1 share date of birth, sex and postcode with the person before


@dataclass(frozen=True)
class CohortSpec:
    size: int
    effect: float = 1.0  # multiplies post-index emergency admission and A&E attendance rates (1.0: no effect)
    missing_nhs_share: float = 0.1
    invalid_nhs_share: float = 0.01


@dataclass
class Extract:
    path: Path
    manifest: dict[str, Any]
    cohort_csv: Path | None = None
    truth: dict[str, Any] | None = None


@dataclass
class _Persons:
    ids: np.ndarray
    age: np.ndarray
    dob: np.ndarray  # days since 1970-01-01
    sex: np.ndarray  # 1 male, 2 female
    ethnic: np.ndarray
    region: np.ndarray
    imd: np.ndarray  # 1 most deprived .. 10 least
    frailty: np.ndarray
    household: np.ndarray = field(repr=False)


def data_dir() -> Path:
    return Path(settings.DATALAB_DATA_DIR)


def private_dir(path: Path) -> Path:
    """A folder only the lab's user can enter (0700), with its parents."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def day_number(value: date) -> int:
    return (value - EPOCH).days


def default_name(persons: int, seed: int) -> str:
    return f"{VINTAGE}-seed{seed}-n{persons}"


def synthetic_nhs_numbers(seed: int, ids: np.ndarray) -> np.ndarray:
    """Unique, valid NHS numbers 9m ppppppp c (m 0 or 1, p a permutation of the id): never issued to a patient."""
    if ids.size and int(ids.max()) >= MAX_PERSONS:
        raise ValueError(f"at most {MAX_PERSONS} persons")
    multiplier = 1 + 2 * (int(np.random.default_rng([seed, 7]).integers(1, 10**6)) * 5 + 1)  # odd, not a multiple of 5
    offset = int(np.random.default_rng([seed, 8]).integers(0, MAX_PERSONS))
    permuted = (ids.astype(np.int64) * multiplier + offset) % MAX_PERSONS
    numbers = np.zeros(ids.shape, dtype=np.int64)
    done = np.zeros(ids.shape, dtype=bool)
    for second in (0, 1):  # the second digit's weight is 9, a unit mod 11: at most one of 0 and 1 gives check 10
        base = 900_000_000 + second * 10_000_000 + permuted
        check = _check_digits(base)
        use = ~done & (check < 10)
        numbers[use] = base[use] * 10 + check[use]
        done |= use
    return numbers


def _check_digits(base: np.ndarray) -> np.ndarray:
    total = np.zeros(base.shape, dtype=np.int64)
    rest = base.copy()
    for weight in range(2, 11):  # last digit of the 9 has weight 2, the first 10
        total += (rest % 10) * weight
        rest //= 10
    check = 11 - total % 11
    return np.where(check == 11, 0, check)


def synthetic_postcodes(seed: int, households: np.ndarray) -> list[str]:
    with np.errstate(over="ignore"):
        mixed = _mix(households.astype(np.uint64) + np.uint64((seed * 0x9E3779B97F4A7C15) % 2**64))
    area = (mixed % np.uint64(len(POSTCODE_AREAS))).astype(np.int64)
    district = ((mixed >> np.uint64(8)) % np.uint64(20)).astype(np.int64) + 1
    sector = ((mixed >> np.uint64(16)) % np.uint64(10)).astype(np.int64)
    unit1 = ((mixed >> np.uint64(24)) % np.uint64(20)).astype(np.int64)
    unit2 = ((mixed >> np.uint64(32)) % np.uint64(20)).astype(np.int64)
    letters = POSTCODE_LETTERS
    parts = zip(area.tolist(), district.tolist(), sector.tolist(), unit1.tolist(), unit2.tolist(), strict=True)
    return [f"{POSTCODE_AREAS[a]}{d} {s}{letters[u]}{letters[v]}" for a, d, s, u, v in parts]


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, vectorised (wrapping uint64 arithmetic)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _choice(rng: np.random.Generator, table: dict[str, float], size: int) -> np.ndarray:
    weights = np.array(list(table.values()))
    return np.array(list(table), dtype=object)[rng.choice(len(table), size=size, p=weights / weights.sum())]


def _persons(seed: int, chunk: int, start: int, stop: int) -> _Persons:
    rng = np.random.default_rng([seed, chunk, 0])
    n = stop - start
    ids = np.arange(start, stop, dtype=np.int64)
    age = np.clip(rng.gamma(2.2, 19.0, n), 0, 104).astype(np.int64)
    dob = day_number(COVERAGE_START) - np.floor(age * 365.25).astype(np.int64) - rng.integers(1, 365, n)
    sex = rng.integers(1, 3, n)
    twins = np.flatnonzero((ids % TWIN_EVERY == 1) & (ids > start))
    dob[twins], sex[twins], age[twins] = dob[twins - 1], sex[twins - 1], age[twins - 1]
    household = ids.copy()
    household[twins] = ids[twins - 1]
    imd = rng.integers(1, 11, n)
    frailty = rng.gamma(2.0, 0.5, n) * np.exp(0.01 * (age - 50))  # latent; older people a little frailer
    ethnic, region = _choice(rng, ETHNIC_GROUPS, n), _choice(rng, REGIONS, n)
    imd[twins], ethnic[twins], region[twins] = imd[twins - 1], ethnic[twins - 1], region[twins - 1]
    return _Persons(ids, age, dob, sex, ethnic, region, imd, frailty, household)


def selection_weight(people: _Persons) -> np.ndarray:
    """Charities reach the more deprived and the frailer (adults only): the matching has to correct for it."""
    return np.exp(0.15 * (10 - people.imd) + 0.8 * np.log(people.frailty) + 0.01 * (people.age - 50)) * (
        people.age >= 18
    )


def _chunks(persons: int) -> Iterator[tuple[int, int, int]]:
    for chunk, start in enumerate(range(0, persons, CHUNK)):
        yield chunk, start, min(persons, start + CHUNK)


def _select(persons: int, seed: int, spec: CohortSpec) -> tuple[np.ndarray, np.ndarray]:
    """Weighted sampling without replacement (Efraimidis-Spirakis keys), a running top-N over the chunks."""
    best_keys, best_ids = np.empty(0), np.empty(0, dtype=np.int64)
    for chunk, start, stop in _chunks(persons):
        people = _persons(seed, chunk, start, stop)
        weight = selection_weight(people)
        u = np.random.default_rng([seed, chunk, 2]).random(stop - start)
        with np.errstate(divide="ignore"):
            keys = np.where(weight > 0, np.log(u) / np.where(weight > 0, weight, 1), -np.inf)
        best_keys, best_ids = np.concatenate([best_keys, keys]), np.concatenate([best_ids, people.ids])
        if best_keys.size > spec.size:
            keep = np.argpartition(-best_keys, spec.size)[: spec.size]
            best_keys, best_ids = best_keys[keep], best_ids[keep]
    ids = np.sort(best_ids)
    first, last = index_window()
    index_days = np.random.default_rng([seed, 3]).integers(day_number(first), day_number(last) + 1, ids.size)
    return ids, index_days


def index_window() -> tuple[date, date]:
    """Index dates with a year of history before and a complete follow-up year (plus the lag) after."""
    return COVERAGE_START + timedelta(days=365), COVERAGE_END - timedelta(days=FOLLOW_UP_DAYS + PROCESSING_LAG_DAYS)


def _seasonal(kind: str) -> np.ndarray:
    days = np.arange(day_number(COVERAGE_START), day_number(COVERAGE_END) + 1)
    dates = days.astype("datetime64[D]")
    doy = (dates - dates.astype("datetime64[Y]")).astype(np.int64)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; 0 is Monday
    if kind == "winter":  # emergency admissions and A&E: a winter peak in mid January
        weight = 1 + 0.25 * np.cos(2 * np.pi * (doy - 15) / 365.25)
    elif kind == "elective":  # planned care dips in winter pressures and in August
        weight = (1 - 0.1 * np.cos(2 * np.pi * (doy - 15) / 365.25)) * np.where(weekday < 5, 1.0, 0.15)
    else:  # outpatients: weekdays
        weight = np.where(weekday < 5, 1.0, 0.02)
    return weight / weight.sum()


def _dates(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    return day_number(COVERAGE_START) + rng.choice(weights.size, size=size, p=weights)


def _events(
    rng: np.random.Generator, people: _Persons, rate: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    years = (day_number(COVERAGE_END) - day_number(COVERAGE_START) + 1) / 365.25
    counts = rng.poisson(rate * years)
    index = np.repeat(np.arange(people.ids.size), counts)
    return index, _dates(rng, weights, index.size)


def _plant(
    rng: np.random.Generator,
    index: np.ndarray,
    days: np.ndarray,
    rate: np.ndarray,
    participants: dict[int, int],
    people: _Persons,
    effect: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Multiply the post-index rate of the participants' events by ``effect``: thin below 1, add events above."""
    if not participants or effect == 1.0:
        return index, days
    position = {pid: i for i, pid in enumerate(people.ids.tolist())}
    mine = np.array([position[p] for p in participants if p in position], dtype=np.int64)
    if not mine.size:
        return index, days
    index_day = np.full(people.ids.size, np.iinfo(np.int64).max)
    index_day[mine] = [participants[int(p)] for p in people.ids[mine]]
    post = days > index_day[index]
    if effect < 1.0:
        keep = ~post | (rng.random(index.size) < effect)
        return index[keep], days[keep]
    end = day_number(COVERAGE_END)
    extra = rng.poisson((effect - 1.0) * rate[mine] * (end - index_day[mine]) / 365.25)
    who = np.repeat(mine, extra)
    when = index_day[who] + 1 + np.floor(rng.random(who.size) * (end - index_day[who])).astype(np.int64)
    return np.concatenate([index, who]), np.concatenate([days, when])


def _chunk_tables(seed: int, chunk: int, people: _Persons, key: bytes, participants: dict[int, int],
                  effect: float, weights: dict[str, np.ndarray]) -> dict[str, pa.Table]:  # fmt: skip
    rng = np.random.default_rng([seed, chunk, 1])
    nhs = synthetic_nhs_numbers(seed, people.ids)
    postcodes = synthetic_postcodes(seed, people.household)
    dob_dates = [EPOCH + timedelta(days=d) for d in people.dob.tolist()]
    persons = pa.table({
        "person_id": pa.array(people.ids, pa.int64()),
        "NHS_PSEUDONYM": pa.array([nhs_pseudonym(key, str(n)) for n in nhs.tolist()], pa.string()),
        "FALLBACK_PSEUDONYM": pa.array(
            [fallback_pseudonym(key, d, str(s), p.replace(" ", ""))
             for d, s, p in zip(dob_dates, people.sex.tolist(), postcodes, strict=True)], pa.string()),  # fmt: skip
        "DOB": pa.array(people.dob.astype(np.int32), pa.int32()).cast(pa.date32()),
        "AGE_AT_START": pa.array(people.age, pa.int16()),
        "SEX": pa.array(people.sex.astype(str), pa.string()),
        "ETHNIC_GROUP": pa.array(people.ethnic.astype(str), pa.string()),
        "RESGOR_ONS": pa.array(people.region.astype(str), pa.string()),
        "IMD_DECILE": pa.array(people.imd, pa.int8()),
        "FRAILTY": pa.array(people.frailty, pa.float32()),
    })  # fmt: skip
    age, deprivation, frail = people.age, 1.06 ** (10 - people.imd), people.frailty
    young = 1 + 1.5 * (age < 5)
    emergency_rate = 0.08 * np.exp(0.03 * (age - 50)) * young * deprivation * frail
    ae_rate = 0.28 * np.exp(0.012 * (age - 50)) * young * deprivation * frail
    elective_rate = 0.11 * np.exp(0.025 * (age - 50)) * 1.02 ** (10 - people.imd) * np.sqrt(frail)
    op_rate = 1.1 * np.exp(0.015 * (age - 50)) * np.sqrt(frail)
    maternity_rate = 0.06 * ((people.sex == 2) & (age >= 18) & (age <= 42))
    transfer_rate = 0.01 * frail
    spells = []
    for rate, codes, season, planted in [
        (emergency_rate, EMERGENCY, "winter", True),
        (elective_rate, ELECTIVE, "elective", False),
        (maternity_rate, MATERNITY, "flat", False),
        (transfer_rate, TRANSFER, "flat", False),
    ]:  # fmt: skip
        index, days = _events(rng, people, rate, weights[season])
        if planted:
            index, days = _plant(rng, index, days, rate, participants, people, effect)
        method = _choice(rng, codes, index.size)
        if codes is ELECTIVE:
            stay = np.where(rng.random(index.size) < 0.7, 0, rng.poisson(3, index.size))
        elif codes is EMERGENCY:
            stay = rng.poisson(0.4 + 0.08 * age[index] * np.sqrt(frail[index]))
        else:
            stay = rng.poisson(2, index.size)
        spells.append((index, days, stay, method, codes is ELECTIVE))
    index = np.concatenate([s[0] for s in spells])
    admitted = np.concatenate([s[1] for s in spells])
    stay = np.concatenate([s[2] for s in spells]).astype(np.int64)
    elective_day_case = np.concatenate([(s[2] == 0) & s[4] for s in spells])
    discharged = admitted + stay
    open_spell = discharged > day_number(COVERAGE_END)
    order = np.lexsort((admitted, people.ids[index]))
    apc = pa.table({
        "person_id": pa.array(people.ids[index][order], pa.int64()),
        "ADMIDATE": pa.array(admitted[order].astype(np.int32), pa.int32()).cast(pa.date32()),
        "DISDATE": pa.array(discharged[order].astype(np.int32), pa.int32(), mask=open_spell[order]).cast(pa.date32()),
        "SPELDUR": pa.array(stay[order], pa.int32(), mask=open_spell[order]),
        "ADMIMETH": pa.array(np.concatenate([s[3] for s in spells])[order].astype(str), pa.string()),
        "CLASSPAT": pa.array(np.where(elective_day_case, 2, 1)[order], pa.int8()),
    })  # fmt: skip
    index, days = _events(rng, people, ae_rate, weights["winter"])
    index, days = _plant(rng, index, days, ae_rate, participants, people, effect)
    order = np.lexsort((days, people.ids[index]))
    ae = pa.table({
        "person_id": pa.array(people.ids[index][order], pa.int64()),
        "ARRIVALDATE": pa.array(days[order].astype(np.int32), pa.int32()).cast(pa.date32()),
    })  # fmt: skip
    index, days = _events(rng, people, op_rate, weights["weekday"])
    order = np.lexsort((days, people.ids[index]))
    attended = np.array(["5", "3", "2"], dtype=object)[rng.choice(3, size=index.size, p=[0.9, 0.07, 0.03])]
    op = pa.table({
        "person_id": pa.array(people.ids[index][order], pa.int64()),
        "APPTDATE": pa.array(days[order].astype(np.int32), pa.int32()).cast(pa.date32()),
        "ATTENDED": pa.array(attended.astype(str), pa.string()),
    })  # fmt: skip
    return {"persons": persons, "apc": apc, "ae": ae, "op": op}


def generate_extract(
    persons: int,
    seed: int,
    out: Path | None = None,
    *,
    cohort: CohortSpec | None = None,
    key: bytes | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Extract:
    """Write the extract (and the cohort, if asked for) and say where. Nothing raw is written but cohort.csv."""
    if not 0 < persons <= MAX_PERSONS:
        raise ValueError(f"persons must be between 1 and {MAX_PERSONS}")
    key = key if key is not None else load_key()
    path = private_dir(out if out is not None else data_dir() / "extracts" / default_name(persons, seed))
    selected, index_days = _select(persons, seed, cohort) if cohort else (np.empty(0, np.int64), np.empty(0, np.int64))
    participants = dict(zip(selected.tolist(), index_days.tolist(), strict=True))
    effect = cohort.effect if cohort else 1.0
    weights = {kind: _seasonal(kind) for kind in ("winter", "elective", "weekday", "flat")}
    writers: dict[str, pq.ParquetWriter] = {}
    counts = dict.fromkeys(("persons", "apc", "ae", "op"), 0)
    identities: dict[int, tuple[int, int, int, str]] = {}
    try:
        for chunk, start, stop in _chunks(persons):
            people = _persons(seed, chunk, start, stop)
            tables = _chunk_tables(seed, chunk, people, key, participants, effect, weights)
            for name, table in tables.items():
                if name not in writers:
                    writers[name] = pq.ParquetWriter(path / f"{name}.parquet", table.schema, compression="zstd")
                writers[name].write_table(table)
                counts[name] += table.num_rows
            if participants:
                identities.update(_identities(seed, people, participants))
            if progress:
                progress(stop, persons)
    finally:
        for writer in writers.values():
            writer.close()
    for name in writers:
        os.chmod(path / f"{name}.parquet", 0o600)
    manifest: dict[str, Any] = {
        "vintage": VINTAGE,
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "persons": persons,
        "coverage_start": COVERAGE_START.isoformat(),
        "coverage_end": COVERAGE_END.isoformat(),
        "counts": counts,
        "tables": {name: f"{name}.parquet" for name in counts},
        "cohort": None,
    }
    extract = Extract(path=path, manifest=manifest)
    if cohort:
        extract.cohort_csv, extract.truth = _write_cohort(path, seed, cohort, selected, participants, identities)
        manifest["cohort"] = {"size": cohort.size, "effect": cohort.effect, "truth": "cohort/truth.json"}
    _write_private(path / "manifest.json", json.dumps(manifest, indent=2))
    return extract


def _identities(seed: int, people: _Persons, participants: dict[int, int]) -> dict[int, tuple[int, int, int, str]]:
    mine = np.flatnonzero(np.isin(people.ids, np.fromiter(participants, dtype=np.int64)))
    nhs = synthetic_nhs_numbers(seed, people.ids[mine])
    postcodes = synthetic_postcodes(seed, people.household[mine])
    return {
        int(people.ids[i]): (int(n), int(people.dob[i]), int(people.sex[i]), pc)
        for i, n, pc in zip(mine.tolist(), nhs.tolist(), postcodes, strict=True)
    }


def _write_cohort(path: Path, seed: int, spec: CohortSpec, selected: np.ndarray, participants: dict[int, int],
                  identities: dict[int, tuple[int, int, int, str]]) -> tuple[Path, dict[str, Any]]:  # fmt: skip
    """The upload a charity would send (rows shuffled) and the truth part 2 checks its estimate against."""
    rng = np.random.default_rng([seed, 4])
    order = rng.permutation(selected.size)
    missing = rng.random(selected.size) < spec.missing_nhs_share
    invalid = ~missing & (rng.random(selected.size) < spec.invalid_nhs_share)
    sessions = 1 + rng.poisson(6, selected.size)
    folder = private_dir(path / "cohort")
    csv_path = folder / "cohort.csv"
    rows = []
    for row, i in enumerate(order.tolist(), start=1):
        person = int(selected[i])
        number, dob, sex, postcode = identities[person]
        nhs = "" if missing[row - 1] else str(number)
        if invalid[row - 1]:
            nhs = nhs[:9] + str((int(nhs[9]) + 1) % 10)  # a mistyped check digit
        rows.append({
            "nhs_number": nhs,
            "date_of_birth": (EPOCH + timedelta(days=dob)).isoformat(),
            "sex": "M" if sex == 1 else "F",
            "postcode": postcode,
            "index_date": (EPOCH + timedelta(days=participants[person])).isoformat(),
            "sessions": int(sessions[i]),
            "_person": person,
        })  # fmt: skip
    descriptor = os.open(csv_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COHORT_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    first, last = index_window()
    truth = {
        "effect": spec.effect,
        "outcomes_affected": ["emergency_admissions", "ae_attendances"],
        "effect_kind": "multiplicative rate after the index date",
        "size": int(selected.size),
        "missing_nhs_numbers": int(missing.sum()),
        "invalid_nhs_numbers": int(invalid.sum()),
        "index_window": [first.isoformat(), last.isoformat()],
        "selection": "weighted by exp(0.15*(10-IMD_DECILE) + 0.8*log(FRAILTY) + 0.01*(age-50)), adults only",
        "person_id_by_row": [r["_person"] for r in rows],
    }
    _write_private(folder / "truth.json", json.dumps(truth, indent=2))
    return csv_path, truth


COHORT_COLUMNS = ["nhs_number", "date_of_birth", "sex", "postcode", "index_date", "sessions"]


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)

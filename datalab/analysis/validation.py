"""Does the method keep its promises? Simulated cohorts with known truth, for `manage.py validate_datalab`.

One synthetic national extract is generated (with no cohort in it) and loaded once. Each simulation then draws a
cohort from it in memory, plants an effect on the cohort's follow-up, runs the same analysis as a request
(`analyse_frame`, no ACRO), and compares the primary estimate with the truth:
- Index dates: uniform over the index window, one per person, drawn before selection.
- Selection ("observed", the default): adults weighted by exp(0.15 (10 - IMD decile) + 0.01 (age - 50)
  + 0.5 log(1 + emergency admissions and A&E attendances in the year before index)): charities reach the more deprived,
  the older and the more frequent hospital users, all of which the lab observes. This is the world the method claims
  to handle (no unmeasured confounding), so it is where its false positive rate and coverage are judged.
- Selection ("latent"): the generator's own cohort selection, on the latent FRAILTY that drives hospital use (which
  the lab never sees): unmeasured confounding by construction. Reported beside the targets to show how far it biases
  the estimate and how often the placebo check warns; no method that sees only the covariates can remove it.
- The planted effect: every A&E attendance and emergency admission of a cohort member in the follow-up year is kept
  with probability ``effect`` (a rate ratio at most 1; 1 is the null). Their other outcomes are left alone.
- Truth: the cohort's own counterfactual. Each member's outcome without the effect (the events as generated) and with
  it (after thinning) are both known, so the true effect on the treated is the mean over the *matched* treated people
  (the estimand) of the difference between the two, per 100 people: exactly 0 under the null.
Simulations run in worker processes (fork, sharing the loaded extract); each draws from its own seeded generator, so
the figures depend only on the seed and the number of simulations.
"""

from __future__ import annotations

import math
import multiprocessing
import secrets
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from ..choices import Outcome
from ..extract import generate_extract
from .covariates import Coverage, Population, age_at, build_frame, load_extract
from .events import KINDS, EventIndex
from .outcomes import person_values
from .parameters import AnalysisParameters
from .run import analyse_frame, make_manifest

PLANTED = (Outcome.AE_ATTENDANCES.value, Outcome.EMERGENCY_ADMISSIONS.value)


@dataclass(frozen=True)
class World:
    coverage: Coverage
    population: Population
    events: EventIndex
    frailty: np.ndarray  # latent, read only to simulate the generator's selection


_WORLD: World | None = None  # shared with forked workers


@dataclass(frozen=True)
class Simulation:
    number: int
    selection: str
    effect: float
    cohort: int
    params: AnalysisParameters


@dataclass(frozen=True)
class SimulationOutcome:
    feasible: bool
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    truth: float | None
    placebo_warning: bool
    matched: int


def load_world(extract_dir: Path) -> World:
    coverage, population, events = load_extract(extract_dir)
    connection = duckdb.connect(":memory:")
    try:
        frailty = connection.execute(
            "SELECT FRAILTY FROM read_parquet($persons) ORDER BY person_id",
            {"persons": str(extract_dir / "persons.parquet")},
        ).fetchnumpy()["FRAILTY"]
    finally:
        connection.close()
    return World(coverage, population, events, np.asarray(frailty, dtype=float))


def draw_cohort(world: World, sim: Simulation) -> tuple[np.ndarray, np.ndarray]:
    """Positions and index days of a cohort selected as the simulation's scenario says (see the module's notes)."""
    rng = np.random.default_rng([sim.params.seed, 101])
    population = world.population
    first, last = world.coverage.index_window(sim.params)
    index_day = rng.integers(first, last + 1, population.size)
    age = age_at(population.dob, index_day)
    if sim.selection == "latent":  # the generator's selection_weight (datalab/extract.py)
        log_weight = 0.15 * (10 - population.imd) + 0.8 * np.log(world.frailty) + 0.01 * (age - 50)
    else:
        positions = np.arange(population.size)
        prior = sum(
            world.events.window(kind, positions, index_day - sim.params.lookback_days, index_day - 1).count
            for kind in PLANTED
        )
        log_weight = 0.15 * (10 - population.imd) + 0.01 * (age - 50) + 0.5 * np.log1p(prior)
    keys = np.where(age >= 18, np.log(rng.random(population.size)) / np.exp(log_weight), -np.inf)
    chosen = np.sort(np.argpartition(-keys, sim.cohort)[: sim.cohort])
    return chosen, index_day[chosen]


def planted_events(world: World, positions: np.ndarray, index_day: np.ndarray, sim: Simulation) -> EventIndex:
    """The cohort's follow-up events with the effect planted: A&E and emergency admissions thinned to ``effect``."""
    rng = np.random.default_rng([sim.params.seed, 102])
    start, end = index_day + 1, index_day + sim.params.follow_up_days
    arrays = {}
    for kind in KINDS:
        rows, days, nights = world.events.events_between(kind, positions, start, end)
        if kind in PLANTED and sim.effect < 1:
            keep = rng.random(rows.size) < sim.effect
            rows, days, nights = rows[keep], days[keep], nights[keep]
        arrays[kind] = (positions[rows], days, nights)
    return EventIndex.from_arrays(origin=world.events.origin, events=arrays)


def simulate(sim: Simulation) -> SimulationOutcome:
    world = _WORLD
    if world is None:
        raise RuntimeError("load_world first")
    positions, index_day = draw_cohort(world, sim)
    treated_events = planted_events(world, positions, index_day, sim)
    frame = build_frame(population=world.population, events=world.events, cohort_positions=positions,
                        cohort_index_day=index_day, excluded_positions=np.empty(0, np.int64), params=sim.params,
                        treated_events=treated_events)  # fmt: skip
    analysis = analyse_frame(frame, sim.params, manifest=make_manifest(sim.params, world.coverage),
                             linked=positions.size, check_profiles=False)  # fmt: skip
    result = analysis.result
    primary = result.primary
    if primary is None:
        return SimulationOutcome(False, None, None, None, None, None, False, result.counts.matched)
    rows = analysis.matched_treated_rows
    measure, kind, follow_up = sim.params.primary_measure, sim.params.primary_outcome, frame.follow_up_days
    start, end = frame.index_day[rows] + 1, frame.index_day[rows] + follow_up
    without = world.events.window(kind, frame.positions[rows], start, end)
    with_effect = frame.follow_up(rows)[kind]
    truth = float(np.mean(person_values(with_effect, measure, follow_up) - person_values(without, measure, follow_up)))
    return SimulationOutcome(True, primary.difference, primary.ci_low, primary.ci_high, primary.p_value, truth,
                    result.placebo_warning, result.counts.matched)  # fmt: skip


def _summary(outcomes: list[SimulationOutcome], alpha: float) -> dict[str, Any]:
    done = [o for o in outcomes if o.feasible]
    if not done:
        return {"simulations": len(outcomes), "feasible": 0}
    estimate = np.array([o.estimate for o in done], dtype=float)
    truth = np.array([o.truth for o in done], dtype=float)
    low = np.array([o.ci_low for o in done], dtype=float)
    high = np.array([o.ci_high for o in done], dtype=float)
    p = np.array([o.p_value for o in done], dtype=float)
    error = estimate - truth
    return {
        "simulations": len(outcomes),
        "feasible": len(done),
        "rejection_rate": round(float(np.mean(p < alpha)), 4),
        "coverage_95": round(float(np.mean((low <= truth) & (truth <= high))), 4),
        "mean_estimate_per_100": round(float(estimate.mean()), 3),
        "mean_truth_per_100": round(float(truth.mean()), 3),
        "mean_error_per_100": round(float(error.mean()), 3),
        "rmse_per_100": round(float(np.sqrt(np.mean(error**2))), 3),
        "mean_interval_width_per_100": round(float(np.mean(high - low)), 3),
        "placebo_warning_rate": round(float(np.mean([o.placebo_warning for o in done])), 4),
        "mean_matched": round(float(np.mean([o.matched for o in done])), 1),
    }


def validate(
    *,
    persons: int,
    cohort: int,
    null_sims: int,
    effect_sims: int,
    effect: float,
    latent_sims: int,
    seed: int,
    workers: int,
    params: AnalysisParameters | None = None,
) -> dict[str, Any]:
    """Generate one extract, run the scenarios, and say how the primary outcome's inference behaved."""
    global _WORLD
    if not 0 < effect <= 1:
        raise ValueError("the planted effect is a rate ratio in (0, 1]")
    params = params or AnalysisParameters(seed=seed)
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="datalab-validate-"))
    try:
        generate_extract(persons, seed, folder / "extract", key=secrets.token_bytes(32))
        generated = time.perf_counter()
        _WORLD = load_world(folder / "extract")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    loaded = time.perf_counter()
    scenarios = [("null", "observed", 1.0, null_sims), ("effect", "observed", effect, effect_sims),
                 ("latent_null", "latent", 1.0, latent_sims)]  # fmt: skip
    sims = []
    offset = 0
    for name, selection, planted, count in scenarios:
        for number in range(count):
            run_params = replace(params, seed=seed * 100_003 + offset + number)
            sims.append((name, Simulation(number, selection, planted, cohort, run_params)))
        offset += count
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=context) as pool:
        outcomes = list(pool.map(simulate, [s for _, s in sims], chunksize=4))
    finished = time.perf_counter()
    _WORLD = None
    by_name: dict[str, list[SimulationOutcome]] = {}
    for (name, _), outcome in zip(sims, outcomes, strict=True):
        by_name.setdefault(name, []).append(outcome)
    figures: dict[str, Any] = {
        "persons": persons, "cohort": cohort, "seed": seed, "primary_outcome": params.primary_outcome,
        "primary_measure": params.primary_measure, "planted_rate_ratio": effect, "workers": workers,
    }  # fmt: skip
    for name, _, _, count in scenarios:
        if count:
            figures[name] = _summary(by_name[name], params.alpha)
    null, planted_figures = figures.get("null", {}), figures.get("effect", {})
    figures["targets"] = {
        "false_positive_rate_in_0.02_0.09": _within(null.get("rejection_rate"), 0.02, 0.09),
        "coverage_at_least_0.90": _within(planted_figures.get("coverage_95"), 0.90, 1.0),
        "mean_error_within_2_per_100": _within(planted_figures.get("mean_error_per_100"), -2.0, 2.0),
    }
    figures["seconds"] = {
        "generate": round(generated - started, 1), "load": round(loaded - generated, 1),
        "simulations": round(finished - loaded, 1), "total": round(finished - started, 1),
    }  # fmt: skip
    return figures


def _within(value: float | None, low: float, high: float) -> bool | None:
    return None if value is None or math.isnan(value) else low <= value <= high

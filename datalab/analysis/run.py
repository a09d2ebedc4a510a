"""One analysis run, stage by stage: extract -> propensity -> matching -> balance -> outcomes -> profiles (ACRO).

``run_analysis`` is what the lab's worker calls: the extract folder, the linked cohort (``LinkageResult.links``: at
least person_id and index_date) and the locked parameters in; an immutable, JSON-ready ``AnalysisResult`` out, with
the analysed and matched people's ids beside it (in memory only: for the differencing ledger's hashed sets, never
stored). Every stage is a public function so the benchmark can time it alone; ``analyse_frame`` is everything after
the extract, which the validation command calls with cohorts it draws itself. Deterministic given the seed: every
random draw comes from numpy generators seeded with (seed, stage).
"""

from __future__ import annotations

import functools
import importlib.metadata
import shutil
import subprocess  # noqa: S404 - only `git describe`, fixed arguments, for the manifest's code version
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from threadpoolctl import threadpool_limits

from .. import messages
from ..choices import Measure
from .balance import CovariateBalance, covariate_balance, effective_sample_size
from .covariates import (
    EPOCH,
    REGION_NAMES,
    AnalysisFrame,
    CohortSelection,
    Coverage,
    Population,
    balance_covariates,
    build_frame,
    load_extract,
    select_cohort,
)
from .events import EventIndex, Window
from .inference import (
    EValue,
    MinimalImportantDifference,
    e_value_for_counts,
    e_value_for_risk,
    holm,
    minimal_important_difference,
)
from .matching import Matches, match
from .outcomes import MEASURES, MatchedSample, OutcomeEstimate, estimate_outcomes
from .parameters import AnalysisParameters
from .propensity import PropensityModel, fit_propensity
from .result import (
    ANALYSIS_VERSION,
    AnalysisResult,
    Counts,
    Exclusion,
    ExtractInfo,
    Feasibility,
    Manifest,
    OutcomeRow,
    PackageVersion,
    ProfileCell,
    ProfileTable,
    Reason,
)

PACKAGES = ("numpy", "pandas", "scipy", "statsmodels", "scikit-learn", "duckdb", "pyarrow", "acro")
JITTER = 1e-9  # far below any caliper: makes logits distinct, so ties between identical controls fall at random
PLACEBO_MEASURES = (Measure.RATE.value, Measure.FREQUENCY.value)
SEX_LABELS = {1: "Male", 2: "Female", 0: "Other or unknown"}


@functools.cache
def code_version() -> str:
    """`git describe` of the checkout the code runs from, or the installed package's version outside one."""
    root = Path(__file__).resolve().parents[2]
    git = shutil.which("git")
    if git and (root / ".git").exists():
        try:
            described = subprocess.run(  # noqa: S603 - fixed arguments
                [git, "-C", str(root), "describe", "--always", "--dirty", "--tags"],
                capture_output=True, text=True, timeout=5, check=True,
            ).stdout.strip()  # fmt: skip
            if described:
                return f"git:{described}"
        except (OSError, subprocess.SubprocessError):
            pass
    try:
        return f"ehssg:{importlib.metadata.version('ehssg')}"
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def package_versions() -> tuple[PackageVersion, ...]:
    versions = []
    for name in PACKAGES:
        try:
            versions.append(PackageVersion(name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            versions.append(PackageVersion(name, "not installed"))
    return tuple(versions)


def make_manifest(params: AnalysisParameters, coverage: Coverage) -> Manifest:
    iso = lambda day: (EPOCH + timedelta(days=int(day))).isoformat()  # noqa: E731
    return Manifest(
        analysis_version=ANALYSIS_VERSION,
        code_version=code_version(),
        parameters=params,
        extract=ExtractInfo(coverage.vintage, coverage.generator_version, coverage.persons, coverage.seed,
                            iso(coverage.start), iso(coverage.end)),  # fmt: skip
        seed=params.seed,
        packages=package_versions(),
    )


@dataclass(frozen=True)
class Prepared:
    coverage: Coverage
    population: Population
    events: EventIndex
    cohort: CohortSelection
    frame: AnalysisFrame


def prepare(*, extract_dir: Path, links: pa.Table, params: AnalysisParameters) -> Prepared:
    """The extract stage: read the extract, keep the analysable cohort, build the frame of treated and candidates."""
    coverage, population, events = load_extract(extract_dir)
    cohort = select_cohort(links, population, coverage, params)
    frame = build_frame(
        population=population, events=events, cohort_positions=cohort.positions, cohort_index_day=cohort.index_day,
        excluded_positions=cohort.linked_positions, params=params,
    )  # fmt: skip
    return Prepared(coverage, population, events, cohort, frame)


@dataclass(frozen=True)
class Scores:
    model: PropensityModel | None
    logits: np.ndarray  # per frame row
    logit_sd: float
    caliper: float


def score(frame: AnalysisFrame, params: AnalysisParameters) -> Scores:
    """The propensity stage: fit the model, every row's logit, the caliper (caliper_sd x the pooled SD of the logit)."""
    if frame.n_treated == 0 or frame.n_treated == frame.treated.size:
        return Scores(None, np.zeros(frame.treated.size), 0.0, 0.0)
    model = fit_propensity(frame, fit_controls=params.fit_controls, seed=params.seed,
                           regularisation=params.regularisation)  # fmt: skip
    logits = model.logits(frame, np.arange(frame.treated.size))
    logits += np.random.default_rng([params.seed, 3]).random(logits.size) * JITTER
    sd = float(np.sqrt((logits[frame.treated].var() + logits[~frame.treated].var()) / 2))
    return Scores(model, logits, sd, params.caliper_sd * sd)


@dataclass(frozen=True)
class MatchedFrame:
    matches: Matches
    treated_rows: np.ndarray  # frame rows of every analysed (treated) person, in the order of matches.k
    control_rows: np.ndarray  # frame rows of every candidate, in the order of the matches' control rows
    control_weights: np.ndarray  # per candidate
    sample: MatchedSample


def match_frame(frame: AnalysisFrame, scores: Scores, params: AnalysisParameters) -> MatchedFrame:
    """The matching stage: up to max_controls nearest candidates of the same stratum within the caliper."""
    treated_rows, control_rows = np.flatnonzero(frame.treated), np.flatnonzero(~frame.treated)
    matches = match(
        treated_logit=scores.logits[treated_rows], treated_stratum=frame.stratum[treated_rows],
        control_logit=scores.logits[control_rows], control_stratum=frame.stratum[control_rows],
        caliper=scores.caliper, max_controls=params.max_controls,
    )  # fmt: skip
    weights = matches.control_weights()
    treated_cluster, control_cluster = matches.components()
    matched, used = matches.matched, weights > 0
    sample = MatchedSample(
        treated_rows=treated_rows[matched], control_rows=control_rows[used], control_weights=weights[used],
        treated_cluster=treated_cluster[matched], control_cluster=control_cluster[used],
    )  # fmt: skip
    return MatchedFrame(matches, treated_rows, control_rows, weights, sample)


def assess_balance(
    frame: AnalysisFrame, matched: MatchedFrame, params: AnalysisParameters
) -> tuple[CovariateBalance, ...]:
    rows = []
    for covariate in balance_covariates(frame):
        rows.append(covariate_balance(
            name=covariate.name, label=covariate.label, binary=covariate.binary,
            treated=covariate.values[matched.treated_rows], control=covariate.values[matched.control_rows],
            matched=matched.matches.matched, control_weights=matched.control_weights, threshold=params.smd_threshold,
        ))  # fmt: skip
    return tuple(rows)


def judge_feasibility(counts: Counts, balance: tuple[CovariateBalance, ...], params: AnalysisParameters) -> Feasibility:
    """Not feasible (no headline) with too few people, too few matched, or any covariate out of balance."""
    reasons = []
    if counts.analysed < params.min_people:
        text = messages.FEASIBILITY["too_few_people"].format(analysed=counts.analysed, minimum=params.min_people)
        reasons.append(Reason("too_few_people", text))
    if counts.share_matched < params.min_share_matched:
        text = messages.FEASIBILITY["too_few_matched"].format(share=counts.share_matched,
                                                              minimum=params.min_share_matched)  # fmt: skip
        reasons.append(Reason("too_few_matched", text))
    out = [row.label for row in balance if row.smd_after is None or abs(row.smd_after) > params.smd_threshold]
    if out and counts.matched:
        text = messages.FEASIBILITY["imbalanced"].format(covariates="; ".join(out), threshold=params.smd_threshold)
        reasons.append(Reason("imbalanced", text))
    return Feasibility(not reasons, tuple(reasons))


def _rows(estimates: list[OutcomeEstimate], *, period: str, primary: tuple[str, str] | None,
          alpha: float) -> tuple[OutcomeRow, ...]:  # fmt: skip
    """Outcome rows with Holm's adjustment over every row but the primary (the family of secondary tests)."""
    family = [i for i, e in enumerate(estimates) if (e.outcome, e.measure) != primary]
    adjusted = dict(zip(family, holm([estimates[i].estimate.p_value for i in family]), strict=True))
    rows = []
    for i, e in enumerate(estimates):
        holm_p = adjusted.get(i)
        rows.append(OutcomeRow(
            outcome=e.outcome, measure=e.measure, period=period, primary=(e.outcome, e.measure) == primary,
            treated_value=e.estimate.treated_value, control_value=e.estimate.control_value,
            difference=e.estimate.difference, ci_low=e.estimate.ci_low, ci_high=e.estimate.ci_high,
            p_value=e.estimate.p_value, holm_p=holm_p, significant=e.estimate.p_value < alpha,
            significant_after_holm=None if holm_p is None else holm_p < alpha, treated=e.treated, control=e.control,
        ))  # fmt: skip
    return tuple(rows)


@dataclass(frozen=True)
class Estimates:
    outcomes: tuple[OutcomeRow, ...]
    placebo: tuple[OutcomeRow, ...]
    placebo_warning: bool
    e_value: EValue | None
    minimal_important_difference: MinimalImportantDifference | None
    primary: OutcomeEstimate


def estimate(frame: AnalysisFrame, matched: MatchedFrame, params: AnalysisParameters) -> Estimates:
    """The outcomes stage: follow-up outcomes, the placebo year, the E-value and the minimal important difference."""
    sample = matched.sample
    treated_windows = frame.follow_up(sample.treated_rows)
    control_windows = frame.follow_up(sample.control_rows)
    estimates = estimate_outcomes(sample, treated_windows, control_windows, measures=MEASURES,
                                  follow_up_days=frame.follow_up_days, alpha=params.alpha)  # fmt: skip
    primary_key = (params.primary_outcome, params.primary_measure)
    outcomes = _rows(estimates, period="follow_up", primary=primary_key, alpha=params.alpha)
    prior = frame.prior
    placebo_estimates = estimate_outcomes(
        sample, {k: _take(w, sample.treated_rows) for k, w in prior.items()},
        {k: _take(w, sample.control_rows) for k, w in prior.items()},
        measures=PLACEBO_MEASURES, follow_up_days=frame.lookback_days, alpha=params.alpha,
    )  # fmt: skip
    placebo = _rows(placebo_estimates, period="placebo", primary=None, alpha=params.alpha)
    primary = next(e for e in estimates if (e.outcome, e.measure) == primary_key)
    if params.primary_measure == Measure.RATE:
        e_value = e_value_for_risk(primary.estimate, params.alpha)
    else:
        e_value = e_value_for_counts(primary.estimate, primary.outcome_sd)
    mid = None
    if params.minimal_important_difference is not None:
        mid = minimal_important_difference(primary.estimate, params.minimal_important_difference)
    warning = any(row.significant_after_holm for row in placebo)
    return Estimates(outcomes, placebo, warning, e_value, mid, primary)



def _take(window: Window, rows: np.ndarray) -> Window:
    return Window(window.count[rows], window.nights[rows], window.first_day[rows])


def profile_people(frame: AnalysisFrame) -> pd.DataFrame:
    """The analysed cohort's profile labels, one row a person (in memory only: for the tables and ACRO's checks)."""
    rows = np.flatnonzero(frame.treated)
    bands = frame.age_band[rows]
    return pd.DataFrame({
        "age_band": [_band_label(b) for b in bands.tolist()],
        "sex": [SEX_LABELS.get(s, SEX_LABELS[0]) for s in frame.sex[rows].tolist()],
        "region": [REGION_NAMES.get(level, level) for level in (frame.region_levels[r] for r in frame.region[rows])],
        "ethnicity": [frame.ethnic_levels[e] for e in frame.ethnic[rows].tolist()],
        "deprivation": [f"Decile {d}" for d in frame.imd[rows].tolist()],
    })  # fmt: skip


def _band_label(band: int) -> str:
    return "95 and over" if band >= 19 else f"{band * 5} to {band * 5 + 4}"


PROFILES = (
    ("age_sex", "Age at start and sex", ("age_band", "sex")),
    ("region", "Region", ("region",)),
    ("ethnicity", "Ethnicity group", ("ethnicity",)),
    ("deprivation", "Deprivation decile (1 most deprived)", ("deprivation",)),
)


def profile_tables(frame: AnalysisFrame) -> tuple[ProfileTable, ...]:
    """Counts of the analysed cohort by age band x sex, region, ethnicity group and deprivation decile (zeros kept)."""
    people = profile_people(frame)
    bands = sorted(set(frame.age_band[frame.treated].tolist()))
    levels = {
        "age_band": [_band_label(b) for b in range(min(bands), max(bands) + 1)] if bands else [],
        "sex": [SEX_LABELS[s] for s in (1, 2, 0) if s != 0 or (frame.sex[frame.treated] == 0).any()],
        "region": [REGION_NAMES.get(level, level) for level in frame.region_levels],
        "ethnicity": list(frame.ethnic_levels),
        "deprivation": [f"Decile {d}" for d in range(1, 11)],
    }
    tables = []
    for name, title, dimensions in PROFILES:
        counts = people.groupby(list(dimensions)).size().to_dict()
        grid = pd.MultiIndex.from_product([levels[d] for d in dimensions]).tolist()
        cells = []
        for labels in grid:
            key = labels if len(dimensions) > 1 else labels[0]
            cells.append(ProfileCell(tuple(str(v) for v in labels), int(counts.get(key, 0))))
        tables.append(ProfileTable(name, title, dimensions, tuple(cells)))
    return tuple(tables)


def counts_of(
    frame: AnalysisFrame, matched: MatchedFrame, scores: Scores, *, linked: int, submitted: int | None,
    excluded: dict[str, int],
) -> Counts:  # fmt: skip
    analysed = frame.n_treated
    n_matched = int(matched.matches.matched.sum())
    return Counts(
        submitted=submitted, linked=linked, analysed=analysed, matched=n_matched,
        share_matched=n_matched / analysed if analysed else 0.0,
        excluded=tuple(Exclusion(reason, people) for reason, people in excluded.items()),
        control_pool=int((~frame.treated).sum()), controls_used=int(matched.sample.control_rows.size),
        effective_sample_size=effective_sample_size(matched.control_weights),
        strata=int(np.unique(frame.stratum[frame.treated]).size), caliper=scores.caliper, logit_sd=scores.logit_sd,
    )  # fmt: skip


def analyse_frame(
    frame: AnalysisFrame,
    params: AnalysisParameters,
    *,
    manifest: Manifest,
    linked: int,
    submitted: int | None = None,
    excluded: dict[str, int] | None = None,
    check_profiles: bool = True,
) -> FrameAnalysis:
    """Everything after the extract: propensity, matching, balance, feasibility, outcomes, profiles and ACRO.

    BLAS runs on one thread: the matrices are small (tens of columns), and OpenBLAS's threads on two shared cores
    made a 17,000 x 45 product 70 times slower than one thread (measured here).
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return _analyse_frame(frame, params, manifest=manifest, linked=linked, submitted=submitted,
                              excluded=excluded, check_profiles=check_profiles)  # fmt: skip


def _analyse_frame(
    frame: AnalysisFrame,
    params: AnalysisParameters,
    *,
    manifest: Manifest,
    linked: int,
    submitted: int | None,
    excluded: dict[str, int] | None,
    check_profiles: bool,
) -> FrameAnalysis:
    scores = score(frame, params)
    matched = match_frame(frame, scores, params)
    balance = assess_balance(frame, matched, params)
    counts = counts_of(frame, matched, scores, linked=linked, submitted=submitted, excluded=excluded or {})
    feasibility = judge_feasibility(counts, balance, params)
    estimates = estimate(frame, matched, params) if feasibility.passed else None
    profiles = profile_tables(frame) if check_profiles else ()
    evidence = None
    if check_profiles and frame.n_treated:
        from ..disclosure.acro_check import check_profiles_with_acro

        evidence = check_profiles_with_acro(profile_people(frame), PROFILES)
    result = AnalysisResult(
        manifest=manifest, counts=counts, feasibility=feasibility, balance=balance,
        outcomes=estimates.outcomes if estimates else (), placebo=estimates.placebo if estimates else (),
        placebo_warning=estimates.placebo_warning if estimates else False,
        e_value=estimates.e_value if estimates else None,
        minimal_important_difference=estimates.minimal_important_difference if estimates else None,
        profiles=profiles, acro=evidence,
    )  # fmt: skip
    return FrameAnalysis(result, matched.sample.treated_rows)


@dataclass(frozen=True)
class FrameAnalysis:
    result: AnalysisResult
    matched_treated_rows: np.ndarray  # frame rows of the matched treated (in memory only)


@dataclass(frozen=True)
class AnalysisRun:
    """The result, and who it is about: person ids for the differencing ledger's hashed sets (never stored as such)."""

    result: AnalysisResult
    analysed_person_ids: frozenset[int]
    matched_person_ids: frozenset[int]


def run_analysis(
    *,
    extract_dir: Path,
    links: pa.Table,
    params: AnalysisParameters,
    submitted: int | None = None,
    check_profiles: bool = True,
) -> AnalysisRun:
    """Analyse a linked cohort against the national extract, as the protocol's parameters say."""
    prepared = prepare(extract_dir=extract_dir, links=links, params=params)
    manifest = make_manifest(params, prepared.coverage)
    frame = prepared.frame
    analysis = analyse_frame(frame, params, manifest=manifest, linked=prepared.cohort.linked, submitted=submitted,
                             excluded=prepared.cohort.excluded, check_profiles=check_profiles)  # fmt: skip
    ids = prepared.population.person_id
    analysed = ids[frame.positions[frame.treated]]
    matched = ids[frame.positions[analysis.matched_treated_rows]]
    return AnalysisRun(analysis.result, frozenset(analysed.tolist()), frozenset(matched.tolist()))

"""`manage.py benchmark datalab --persons N --cohort M`: the analysis stage by stage, and our matcher against psmpy's.

Once: generate the extract with a cohort (effect 0.8) and link the cohort. Then at least 5 runs of the analysis,
each stage timed on its own (median, min, max): extract (read the Parquet files with DuckDB, select the cohort, build
the frame with pseudo-index dates and covariates), propensity (fit and every candidate's logit), matching, balance,
outcomes (follow-up and placebo estimates), disclosure (ACRO on the profile tables and the SDC rules over the whole
result) and report (the result's canonical JSON, its fingerprint and the publishable tables as JSON). Peak memory
comes from one more whole run in a forked child before anything large is loaded here.

The matcher comparison: the same logits (the cohort's, and 100,000 controls sampled from the candidates), the task
psmpy does (one nearest neighbour with replacement within the same caliper, no strata): our `match` (median of at
least 5 runs) against psmpy's `kdtree_matched` (which queries every control for every treated person), and how often
the two chose the same control.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from threadpoolctl import threadpool_limits

from .analysis.covariates import read_manifest
from .analysis.matching import match
from .analysis.parameters import AnalysisParameters
from .analysis.result import AnalysisResult
from .analysis.run import (
    PROFILES,
    assess_balance,
    counts_of,
    estimate,
    judge_feasibility,
    make_manifest,
    match_frame,
    prepare,
    profile_people,
    profile_tables,
    run_analysis,
    score,
)
from .benchmarking import memory_in_child
from .disclosure.acro_check import check_profiles_with_acro
from .disclosure.publish import publish
from .extract import CohortSpec, data_dir, generate_extract, private_dir
from .linkage import link_cohort, read_cohort_csv
from .pseudonymise import load_key

TARGET_TOTAL_SECONDS = 60.0
TARGET_MATCHING_SECONDS = 2.0
TARGET_SPEEDUP = 50.0
PEER_CONTROLS = 100_000
STAGES = ("extract", "propensity", "matching", "balance", "outcomes", "disclosure", "report")


def _stats(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
            "max": round(max(values), 3)}  # fmt: skip


def _timed(task: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = task()
    return time.perf_counter() - started, value


def _one_run(extract_dir: Path, links: pa.Table, params: AnalysisParameters) -> tuple[dict[str, float], Any]:
    times: dict[str, float] = {}
    times["extract"], prepared = _timed(lambda: prepare(extract_dir=extract_dir, links=links, params=params))
    frame = prepared.frame
    with threadpool_limits(limits=1, user_api="blas"):  # as analyse_frame does
        times["propensity"], scores = _timed(lambda: score(frame, params))
        times["matching"], matched = _timed(lambda: match_frame(frame, scores, params))
        times["balance"], balance = _timed(lambda: assess_balance(frame, matched, params))
        times["outcomes"], estimates = _timed(lambda: estimate(frame, matched, params))

    def disclose() -> tuple[AnalysisResult, Any]:
        evidence = check_profiles_with_acro(profile_people(frame), PROFILES)
        counts = counts_of(frame, matched, scores, linked=prepared.cohort.linked, submitted=None,
                           excluded=prepared.cohort.excluded)  # fmt: skip
        result = AnalysisResult(
            manifest=make_manifest(params, prepared.coverage), counts=counts,
            feasibility=judge_feasibility(counts, balance, params), balance=balance, outcomes=estimates.outcomes,
            placebo=estimates.placebo, placebo_warning=estimates.placebo_warning, e_value=estimates.e_value,
            minimal_important_difference=estimates.minimal_important_difference, profiles=profile_tables(frame),
            acro=evidence,
        )  # fmt: skip
        return result, publish(result, programme="the benchmark programme")

    times["disclosure"], (result, report) = _timed(disclose)
    times["report"], _ = _timed(lambda: (result.to_json(), result.fingerprint(), json.dumps(report.to_dict())))
    return times, (prepared, scores, result)


def _peer_comparison(treated: np.ndarray, controls: np.ndarray, caliper: float, runs: int) -> dict[str, Any]:
    zeros_t, zeros_c = np.zeros(treated.size, np.int64), np.zeros(controls.size, np.int64)
    ours = []
    for _ in range(runs):
        seconds, matches = _timed(lambda: match(treated_logit=treated, treated_stratum=zeros_t, control_logit=controls,
                                                control_stratum=zeros_c, caliper=caliper, max_controls=1))  # fmt: skip
        ours.append(seconds)
    figures: dict[str, Any] = {"controls": int(controls.size), "treated": int(treated.size), "caliper": caliper,
                               "ours_seconds": _stats(ours)}  # fmt: skip
    try:
        import pandas as pd
        from psmpy import PsmPy
    except ImportError:
        figures["psmpy"] = "not installed: pip install -e '.[benchmark]' to compare"
        return figures
    data = pd.DataFrame({
        "pid": np.arange(treated.size + controls.size),
        "treated": np.concatenate([np.ones(treated.size, int), np.zeros(controls.size, int)]),
        "x": 0.0,
    })  # fmt: skip
    peer = PsmPy(data, treatment="treated", indx="pid")
    peer.predicted_data = data.assign(propensity_logit=np.concatenate([treated, controls]))
    peer_seconds, _ = _timed(lambda: peer.kdtree_matched(matcher="propensity_logit", replacement=True,
                                                          caliper=caliper, drop_unmatched=True))  # fmt: skip
    ids = peer.matched_ids
    theirs = dict(zip(ids["pid"].astype(int).tolist(), (ids["matched_ID"].astype(int) - treated.size).tolist(),
                      strict=True))  # fmt: skip
    mine = dict(zip(matches.treated.tolist(), matches.control.tolist(), strict=True))
    same = [theirs.get(t) == c or abs(controls[theirs[t]] - treated[t]) == abs(controls[c] - treated[t])
            for t, c in mine.items() if t in theirs]  # fmt: skip
    median = statistics.median(ours)
    figures.update({
        "psmpy_version": _version("psmpy"), "psmpy_seconds": round(peer_seconds, 3), "psmpy_runs": 1,
        "speedup": round(peer_seconds / median, 1), "target_speedup": TARGET_SPEEDUP,
        "within_target": peer_seconds / median >= TARGET_SPEEDUP,
        "matched_ours": len(mine), "matched_psmpy": len(theirs),
        "same_or_equally_near_control_share": round(sum(same) / max(len(same), 1), 4),
    })  # fmt: skip
    return figures


def _version(name: str) -> str:
    import importlib.metadata

    return importlib.metadata.version(name)


def run(persons: int, cohort: int, seed: int = 1, runs: int = 5, keep: bool = False) -> dict[str, Any]:
    runs = max(5, runs)
    key = load_key()
    params = AnalysisParameters(seed=seed)
    workspace = Path(tempfile.mkdtemp(prefix="benchmark-", dir=private_dir(data_dir())))
    try:
        generate_s, extract = _timed(lambda: generate_extract(persons, seed, workspace / "extract",
                                                              cohort=CohortSpec(cohort, 0.8), key=key))  # fmt: skip
        upload = (extract.path / "cohort" / "cohort.csv").read_text()
        link_s, linkage = _timed(lambda: link_cohort(read_cohort_csv(upload), extract.path, key=key))
        links = linkage.links
        memory = memory_in_child(lambda: run_analysis(extract_dir=extract.path, links=links, params=params),
                                 prefix="analysis")  # fmt: skip
        timings: dict[str, list[float]] = {stage: [] for stage in STAGES}
        totals = []
        for _ in range(runs):
            times, (prepared, scores, result) = _one_run(extract.path, links, params)
            for stage, seconds in times.items():
                timings[stage].append(seconds)
            totals.append(sum(times.values()))
        frame = prepared.frame
        rng = np.random.default_rng([seed, 9])
        candidates = np.flatnonzero(~frame.treated)
        sample = rng.choice(candidates, size=min(PEER_CONTROLS, candidates.size), replace=False)
        peer = _peer_comparison(scores.logits[frame.treated], scores.logits[sample], scores.caliper, runs)
        manifest = read_manifest(extract.path)
    finally:
        if not keep:
            shutil.rmtree(workspace, ignore_errors=True)
    primary = result.primary
    total = statistics.median(totals)
    return {
        "benchmark": "datalab",
        "persons": persons,
        "cohort": cohort,
        "seed": seed,
        "runs": runs,
        "rows": manifest["counts"],
        "generate_seconds": round(generate_s, 2),
        "link_seconds": round(link_s, 3),
        "stages_seconds": {stage: _stats(values) for stage, values in timings.items()},
        "analysis_seconds": _stats(totals),
        "target_analysis_seconds": TARGET_TOTAL_SECONDS,
        "target_matching_seconds": TARGET_MATCHING_SECONDS,
        "within_targets": total < TARGET_TOTAL_SECONDS
        and statistics.median(timings["matching"]) < TARGET_MATCHING_SECONDS,
        "analysis": {
            "linked": result.counts.linked, "analysed": result.counts.analysed, "matched": result.counts.matched,
            "control_pool": result.counts.control_pool, "controls_used": result.counts.controls_used,
            "feasible": result.feasibility.passed,
            "primary": None if primary is None else {
                "difference_per_100": round(primary.difference, 2), "ci": [round(primary.ci_low, 2),
                                                                           round(primary.ci_high, 2)],
            },
        },  # fmt: skip
        "matcher_vs_psmpy": peer,
        "memory": memory,
        "cores": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


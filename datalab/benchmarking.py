"""`manage.py benchmark datalab-linkage --persons N --cohort M`: generate, pseudonymise and link; JSON figures.

Generation is timed once; linkage (pseudonymise the uploaded rows in memory, then DuckDB over the Parquet files) is
timed over several runs (median, min, max). Peak memory comes from a separate run in a forked child, never inside a
timed section: the child's resident set at the start and at its high-water mark (Linux /proc/self/status).
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

from .extract import CohortSpec, data_dir, generate_extract, private_dir
from .linkage import link_cohort, read_cohort_csv
from .pseudonymise import load_key

TARGET_SECONDS = 10.0


def run(persons: int, cohort: int, seed: int = 1, runs: int = 5, keep: bool = False) -> dict[str, Any]:
    runs = max(5, runs)
    key = load_key()
    workspace = Path(tempfile.mkdtemp(prefix="benchmark-", dir=private_dir(data_dir())))
    try:
        started = time.perf_counter()
        extract = generate_extract(persons, seed, workspace / "extract", cohort=CohortSpec(cohort, 0.8), key=key)
        generate_s = time.perf_counter() - started
        upload = (extract.path / "cohort" / "cohort.csv").read_text()
        timings, results = [], []
        for _ in range(runs):
            started = time.perf_counter()
            results.append(link_cohort(read_cohort_csv(upload), extract.path, key=key))
            timings.append(time.perf_counter() - started)
        result = results[-1]
        memory = _memory_of_one_link(upload, extract.path, key)
        sizes = {p.name: round(p.stat().st_size / 2**20, 1) for p in sorted(extract.path.glob("*.parquet"))}
    finally:
        if not keep:
            shutil.rmtree(workspace, ignore_errors=True)
    median = statistics.median(timings)
    return {
        "benchmark": "datalab-linkage",
        "persons": persons,
        "cohort": cohort,
        "seed": seed,
        "rows": extract.manifest["counts"],
        "parquet_mib": sizes,
        "generate_seconds": round(generate_s, 2),
        "link_seconds": {
            "runs": runs,
            "median": round(median, 3),
            "min": round(min(timings), 3),
            "max": round(max(timings), 3),
        },  # fmt: skip
        "target_link_seconds": TARGET_SECONDS,
        "within_target": median < TARGET_SECONDS,
        "link_rate": round(result.link_rate, 4),
        "linkage": result.summary(),
        "memory": memory,
        "cores": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _memory_of_one_link(upload: str, extract_path: Path, key: bytes) -> dict[str, float]:
    """One more link in a forked child, measured there: its resident memory before and at its peak, in MiB."""
    return memory_in_child(lambda: link_cohort(read_cohort_csv(upload), extract_path, key=key), prefix="link")


def memory_in_child(task: Callable[[], object], *, prefix: str) -> dict[str, float]:
    """Run ``task`` once in a forked child and measure it there: resident memory at the start and at the peak (MiB).

    Never inside a timed section: the child's figures come from /proc/self/status (VmRSS, VmHWM), not from tracing.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run once, report, leave without running the parent's clean-up
        os.close(read_end)
        try:
            before = _status_mib("VmRSS")
            task()
            figures = {f"{prefix}_rss_start_mib": before, f"{prefix}_rss_peak_mib": _status_mib("VmHWM")}
            figures[f"{prefix}_rss_increase_mib"] = round(figures[f"{prefix}_rss_peak_mib"] - before, 1)
            os.write(write_end, json.dumps(figures).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as handle:
        text = handle.read()
    os.waitpid(pid, 0)
    figures = json.loads(text) if text else {}
    figures["parent_max_rss_mib"] = _status_mib("VmHWM")
    return figures


def _status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0

"""The cohort's profile tables through ACRO, whose verdict the output checker sees beside the lab's own rules.

ACRO (SACRO project, MIT licence; pinned in pyproject, docs/decisions/0005-disclosure-control-acro.md) checks tables
it builds itself from person-level data, so the analysed cohort's profile labels (no identifiers) are handed to its
crosstab in memory. It loads its configuration from its package folder (default.yaml: threshold 10, zeros
disclosive, n=2/k=90%, p=10%) and writes its outputs only when finalised: here into a private temporary folder that is
read (results.json) and removed before this returns, so no table, person-level or not, is left behind. Its import
configures the root logger and silences FutureWarnings globally, and its INFO log prints each table: both are undone
here, so the lab's logs hold no cell.
"""

from __future__ import annotations

import ast
import contextlib
import json
import logging
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..analysis.result import AcroEvidence, AcroTable

VOLATILE = {"timestamp"}  # dropped from the evidence so a run's result is deterministic
ACRO_LOGGERS = ("acro", "acro:records", "acro:summary", "acro.ontology_handler")


@contextlib.contextmanager
def _quiet_acro() -> Iterator[Any]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    with warnings.catch_warnings():
        import acro

    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    loggers = [logging.getLogger(name) for name in ACRO_LOGGERS]
    previous = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield acro
    finally:
        for logger, level in zip(loggers, previous, strict=True):
            logger.setLevel(level)


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def check_profiles_with_acro(
    people: pd.DataFrame, profiles: Sequence[tuple[str, str, tuple[str, ...]]]
) -> AcroEvidence:
    """Each profile (name, title, dimensions) as an ACRO crosstab of ``people``; its verdict and results.json kept."""
    with _quiet_acro() as acro, tempfile.TemporaryDirectory(prefix="acro-") as folder:
        session = acro.ACRO(suppress=False)
        names = []
        whole = pd.Series("All people", index=people.index, name="all")
        for name, _title, dimensions in profiles:
            columns = people[dimensions[1]] if len(dimensions) > 1 else whole
            session.crosstab(people[dimensions[0]], columns)
            names.append(name)
        out = Path(folder) / "acro"
        session.finalise(str(out), "json")
        results = json.loads((out / "results.json").read_text())
        version = str(getattr(acro, "__version__", results.get("version", "")))
    outputs = results.get("results", {})
    tables = []
    for number, name in enumerate(names):
        output = outputs.get(f"output_{number}", {})
        status, summary = str(output.get("status", "missing")), str(output.get("summary", ""))
        tables.append(AcroTable(name=name, status=status, failing_cells=_failing_cells(output), summary=summary))
    kept = {key: value for key, value in outputs.items() if key.startswith("output_")}
    evidence = _strip({"version": results.get("version"), "tool": results.get("tool"), "results": kept})
    return AcroEvidence(version=version, tables=tuple(tables), results_json=json.dumps(evidence, sort_keys=True))


def _failing_cells(output: dict[str, Any]) -> tuple[tuple[str, ...], ...]:
    """The labels of every cell whose ACRO outcome is not "ok" (outcome: column -> row -> verdict)."""
    cells = []
    for column, by_row in (output.get("outcome") or {}).items():
        for row, verdict in by_row.items():
            if verdict != "ok":
                labels = _labels(row) + ((column,) if column != "All people" else ())
                cells.append(labels)
    return tuple(sorted(cells))


def _labels(row: str) -> tuple[str, ...]:
    if row.startswith("("):
        with contextlib.suppress(ValueError, SyntaxError):
            parsed = ast.literal_eval(row)
            if isinstance(parsed, tuple):
                return tuple(str(v) for v in parsed)
    return (row,)

"""An analysis run's result: frozen dataclasses, plain JSON both ways, and a fingerprint of the whole.

A result is never changed after it is made (frozen dataclasses holding tuples, so an attempt raises); a re-run is a
new result with its own manifest. ``fingerprint()`` is the SHA-256 of the canonical JSON, so the record kept by the
lab can prove a stored result is the one the run produced. The result holds aggregates only (no person-level row),
unrounded: the lab's analysts and output checkers see it; what is published goes through datalab/disclosure first.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import types
import typing
from dataclasses import dataclass
from typing import Any

from .balance import CovariateBalance
from .inference import EValue, MinimalImportantDifference
from .outcomes import GroupFigures
from .parameters import AnalysisParameters

ANALYSIS_VERSION = "1"


def to_plain(value: Any) -> Any:
    """Dataclasses to dicts, tuples to lists, numpy scalars to Python, non-finite floats to None."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def from_plain(kind: Any, data: Any) -> Any:
    """The inverse of to_plain for the types used in these dataclasses."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        return None if data is None else from_plain(options[0], data)
    if origin is tuple:
        args = typing.get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_plain(args[0], v) for v in data)
        return tuple(from_plain(a, v) for a, v in zip(args, data, strict=True))
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        names = {f.name for f in dataclasses.fields(kind)}
        if set(data) != names:
            raise ValueError(f"{kind.__name__}: expected fields {sorted(names)}, got {sorted(data)}")
        return kind(**{name: from_plain(hints[name], data[name]) for name in names})
    if kind is float and data is not None:
        return float(data)
    return data


@dataclass(frozen=True)
class PackageVersion:
    name: str
    version: str


@dataclass(frozen=True)
class ExtractInfo:
    vintage: str
    generator_version: str
    persons: int
    seed: int | None
    coverage_start: str
    coverage_end: str


@dataclass(frozen=True)
class Manifest:
    """What a run needs to be repeated: the code, the parameters (seed included), the extract, the packages."""

    analysis_version: str
    code_version: str
    parameters: AnalysisParameters
    extract: ExtractInfo
    seed: int
    packages: tuple[PackageVersion, ...]


@dataclass(frozen=True)
class Exclusion:
    reason: str  # a key of messages.EXCLUSIONS
    people: int


@dataclass(frozen=True)
class Counts:
    submitted: int | None
    linked: int
    analysed: int
    matched: int
    share_matched: float
    excluded: tuple[Exclusion, ...]
    control_pool: int  # candidates in the strata the cohort occupies
    controls_used: int  # distinct controls matched
    effective_sample_size: float  # of the weighted controls (Kish)
    strata: int
    caliper: float  # on the logit
    logit_sd: float


@dataclass(frozen=True)
class OutcomeRow:
    outcome: str
    measure: str  # rate, frequency or time_to_first
    period: str  # follow_up or placebo (the year before index)
    primary: bool
    treated_value: float  # per 100 people (days for time to first event)
    control_value: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    holm_p: float | None  # secondary outcomes (and every placebo row): Holm-adjusted within their family
    significant: bool  # p < alpha (the primary outcome's test)
    significant_after_holm: bool | None
    treated: GroupFigures
    control: GroupFigures


@dataclass(frozen=True)
class Reason:
    code: str
    text: str


@dataclass(frozen=True)
class Feasibility:
    passed: bool
    reasons: tuple[Reason, ...]  # why not, in plain English (messages.FEASIBILITY)


@dataclass(frozen=True)
class ProfileCell:
    labels: tuple[str, ...]
    people: int


@dataclass(frozen=True)
class ProfileTable:
    name: str
    title: str
    dimensions: tuple[str, ...]
    cells: tuple[ProfileCell, ...]


@dataclass(frozen=True)
class AcroTable:
    name: str
    status: str  # ACRO's pass / fail / review
    failing_cells: tuple[tuple[str, ...], ...]  # labels of the cells ACRO's checks failed
    summary: str


@dataclass(frozen=True)
class AcroEvidence:
    """ACRO's verdict on the profile tables and its finalise() results.json (timestamps removed), as evidence."""

    version: str
    tables: tuple[AcroTable, ...]
    results_json: str


@dataclass(frozen=True)
class AnalysisResult:
    manifest: Manifest
    counts: Counts
    feasibility: Feasibility
    balance: tuple[CovariateBalance, ...]
    outcomes: tuple[OutcomeRow, ...]  # empty when not feasible: no headline
    placebo: tuple[OutcomeRow, ...]
    placebo_warning: bool
    e_value: EValue | None
    minimal_important_difference: MinimalImportantDifference | None
    profiles: tuple[ProfileTable, ...]
    acro: AcroEvidence | None

    def to_dict(self) -> dict[str, Any]:
        plain: dict[str, Any] = to_plain(self)
        return plain

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnalysisResult:
        result: AnalysisResult = from_plain(cls, data)
        return result

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), allow_nan=False)

    def fingerprint(self) -> str:
        return hashlib.sha256(self.to_json().encode()).hexdigest()

    @property
    def primary(self) -> OutcomeRow | None:
        return next((row for row in self.outcomes if row.primary), None)

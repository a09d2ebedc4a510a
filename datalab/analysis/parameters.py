"""The analysis's parameters: fixed when the protocol is locked, recorded in every run's manifest.

Defaults follow docs/datalab.md (Austin 2011's caliper, JDL's up to 5 controls with replacement, IAU's balance line).
Each field can be set per request; the lead's request model stores them and builds this object.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from ..choices import Measure, Outcome

FOLLOW_UP_DAYS = 365
LOOKBACK_DAYS = 365


@dataclass(frozen=True)
class AnalysisParameters:
    """Everything that changes a run's figures, so that a run can be repeated from its manifest alone."""

    primary_outcome: str = Outcome.EMERGENCY_ADMISSIONS.value
    primary_measure: str = Measure.RATE.value
    seed: int = 1
    caliper_sd: float = 0.2  # of the logit of the propensity score, pooled SD (Austin 2011)
    max_controls: int = 5  # nearest neighbours per treated person, with replacement
    smd_threshold: float = 0.10  # every covariate's |SMD| after matching must be at most this
    min_share_matched: float = 0.80  # of the analysed cohort
    min_people: int = 60  # analysed people needed for a headline (JDL)
    minimal_important_difference: float | None = None  # per 100 people, on the primary measure; declared by the charity
    fit_controls: int = 50_000  # controls sampled to fit the propensity model (only the intercept moves)
    lookback_days: int = LOOKBACK_DAYS
    follow_up_days: int = FOLLOW_UP_DAYS
    lag_days: int = 90  # processing lag after the follow-up year before the extract is complete
    alpha: float = 0.05
    regularisation: float = 1.0  # inverse L2 strength of the logistic regression on standardised covariates

    def __post_init__(self) -> None:
        if self.primary_outcome not in Outcome.values:
            raise ValueError(f"unknown primary outcome {self.primary_outcome!r}")
        if self.primary_measure not in Measure.values:
            raise ValueError(f"unknown primary measure {self.primary_measure!r}")
        if not 0 < self.caliper_sd <= 1 or not 1 <= self.max_controls <= 20:
            raise ValueError("caliper_sd must be in (0, 1] and max_controls in 1..20")
        if not 0 < self.smd_threshold < 1 or not 0 < self.min_share_matched <= 1 or not 0 < self.alpha < 1:
            raise ValueError("smd_threshold, min_share_matched and alpha must be shares")
        if self.minimal_important_difference is not None and self.minimal_important_difference <= 0:
            raise ValueError("a minimal important difference is a positive number per 100 people")
        if self.fit_controls < 100 or self.lookback_days < 1 or self.follow_up_days < 1 or self.lag_days < 0:
            raise ValueError("fit_controls, lookback_days, follow_up_days must be positive and lag_days not negative")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnalysisParameters:
        known = {f.name for f in fields(cls)}
        if set(data) - known:
            raise ValueError(f"unknown analysis parameters: {sorted(set(data) - known)}")
        return cls(**data)

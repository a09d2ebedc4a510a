"""Balance of the covariates before and after matching: standardised mean differences, variance ratios, ESS.

The SMD's denominator is the pooled SD of the treated and the whole control pool *before* matching, for the figure
after matching too (Austin 2009): a fixed yardstick, so a smaller SMD after matching means the means came closer, not
that the spread changed. After matching the treated are the matched ones and the controls are weighted (the sum of 1/k
over the treated each serves). Variances are weighted second moments about the weighted mean (no small-sample factor).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GREEN_BELOW = 0.05  # docs/datalab.md: under 0.05 green, 0.05 to 0.10 amber, over 0.10 red (cut-offs configurable)


@dataclass(frozen=True)
class Moments:
    mean: float
    variance: float


def moments(values: np.ndarray, weights: np.ndarray | None = None) -> Moments:
    """Weighted mean and variance (weights None: every row counts once)."""
    if values.size == 0:
        return Moments(float("nan"), float("nan"))
    w = np.ones(values.size) if weights is None else weights
    total = w.sum()
    if total <= 0:
        return Moments(float("nan"), float("nan"))
    mean = float(np.dot(w, values) / total)
    return Moments(mean, float(np.dot(w, (values - mean) ** 2) / total))


def standardised_difference(treated_mean: float, control_mean: float, pooled_sd: float) -> float:
    """(treated mean - control mean) / pooled SD; 0 when both groups are constant and equal."""
    difference = treated_mean - control_mean
    if pooled_sd > 0:
        return difference / pooled_sd
    return 0.0 if difference == 0 else float(np.sign(difference)) * float("inf")


def pooled_sd(treated: Moments, control: Moments) -> float:
    return float(np.sqrt((treated.variance + control.variance) / 2))


def variance_ratio(treated: Moments, control: Moments) -> float | None:
    """Treated variance over control variance; None when the controls are constant (1.0 when both are)."""
    if control.variance > 0:
        return treated.variance / control.variance
    return 1.0 if treated.variance == 0 else None


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's (sum w)^2 / sum w^2 of the used controls: how many equally weighted controls they are worth."""
    used = weights[weights > 0]
    return float(used.sum() ** 2 / np.dot(used, used)) if used.size else 0.0


def band(smd: float, threshold: float) -> str:
    """The balance colour of an SMD after matching: green, amber (up to the threshold) or red."""
    size = abs(smd)
    if size < GREEN_BELOW:
        return "green"
    return "amber" if size <= threshold else "red"


def finite(value: float | None) -> float | None:
    """JSON has no NaN or infinity: such a figure is None (not computable)."""
    return value if value is not None and np.isfinite(value) else None


@dataclass(frozen=True)
class CovariateBalance:
    """One covariate's row of the balance table (None: not computable, e.g. no matched treated person)."""

    name: str
    label: str
    binary: bool
    treated_mean_before: float | None
    control_mean_before: float | None
    treated_mean_after: float | None
    control_mean_after: float | None
    smd_before: float | None
    smd_after: float | None
    variance_ratio_before: float | None
    variance_ratio_after: float | None
    band: str


def covariate_balance(
    *,
    name: str,
    label: str,
    binary: bool,
    treated: np.ndarray,
    control: np.ndarray,
    matched: np.ndarray,
    control_weights: np.ndarray,
    threshold: float,
) -> CovariateBalance:
    """``treated`` and ``control`` are the covariate before matching; ``matched`` marks the matched treated rows."""
    t_before, c_before = moments(treated), moments(control)
    t_after, c_after = moments(treated[matched]), moments(control, control_weights)
    sd = pooled_sd(t_before, c_before)
    smd_after = standardised_difference(t_after.mean, c_after.mean, sd)
    return CovariateBalance(
        name=name,
        label=label,
        binary=binary,
        treated_mean_before=finite(t_before.mean),
        control_mean_before=finite(c_before.mean),
        treated_mean_after=finite(t_after.mean),
        control_mean_after=finite(c_after.mean),
        smd_before=finite(standardised_difference(t_before.mean, c_before.mean, sd)),
        smd_after=finite(smd_after),
        variance_ratio_before=finite(variance_ratio(t_before, c_before)),
        variance_ratio_after=finite(variance_ratio(t_after, c_after)),
        band=band(smd_after, threshold) if np.isfinite(smd_after) else "red",
    )

"""Inference on the matched sample: weighted regression with standard errors clustered on the matching graph.

Why not the bootstrap: with nearest-neighbour matching with replacement, the estimator is not a smooth function of
the data and a bootstrap sample does not reproduce how often each control is used, so the bootstrap variance is not
valid (Abadie and Imbens, Econometrica 2008).

What is done instead: the outcome is regressed on treatment by weighted least squares over the matched sample, one row
per matched treated person (weight 1) and one per used control (weight: the sum of 1/k over the treated it serves).
The coefficient is the mean difference on the treated (ATT). Its standard error is cluster-robust, the clusters being
the connected components of the matching graph: a treated person with their controls, merged with every other
matched set that shares one of them. Components share no person, so the ATT is a sum of independent component sums
and the sandwich estimates its variance, heterogeneity of the effect included; clustering on single matched sets
instead would drop the covariance a reused control creates (the K(K-1)/M^2 term of Abadie and Imbens 2006). The
propensity score's own estimation is not propagated (for the ATT that is usually conservative; Abadie and Imbens 2016).
Intervals and p-values are normal (z); Holm's step-down adjustment is applied to the secondary outcomes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm
from scipy import stats


@dataclass(frozen=True)
class Estimate:
    treated_value: float
    control_value: float
    difference: float
    standard_error: float
    ci_low: float
    ci_high: float
    p_value: float
    log_ratio: float | None  # log(treated / control), when both means are positive
    log_ratio_se: float | None
    clusters: int


def matched_difference(
    *,
    y_treated: np.ndarray,
    y_control: np.ndarray,
    control_weights: np.ndarray,
    treated_cluster: np.ndarray,
    control_cluster: np.ndarray,
    alpha: float = 0.05,
) -> Estimate:
    """The ATT of one outcome: matched treated rows against used (weighted) controls, clustered as described above.

    The arrays hold only matched treated people and used controls (weight > 0), with their component labels.
    """
    y = np.concatenate([y_treated, y_control]).astype(float)
    treated = np.concatenate([np.ones(y_treated.size), np.zeros(y_control.size)])
    weights = np.concatenate([np.ones(y_treated.size), control_weights])
    groups = np.concatenate([treated_cluster, control_cluster])
    design = np.column_stack([np.ones(y.size), treated])
    fit = sm.WLS(y, design, weights=weights).fit(cov_type="cluster", cov_kwds={"groups": groups})
    control_mean, difference = (float(v) for v in fit.params)
    covariance = np.asarray(fit.cov_params())
    se = math.sqrt(max(float(covariance[1, 1]), 0.0))
    z = stats.norm.ppf(1 - alpha / 2)
    p_value = float(2 * stats.norm.sf(abs(difference) / se)) if se > 0 else float(difference == 0)
    treated_mean = control_mean + difference
    log_ratio = log_ratio_se = None
    if control_mean > 0 and treated_mean > 0:
        log_ratio = math.log(treated_mean / control_mean)
        gradient = np.array([1 / treated_mean - 1 / control_mean, 1 / treated_mean])  # d log ratio / d (a, b)
        log_ratio_se = math.sqrt(max(float(gradient @ covariance @ gradient), 0.0))
    return Estimate(
        treated_value=treated_mean,
        control_value=control_mean,
        difference=difference,
        standard_error=se,
        ci_low=difference - z * se,
        ci_high=difference + z * se,
        p_value=p_value,
        log_ratio=log_ratio,
        log_ratio_se=log_ratio_se,
        clusters=int(np.unique(groups).size),
    )


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (family-wise error), in the order given."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


@dataclass(frozen=True)
class EValue:
    """VanderWeele and Ding (2017): how strong an unmeasured confounder would have to be to explain the result away."""

    ratio: float  # the risk ratio (rate) or its approximation (frequency: exp(0.91 d))
    ratio_ci_low: float
    ratio_ci_high: float
    point: float
    ci: float  # the E-value of the interval's limit nearer to 1 (1 when the interval includes 1)
    approximation: str  # "risk_ratio" or "standardised_difference"


def e_value_of_ratio(ratio: float) -> float:
    """RR + sqrt(RR (RR - 1)) on the side above 1 (a protective RR is inverted first)."""
    rr = ratio if ratio >= 1 else 1 / ratio
    return rr + math.sqrt(rr * (rr - 1))


def e_value(*, ratio: float, ci_low: float, ci_high: float, approximation: str) -> EValue:
    if ratio >= 1:
        limit = ci_low
        ci = 1.0 if limit <= 1 else e_value_of_ratio(limit)
    else:
        limit = ci_high
        ci = 1.0 if limit >= 1 else e_value_of_ratio(limit)
    return EValue(ratio, ci_low, ci_high, e_value_of_ratio(ratio), ci, approximation)


def e_value_for_risk(estimate: Estimate, alpha: float = 0.05) -> EValue | None:
    """The E-value of a risk ratio (the rate measure), its interval from the log ratio's delta-method SE."""
    if estimate.log_ratio is None or estimate.log_ratio_se is None:
        return None
    z = stats.norm.ppf(1 - alpha / 2)
    low, high = estimate.log_ratio - z * estimate.log_ratio_se, estimate.log_ratio + z * estimate.log_ratio_se
    return e_value(ratio=math.exp(estimate.log_ratio), ci_low=math.exp(low), ci_high=math.exp(high),
                   approximation="risk_ratio")  # fmt: skip


def e_value_for_counts(estimate: Estimate, outcome_sd: float) -> EValue | None:
    """Counts (the frequency measure): VanderWeele and Ding convert a standardised difference d, RR ~ exp(0.91 d)."""
    if outcome_sd <= 0:
        return None
    d, low, high = (x / outcome_sd for x in (estimate.difference, estimate.ci_low, estimate.ci_high))
    return e_value(ratio=math.exp(0.91 * d), ci_low=math.exp(0.91 * low), ci_high=math.exp(0.91 * high),
                   approximation="standardised_difference")  # fmt: skip


@dataclass(frozen=True)
class MinimalImportantDifference:
    """Whether the interval rules out a difference as large as the charity's declared minimal important difference."""

    value: float  # per 100 people, on the primary measure
    rules_out_reduction: bool  # the interval's lower limit is above -value
    rules_out_increase: bool  # the interval's upper limit is below +value


def minimal_important_difference(estimate: Estimate, value: float) -> MinimalImportantDifference:
    return MinimalImportantDifference(value, bool(estimate.ci_low > -value), bool(estimate.ci_high < value))

"""Inference on tiny matched samples worked by hand: the difference, its clustered SE, Holm, E-values, the MID."""

import math

import numpy as np
import pytest

from datalab.analysis.inference import (
    e_value,
    e_value_for_counts,
    e_value_for_risk,
    e_value_of_ratio,
    holm,
    matched_difference,
    minimal_important_difference,
)


def test_difference_and_cluster_robust_se_of_pairs_by_hand():
    y_t, y_c = np.array([1.0, 0, 1, 1]), np.array([0.0, 0, 1, 0])
    estimate = matched_difference(y_treated=y_t, y_control=y_c, control_weights=np.ones(4),
                                  treated_cluster=np.arange(4), control_cluster=np.arange(4))  # fmt: skip
    assert estimate.difference == pytest.approx(0.5)
    assert (estimate.treated_value, estimate.control_value) == (pytest.approx(0.75), pytest.approx(0.25))
    # Each pair's contrast about the means: (y_t - 0.75) - (y_c - 0.25); the sandwich with statsmodels' small-sample
    # factor G/(G-1) * (N-1)/(N-K) for G=4 clusters, N=8 rows, K=2 columns.
    contrast = (y_t - 0.75) - (y_c - 0.25)
    expected = math.sqrt((contrast**2).sum() / 16 * (4 / 3) * (7 / 6))
    assert estimate.standard_error == pytest.approx(expected)
    assert estimate.ci_low == pytest.approx(0.5 - 1.959964 * expected, abs=1e-5)
    assert estimate.clusters == 4
    assert estimate.log_ratio == pytest.approx(math.log(3))


def test_a_reused_control_joins_its_sets_into_one_cluster_and_widens_the_interval():
    """Two treated share one control: clustering on the component keeps the covariance a reuse creates."""
    y_t, y_c = np.array([1.0, 1.0, 0.0, 0.0]), np.array([0.0, 1.0, 1.0])
    weights = np.array([2.0, 1.0, 1.0])  # control 0 serves treated 0 and 1
    shared = matched_difference(y_treated=y_t, y_control=y_c, control_weights=weights,
                                treated_cluster=np.array([0, 0, 1, 2]), control_cluster=np.array([0, 1, 2]))  # fmt: skip
    assert shared.difference == pytest.approx(0.5 - 0.5)
    assert shared.clusters == 3


def test_a_planted_difference_is_recovered_with_an_interval_that_covers_it():
    rng = np.random.default_rng(4)
    n = 2000
    base = rng.random(n) * 0.4
    y_t = (rng.random(n) < base + 0.1) * 100.0
    y_c = (rng.random(n) < base) * 100.0  # one control per treated, same base risk: the truth is 10 per 100
    estimate = matched_difference(y_treated=y_t, y_control=y_c, control_weights=np.ones(n),
                                  treated_cluster=np.arange(n), control_cluster=np.arange(n))  # fmt: skip
    assert estimate.ci_low < 10 < estimate.ci_high
    assert estimate.p_value < 0.001


def test_holm_by_hand():
    assert holm([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert holm([0.2, 0.6]) == pytest.approx([0.4, 0.6])
    assert holm([]) == []


def test_e_values_of_vanderweele_and_ding():
    assert e_value_of_ratio(2.0) == pytest.approx(2 + math.sqrt(2))
    assert e_value_of_ratio(0.5) == pytest.approx(2 + math.sqrt(2))
    assert e_value(ratio=0.8, ci_low=0.7, ci_high=1.05, approximation="risk_ratio").ci == 1.0
    protective = e_value(ratio=0.5, ci_low=0.3, ci_high=0.8, approximation="risk_ratio")
    assert protective.ci == pytest.approx(1.25 + math.sqrt(1.25 * 0.25))


def test_e_value_of_a_risk_ratio_and_of_a_count_difference():
    y_t, y_c = np.array([100.0] * 30 + [0.0] * 70), np.array([100.0] * 50 + [0.0] * 50)
    estimate = matched_difference(y_treated=y_t, y_control=y_c, control_weights=np.ones(100),
                                  treated_cluster=np.arange(100), control_cluster=np.arange(100))  # fmt: skip
    risk = e_value_for_risk(estimate)
    assert risk is not None and risk.ratio == pytest.approx(0.6) and risk.point == pytest.approx(e_value_of_ratio(0.6))
    counts = e_value_for_counts(estimate, outcome_sd=50.0)
    assert counts is not None and counts.ratio == pytest.approx(math.exp(0.91 * -20 / 50))
    assert counts.approximation == "standardised_difference"


def test_minimal_important_difference():
    y_t, y_c = np.zeros(50), np.zeros(50)
    y_t[:5], y_c[10:16] = 100.0, 100.0  # 10 and 12 per 100, the events in different pairs
    estimate = matched_difference(y_treated=y_t, y_control=y_c, control_weights=np.ones(50),
                                  treated_cluster=np.arange(50), control_cluster=np.arange(50))  # fmt: skip
    wide = minimal_important_difference(estimate, 5.0)
    assert not wide.rules_out_reduction and not wide.rules_out_increase
    narrow = minimal_important_difference(estimate, 30.0)
    assert narrow.rules_out_reduction and narrow.rules_out_increase

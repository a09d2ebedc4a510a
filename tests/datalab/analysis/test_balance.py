"""Balance figures against hand computations."""

import math

import numpy as np
import pytest

from datalab.analysis.balance import band, covariate_balance, effective_sample_size, moments, variance_ratio


def test_smd_before_and_after_use_the_pooled_sd_before_matching():
    treated = np.array([1.0, 2.0, 3.0, 4.0])  # mean 2.5, variance 1.25
    control = np.array([0.0, 2.0, 4.0])  # mean 2, variance 8/3
    weights = np.array([0.0, 1.0, 3.0])  # weighted mean 3.5, variance (1.5^2 + 3 * 0.5^2) / 4 = 0.75
    matched = np.array([True, True, True, False])  # mean 2, variance 2/3
    row = covariate_balance(name="x", label="x", binary=False, treated=treated, control=control, matched=matched,
                            control_weights=weights, threshold=0.1)  # fmt: skip
    sd = math.sqrt((1.25 + 8 / 3) / 2)
    assert row.smd_before == pytest.approx((2.5 - 2) / sd)
    assert row.smd_after == pytest.approx((2 - 3.5) / sd)
    assert row.variance_ratio_before == pytest.approx(1.25 / (8 / 3))
    assert row.variance_ratio_after == pytest.approx((2 / 3) / 0.75)
    assert (row.treated_mean_after, row.control_mean_after) == (pytest.approx(2.0), pytest.approx(3.5))
    assert row.band == "red"


def test_weighted_moments_and_effective_sample_size():
    m = moments(np.array([1.0, 3.0]), np.array([1.0, 3.0]))
    assert (m.mean, m.variance) == (pytest.approx(2.5), pytest.approx(0.75))
    assert effective_sample_size(np.array([1.0, 1.0, 2.0, 0.0])) == pytest.approx(16 / 6)
    assert effective_sample_size(np.ones(10)) == pytest.approx(10)


def test_constant_covariates_give_zero_smd_and_unit_variance_ratio():
    row = covariate_balance(name="x", label="x", binary=True, treated=np.ones(3), control=np.ones(4),
                            matched=np.ones(3, bool), control_weights=np.ones(4), threshold=0.1)  # fmt: skip
    assert (row.smd_before, row.smd_after, row.variance_ratio_after, row.band) == (0.0, 0.0, 1.0, "green")
    assert variance_ratio(moments(np.array([1.0, 2.0])), moments(np.ones(2))) is None


@pytest.mark.parametrize(("smd", "colour"), [(0.0, "green"), (-0.049, "green"), (0.05, "amber"), (-0.1, "amber"),
                                              (0.1001, "red"), (-0.3, "red")])  # fmt: skip
def test_colour_bands(smd, colour):
    assert band(smd, 0.10) == colour

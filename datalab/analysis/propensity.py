"""The propensity model: a logistic regression of being in the cohort on the covariates, and every row's logit.

Fitted on the treated and a seeded sample of ``fit_controls`` candidates (all of them when fewer): sampling the
controls changes only the intercept, by log(sampled / all), which is added back so the logits are on the pool's scale
(the caliper, a share of the logit's SD, does not move either way). The design: age and its square, sex, deprivation
decile and its square, for each prior count log(1 + n) and "any", and one indicator per level but the first of age
band and quarter (the strata, so the other coefficients are not confounded by them), ethnicity group and region.
Columns are standardised on the fitting sample and an L2 penalty (scikit-learn's C, ``regularisation``) keeps the
coefficients finite when a category has no treated person (separation); Newton-Cholesky, as n is much larger than p.
The logits of the whole pool are a weighted sum of the numeric columns plus a lookup per category: the design matrix
of millions of rows is never built.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

from .covariates import AnalysisFrame
from .events import KINDS


def _numeric(frame: AnalysisFrame, rows: np.ndarray) -> list[np.ndarray]:
    age = frame.age[rows].astype(float)
    imd = frame.imd[rows].astype(float)
    columns = [age, age**2 / 100, frame.female[rows] * 1.0, imd, imd**2]
    for kind in KINDS:
        value = frame.prior[kind].nights[rows].astype(float)
        columns += [np.log1p(value), (value > 0) * 1.0]
    return columns


def _categories(
    frame: AnalysisFrame, rows: np.ndarray, levels: dict[str, np.ndarray]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(codes, the levels that get an indicator) per categorical covariate."""
    codes = {"age_band": frame.age_band, "quarter": frame.quarter, "ethnic": frame.ethnic, "region": frame.region}
    return [(codes[name][rows], levels[name][1:]) for name in codes]


@dataclass(frozen=True)
class PropensityModel:
    numeric_weights: np.ndarray  # per numeric column, on the raw scale
    category_weights: tuple[np.ndarray, ...]  # per category, per level given an indicator
    levels: dict[str, np.ndarray]
    constant: float
    fitted_treated: int
    fitted_controls: int
    pool_controls: int

    def logits(self, frame: AnalysisFrame, rows: np.ndarray) -> np.ndarray:
        out = np.full(rows.size, self.constant)
        for weight, column in zip(self.numeric_weights, _numeric(frame, rows), strict=True):
            out += weight * column
        for weights, (codes, levels) in zip(self.category_weights, _categories(frame, rows, self.levels), strict=True):
            if levels.size:
                lookup = np.zeros(int(max(codes.max(), levels.max())) + 1)
                lookup[levels] = weights
                out += lookup[codes]
        return out


def fit_propensity(frame: AnalysisFrame, *, fit_controls: int, seed: int, regularisation: float) -> PropensityModel:
    treated_rows = np.flatnonzero(frame.treated)
    control_rows = np.flatnonzero(~frame.treated)
    rng = np.random.default_rng([seed, 2])
    sample = (
        np.sort(rng.choice(control_rows, size=fit_controls, replace=False))
        if control_rows.size > fit_controls
        else control_rows
    )
    rows = np.concatenate([treated_rows, sample])
    levels = {
        "age_band": np.unique(frame.age_band[treated_rows]),
        "quarter": np.unique(frame.quarter[treated_rows]),
        "ethnic": np.arange(len(frame.ethnic_levels)),
        "region": np.arange(len(frame.region_levels)),
    }
    numeric = _numeric(frame, rows)
    categories = _categories(frame, rows, levels)
    x = np.column_stack(numeric + [(codes == level) * 1.0 for codes, wanted in categories for level in wanted])
    centre = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=regularisation, solver="newton-cholesky", max_iter=100, tol=1e-8)
    model.fit((x - centre) / scale, frame.treated[rows].astype(int))
    raw = model.coef_[0] / scale  # the same model on unstandardised columns
    constant = float(model.intercept_[0] - np.dot(raw, centre))
    if sample.size and sample.size < control_rows.size:
        constant += float(np.log(sample.size / control_rows.size))
    split = np.cumsum([len(numeric)] + [wanted.size for _, wanted in categories])
    return PropensityModel(
        numeric_weights=raw[: len(numeric)],
        category_weights=tuple(raw[start:stop] for start, stop in zip(split[:-1], split[1:], strict=True)),
        levels=levels,
        constant=constant,
        fitted_treated=int(treated_rows.size),
        fitted_controls=int(sample.size),
        pool_controls=int(control_rows.size),
    )

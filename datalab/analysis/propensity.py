"""The propensity model: a logistic regression of being in the cohort on the covariates, and every row's logit.

Fitted on the treated and a seeded sample of ``fit_controls`` candidates (all of them when fewer): sampling the
controls changes only the intercept, by log(sampled / all), which is added back so the logits are on the pool's scale
(the caliper, a share of the logit's SD, does not move either way). The design: age and its square, sex, age band,
quarter (the strata, so the other coefficients are not confounded by them), ethnicity group and region (one
indicator per level but the first), deprivation decile and its square, and for each prior count log(1 + n) and
"any". Columns are standardised on the fitting sample and an L2 penalty (scikit-learn's C, ``regularisation``) keeps
the coefficients finite when a category has no treated person (separation).
The logits of the whole pool are computed in chunks, so the design matrix of millions of rows is never built at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

from .covariates import AnalysisFrame
from .events import KINDS

CHUNK_ROWS = 500_000


def design(frame: AnalysisFrame, rows: np.ndarray, bands: np.ndarray, quarters: np.ndarray) -> np.ndarray:
    age = frame.age[rows].astype(float)
    imd = frame.imd[rows].astype(float)
    columns = [age, age**2 / 100, frame.female[rows] * 1.0, imd, imd**2]
    columns += [(frame.age_band[rows] == b) * 1.0 for b in bands[1:]]
    columns += [(frame.quarter[rows] == q) * 1.0 for q in quarters[1:]]
    columns += [(frame.ethnic[rows] == code) * 1.0 for code in range(1, len(frame.ethnic_levels))]
    columns += [(frame.region[rows] == code) * 1.0 for code in range(1, len(frame.region_levels))]
    for kind in KINDS:
        value = frame.prior[kind].nights[rows].astype(float)
        columns += [np.log1p(value), (value > 0) * 1.0]
    return np.column_stack(columns)


@dataclass(frozen=True)
class PropensityModel:
    coefficients: np.ndarray
    intercept: float
    centre: np.ndarray
    scale: np.ndarray
    bands: np.ndarray
    quarters: np.ndarray
    fitted_treated: int
    fitted_controls: int
    pool_controls: int

    def logits(self, frame: AnalysisFrame, rows: np.ndarray) -> np.ndarray:
        out = np.empty(rows.size)
        for start in range(0, rows.size, CHUNK_ROWS):
            chunk = rows[start : start + CHUNK_ROWS]
            x = (design(frame, chunk, self.bands, self.quarters) - self.centre) / self.scale
            out[start : start + CHUNK_ROWS] = x @ self.coefficients + self.intercept
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
    bands = np.unique(frame.age_band[treated_rows])
    quarters = np.unique(frame.quarter[treated_rows])
    x = design(frame, rows, bands, quarters)
    centre = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    y = frame.treated[rows].astype(int)
    model = LogisticRegression(C=regularisation, solver="newton-cholesky", max_iter=100, tol=1e-8)
    model.fit((x - centre) / scale, y)
    intercept = float(model.intercept_[0])
    if sample.size and sample.size < control_rows.size:
        intercept += float(np.log(sample.size / control_rows.size))
    return PropensityModel(
        coefficients=model.coef_[0].copy(),
        intercept=intercept,
        centre=centre,
        scale=scale,
        bands=bands,
        quarters=quarters,
        fitted_treated=int(treated_rows.size),
        fitted_controls=int(sample.size),
        pool_controls=int(control_rows.size),
    )

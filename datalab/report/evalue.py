"""The E-value (VanderWeele and Ding, Annals of Internal Medicine 2017): how strongly an unmeasured confounder would
have to be associated with both taking part and the outcome, on the risk ratio scale and above the measured
covariates, to explain the estimate away.

For a risk ratio RR >= 1 it is RR + sqrt(RR x (RR - 1)); a ratio below 1 is inverted first. The engine computes it for
every run with a ratio (datalab/analysis/inference.py, with its interval); the report uses this only when a run's
published tables carry none, from the primary rate's two published values.
"""

from __future__ import annotations

import math


def e_value(ratio: float) -> float:
    """The E-value of a risk ratio (1 for a ratio of 1: nothing to explain away)."""
    if not math.isfinite(ratio) or ratio <= 0:
        raise ValueError("a risk ratio is a positive number")
    rr = ratio if ratio >= 1 else 1 / ratio
    return rr + math.sqrt(rr * (rr - 1))


def e_value_of_interval(low: float, high: float) -> float:
    """The E-value of the interval's limit nearer 1; 1 when the interval includes 1."""
    if low <= 1 <= high:
        return 1.0
    return e_value(low if low > 1 else high)

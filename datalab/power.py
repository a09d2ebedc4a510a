"""The smallest difference a request could detect, shown before the charity submits.

Small cohorts are the commonest disappointment of data labs: a charity with 70 people waits months to hear the result
is "not statistically significant". This says at once how large a difference its number of people could detect, from
the national base rate of its outcome for people of its age (datalab/base_rates.py), with the usual normal
approximation for two independent groups:

    difference = (z[1 - alpha/2] + z[power]) * sd * sqrt(design_effect * (1/n_treated + 1/n_controls))

where sd is sqrt(p(1 - p)) for a rate (the share with at least one event, p the base rate) and the standard deviation
of events per person for a frequency. The design effect (DATALAB_POWER_DESIGN_EFFECT, default 1.0) allows for what
the approximation leaves out: matching with replacement reuses controls and weights them, which inflates the
variance; 1.0 ignores it, so the figure is a floor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from django.conf import settings

from . import messages
from .base_rates import BaseRate
from .choices import Measure

CONTROLS_PER_TREATED = 5  # the matching takes up to 5 controls for each person (docs/datalab.md, "Method")
DESIGN_EFFECT = 1.0


@dataclass(frozen=True)
class PowerResult:
    """The smallest detectable difference for one request, per 100 people, and everything it was computed from (kept
    with the request at submission, as JSON)."""

    n_treated: int
    n_controls: int
    measure: str
    base_per_100: float  # the national rate (people with at least one event) or mean (events) per 100 people
    smallest_difference_per_100: float
    relative_change: float  # the difference as a share of the base: 0.5 is a halving
    alpha: float
    power: float
    design_effect: float


def configured_design_effect(value: float | None = None) -> float:
    """The design effect given, else DATALAB_POWER_DESIGN_EFFECT (read now, not at import), else 1.0."""
    return value if value is not None else float(getattr(settings, "DATALAB_POWER_DESIGN_EFFECT", DESIGN_EFFECT))


def smallest_detectable_difference(
    *,
    n_treated: int,
    measure: Measure | str,
    base: BaseRate,
    controls_per_treated: int = CONTROLS_PER_TREATED,
    alpha: float = 0.05,
    power: float = 0.8,
    design_effect: float | None = None,
) -> PowerResult:
    """The smallest true difference (per 100 people) a two-sided test at ``alpha`` would find with probability
    ``power``, for ``n_treated`` people each matched to ``controls_per_treated`` controls.

    Raises ValueError for a base with no events: there is nothing to detect a change in."""
    measure = Measure(measure)
    deff = configured_design_effect(design_effect)
    if n_treated < 1 or controls_per_treated < 1:
        raise ValueError("n_treated and controls_per_treated must be at least 1")
    if not (0 < alpha < 1 and 0 < power < 1) or deff <= 0:
        raise ValueError("alpha and power must lie between 0 and 1, and the design effect must be positive")
    if measure == Measure.RATE:
        centre, sd = base.rate, math.sqrt(base.rate * (1 - base.rate))
    else:
        centre, sd = base.mean, math.sqrt(base.variance)
    if centre <= 0 or sd <= 0:
        raise ValueError(f"the base {measure.value} of {base.outcome} for {base.age_group} has no events")
    n_controls = n_treated * controls_per_treated
    normal = NormalDist()
    z = normal.inv_cdf(1 - alpha / 2) + normal.inv_cdf(power)
    difference = z * sd * math.sqrt(deff * (1 / n_treated + 1 / n_controls))
    return PowerResult(
        n_treated=n_treated,
        n_controls=n_controls,
        measure=measure.value,
        base_per_100=100 * centre,
        smallest_difference_per_100=100 * difference,
        relative_change=difference / centre,
        alpha=alpha,
        power=power,
        design_effect=deff,
    )


def _figures(*values: float, whole: bool) -> list[str]:
    return [f"{value:,.0f}" if whole else f"{value:,.1f}".removesuffix(".0") for value in values]


def power_sentence(result: PowerResult, outcome: str) -> str:
    """What the result means, in plain English, for the application form and the request page.

    Figures of 10 or more are whole numbers, smaller ones have a decimal place; the "from ... to ..." example is
    worked from the figures shown, so its arithmetic reads right."""
    whole = result.smallest_difference_per_100 >= 10
    digits = 0 if whole else 1
    difference = round(result.smallest_difference_per_100, digits)
    base = round(result.base_per_100, digits)
    events = messages.OUTCOME_EVENTS[outcome]
    if result.smallest_difference_per_100 >= result.base_per_100:
        shown_difference, shown_base = _figures(difference, base, whole=whole)
        return messages.POWER_SENTENCE_TOO_FEW.format(
            people=result.n_treated, difference=shown_difference, base=shown_base, events=events
        )
    shown_difference, shown_base, lower = _figures(difference, base, round(base - difference, digits), whole=whole)
    template = messages.POWER_SENTENCE_RATE if result.measure == Measure.RATE else messages.POWER_SENTENCE_FREQUENCY
    return template.format(
        people=result.n_treated, difference=shown_difference, base=shown_base, lower=lower,
        event=messages.OUTCOME_EVENT[outcome], events=events,
    )  # fmt: skip

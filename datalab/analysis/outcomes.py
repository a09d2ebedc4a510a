"""Outcomes on the matched sample: rate, frequency and time to first event per outcome, and the figures behind them.

- rate: people with at least one event, per 100 people;
- frequency: events per 100 people (nights per 100 people for bed days);
- time to first event: the restricted mean of days to the first event within the follow-up (people with none count
  the whole follow-up): with no censoring inside the window (a complete follow-up year is an eligibility rule) it is
  a plain per-person outcome, so it is estimated like the other two; the median days among people with an event is
  shown beside it.
Each row also carries the counts disclosure control needs (people, people with an event, events, the share of the
total from the two largest contributors), computed here because only the matched sample has them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..choices import Measure
from .events import KINDS, Window
from .inference import Estimate, matched_difference

TIME_TO_FIRST = "time_to_first"
MEASURES: tuple[str, ...] = (Measure.RATE.value, Measure.FREQUENCY.value, TIME_TO_FIRST)


@dataclass(frozen=True)
class MatchedSample:
    """The rows of the matched treated and the used controls, their weights and their clusters."""

    treated_rows: np.ndarray  # frame rows
    control_rows: np.ndarray
    control_weights: np.ndarray
    treated_cluster: np.ndarray
    control_cluster: np.ndarray


@dataclass(frozen=True)
class GroupFigures:
    people: int
    with_event: int
    events: int  # events, or nights for bed days
    top2_share: float  # of the (weighted) total, from its two largest contributors
    median_days_to_first: float | None  # among people with an event (weighted for the controls)


def person_values(window: Window, measure: str, follow_up_days: int) -> np.ndarray:
    if measure == Measure.RATE:
        return 100.0 * (window.count > 0)
    if measure == Measure.FREQUENCY:
        return 100.0 * window.nights
    return np.where(window.count > 0, window.first_day + 1, follow_up_days).astype(float)


def top_share(contributions: np.ndarray, n: int = 2) -> float:
    total = contributions.sum()
    if total <= 0:
        return 0.0
    return float(np.sort(contributions)[-n:].sum() / total)


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float | None:
    if values.size == 0 or weights.sum() <= 0:
        return None
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def group_figures(window: Window, weights: np.ndarray) -> GroupFigures:
    has = window.count > 0
    days = window.first_day[has] + 1
    return GroupFigures(
        people=int(window.count.size),
        with_event=int(has.sum()),
        events=int(window.nights.sum()),
        top2_share=top_share(window.nights * weights),
        median_days_to_first=weighted_median(days.astype(float), weights[has]),
    )


@dataclass(frozen=True)
class OutcomeEstimate:
    outcome: str
    measure: str
    estimate: Estimate
    treated: GroupFigures
    control: GroupFigures
    outcome_sd: float  # pooled SD of the person values (treated, weighted controls): for the E-value's conversion


def estimate_outcomes(
    sample: MatchedSample,
    treated_windows: dict[str, Window],
    control_windows: dict[str, Window],
    *,
    measures: tuple[str, ...],
    follow_up_days: int,
    alpha: float,
) -> list[OutcomeEstimate]:
    """Every outcome x measure: the weighted difference with its clustered interval, and the group figures."""
    rows = []
    ones = np.ones(sample.treated_rows.size)
    for kind in KINDS:
        treated, control = treated_windows[kind], control_windows[kind]
        treated_figures = group_figures(treated, ones)
        control_figures = group_figures(control, sample.control_weights)
        for measure in measures:
            y_t = person_values(treated, measure, follow_up_days)
            y_c = person_values(control, measure, follow_up_days)
            estimate = matched_difference(
                y_treated=y_t, y_control=y_c, control_weights=sample.control_weights,
                treated_cluster=sample.treated_cluster, control_cluster=sample.control_cluster, alpha=alpha,
            )  # fmt: skip
            w = sample.control_weights
            c_mean = float(np.dot(w, y_c) / w.sum())
            c_var = float(np.dot(w, (y_c - c_mean) ** 2) / w.sum())
            sd = float(np.sqrt((y_t.var() + c_var) / 2))
            rows.append(OutcomeEstimate(kind, measure, estimate, treated_figures, control_figures, sd))
    return rows

"""Nearest-neighbour matching on the logit of the propensity score, within exact strata, with replacement.

Every stratum's controls are sorted once (one argsort of a key that orders by stratum, then logit); each treated
person's place among them is found with np.searchsorted, and the k nearest controls within the caliper are among the
k places on either side of it: a window of 2k candidates per treated person, never a treated x controls matrix.
Ties in distance go to the control with the lower logit, so with distinct control logits the result equals a
brute-force search; the caller makes logits distinct with a seeded jitter far below the caliper, which also picks at
random among controls whose covariates (and so logits) are identical.

Weights estimate the effect on the treated: a treated person matched to k controls gives each 1/k; a control's weight
is the sum over the treated people it serves, so the controls' weights add up to the number of matched treated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


@dataclass(frozen=True)
class Matches:
    """Who was matched to whom: row numbers into the treated and control arrays given to `match`."""

    treated: np.ndarray  # (pairs,) treated row of each pair
    control: np.ndarray  # (pairs,) control row of each pair
    k: np.ndarray  # (n_treated,) controls found for each treated person (0: unmatched)
    n_controls: int

    @property
    def matched(self) -> np.ndarray:
        """Boolean per treated row: matched to at least one control."""
        return self.k > 0

    @property
    def pair_weight(self) -> np.ndarray:
        return 1.0 / self.k[self.treated]

    def control_weights(self) -> np.ndarray:
        """Per control row: the sum of 1/k over the treated people it serves (0 for controls never used)."""
        return np.bincount(self.control, weights=self.pair_weight, minlength=self.n_controls)

    def components(self) -> tuple[np.ndarray, np.ndarray]:
        """Connected components of the matching graph: (label per treated row, label per control row).

        Two matched sets that share a control are one component; components share no person, so sums over them are
        independent given the covariates: the clusters for the variance (datalab/analysis/inference.py).
        Unmatched treated and unused controls get -1.
        """
        n_t = self.k.size
        used, control_node = np.unique(self.control, return_inverse=True)  # only the controls in a matched set
        nodes = n_t + used.size
        graph = coo_matrix((np.ones(self.treated.size), (self.treated, n_t + control_node)), shape=(nodes, nodes))
        _, labels = connected_components(graph, directed=False)
        treated_labels = np.where(self.matched, labels[:n_t], -1)
        control_labels = np.full(self.n_controls, -1, dtype=labels.dtype)
        control_labels[used] = labels[n_t:]
        return treated_labels, control_labels


def match(
    *,
    treated_logit: np.ndarray,
    treated_stratum: np.ndarray,
    control_logit: np.ndarray,
    control_stratum: np.ndarray,
    caliper: float,
    max_controls: int,
) -> Matches:
    """Up to ``max_controls`` nearest controls (same stratum, |logit difference| <= caliper) for each treated row."""
    k = max_controls
    n_t, n_c = treated_logit.size, control_logit.size
    if n_t == 0 or n_c == 0:
        return Matches(np.empty(0, np.int64), np.empty(0, np.int64), np.zeros(n_t, np.int64), n_c)
    if min(int(treated_stratum.min()), int(control_stratum.min())) < 0:
        raise ValueError("strata are codes 0, 1, 2, ...")
    # Controls outside every treated logit's reach in their stratum can never be chosen: drop them before sorting.
    strata = int(max(treated_stratum.max(), control_stratum.max())) + 1
    low, high = np.full(strata, np.inf), np.full(strata, -np.inf)
    np.minimum.at(low, treated_stratum, treated_logit)
    np.maximum.at(high, treated_stratum, treated_logit)
    reach = caliper * (1 + 1e-9) + 1e-12  # a hair wider: the exact test is the distance below, this only prunes
    reachable = np.flatnonzero((control_logit >= low[control_stratum] - reach)
                               & (control_logit <= high[control_stratum] + reach))  # fmt: skip
    control_logit, control_stratum = control_logit[reachable], control_stratum[reachable]
    if reachable.size == 0:
        return Matches(np.empty(0, np.int64), np.empty(0, np.int64), np.zeros(n_t, np.int64), n_c)
    # One sort key for stratum and logit: stratum * span + (logit - lowest), span wider than any logit difference
    # plus the caliper, so strata never interleave. One argsort of the controls, one searchsorted for the treated.
    lowest = min(float(treated_logit.min()), float(control_logit.min()))
    span = max(float(treated_logit.max()), float(control_logit.max())) - lowest + 4 * caliper + 1.0
    control_key = control_stratum * span + (control_logit - lowest)
    order = np.argsort(control_key)
    sorted_key = control_key[order]
    sorted_logit = control_logit[order]
    first = np.searchsorted(sorted_key, treated_stratum * span, side="left")  # the stratum's range [first, last)
    last = np.searchsorted(sorted_key, (treated_stratum + 1) * span, side="left")
    place = np.searchsorted(sorted_key, treated_stratum * span + (treated_logit - lowest), side="left")
    offsets = np.arange(-k, k)
    candidates = place[:, None] + offsets[None, :]  # (n_t, 2k): k places to the left and k to the right
    inside = (candidates >= first[:, None]) & (candidates < last[:, None])
    safe = np.where(inside, candidates, 0)
    distance = np.abs(sorted_logit[safe] - treated_logit[:, None])
    distance = np.where(inside & (distance <= caliper), distance, np.inf)
    # Nearest first; equal distances keep the lower place (the lower logit): a stable sort on distance.
    rank = np.argsort(distance, axis=1, kind="stable")[:, :k]
    chosen_distance = np.take_along_axis(distance, rank, axis=1)
    chosen = np.take_along_axis(safe, rank, axis=1)
    found = np.isfinite(chosen_distance)
    counts = found.sum(axis=1)
    treated_rows = np.repeat(np.arange(n_t), counts)
    control_rows = reachable[order[chosen[found]]]
    return Matches(treated_rows, control_rows, counts.astype(np.int64), n_c)

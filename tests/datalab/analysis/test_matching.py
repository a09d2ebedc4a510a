"""The matcher: equal to a brute-force search, inside the caliper, weighted for the effect on the treated, no n x m."""

import tracemalloc

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from datalab.analysis.matching import match


def brute_force(treated_logit, treated_stratum, control_logit, control_stratum, caliper, k):
    """Every distance, per treated person: the nearest k of the same stratum within the caliper, lower logit first."""
    chosen = []
    for logit, stratum in zip(treated_logit.tolist(), treated_stratum.tolist(), strict=True):
        rows = sorted(
            (abs(c - logit), c, j)
            for j, (c, s) in enumerate(zip(control_logit.tolist(), control_stratum.tolist(), strict=True))
            if s == stratum and abs(c - logit) <= caliper
        )
        chosen.append(sorted(j for _, _, j in rows[:k]))
    return chosen


def as_lists(matches, n_treated):
    found = [[] for _ in range(n_treated)]
    for t, c in zip(matches.treated.tolist(), matches.control.tolist(), strict=True):
        found[t].append(c)
    return [sorted(f) for f in found]


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    n_treated=st.integers(1, 12),
    n_controls=st.integers(1, 40),
    strata=st.integers(1, 3),
    k=st.integers(1, 5),
    caliper=st.sampled_from([0.05, 0.3, 1.0, 10.0]),
)
def test_match_equals_brute_force(data, n_treated, n_controls, strata, k, caliper):
    # A coarse grid (0.1 steps) makes equal distances on both sides common; control logits are distinct.
    grid = st.integers(-30, 30).map(lambda i: i / 10)
    control_logit = np.array(data.draw(st.lists(grid, min_size=n_controls, max_size=n_controls, unique=True)))
    treated_logit = np.array(data.draw(st.lists(grid, min_size=n_treated, max_size=n_treated)))
    control_stratum = np.array(data.draw(st.lists(st.integers(0, strata - 1), min_size=n_controls,
                                                  max_size=n_controls)))  # fmt: skip
    treated_stratum = np.array(data.draw(st.lists(st.integers(0, strata - 1), min_size=n_treated,
                                                  max_size=n_treated)))  # fmt: skip
    matches = match(treated_logit=treated_logit, treated_stratum=treated_stratum, control_logit=control_logit,
                    control_stratum=control_stratum, caliper=caliper, max_controls=k)  # fmt: skip
    expected = brute_force(treated_logit, treated_stratum, control_logit, control_stratum, caliper, k)
    assert as_lists(matches, n_treated) == expected
    assert matches.k.tolist() == [len(e) for e in expected]


def test_caliper_and_strata_are_respected_and_unmatched_people_are_marked():
    matches = match(treated_logit=np.array([0.0, 5.0, 1.0]), treated_stratum=np.array([0, 0, 1]),
                    control_logit=np.array([0.1, 0.25, 4.0, 1.0]), control_stratum=np.array([0, 0, 0, 0]),
                    caliper=0.2, max_controls=5)  # fmt: skip
    assert as_lists(matches, 3) == [[0], [], []]  # 0.25 is outside the caliper; 1.0 is in another stratum
    assert matches.matched.tolist() == [True, False, False]


def test_weights_are_the_sum_of_one_over_k_and_add_up_to_the_matched_treated():
    # Treated 0 finds controls 0 and 1 (k=2); treated 1 finds control 1 only (k=1): control 1 serves both.
    matches = match(treated_logit=np.array([0.0, 0.5]), treated_stratum=np.zeros(2, int),
                    control_logit=np.array([-0.1, 0.3, 3.0]), control_stratum=np.zeros(3, int),
                    caliper=0.35, max_controls=5)  # fmt: skip
    assert as_lists(matches, 2) == [[0, 1], [1]]
    assert matches.control_weights().tolist() == [0.5, 1.5, 0.0]
    assert matches.control_weights().sum() == matches.matched.sum()
    treated_cluster, control_cluster = matches.components()
    assert treated_cluster[0] == treated_cluster[1] == control_cluster[0] == control_cluster[1]
    assert control_cluster[2] == -1


def test_separate_matched_sets_are_separate_clusters():
    matches = match(treated_logit=np.array([0.0, 2.0]), treated_stratum=np.zeros(2, int),
                    control_logit=np.array([0.05, 2.05]), control_stratum=np.zeros(2, int),
                    caliper=0.1, max_controls=5)  # fmt: skip
    treated_cluster, control_cluster = matches.components()
    assert treated_cluster[0] != treated_cluster[1]
    assert treated_cluster.tolist() == control_cluster.tolist()


def test_no_treated_by_controls_matrix_is_allocated():
    """1,000 treated against 1,000,000 controls: a distance matrix would need 8 GB; the matcher stays near 100 MB."""
    rng = np.random.default_rng(1)
    control_logit, treated_logit = rng.normal(size=1_000_000), rng.normal(0.5, 1, size=1000)
    control_stratum, treated_stratum = rng.integers(0, 50, 1_000_000), rng.integers(0, 50, 1000)
    tracemalloc.start()
    try:
        matches = match(treated_logit=treated_logit, treated_stratum=treated_stratum, control_logit=control_logit,
                        control_stratum=control_stratum, caliper=0.05, max_controls=5)  # fmt: skip
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert matches.matched.mean() > 0.99 and (matches.k[matches.matched] == 5).mean() > 0.99
    assert peak < 150 * 2**20

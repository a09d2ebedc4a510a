"""Each disclosure rule with a failing and a passing case, and the invariants of rounding and suppression."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from datalab import messages
from datalab.disclosure.ledger import differencing_check, member_tokens
from datalab.disclosure.rules import (
    STAR,
    check_count,
    check_dominance,
    check_events,
    check_mean,
    check_people,
    check_proportion,
    combine,
    hes_round,
    rounded_total,
    shown_count,
    suppress_lines,
)


@pytest.mark.parametrize(("count", "shown"), [(0, "0"), (1, STAR), (7, STAR), (8, "10"), (12, "10"), (13, "15"),
                                              (2_502, "2,500"), (2_503, "2,505")])  # fmt: skip
def test_hes_rounding(count, shown):
    assert shown_count(count) == shown
    assert check_count(count).passed == (shown != STAR)
    if shown == STAR:
        assert check_count(count).reasons == ("count_1_to_7",)


def test_totals_come_from_unrounded_counts():
    cells = [12, 12, 12]  # each shown as 10; the total of 36 is shown as 35, not 30
    assert [hes_round(c) for c in cells] == [10, 10, 10]
    assert rounded_total(cells) == 35
    assert rounded_total([3, 3]) is None


@given(st.integers(0, 10**7))
def test_rounded_counts_are_multiples_of_5_never_1_to_7_and_within_2(count):
    rounded = hes_round(count)
    if 1 <= count <= 7:
        assert rounded is None and shown_count(count) == STAR
    else:
        assert rounded is not None and rounded % 5 == 0 and abs(rounded - count) <= 2
        assert shown_count(count) not in {str(i) for i in range(1, 8)}


@given(st.integers(0, 10**6), st.integers(0, 10**6))
def test_rounding_is_monotone(a, b):
    low, high = sorted((a, b))
    if hes_round(low) is not None and hes_round(high) is not None:
        assert hes_round(low) <= hes_round(high)


def test_people_threshold():
    assert check_people(9).reasons == ("people_under_threshold",)
    assert check_people(10).passed


def test_events_and_non_events_thresholds_and_all_or_none():
    assert check_events(people=40, with_event=9).reasons == ("events_under_threshold",)
    assert check_events(people=40, with_event=31).reasons == ("non_events_under_threshold",)
    assert set(check_events(people=40, with_event=0).reasons) == {"all_or_none", "events_under_threshold"}
    assert set(check_events(people=40, with_event=40).reasons) == {"all_or_none", "non_events_under_threshold"}
    assert not check_events(people=40, with_event=12, events=9).passed  # too few events in total
    assert check_events(people=40, with_event=10, events=14).passed
    assert check_events(people=20, with_event=10).passed


@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 50))
def test_suppression_is_monotone_in_people_with_and_without_the_event(with_event, without, more):
    """If a cell may be published, adding people with the event and people without it never makes it disclosive."""
    if check_events(people=with_event + without, with_event=with_event).passed:
        assert check_events(people=with_event + without + 2 * more, with_event=with_event + more).passed
    passed = check_events(people=with_event + without, with_event=with_event).passed
    assert passed == (with_event >= 10 and without >= 10)


def test_means_and_medians_need_ten_people():
    assert check_mean(9).reasons == ("mean_from_too_few",)
    assert check_mean(10).passed


def test_dominance_n2_k90():
    assert check_dominance(0.91).reasons == ("dominance",)
    assert check_dominance(0.90).passed


def test_a_binary_covariates_share_is_a_count():
    assert not check_proportion(people=300, share=0.02).passed  # 6 people
    assert check_proportion(people=300, share=0.05).passed


def test_combined_reasons_are_kept_once_in_order():
    check = combine(check_people(3), check_mean(3), check_people(3))
    assert check.reasons == ("people_under_threshold", "mean_from_too_few") and not check.passed


def test_secondary_suppression_hides_the_next_smallest_cell_of_a_line():
    values = [[50, 4, 30], [20, 25, 40]]
    primary = [[False, True, False], [False, False, False]]
    marks = suppress_lines(primary, values)
    assert marks[0] == [False, True, True]  # row 0: 30 goes too
    assert marks[1][1] and marks[1][2]  # then columns 1 and 2 each had one: their other cells go
    assert sum(map(sum, marks)) == 4
    assert suppress_lines([[False, False]], [[20, 30]]) == [[False, False]]


def test_every_reason_has_its_words():
    codes = {"count_1_to_7", "people_under_threshold", "events_under_threshold", "non_events_under_threshold",
             "all_or_none", "mean_from_too_few", "dominance", "derived_from_suppressed", "not_feasible"}  # fmt: skip
    assert codes == set(messages.SDC_REASONS)


def test_differencing_refuses_a_cohort_a_few_people_from_a_published_one():
    published = [frozenset(f"p{i}" for i in range(100)), frozenset(f"q{i}" for i in range(100))]
    near = frozenset(f"p{i}" for i in range(3, 100))  # 3 fewer people than the first
    refused = differencing_check(near, published)
    assert not refused.passed and refused.smallest_difference == 3 and refused.nearest == 0
    assert refused.reasons == (messages.DIFFERENCING_REFUSED.format(difference=3, minimum=10),)
    far = frozenset(f"p{i}" for i in range(10, 100))
    assert differencing_check(far, published).passed
    assert differencing_check(far | {"new"}, published).smallest_difference == 11


def test_differencing_lets_a_rerun_of_the_same_people_through_and_nothing_published_passes():
    cohort = frozenset({"a", "b"})
    same = differencing_check(cohort, [cohort])
    assert same.passed and same.same_as == 0 and same.reasons == (messages.DIFFERENCING_SAME_COHORT,)
    assert differencing_check(cohort, []).passed and differencing_check(cohort, []).smallest_difference is None


def test_member_tokens_are_opaque_and_keyed():
    key, other = b"k" * 32, b"o" * 32
    tokens = member_tokens([1, 2, 3], key=key)
    assert len(tokens) == 3 and all(len(t) == 32 and int(t, 16) >= 0 for t in tokens)
    assert tokens == member_tokens([3, 2, 1], key=key)
    assert tokens.isdisjoint(member_tokens([1, 2, 3], key=other))

"""The pure clash and alignment rules."""

from datetime import date

from coordination.clashes import (
    AvoidRange,
    ClashGroup,
    DatedRelease,
    Misalignment,
    avoid_hits,
    cross_producer_clashes,
    misalignments,
    overloads,
)

DAY = date(2027, 5, 12)


def dated(pk, producer, *, day=DAY, networks=(1,), major=True, measures=()):
    return DatedRelease(pk, day, frozenset([producer]), frozenset(networks), major, frozenset(measures))


def test_two_producers_in_one_network_on_one_day_clash():
    found = cross_producer_clashes([dated(1, 100), dated(2, 200)])

    assert found == [ClashGroup(network_id=1, day=DAY, release_ids=(1, 2))]


def test_one_producers_releases_on_one_day_do_not_clash():
    assert cross_producer_clashes([dated(1, 100), dated(2, 100)]) == []


def test_other_days_or_networks_do_not_clash():
    assert cross_producer_clashes([dated(1, 100), dated(2, 200, day=date(2027, 5, 13))]) == []
    assert cross_producer_clashes([dated(1, 100), dated(2, 200, networks=(2,))]) == []


def test_coordinated_releases_do_not_clash_but_a_third_one_does():
    releases = [dated(1, 100), dated(2, 200)]
    assert cross_producer_clashes(releases, coordinated={(1, 2)}) == []

    found = cross_producer_clashes([*releases, dated(3, 300)], coordinated={(1, 2)})

    assert found == [ClashGroup(1, DAY, (1, 2, 3))]


def test_joint_releases_sharing_a_producer_do_not_clash():
    joint = DatedRelease(1, DAY, frozenset([100, 200]), frozenset([1]))

    assert cross_producer_clashes([joint, dated(2, 200)]) == []


def test_more_major_releases_than_the_network_allows_is_an_overload():
    releases = [dated(1, 100), dated(2, 100), dated(3, 200), dated(4, 300, major=False)]

    assert overloads(releases, {1: 3}) == []
    found = overloads([*releases, dated(5, 400)], {1: 3})

    assert [(o.network_id, o.release_ids, o.limit) for o in found] == [(1, (1, 2, 3, 5), 3)]


def test_avoid_dates_apply_everywhere_or_in_their_network():
    budget = AvoidRange(1, DAY, DAY, None, "Budget day")
    cancer_only = AvoidRange(2, date(2027, 5, 10), date(2027, 5, 14), 2, "Cancer conference")
    releases = [dated(1, 100), dated(2, 100, networks=(2,)), dated(3, 100, day=date(2027, 5, 20))]

    found = avoid_hits(releases, [budget, cancer_only])

    assert [(h.release_id, h.avoid_id) for h in found] == [(1, 1), (2, 1), (2, 2)]


def test_related_releases_a_few_days_apart_get_the_later_day_suggested():
    a = dated(1, 100, day=date(2027, 5, 10))
    b = dated(2, 200, day=date(2027, 5, 13))

    found = misalignments([a, b], related={(1, 2)}, within_days=7)

    days = (date(2027, 5, 10), date(2027, 5, 13))
    assert found == [Misalignment((1, 2), days, date(2027, 5, 13), "declared related")]


def test_same_measure_across_producers_is_related_but_far_apart_or_same_day_is_not_misaligned():
    a = dated(1, 100, day=date(2027, 5, 10), measures=(9,))
    b = dated(2, 200, day=date(2027, 5, 12), measures=(9,))
    far = dated(3, 300, day=date(2027, 6, 30), measures=(9,))
    same_day = dated(4, 400, day=date(2027, 5, 12), measures=(9,))

    found = misalignments([a, b, far, same_day], related=set(), within_days=7)

    assert [(m.release_ids, m.suggested_day, m.why) for m in found] == [
        ((1, 2), date(2027, 5, 12), "the same measure"),
        ((1, 4), date(2027, 5, 12), "the same measure"),
    ]


def test_unrelated_releases_are_never_misaligned():
    assert misalignments([dated(1, 100), dated(2, 200, day=date(2027, 5, 13))], related=set(), within_days=7) == []

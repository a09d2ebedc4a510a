"""The smallest detectable difference, against figures worked by hand, and its plain-English sentence."""

from dataclasses import asdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from datalab import messages
from datalab.base_rates import BaseRate
from datalab.choices import Measure, Outcome
from datalab.power import power_sentence, smallest_detectable_difference

# z[0.975] + z[0.8] = 1.959964 + 0.841621 = 2.801585 (normal tables).
Z = 2.801585


def base(rate=0.1, mean=0.2, variance=0.3, outcome=Outcome.EMERGENCY_ADMISSIONS) -> BaseRate:
    return BaseRate(outcome=outcome, age_group="65-79", people=10_000, rate=rate, mean=mean, variance=variance)


def test_sixty_people_with_five_controls_each_and_a_ten_percent_rate_could_detect_about_twelve_per_100():
    # 2.801585 * sqrt(0.1 * 0.9 * (1/60 + 1/300)) = 2.801585 * sqrt(0.0018) = 0.11886
    result = smallest_detectable_difference(n_treated=60, measure=Measure.RATE, base=base(rate=0.1))
    assert round(result.smallest_difference_per_100, 1) == 11.9
    assert result.smallest_difference_per_100 == pytest.approx(11.886, abs=1e-3)
    assert asdict(result) == {
        "n_treated": 60, "n_controls": 300, "measure": "rate", "base_per_100": pytest.approx(10.0),
        "smallest_difference_per_100": pytest.approx(11.886, abs=1e-3), "relative_change": pytest.approx(1.1886, abs=1e-4),
        "alpha": 0.05, "power": 0.8, "design_effect": 1.0,
    }  # fmt: skip


def test_a_frequency_uses_the_spread_of_events_per_person():
    # sd = sqrt(1.2); 2.801585 * sqrt(1.2 * (1/200 + 1/1000)) = 2.801585 * 0.0848528 = 0.237723 events per person
    result = smallest_detectable_difference(
        n_treated=200, measure="frequency", base=base(mean=0.5, variance=1.2, rate=0.3)
    )
    assert result.smallest_difference_per_100 == pytest.approx(23.772, abs=1e-3)
    assert result.base_per_100 == pytest.approx(50.0)
    assert result.relative_change == pytest.approx(0.47545, abs=1e-4)


def test_fewer_controls_a_stricter_test_or_more_power_need_a_larger_difference():
    plain = smallest_detectable_difference(n_treated=60, measure=Measure.RATE, base=base())
    one_control = smallest_detectable_difference(n_treated=60, measure=Measure.RATE, base=base(), controls_per_treated=1)
    # 2.801585 * sqrt(0.09 * 2/60) = 0.153448
    assert one_control.n_controls == 60
    assert one_control.smallest_difference_per_100 == pytest.approx(15.345, abs=1e-3)
    strict = smallest_detectable_difference(n_treated=60, measure=Measure.RATE, base=base(), alpha=0.01, power=0.9)
    # (2.575829 + 1.281552) * sqrt(0.0018) = 0.163654
    assert strict.smallest_difference_per_100 == pytest.approx(16.365, abs=1e-3)
    assert plain.smallest_difference_per_100 < one_control.smallest_difference_per_100


def test_the_design_effect_inflates_the_variance_given_or_configured(settings):
    plain = smallest_detectable_difference(n_treated=60, measure=Measure.RATE, base=base())
    doubled = smallest_detectable_difference(n_treated=60, measure=Measure.RATE, base=base(), design_effect=2.0)
    assert doubled.smallest_difference_per_100 == pytest.approx(plain.smallest_difference_per_100 * 2**0.5)
    settings.DATALAB_POWER_DESIGN_EFFECT = 2.0
    configured = smallest_detectable_difference(n_treated=60, measure=Measure.RATE, base=base())
    assert configured.design_effect == 2.0
    assert configured.smallest_difference_per_100 == pytest.approx(doubled.smallest_difference_per_100)


@given(n=st.integers(1, 200_000), more=st.integers(1, 200_000), rate=st.floats(0.001, 0.999))
def test_more_people_can_always_detect_a_smaller_difference(n, more, rate):
    fewer = smallest_detectable_difference(n_treated=n, measure=Measure.RATE, base=base(rate=rate))
    larger = smallest_detectable_difference(n_treated=n + more, measure=Measure.RATE, base=base(rate=rate))
    assert 0 < larger.smallest_difference_per_100 < fewer.smallest_difference_per_100


def test_an_outcome_with_no_events_or_an_empty_cohort_cannot_be_powered():
    with pytest.raises(ValueError, match="no events"):
        smallest_detectable_difference(n_treated=60, measure=Measure.RATE, base=base(rate=0.0))
    with pytest.raises(ValueError, match="no events"):
        smallest_detectable_difference(n_treated=60, measure=Measure.FREQUENCY, base=base(mean=0.0, variance=0.0))
    with pytest.raises(ValueError, match="at least 1"):
        smallest_detectable_difference(n_treated=0, measure=Measure.RATE, base=base())
    with pytest.raises(ValueError, match="between 0 and 1"):
        smallest_detectable_difference(n_treated=60, measure=Measure.RATE, base=base(), power=1.0)


def test_the_sentence_for_a_rate_works_its_example_from_the_figures_shown():
    # 2.801585 * sqrt(0.23 * 0.77 * (1/70 + 1/350)) = 0.15437: about 15 in 100, from 23 to 8
    result = smallest_detectable_difference(n_treated=70, measure=Measure.RATE, base=base(rate=0.23))
    assert power_sentence(result, Outcome.EMERGENCY_ADMISSIONS) == (
        "With 70 people, the lab could detect a difference of about 15 or more in every 100 people having an "
        "emergency hospital admission in the year after starting (for example, from 23 to 8 in every 100). A smaller "
        "difference could be real but the lab would probably not be able to tell it from chance."
    )


def test_the_sentence_for_a_frequency_gives_a_decimal_place_to_a_difference_under_ten():
    # 2.801585 * sqrt(0.3 * (1/2000 + 1/10000)) = 0.037587: about 3.8 per 100, from 20 to 16.2
    result = smallest_detectable_difference(n_treated=2000, measure=Measure.FREQUENCY, base=base(mean=0.2, variance=0.3))
    assert power_sentence(result, Outcome.AE_ATTENDANCES) == messages.POWER_SENTENCE_FREQUENCY.format(
        people=2000, difference="3.8", base="20", lower="16.2", events="A&E attendances"
    )
    assert power_sentence(result, Outcome.AE_ATTENDANCES).startswith("With 2,000 people,")


def test_too_few_people_to_detect_any_reduction_are_told_so():
    # 2.801585 * sqrt(0.05 * 0.95 * (1/10 + 1/50)) = 0.21152: more than the 5 in 100 there are to reduce
    result = smallest_detectable_difference(n_treated=10, measure=Measure.RATE, base=base(rate=0.05))
    assert power_sentence(result, Outcome.BED_DAYS) == messages.POWER_SENTENCE_TOO_FEW.format(
        people=10, difference="21", base="5", events="nights in hospital"
    )


@pytest.mark.parametrize("outcome", list(Outcome))
@pytest.mark.parametrize("measure", list(Measure))
def test_every_outcome_and_measure_has_its_wording(outcome, measure):
    result = smallest_detectable_difference(n_treated=400, measure=measure, base=base(rate=0.3, mean=0.5, variance=0.9))
    sentence = power_sentence(result, outcome)
    assert sentence.startswith("With 400 people, the lab could detect a difference of about ")
    assert messages.OUTCOME_EVENTS[outcome] in sentence or messages.OUTCOME_EVENT[outcome] in sentence
    assert "{" not in sentence

"""The validation's simulations: the truth is the cohort's own counterfactual, 0 under the null."""

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from datalab.analysis import validation
from datalab.analysis.parameters import AnalysisParameters


@pytest.fixture()
def world(small_extract):
    validation._WORLD = validation.load_world(small_extract.path)
    yield validation._WORLD
    validation._WORLD = None


def test_the_truth_is_zero_under_the_null_and_a_fall_under_a_planted_effect(world):
    params = AnalysisParameters(seed=8)
    null = validation.simulate(validation.Simulation(0, "observed", 1.0, 300, params))
    assert null.feasible and null.truth == 0.0
    assert null.ci_low < null.estimate < null.ci_high
    planted = validation.simulate(validation.Simulation(0, "observed", 0.5, 300, params))
    assert planted.truth < -3  # half the emergency admissions thinned: several fewer per 100 people had one
    assert planted.estimate < null.estimate


def test_cohorts_are_adults_drawn_as_the_scenario_says(world):
    params = AnalysisParameters(seed=9)
    observed, index = validation.draw_cohort(world, validation.Simulation(0, "observed", 1.0, 300, params))
    latent, _ = validation.draw_cohort(world, validation.Simulation(0, "latent", 1.0, 300, params))
    assert observed.size == latent.size == 300 == np.unique(observed).size
    first, last = world.coverage.index_window(params)
    assert index.min() >= first and index.max() <= last
    assert world.frailty[latent].mean() > world.frailty[observed].mean() > world.frailty.mean()


def test_the_command_refuses_impossible_settings():
    with pytest.raises(CommandError):
        call_command("validate_datalab", "--persons", "1000", "--cohort", "500")
    with pytest.raises(CommandError):
        call_command("validate_datalab", "--effect", "1.5")

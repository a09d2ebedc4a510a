"""`python manage.py validate_datalab [--null-sims 200 --effect-sims 100 --persons N --cohort N --seed S]`: JSON.

Simulations on a synthetic extract generated for the purpose (and deleted afterwards): the primary outcome's false
positive rate under the null, the 95% interval's coverage and the mean error under a planted effect, and the bias when
selection is on what the lab cannot see (datalab/analysis/validation.py explains each). Not a test: figures, with
the issue's targets marked met or not.
"""

from __future__ import annotations

import json
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from datalab.analysis.parameters import AnalysisParameters
from datalab.analysis.validation import validate
from datalab.choices import Measure, Outcome


class Command(BaseCommand):
    help = "Validate the lab's analysis on simulated cohorts with known truth. Prints JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--null-sims", type=int, default=200, help="Simulations with no effect planted.")
        parser.add_argument("--effect-sims", type=int, default=100, help="Simulations with the effect planted.")
        latent = "Null simulations selected on latent frailty (unmeasured confounding; 0: none)."
        parser.add_argument("--latent-sims", type=int, default=50, help=latent)
        parser.add_argument("--effect", type=float, default=0.8, help="Planted rate ratio, in (0, 1].")
        parser.add_argument("--persons", type=int, default=200_000, help="Persons in the national extract.")
        parser.add_argument("--cohort", type=int, default=1000, help="People in each simulated cohort.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="Worker processes.")
        parser.add_argument("--primary-outcome", choices=Outcome.values, default=Outcome.EMERGENCY_ADMISSIONS.value)
        parser.add_argument("--primary-measure", choices=Measure.values, default=Measure.RATE.value)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["cohort"] * 20 > options["persons"] or options["cohort"] < 60:
            raise CommandError("--cohort must be at least 60 and at most a twentieth of --persons.")
        if not 0 < options["effect"] <= 1:
            raise CommandError("--effect must be a rate ratio above 0 and at most 1.")
        params = AnalysisParameters(seed=options["seed"], primary_outcome=options["primary_outcome"],
                                    primary_measure=options["primary_measure"])  # fmt: skip
        figures = validate(
            persons=options["persons"], cohort=options["cohort"], null_sims=options["null_sims"],
            effect_sims=options["effect_sims"], effect=options["effect"], latent_sims=options["latent_sims"],
            seed=options["seed"], workers=options["workers"], params=params,
        )  # fmt: skip
        self.stdout.write(json.dumps(figures, indent=2))

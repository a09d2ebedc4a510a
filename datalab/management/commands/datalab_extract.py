"""`python manage.py datalab_extract --persons N --seed S [--out DIR] [--cohort N --effect X]`: the national extract.

A bar redrawn on stderr at a terminal; elsewhere (logs, CI) one plain line per chunk written. The summary (where,
counts) goes to stdout as JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from time import monotonic
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from datalab.extract import MAX_PERSONS, CohortSpec, generate_extract
from datalab.pseudonymise import PseudonymKeyMissing


class ExtractProgress:
    WIDTH = 30

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.started = monotonic()

    def __call__(self, done: int, total: int) -> None:
        share = done / total
        elapsed = monotonic() - self.started
        if self.tty:
            bar = "#" * round(self.WIDTH * share)
            self.stream.write(f"\r[{bar:.<{self.WIDTH}}] {share:4.0%} {done:,}/{total:,} persons {elapsed:6.1f}s")
            if done == total:
                self.stream.write("\n")
        else:
            self.stream.write(f"datalab_extract: {share:4.0%} {done}/{total} persons {elapsed:.1f}s\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Build a synthetic, HES-shaped national extract (Parquet) for the Health Data Lab, optionally with a cohort."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--persons", type=int, required=True, help=f"Persons in the extract (at most {MAX_PERSONS})."
        )
        parser.add_argument("--seed", type=int, required=True)
        parser.add_argument("--out", type=Path, help="Folder to write (default: DATALAB_DATA_DIR/extracts/<version>).")
        parser.add_argument("--cohort", type=int, default=0, help="Charity participants to select (0: none).")
        effect = "Rate ratio planted on their post-index emergency admissions and A&E attendances (1: none)."
        parser.add_argument("--effect", type=float, default=1.0, help=effect)

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 < options["persons"] <= MAX_PERSONS:
            raise CommandError(f"--persons must be between 1 and {MAX_PERSONS}.")
        if options["cohort"] < 0 or options["cohort"] > options["persons"] or options["effect"] <= 0:
            raise CommandError("--cohort must be between 0 and --persons, and --effect above 0.")
        cohort = CohortSpec(options["cohort"], options["effect"]) if options["cohort"] else None
        stream = getattr(self.stderr, "_out", sys.stderr)
        try:
            extract = generate_extract(options["persons"], options["seed"], options["out"], cohort=cohort,
                                       progress=ExtractProgress(stream))  # fmt: skip
        except PseudonymKeyMissing as error:
            raise CommandError(str(error)) from error
        summary = {"path": str(extract.path), **extract.manifest}
        if extract.cohort_csv:
            summary["cohort_csv"] = str(extract.cohort_csv)
        self.stdout.write(json.dumps(summary, indent=2))

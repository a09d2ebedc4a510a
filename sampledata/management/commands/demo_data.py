"""`python manage.py demo_data [--releases N] [--seed S]`: deterministic, realistic demo data for a local demo (the
register, the networks, two years of history, and the Health Data Lab with a small synthetic extract)."""

import sys
from time import monotonic, perf_counter
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from datalab.models import NationalExtract
from releases.models import Producer
from sampledata.demo import DEMO_PASSWORD, USERS, build


class Command(BaseCommand):
    help = (
        "Load demo producers, networks, series, people in every role and releases in every state, and the Health "
        "Data Lab's extract, charities and requests."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--releases", type=int, default=300, help="How many releases (default 300).")
        parser.add_argument("--seed", type=int, default=2026, help="The same seed gives the same data.")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when the database has data.")
        parser.add_argument("--no-scan", action="store_true", help="Skip the full flag rescan at the end.")
        parser.add_argument("--no-lab", dest="lab", action="store_false",
                            help="Leave the Health Data Lab out: no extract, charities or requests.")  # fmt: skip
        parser.add_argument("--no-progress", dest="progress", action="store_false",
                            help="Print no progress bar on stderr.")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        if Producer.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The database already has data: demo data not loaded.")
                if not NationalExtract.objects.exists():
                    self.stdout.write(
                        "It has no Health Data Lab (loaded before the lab's demo existed, or with --no-lab). To see "
                        "the lab, load the demo into an empty database (with the embedded default: delete "
                        "var/db.sqlite3, then `make run`)."
                    )
                return
            raise CommandError("The database already has data. Use a fresh database (or --if-empty to skip).")
        started = perf_counter()
        stream = getattr(self.stderr, "_out", sys.stderr)  # the stream itself: a bar redrawn in place has no newline
        bar = ProgressBar(stream if options.get("progress", True) else None)
        counts = build(releases=options["releases"], seed=options["seed"], scan=not options["no_scan"],
                       lab=options.get("lab", True), progress=bar)  # fmt: skip
        bar.finish()
        self.stdout.write(self.style.SUCCESS(
            f"Loaded {counts['releases']} releases, {counts['producers']} producers, {counts['networks']} topic "
            f"networks and {counts['series']} series in {perf_counter() - started:.1f}s."
        ))  # fmt: skip
        people = [(username, first, last, f"{producer_role[1]} at {producer_role[0]}" if producer_role else extra)
                  for username, first, last, producer_role, extra in USERS]  # fmt: skip
        if "datalab_requests" in counts:
            from sampledata.datalab_demo import lab_users  # the lab's modules (numpy, pyarrow, DuckDB) only when used

            built = "built" if counts["datalab_extract_built"] else "already built, used as it was"
            self.stdout.write(
                f"Health Data Lab: {counts['datalab_charities']} charities and {counts['datalab_requests']} requests, "
                f"on a synthetic national extract of {counts['datalab_persons']:,} persons ({built}) under "
                f"DATALAB_DATA_DIR, in {counts['datalab_milliseconds'] / 1000:.1f}s."
            )  # fmt: skip
            people += lab_users()
        self.stdout.write("\nDemo users (local demo only, never use these passwords anywhere else):")
        for username, first, last, role in people:
            self.stdout.write(f"  {username:<18} {DEMO_PASSWORD}   {first} {last}, {role}")
        self.stdout.write(f"  {'admin':<18} {DEMO_PASSWORD}   superuser for /admin/")


class ProgressBar:
    """The demo's progress on stderr: a bar redrawn in place on a terminal, a plain line per step (and every few
    seconds within one) otherwise, so a log or CI shows it is alive."""

    WIDTH = 30
    EVERY = 5.0  # seconds between plain lines within one step

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream
        self.tty = bool(stream is not None and stream.isatty())
        self.started = monotonic()
        self.last_step = 0
        self.last_line = 0.0

    def __call__(self, step: int, steps: int, what: str, done: int, total: int) -> None:
        if self.stream is None:
            return
        fraction = min(1.0, ((step - 1) + (done / total if total else 0)) / steps)
        elapsed = monotonic() - self.started
        counted = f" {done}/{total}" if total else ""
        label = f"{what}{counted}" if step <= steps else what
        if self.tty:
            filled = round(self.WIDTH * fraction)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            self.stream.write(f"\r[{bar}] {fraction:4.0%} {elapsed:5.1f}s  {label:<45}")
        elif step != self.last_step or elapsed - self.last_line >= self.EVERY:
            self.stream.write(f"demo_data: {fraction:4.0%} {elapsed:5.1f}s step {min(step, steps)}/{steps} {label}\n")
            self.last_line = elapsed
        self.last_step = step
        self.stream.flush()

    def finish(self) -> None:
        if self.stream is not None and self.tty:
            self.stream.write("\n")
            self.stream.flush()

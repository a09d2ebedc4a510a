"""`python manage.py demo_data [--releases N] [--seed S]`: deterministic, realistic demo data for a local demo."""

from time import perf_counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from releases.models import Producer
from sampledata.demo import DEMO_PASSWORD, USERS, build


class Command(BaseCommand):
    help = "Load demo producers, networks, series, people in every role and releases in every state."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--releases", type=int, default=300, help="How many releases (default 300).")
        parser.add_argument("--seed", type=int, default=2026, help="The same seed gives the same data.")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when the database has data.")
        parser.add_argument("--no-scan", action="store_true", help="Skip the full flag rescan at the end.")

    def handle(self, *args: Any, **options: Any) -> None:
        if Producer.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The database already has data: demo data not loaded.")
                return
            raise CommandError("The database already has data. Use a fresh database (or --if-empty to skip).")
        started = perf_counter()
        counts = build(releases=options["releases"], seed=options["seed"], scan=not options["no_scan"])
        self.stdout.write(self.style.SUCCESS(
            f"Loaded {counts['releases']} releases, {counts['producers']} producers, {counts['networks']} topic "
            f"networks and {counts['series']} series in {perf_counter() - started:.1f}s."
        ))  # fmt: skip
        self.stdout.write("\nDemo users (local demo only, never use these passwords anywhere else):")
        for username, first, last, producer_role, extra in USERS:
            role = f"{producer_role[1]} at {producer_role[0]}" if producer_role else extra
            self.stdout.write(f"  {username:<14} {DEMO_PASSWORD}   {first} {last}, {role}")
        self.stdout.write(f"  {'admin':<14} {DEMO_PASSWORD}   superuser for /admin/")

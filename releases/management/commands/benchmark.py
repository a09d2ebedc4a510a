"""`python manage.py benchmark detection --releases N`: figures as JSON, never pass/fail.

Everything the benchmark writes is rolled back.
"""

from __future__ import annotations

import json
import math
import random
import statistics
from datetime import time, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from releases.benchmarking import analyse, memory_peak, percentile, synthetic_releases, throwaway, timed
from releases.detection import findings_for_all
from releases.flagging import flags_check_release, flags_rescan, flags_sync
from releases.models import Release
from releases.schedule import Schedule


class Command(BaseCommand):
    help = "Measure the platform. Prints JSON figures; targets are in the issue texts, not asserted here."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["detection"])
        parser.add_argument("--releases", type=int, default=10_000, help="How many existing releases (N).")
        parser.add_argument("--checks", type=int, default=20, help="How many single-release checks to time.")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        figures = {"detection": self.detection}[options["what"]](options)
        figures["database"] = connection.vendor
        self.stdout.write(json.dumps(figures, indent=2))

    def detection(self, options: dict[str, Any]) -> dict[str, Any]:
        n = options["releases"]
        figures: dict[str, Any] = {"benchmark": "detection", "releases": n}
        sizes = sorted({max(100, n // 10), n})
        rescans = {}
        for size in sizes:
            with throwaway():
                seconds, _ = timed(synthetic_releases, size, seed=options["seed"])
                with memory_peak() as memory:
                    find_s, found = timed(findings_for_all)
                    sync_s, _result = timed(flags_sync, found, scope=None)
                analyse()
                second_s, again = timed(flags_rescan)
                rescans[size] = find_s + sync_s
                entry: dict[str, Any] = {
                    "seed_seconds": round(seconds, 2),
                    "findings": len(found),
                    "rescan_seconds": round(find_s + sync_s, 3),
                    "find_seconds": round(find_s, 3),
                    "flag_write_seconds": round(sync_s, 3),
                    "second_rescan_seconds": round(second_s, 3),
                    "second_rescan_changes": again.changed,
                    **memory,
                }
                if size == n:
                    entry["single_check_ms"] = self._single_checks(options)
                figures[f"at_{size}"] = entry
        if len(sizes) == 2:
            small, large = sizes
            figures["rescan_growth_exponent"] = round(
                math.log(rescans[large] / rescans[small]) / math.log(large / small), 2
            )
        return figures

    def _single_checks(self, options: dict[str, Any]) -> dict[str, float]:
        """Time the on-save check of one new confirmed release against everything already there."""
        rng = random.Random(options["seed"] + 1)
        existing = list(
            Release.objects.filter(state="confirmed", starts_on__gte=timezone.localdate())
            .order_by("?")[: options["checks"]]
            .values_list("pk", flat=True)
        )
        timings = []
        for pk in existing:
            template = Release.objects.get(pk=pk)
            sid = transaction.savepoint()
            clone = Release.objects.get(pk=pk)
            clone.pk = None
            clone.slug = f"{template.slug}-check"
            clone.uid = template.uid.__class__(int=rng.getrandbits(128))
            clone.title = template.title + " (copy)"
            clone.save()
            clone.networks.set(template.networks.all())
            day = timezone.localdate() + timedelta(days=rng.randint(30, 300))
            schedule = Schedule.exact_local(day, time(9, 30))
            clone.release_at, clone.starts_on, clone.ends_on = schedule.release_at, day, day
            clone.save()
            seconds, _ = timed(flags_check_release, clone)
            timings.append(seconds * 1000)
            transaction.savepoint_rollback(sid)
        if not timings:
            return {}
        return {
            "count": len(timings),
            "median": round(statistics.median(timings), 1),
            "p95": round(percentile(timings, 95), 1),
            "max": round(max(timings), 1),
        }

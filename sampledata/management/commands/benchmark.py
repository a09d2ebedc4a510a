"""`python manage.py benchmark detection --releases N` (or feeds, calendar, pages): figures as JSON, never pass/fail.

Everything the benchmark writes is rolled back; `pages` writes nothing and reads the data already loaded (the demo).
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

from coordination.detection import findings_for_all
from coordination.flagging import flags_check_release, flags_rescan, flags_sync
from releases.models import Release
from releases.schedule import Schedule
from sampledata.benchmarking import analyse, memory_peak, percentile, synthetic_releases, throwaway, timed


class Command(BaseCommand):
    help = "Measure the platform. Prints JSON figures; targets are in the issue texts, not asserted here."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["detection", "feeds", "calendar", "writes", "pages", "datalab-linkage",
                                                     "datalab"])
        parser.add_argument("--requests", type=int, default=40, help="Page requests to time (calendar).")
        parser.add_argument("--runs", type=int, default=7, help="Timed requests per page (pages; at least 5).")
        parser.add_argument("--releases", type=int, default=10_000, help="How many existing releases (N).")
        parser.add_argument("--checks", type=int, default=20, help="How many single-release checks to time.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--subscribers", type=int, default=1000, help="Alert subscribers (writes).")
        parser.add_argument("--persons", type=int, default=5_000_000, help="Persons in the extract (datalab-linkage).")
        parser.add_argument("--cohort", type=int, default=5000, help="Cohort rows (datalab-linkage, datalab).")

    def handle(self, *args: Any, **options: Any) -> None:
        run = {"detection": self.detection, "feeds": self.feeds, "calendar": self.calendar, "writes": self.writes,
               "pages": self.pages, "datalab-linkage": self.datalab_linkage,
               "datalab": self.datalab_analysis}[options["what"]]  # fmt: skip
        figures = run(options)
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

    def feeds(self, options: dict[str, Any]) -> dict[str, Any]:
        """Cold and warm calendar.ics for N upcoming releases, against django-ical over the same rows."""
        from django.core.cache import cache
        from django.test import Client

        from public_calendar.feeds import feed_window, public_releases
        from public_calendar.peer_feed import django_ical_bytes

        n = options["releases"]
        figures: dict[str, Any] = {"benchmark": "feeds", "releases": n}
        with throwaway():
            synthetic_releases(n, seed=options["seed"], upcoming_only=True)
            client = Client()
            cache.clear()
            first_s, _ = timed(client.get, "/calendar.ics?from=2000-01-01")  # writes and keeps every event
            # A filter never asked before: the feed is built anew from the kept events.
            cold_s, response = timed(client.get, "/calendar.ics?from=2000-01-02")
            warm = [timed(client.get, "/calendar.ics?from=2000-01-02")[0] for _ in range(20)]
            rows = list(feed_window(public_releases())[:n])
            peer_s, peer_body = timed(django_ical_bytes, rows)
        figures.update(
            first_build_with_no_kept_events_seconds=round(first_s, 4),
            cold_build_seconds=round(cold_s, 4),
            warm_median_ms=round(statistics.median(warm) * 1000, 2),
            bytes=len(response.content),
            events=response.content.count(b"BEGIN:VEVENT"),
            django_ical_seconds=round(peer_s, 4),
            django_ical_bytes=len(peer_body),
            speedup_vs_django_ical=round(peer_s / cold_s, 1),
        )
        return figures

    def datalab_linkage(self, options: dict[str, Any]) -> dict[str, Any]:
        """Generate the national extract, then pseudonymise and link a cohort to it (datalab/benchmarking.py)."""
        from datalab.benchmarking import run as run_linkage

        return run_linkage(options["persons"], options["cohort"], seed=options["seed"], runs=options["runs"])

    def datalab_analysis(self, options: dict[str, Any]) -> dict[str, Any]:
        """The lab's analysis stage by stage on a generated extract, and its matcher against psmpy's."""
        from datalab.benchmark_analysis import run as run_analysis

        return run_analysis(options["persons"], options["cohort"], seed=options["seed"], runs=max(5, options["runs"]))

    def writes(self, options: dict[str, Any]) -> dict[str, Any]:
        """p50/p95 of register, confirm, agree and cancel through the request path, with alert subscribers."""
        from sampledata.benchmark_writes import run as run_writes

        return run_writes(subscribers=options["subscribers"], requests=max(5, options["requests"] // 4))

    def calendar(self, options: dict[str, Any]) -> dict[str, Any]:
        """p50/p95 in-process response time and query count of filtered calendar pages."""
        from django.db import connection as db
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        n = options["releases"]
        queries = ["", "?network=bench-n1", "?q=cancer", "?status=confirmed&from=2027-01-01",
                   "?tab=published&network=bench-n2&network=bench-n3", "?designation=official&page=3"]  # fmt: skip
        figures: dict[str, Any] = {"benchmark": "calendar", "releases": n}
        with throwaway():
            synthetic_releases(n, seed=options["seed"])
            client = Client()
            timings, counts = [], []
            for i in range(options["requests"]):
                with CaptureQueriesContext(db) as captured:
                    seconds, response = timed(client.get, "/calendar/" + queries[i % len(queries)])
                timings.append(seconds * 1000)
                counts.append(len(captured.captured_queries))
                if response.status_code != 200:
                    raise RuntimeError(f"calendar page answered {response.status_code}")
        figures.update(
            requests=len(timings),
            p50_ms=round(percentile(timings, 50), 1),
            p95_ms=round(percentile(timings, 95), 1),
            queries_min=min(counts),
            queries_max=max(counts),
        )
        return figures

    def pages(self, options: dict[str, Any]) -> dict[str, Any]:
        """Every page of the README's table on the demo data, as the role it is for (sampledata/benchmark_pages.py)."""
        from sampledata.benchmark_pages import demo_pages, measure

        return measure(demo_pages(), runs=max(5, options["runs"]))

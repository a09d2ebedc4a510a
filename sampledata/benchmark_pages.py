"""`manage.py benchmark pages`: every page of the README's table, timed in-process on the data already loaded
(the demo: `make demo` first), signed in as the role each page is for.

Prints figures, never pass/fail: per page p50/p95/min/max over the runs, the query count of each run, and the
machine (cores, load average) the figures came from. Nothing is written: the pages asked for are reads.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from .benchmarking import percentile


@dataclass(frozen=True)
class Page:
    """One page to time: who asks for it (a demo username, or None for anyone) and its address."""

    name: str
    path: str
    as_user: str | None = None


def _first(queryset: Any, field: str) -> str:
    value = queryset.values_list(field, flat=True).first()
    if value is None:
        raise RuntimeError(f"benchmark pages needs the demo data (no {queryset.model.__name__}): run `make demo`")
    return str(value)


def demo_pages() -> list[Page]:
    """The README's pages, with real slugs from the data loaded."""
    from coordination.models import Flag
    from datalab.models import DataLabRequest, Report
    from networks.models import ActionPlan, TopicNetwork
    from progress.models import ProgressReport
    from releases.models import Release

    public = Release.objects.exclude(state="draft")
    issued = ProgressReport.objects.filter(status="issued").order_by("-pk")
    draft = ProgressReport.objects.filter(status="draft").order_by("-pk")
    own = Release.objects.filter(lead_producer__abbreviation="NHSE").order_by("-pk")
    earlier = ActionPlan.objects.filter(status="superseded").order_by("pk")
    led = TopicNetwork.objects.filter(leads__username="network.lead").order_by("pk")
    reports = Report.objects.filter(published_at__isnull=False).order_by("pk")
    hartley = DataLabRequest.objects.filter(organisation__slug="hartley").exclude(state="draft").order_by("pk")
    return [
        Page("home", "/"),
        Page("about", "/about/"),
        Page("calendar", "/calendar/"),
        Page("calendar.ics", "/calendar.ics"),
        Page("calendar.atom", "/calendar.atom"),
        Page("calendar.csv", "/calendar.csv"),
        Page("calendar.json", "/calendar.json"),
        Page("release.ics", f"/releases/{_first(public, 'slug')}.ics"),
        Page("release", f"/releases/{_first(public.filter(state='published'), 'slug')}/"),
        Page("alerts", "/alerts/"),
        Page("api root", "/api/v1/"),
        Page("api releases", "/api/v1/releases/"),
        Page("api docs", "/api/docs/"),
        Page("networks", "/networks/"),
        Page("network", f"/networks/{_first(TopicNetwork.objects.order_by('pk'), 'slug')}/"),
        Page("network (lead)", f"/networks/{_first(led, 'slug')}/", "network.lead"),
        Page("earlier plan", f"/networks/{_first(earlier, 'network__slug')}/plans/{_first(earlier, 'pk')}/"),
        Page("lessons", "/lessons/?q=dates"),
        Page("sign-in", "/sign-in/"),
        Page("producer releases", "/producer/releases/", "nhse.editor"),
        Page("register form", "/producer/releases/new/", "nhse.editor"),
        Page("producer release", f"/producer/releases/{_first(own, 'slug')}/", "nhse.editor"),
        Page("producer releases (HoP)", "/producer/releases/", "nhse.hop"),
        Page("osr", "/osr/", "osr.viewer"),
        Page("osr (secretariat)", "/osr/", "secretariat"),
        Page("osr figure", "/osr/figures/confirmed_28_days/", "osr.viewer"),
        Page("osr reports", "/osr/reports/", "secretariat"),
        Page("osr report draft", f"/osr/reports/{_first(draft, 'quarter')}/", "secretariat"),
        Page("osr report preview", f"/osr/reports/{_first(draft, 'quarter')}/issue/", "secretariat"),
        Page("progress", "/progress/"),
        Page("issued report", f"/progress/{_first(issued, 'quarter')}/"),
        Page("flags", "/flags/", "nhse.editor"),
        Page("flags (secretariat)", "/flags/", "secretariat"),
        Page("flags (OSR)", "/flags/", "osr.viewer"),
        Page("flag", f"/flags/{_first(Flag.objects.filter(is_current=True).order_by('pk'), 'pk')}/", "secretariat"),
        Page("data lab", "/data-lab/"),
        Page("data lab csv template", "/data-lab/cohort-template.csv"),
        Page("data lab xlsx template", "/data-lab/cohort-template.xlsx"),
        Page("data lab reports", "/data-lab/reports/"),
        Page("data lab report", f"/data-lab/reports/{_first(reports, 'request__reference')}/"),
        Page("data lab queue (secretariat)", "/data-lab/requests/", "secretariat"),
        Page("data lab queue (analyst)", "/data-lab/requests/", "lab.analyst"),
        Page("data lab requests (organisation)", "/data-lab/requests/", "charity.hartley"),
        Page("data lab request", f"/data-lab/requests/{_first(hartley, 'reference')}/", "charity.hartley"),
        Page("data lab audit", f"/data-lab/requests/{_first(hartley, 'reference')}/audit/", "charity.hartley"),
        Page("admin", "/admin/", "admin"),
        Page("health", "/health/"),
    ]


def measure(pages: list[Page], *, runs: int, warm: int = 1) -> dict[str, Any]:
    """Time each page ``runs`` times after ``warm`` untimed requests (the first fills caches, as in real use)."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in={p.as_user for p in pages})}
    clients: dict[str | None, Client] = {}
    results: dict[str, Any] = {}
    for page in pages:
        client = clients.get(page.as_user)
        if client is None:
            client = clients[page.as_user] = Client()
            if page.as_user is not None:
                if page.as_user not in users:
                    raise RuntimeError(f"benchmark pages needs the demo user {page.as_user}: run `make demo`")
                client.force_login(users[page.as_user])
        for _ in range(warm):
            _get(client, page)
        timings, queries, statuses = [], [], set()
        for _ in range(runs):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                statuses.add(_get(client, page))
                timings.append((time.perf_counter() - started) * 1000)
            queries.append(len(captured.captured_queries))
        results[page.name] = {
            "path": page.path, "as": page.as_user or "anyone", "runs": runs, "status": sorted(statuses),
            "p50_ms": round(percentile(timings, 50), 1), "p95_ms": round(percentile(timings, 95), 1),
            "min_ms": round(min(timings), 1), "max_ms": round(max(timings), 1),
            "queries": max(queries),
        }  # fmt: skip
    slowest = max(results.items(), key=lambda item: item[1]["p95_ms"])
    return {
        "benchmark": "pages",
        "cores": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "pages": results,
        "slowest": {"page": slowest[0], "p95_ms": slowest[1]["p95_ms"]},
        "pages_over_300ms_p95": sorted(name for name, r in results.items() if r["p95_ms"] >= 300),
        "pages_not_200": sorted(name for name, r in results.items() if r["status"] != [200]),
    }


def _get(client: Client, page: Page) -> int:
    """The page's status (printed with its figures: a page that does not answer 200 shows up there)."""
    response = client.get(page.path)
    # Streaming responses (feeds) are timed to their last byte.
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.status_code

"""Every page of the demo data, as the public and as each demo person: none shows escaped markup, none fails.

Markup built by joining escaped text onto tags with `~` in Jinja is escaped a second time, and the page then shows
raw tags (`Name<br><a class="govuk-link" ...>`). This test follows every link the pages offer (a few of each kind of
page) and fails on such text.
"""

import re
from collections import defaultdict, deque
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve

from datalab.choices import RequestState
from datalab.models import DataLabRequest
from releases.choices import State
from releases.models import Release
from sampledata.datalab_demo import lab_users
from sampledata.demo import USERS

ESCAPED_TAG = re.compile(r"&lt;/?(a|br|span|strong|p|div|ul|ol|li|em|abbr|code|time)\b", re.IGNORECASE)
SKIP = ("/admin/", "/api/", "/static/", "/health/", "/alerts/confirm", "/alerts/unsubscribe")
PER_KIND = 3  # pages of each kind (URL name and query keys) visited per person
SEEDS = ["/", "/calendar/", "/calendar/?tab=cancelled", "/calendar/?tab=published", "/networks/", "/lessons/",
         "/progress/", "/osr/", "/osr/reports/", "/flags/", "/producer/releases/", "/producer/releases/new/",
         "/data-lab/", "/data-lab/requests/", "/data-lab/reports/"]  # fmt: skip
# The Health Data Lab's pages after the analysis, by the state whose request has them (the crawl may not reach them).
AFTER_ANALYSIS = {
    RequestState.PUBLISHED: ["/data-lab/reports/{}/", "/data-lab/requests/{}/"],
    RequestState.ANALYSED: ["/data-lab/requests/{}/output-check/", "/data-lab/requests/{}/"],
    RequestState.FACTUAL_REVIEW: ["/data-lab/requests/{}/factual-review/", "/data-lab/reports/{}/"],
    RequestState.SCHEDULED: ["/data-lab/requests/{}/schedule/", "/data-lab/reports/{}/"],
}


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def kind_of(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith(SKIP):
        return None
    if re.search(r"\.(ics|csv|json|atom|pdf|xlsx)$", parts.path):  # not HTML (the PDF has tests of its own)
        return None
    try:
        name = resolve(parts.path).view_name
    except Resolver404:
        return None
    keys = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return f"{name}?{','.join(keys)}"


def crawl(client, seeds: list[str]) -> dict[str, str]:
    """Visit the seeds and what they link to (a few of each kind); the escaped tags found, by page."""
    seen: set[str] = set()
    per_kind: dict[str, int] = defaultdict(int)
    queue = deque(seeds)
    found: dict[str, str] = {}
    while queue:
        url = queue.popleft().split("#")[0]
        kind = kind_of(url)
        if url in seen or kind is None or per_kind[kind] >= PER_KIND:
            continue
        seen.add(url)
        per_kind[kind] += 1
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        body = response.content.decode()
        match = ESCAPED_TAG.search(body)
        if match:
            found[url] = body[max(0, match.start() - 80) : match.end() + 80]
        parser = Links()
        parser.feed(body)
        queue.extend(parser.hrefs)
    assert len(seen) > 20  # the crawl really went through the site
    return found


@pytest.mark.django_db
def test_no_page_of_the_demo_shows_escaped_markup(client, django_user_model):
    call_command("demo_data", releases=60, seed=3, no_scan=True, stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    one_of_each = [Release.objects.filter(state=state).order_by("pk").first() for state in State]
    seeds = SEEDS + [f"/releases/{r.slug}/" for r in one_of_each if r] + [
        f"/producer/releases/{r.slug}/" for r in one_of_each if r]  # fmt: skip
    lab = {state: list(DataLabRequest.objects.filter(state=state).values_list("reference", flat=True))
           for state in AFTER_ANALYSIS}  # fmt: skip
    assert [len(lab[state]) for state in AFTER_ANALYSIS] == [2, 1, 1, 1]  # the demo's requests after the analysis
    lab_seeds = [page.format(reference) for state, pages in AFTER_ANALYSIS.items() for reference in lab[state]
                 for page in pages]  # fmt: skip
    lab_people = [username for username, *_ in lab_users()]
    people = [None] + [username for username, *_ in USERS] + lab_people
    problems = {}
    for username in people:
        client.logout()
        if username:
            client.force_login(django_user_model.objects.get(username=username))
        # The reports' pages (heavy: plots and tables) as the public and the lab's people; to the register's people
        # they are the public's pages (the lab's requests are not theirs), which the anonymous crawl has read.
        starts = seeds + lab_seeds if username in (None, "secretariat", *lab_people) else seeds
        for url, excerpt in crawl(client, starts).items():
            problems[f"{username or 'anonymous'} {url}"] = excerpt
    assert problems == {}

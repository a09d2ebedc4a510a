"""The public harmonised calendar: the page, and feeds for any filter (iCalendar, Atom, CSV, JSON).

Feeds follow shared/docs/ical.md: 200 straight away with no login, strong ETag from the body, Last-Modified that never
goes backwards, 304 for If-None-Match / If-Modified-Since, minutes of public caching.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote, urlencode

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import http_date, parse_http_date_safe

from ehssg.site import absolute_url
from ehssg.spreadsheets import CONTENT_TYPE as CSV_CONTENT_TYPE
from networks.models import TopicNetwork
from releases.choices import OPEN_STATES, Designation, State
from releases.filtersets import ReleaseFilterSet
from releases.models import Producer, Release
from releases.schedule import Schedule, display_date

from . import messages
from .feeds import (
    FeedBody,
    body_etag,
    calendar_feed,
    feed_window,
    last_modified,
    open_data_csv,
    open_data_json,
    public_releases,
    release_feed,
    with_page_flags,
)

TABS = {"upcoming": "Upcoming", "published": "Published", "cancelled": "Cancelled"}
# The status filter's choices on the page, and the tab that shows releases of each: a status chosen on another tab
# can match nothing here, so the page says where those releases are instead of showing an empty list.
STATUSES = {"provisional": "Provisional", "confirmed": "Confirmed", "postponed": "Postponed",
            "published": "Published", "cancelled": "Cancelled"}  # fmt: skip
STATUS_TAB = {"provisional": "upcoming", "confirmed": "upcoming", "postponed": "upcoming",
              "published": "published", "cancelled": "cancelled"}  # fmt: skip
FEED_MAX_AGE = 300
PAGE_SIZE = 25


def _tab(request: HttpRequest) -> str:
    tab = request.GET.get("tab", "upcoming")
    return tab if tab in TABS else "upcoming"


def _in_tab(releases: QuerySet[Release], tab: str) -> QuerySet[Release]:
    today = timezone.localdate()
    if tab == "published":
        return releases.filter(state=State.PUBLISHED).order_by("-starts_on", "-release_at", "title")
    if tab == "cancelled":
        return releases.filter(state=State.CANCELLED).order_by("-cancelled_at", "title")
    return releases.filter(state__in=OPEN_STATES, ends_on__gte=today).order_by("starts_on", "release_at", "title")


def _filter(request: HttpRequest, releases: QuerySet[Release]) -> tuple[ReleaseFilterSet, QuerySet[Release]]:
    params = request.GET.copy()
    params.pop("tab", None)
    params.pop("page", None)
    filterset = ReleaseFilterSet(params, queryset=releases, request=request)
    if not filterset.is_valid():
        return filterset, releases.none()
    return filterset, filterset.qs


def _elsewhere(request: HttpRequest, tab: str) -> list[dict[str, str]]:
    """For each other tab that holds some of the statuses chosen: what is not shown here, and a link to that tab with
    the same filters."""
    chosen = [value for value in dict.fromkeys(request.GET.getlist("status")) if value in STATUS_TAB]
    hints = []
    for other in TABS:
        states = [STATUSES[value] for value in chosen if STATUS_TAB[value] == other]
        if other == tab or not states:
            continue
        query = request.GET.copy()
        query.pop("page", None)
        query["tab"] = other
        words = " and ".join([", ".join(states[:-1]), states[-1]] if len(states) > 1 else states)
        hints.append({
            "text": messages.STATUS_ON_OTHER_TAB.format(states=words, tab=TABS[tab]),
            "link": messages.SEE_OTHER_TAB.format(states=words.lower()),
            "href": f"{reverse('calendar')}?{query.urlencode()}",
        })  # fmt: skip
    return hints


def calendar(request: HttpRequest) -> HttpResponse:
    tab = _tab(request)
    filterset, releases = _filter(request, _in_tab(public_releases(), tab))
    page = Paginator(releases, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = with_page_flags(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    feed_query = request.GET.copy()
    for name in ("page", "tab", "ordering"):
        feed_query.pop(name, None)
    https_feed = absolute_url(reverse("calendar-ics")) + (f"?{feed_query.urlencode()}" if feed_query else "")
    context = {
        "tab": tab,
        "tabs": TABS,
        "page": page,
        "filterset": filterset,
        "errors": filterset.errors if not filterset.is_valid() else {},
        "query": query,
        "producers": Producer.objects.order_by("name"),
        "networks": TopicNetwork.objects.order_by("name"),
        "designations": Designation.choices,
        "statuses": STATUSES,
        "elsewhere": _elsewhere(request, tab),
        "chosen": {key: request.GET.getlist(key) for key in ("producer", "network", "designation", "status")},
        "feeds": {
            "https": https_feed,
            "webcal": "webcal://" + https_feed.split("://", 1)[1],
            "google": "https://calendar.google.com/calendar/render?" + urlencode({"cid": https_feed}, quote_via=quote),
            "atom": reverse("calendar-atom") + (f"?{feed_query.urlencode()}" if feed_query else ""),
            "csv": reverse("calendar-csv") + (f"?{query.urlencode()}" if query else ""),
            "json": reverse("calendar-json") + (f"?{query.urlencode()}" if query else ""),
        },
    }
    return render(request, "releases/calendar.html", context, status=400 if context["errors"] else 200)


def _conditional(request: HttpRequest, feed: FeedBody, content_type: str, disposition: str) -> HttpResponse:
    headers = {
        "ETag": feed.etag,
        "Last-Modified": http_date(feed.last_modified.timestamp()),
        "Cache-Control": f"public, max-age={FEED_MAX_AGE}",
    }
    if_none_match = request.headers.get("If-None-Match")
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    not_modified = (if_none_match is not None and feed.etag in [t.strip() for t in if_none_match.split(",")]) or (
        if_none_match is None and since is not None and int(feed.last_modified.timestamp()) <= since
    )
    response: HttpResponse
    if not_modified:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(feed.body, content_type=content_type)
        response["Content-Disposition"] = disposition
    for key, value in headers.items():
        response[key] = value
    return response


def _feed_filter(request: HttpRequest) -> tuple[ReleaseFilterSet, QuerySet[Release]]:
    return _filter(request, public_releases())


def _bad_filter(filterset: ReleaseFilterSet) -> JsonResponse:
    errors = [{"field": field, "message": str(message)} for field, msgs in filterset.errors.items() for message in msgs]
    return JsonResponse({"detail": "The filter is not valid.", "errors": errors}, status=400)


def calendar_ics(request: HttpRequest) -> HttpResponse:
    filterset, matching = _feed_filter(request)
    if not filterset.is_valid():
        return _bad_filter(filterset)
    described = request.GET.urlencode()
    name = "Health statistics release calendar" + (" (filtered)" if described else "")
    feed = calendar_feed(
        matching,
        name=name,
        description="Official health and social care statistics for England, from every producer"
        + (f", filtered by: {described}" if described else ""),
        key=described,
    )
    return _conditional(request, feed, "text/calendar; charset=utf-8", 'inline; filename="calendar.ics"')


def release_ics(request: HttpRequest, slug: str) -> HttpResponse:
    release = get_object_or_404(public_releases(), slug=slug)
    return _conditional(request, release_feed(release), "text/calendar; charset=utf-8",
                        f'attachment; filename="{release.slug}.ics"')  # fmt: skip


def _open_data(
    request: HttpRequest, write: Callable[[list[Release]], bytes], content_type: str, disposition: str
) -> HttpResponse:
    """One row per release of the tab and filter, as CSV or JSON, with the same caching headers as the feeds."""
    filterset, releases = _filter(request, _in_tab(public_releases(), _tab(request)))
    if not filterset.is_valid():
        return _bad_filter(filterset)
    body = write(with_page_flags(list(releases[:10000])))
    feed = FeedBody(body, body_etag(body), last_modified(filterset.qs))
    return _conditional(request, feed, content_type, disposition)


def calendar_csv(request: HttpRequest) -> HttpResponse:
    return _open_data(request, open_data_csv, CSV_CONTENT_TYPE, 'attachment; filename="releases.csv"')


def calendar_json(request: HttpRequest) -> HttpResponse:
    return _open_data(request, open_data_json, "application/json", 'inline; filename="releases.json"')


def calendar_atom(request: HttpRequest) -> HttpResponse:
    filterset, matching = _feed_filter(request)
    if not filterset.is_valid():
        return _bad_filter(filterset)
    releases = list(feed_window(matching).order_by("-revised_at", "pk")[:200])
    feed = Atom1Feed(
        title="Health statistics release calendar",
        link=absolute_url(reverse("calendar")),
        description="Announcements, date changes, cancellations and publications of health and social care statistics.",
        feed_url=absolute_url(request.get_full_path()),
        language="en-gb",
        id=absolute_url(reverse("calendar-atom")),
    )
    for release in releases:
        when = display_date(Schedule.of(release), release.state)
        words = [when]
        if release.state == State.CANCELLED:
            words.append(f"Cancelled: {release.cancellation_reason}")
        words.extend(f"Rescheduled from {c.previous_wording()} to {c.new_wording()}. Reason: {c.reason}"
                     for c in getattr(release, "public_changes", []))  # fmt: skip
        feed.add_item(
            title=f"{release.title} – {when}",
            link=absolute_url(release.get_absolute_url()),
            description="\n".join(words),
            unique_id=f"urn:uuid:{release.uid}",
            updateddate=release.revised_at,
            pubdate=release.announced_at or release.revised_at,
            categories=[p.name for p in release.producers] + [n.name for n in release.networks.all()],
        )
    body = feed.writeString("utf-8").encode("utf-8")
    result = FeedBody(body, body_etag(body), last_modified(matching))
    return _conditional(request, result, "application/atom+xml; charset=utf-8", "inline")



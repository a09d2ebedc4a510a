"""Rate limits on feeds and forms, with the production figures: a feed reader never meets them, abuse does."""

import itertools
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from ehssg import messages
from ehssg.settings import base
from tests.factories import ConfirmedReleaseFactory

pytestmark = pytest.mark.django_db
_addresses = itertools.count(1)


@pytest.fixture
def limits(settings):
    """The production figures (the test settings raise them for the rest of the suite)."""
    settings.EHSSG_RATE_LIMITS = dict(base.EHSSG_RATE_LIMITS)
    return settings.EHSSG_RATE_LIMITS


@pytest.fixture
def address():
    """A documentation-range address of this test's own, so no other test's counts meet it (Redis persists)."""
    return f"192.0.2.{next(_addresses) % 250 + 1}"


@pytest.fixture
def feeds(cast):
    release = ConfirmedReleaseFactory(lead_producer=cast.producer)
    return ["/calendar.ics", "/calendar.atom", "/calendar.csv", "/calendar.json", f"/releases/{release.slug}.ics"]


def test_feed_readers_polling_every_five_minutes_never_meet_the_limit(client, limits, feeds, address):
    """Two hours of polling all five feeds every 5 minutes, then 40 readers behind one office address refreshing the
    calendar in the same minute. Not one 429. (The count starts afresh each minute, so a longer run only repeats.)"""
    start = timezone.now().replace(minute=0, second=7, microsecond=0)
    with time_machine.travel(start, tick=False) as traveller:
        for _ in range(24):
            for feed in feeds:
                assert client.get(feed, REMOTE_ADDR=address).status_code == 200, feed
            traveller.shift(timedelta(minutes=5))
        etag = client.get("/calendar.ics", REMOTE_ADDR=address)["ETag"]
        for _ in range(40):  # as readers do: If-None-Match, a 304
            response = client.get("/calendar.ics", REMOTE_ADDR=address, HTTP_IF_NONE_MATCH=etag)
            assert response.status_code == 304


def test_hammering_a_feed_is_stopped_with_429_and_retry_after(client, limits, feeds, address):
    count, seconds = (int(n) for n in limits["feeds"].split("/"))
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=1)
    with time_machine.travel(start + timedelta(seconds=10), tick=False) as traveller:
        etag = client.get("/calendar.ics", REMOTE_ADDR=address)["ETag"]
        for _ in range(count - 1):
            assert client.get("/calendar.ics", REMOTE_ADDR=address, HTTP_IF_NONE_MATCH=etag).status_code == 304
        refused = client.get("/calendar.ics", REMOTE_ADDR=address)
        assert refused.status_code == 429
        assert refused["Retry-After"] == str(seconds - 10)
        assert refused.content.decode().strip() == messages.RATE_LIMITED.format(minutes=1, s="")
        assert refused["Cache-Control"] == "no-store"
        assert client.get(feeds[-1], REMOTE_ADDR=address).status_code == 429  # the scope is every feed
        assert client.get("/calendar.ics", REMOTE_ADDR="198.51.100.99").status_code == 200  # others unaffected
        assert client.get("/calendar/", REMOTE_ADDR=address).status_code == 200  # pages are not feeds
        traveller.shift(timedelta(seconds=seconds))
        assert client.get("/calendar.ics", REMOTE_ADDR=address).status_code == 200


def test_form_posts_are_limited_and_the_page_says_so(client, limits, address):
    count, seconds = (int(n) for n in limits["forms"].split("/"))
    # Inside one window of the limit however slow the machine: the count starts afresh each minute.
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=1)
    with time_machine.travel(start + timedelta(seconds=5), tick=False):
        for n in range(count):  # a different username each time, so the lockout (per username) is not what stops it
            response = client.post(reverse("login"), {"username": f"guess{n}", "password": "x"}, REMOTE_ADDR=address)
            assert response.status_code == 200
        refused = client.post(reverse("login"), {"username": "one-more", "password": "x"}, REMOTE_ADDR=address,
                              HTTP_ACCEPT="text/html")  # fmt: skip
        assert refused.status_code == 429
        assert 0 < int(refused["Retry-After"]) <= seconds
        assert "Too many requests from your address. Try again in" in refused.content.decode()
        assert '<h1 class="govuk-heading-l">Too many requests</h1>' in refused.content.decode()
        assert client.get(reverse("login"), REMOTE_ADDR=address).status_code == 200  # reading the form is not limited
        assert client.post("/alerts/", {}, REMOTE_ADDR=address).status_code == 429  # the alerts forms share the scope


def test_a_forged_forwarded_for_does_not_escape_the_limit(client, settings, address):
    settings.EHSSG_RATE_LIMITS = {"feeds": "3/60", "forms": "3/60"}
    settings.EHSSG_TRUSTED_PROXIES = 1  # one proxy of ours appends the client's address
    for n in range(3):
        # The client forges a first entry; our proxy appended the real one last.
        forwarded = f"10.0.0.{n}, {address}"
        assert client.get("/calendar.json", HTTP_X_FORWARDED_FOR=forwarded).status_code == 200
    assert client.get("/calendar.json", HTTP_X_FORWARDED_FOR=f"10.9.9.9, {address}").status_code == 429
    settings.EHSSG_TRUSTED_PROXIES = 0  # no proxy: the header is the client's own words and is ignored
    assert client.get("/calendar.json", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=address).status_code == 200


def test_the_client_address_is_always_a_valid_ip_or_none(rf, settings):
    from ehssg.security import client_ip

    settings.EHSSG_TRUSTED_PROXIES = 1
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.3")) == "198.51.100.3"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="not-an-address")) == "10.0.0.5"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.5")) == "10.0.0.5"  # fewer hops than proxies: the peer
    settings.EHSSG_TRUSTED_PROXIES = 0
    assert client_ip(rf.get("/", REMOTE_ADDR="2001:db8::1", HTTP_X_FORWARDED_FOR="1.2.3.4")) == "2001:db8::1"
    request = rf.get("/")
    del request.META["REMOTE_ADDR"]
    assert client_ip(request) is None  # a request made in code: the lockout's inet column gets NULL, not "unknown"

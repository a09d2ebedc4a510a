"""The API's throttles count the real client and count every request, even sent all at once.

The anonymous limit is per address: the one ``ehssg.security.client_ip`` gives (REMOTE_ADDR, or the entry our own
proxies appended to X-Forwarded-For), so a script forging X-Forwarded-For on each request is still one client. The
counter is atomic (add then incr, as the pages' limits count), so parallel requests cannot exceed the limit.
"""

import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from ehssg.api.throttling import AnonRateThrottle, UserRateThrottle
from tests.factories import UserFactory

LIMIT = 3


@pytest.fixture
def limited(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": f"{LIMIT}/minute", "user": f"{LIMIT}/minute"},
    }  # fmt: skip
    return settings


def statuses(proxies: int, forged: list[str], settings) -> list[int]:
    settings.EHSSG_TRUSTED_PROXIES = proxies
    client = APIClient()
    return [
        client.get("/api/v1/producers/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=xff).status_code
        for xff in forged
    ]


@pytest.mark.django_db
def test_forged_x_forwarded_for_does_not_escape_the_anonymous_limit(limited):
    forged = [f"203.0.113.{n}" for n in range(1, 8)]
    assert statuses(0, forged, limited) == [200] * LIMIT + [429] * (len(forged) - LIMIT)


@pytest.mark.django_db
def test_behind_one_proxy_only_the_address_it_appended_counts(limited):
    # The client forges the left part; our proxy appends the address it saw (the same client every time).
    forged = [f"203.0.113.{n}, 198.51.100.99" for n in range(1, 8)]
    assert statuses(1, forged, limited) == [200] * LIMIT + [429] * (len(forged) - LIMIT)
    # Another real client behind the same proxy has its own count.
    other = APIClient().get("/api/v1/producers/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="198.51.100.42")
    assert other.status_code == 200


def parallel_allowed(throttle_class, user, settings, requests: int = 24) -> int:
    """How many of ``requests`` simultaneous requests from one client the throttle lets through."""
    settings.CACHES = {"default": {"BACKEND": "tests.api.slow_cache.SlowLocMemCache", "LOCATION": "throttle-race"}}
    start = threading.Barrier(requests)
    allowed: list[bool] = []
    lock = threading.Lock()

    def one() -> None:
        request = Request(APIRequestFactory().get("/api/v1/producers/", REMOTE_ADDR="198.51.100.8"))
        request.user = user
        start.wait(timeout=10)
        answer = throttle_class().allow_request(request, None)
        with lock:
            allowed.append(answer)

    threads = [threading.Thread(target=one) for _ in range(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(allowed) == requests
    return sum(allowed)


def test_parallel_anonymous_requests_cannot_exceed_the_limit(limited):
    assert parallel_allowed(AnonRateThrottle, AnonymousUser(), limited) == LIMIT


@pytest.mark.django_db
def test_parallel_requests_of_one_user_cannot_exceed_the_limit(limited):
    assert parallel_allowed(UserRateThrottle, UserFactory(username="busy"), limited) == LIMIT

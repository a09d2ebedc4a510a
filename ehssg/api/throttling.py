"""Rate limits a normal client never meets: they only stop runaway scripts.

DRF's own throttles are not used: they read the client's address from ``X-Forwarded-For`` as the client sent it (a
script forging a new address on each request is never limited) and keep a list of timestamps that they read, change
and write back, so parallel requests each read the same list and all pass. These count with the platform's one
client-address function and its atomic counter (``ehssg.security.client_ip`` and ``count_hit``, as the pages' limits
do), in fixed windows. They read their rates on each request, so settings (and tests) can change them without a restart.
"""

from __future__ import annotations

from typing import Any

from rest_framework import throttling
from rest_framework.request import Request
from rest_framework.settings import api_settings

from ehssg.security import client_ip, count_hit


def _rate(scope: str | None) -> str | None:
    rates: dict[str, Any] = api_settings.DEFAULT_THROTTLE_RATES or {}
    rate = rates.get(scope or "")
    return str(rate) if rate else None


PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """DRF's rate notation: "120/minute" (or /min, /m, /second, /hour, /day) → (120, 60)."""
    count, period = rate.split("/")
    return int(count), PERIODS[period.strip()[:1].lower()]


class _CountedThrottle(throttling.BaseThrottle):
    """A fixed-window limit per identity, counted atomically in the cache; ``wait()`` is the time to the next window."""

    scope = ""

    def __init__(self) -> None:
        self._wait: float | None = None

    def identity(self, request: Request) -> str | None:
        """Whom to count, or None when this throttle does not apply to the request."""
        raise NotImplementedError

    def allow_request(self, request: Request, view: Any) -> bool:
        rate = _rate(self.scope)
        who = self.identity(request)
        if rate is None or who is None:
            return True
        limit, window = parse_rate(rate)
        used, retry_after = count_hit(f"api-{self.scope}:{who}", window)
        if used <= limit:
            return True
        self._wait = retry_after
        return False

    def wait(self) -> float | None:
        return self._wait


class AnonRateThrottle(_CountedThrottle):
    """Anonymous clients, per address (REMOTE_ADDR, or the address our own proxies put in X-Forwarded-For)."""

    scope = "anon"

    def identity(self, request: Request) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return client_ip(request._request) or "unknown"


class UserRateThrottle(_CountedThrottle):
    """Signed-in clients, per account (anonymous ones fall back to their address, as DRF's throttle does)."""

    scope = "user"

    def identity(self, request: Request) -> str | None:
        if request.user and request.user.is_authenticated:
            return f"user-{request.user.pk}"
        return client_ip(request._request) or "unknown"

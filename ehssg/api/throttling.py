"""Rate limits a normal client never meets: they only stop runaway scripts.

DRF's throttles read their rates once, when the class is defined; these read them on each request, so settings (and
tests) can change them without a restart.
"""

from __future__ import annotations

from typing import Any

from rest_framework import throttling
from rest_framework.settings import api_settings


def _rate(scope: str | None) -> str | None:
    rates: dict[str, Any] = api_settings.DEFAULT_THROTTLE_RATES or {}
    rate = rates.get(scope or "")
    return str(rate) if rate else None


class AnonRateThrottle(throttling.AnonRateThrottle):
    def get_rate(self) -> str | None:
        return _rate(self.scope)


class UserRateThrottle(throttling.UserRateThrottle):
    def get_rate(self) -> str | None:
        return _rate(self.scope)

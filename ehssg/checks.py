"""Deployment checks of our own, run by `manage.py check --deploy` (and so by `make security`).

Rate limits and the sign-in lockout count per client address in the cache: they only work if every gunicorn worker
shares that cache and sees the client's real address.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register

LOCAL_CACHES = ("django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache")


@register(Tags.security, deploy=True)
def shared_cache(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if settings.CACHES["default"]["BACKEND"] in LOCAL_CACHES:
        return [
            Warning(
                "The cache is local to each process, so rate limits are counted per worker.",
                hint="Set REDIS_URL so every worker shares one cache (docs/deploy.md).",
                id="ehssg.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def client_address(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and settings.EHSSG_TRUSTED_PROXIES < 1:
        return [
            Warning(
                "Behind a proxy with EHSSG_TRUSTED_PROXIES=0, every client has the proxy's address: one abuser "
                "would rate-limit everybody.",
                hint="Set EHSSG_TRUSTED_PROXIES to the number of proxies that append to X-Forwarded-For.",
                id="ehssg.W002",
            )
        ]
    return []

"""Request-wide security pieces: the request id, the Permissions-Policy header, the client's address, rate limits.

They are middleware rather than view decorators so that every page, feed and form gets them, including the pages other
apps add later: a route is rate limited by a pattern in settings, not by remembering to decorate its view.
"""

from __future__ import annotations

import contextvars
import ipaddress
import math
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from . import messages

REQUEST_ID_HEADER = "X-Request-ID"
# What we accept from the proxy in front: a uuid, or a similar token. Anything else (too long, spaces, control
# characters that could forge log lines) is replaced by our own uuid4.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$")

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("ehssg_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being served in this context (None in shells, migrations and Celery tasks)."""
    return _request_id.get()


def sane_request_id(incoming: str | None) -> str:
    """The proxy's X-Request-ID when it looks like an id, else a new uuid4."""
    if incoming and _SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return str(uuid.uuid4())


class RequestIdMiddleware:
    """Give every request an id, return it as X-Request-ID and make it available to logs and history rows.

    First in the stack, so even responses made by later middleware (redirects, 429s, lockouts) carry it. The cleaned id
    is written back into the request headers so django-structlog binds the same value into every log line.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = sane_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.META["HTTP_X_REQUEST_ID"] = request_id
        request.__dict__.pop("headers", None)  # request.headers is cached: let it read the cleaned id
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class PermissionsPolicyMiddleware:
    """Switch off browser features the service never uses (Django has no setting for this header)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        policy: dict[str, list[str]] = settings.EHSSG_PERMISSIONS_POLICY
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = ", ".join(
                f"{feature}=({' '.join(allow)})" for feature, allow in policy.items()
            )
        return response


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, trusting exactly EHSSG_TRUSTED_PROXIES entries of X-Forwarded-For (set by our proxies).

    Counting from the right means a client cannot choose its own address by sending a forged X-Forwarded-For: only
    the hops our own proxies appended are read. None when there is no valid address (a request made in code, not
    over the network): django-axes stores the address in an inet column, which would refuse anything else.
    """
    proxies: int = settings.EHSSG_TRUSTED_PROXIES
    remote = _valid_ip(request.META.get("REMOTE_ADDR"))
    if proxies <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) >= proxies:
        return _valid_ip(hops[-proxies]) or remote
    return remote


def _parse_rate(rate: str) -> tuple[int, int]:
    """"120/60" → 120 requests per 60 seconds."""
    count, seconds = rate.split("/")
    return int(count), int(seconds)


class RateLimitMiddleware:
    """Fixed-window limits per client address and scope, counted in the Django cache (Redis in production).

    EHSSG_RATE_LIMIT_RULES maps (method, path pattern) to a scope; EHSSG_RATE_LIMITS gives each scope "count/seconds".
    Both are read per request, so a deployment (or a test) can change them. Over the limit: 429 with Retry-After.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self._compiled: dict[str, re.Pattern[str]] = {}

    def _scope(self, request: HttpRequest) -> str | None:
        rules: list[tuple[str, str, str]] = settings.EHSSG_RATE_LIMIT_RULES
        for methods, pattern, scope in rules:
            if request.method not in methods.split(","):
                continue
            compiled = self._compiled.get(pattern)
            if compiled is None:
                compiled = self._compiled[pattern] = re.compile(pattern)
            if compiled.search(request.path_info):
                return scope
        return None

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        scope = self._scope(request)
        if scope is not None:
            rates: dict[str, str] = settings.EHSSG_RATE_LIMITS
            rate = rates.get(scope)
            if rate:
                refused = self._count(request, scope, rate)
                if refused is not None:
                    return refused
        return self.get_response(request)

    def _count(self, request: HttpRequest, scope: str, rate: str) -> HttpResponse | None:
        limit, window = _parse_rate(rate)
        used, retry_after = count_hit(f"{scope}:{client_ip(request) or 'unknown'}", window)
        if used <= limit:
            return None
        return too_many_requests(request, retry_after)


def count_hit(who: str, window: int) -> tuple[int, int]:
    """Count one request for ``who`` in the current fixed window: (requests so far in it, seconds until it ends).

    add() then incr() is atomic on Redis and the local-memory cache alike, so parallel requests (threads, processes
    sharing Redis) each get their own number and none is lost; a read-then-write counter would let them all through.
    Shared by the pages' limits (RateLimitMiddleware) and the API's throttles (ehssg/api/throttling.py).
    """
    now = time.time()
    bucket = int(now // window)
    key = f"ratelimit:{who}:{bucket}"
    cache.add(key, 0, timeout=window + 1)
    try:
        used = cache.incr(key)
    except ValueError:  # the key expired between add and incr: this is the first request of a new window
        cache.set(key, 1, timeout=window + 1)
        used = 1
    return used, max(1, math.ceil((bucket + 1) * window - now))


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    """A 429 a person can read and a program can act on."""
    minutes = max(1, math.ceil(retry_after / 60))
    text = messages.RATE_LIMITED.format(minutes=minutes, s="" if minutes == 1 else "s")
    accepts_html = "text/html" in request.headers.get("Accept", "")
    response: HttpResponse
    if accepts_html:
        from django.shortcuts import render

        response = render(request, "429.html", {"message": text}, status=429)
    else:
        response = HttpResponse(text + "\n", status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def request_id_default() -> str:
    """Default of HistoryWithRequestId.request_id, so bulk history (bulk_create_with_history) gets it too."""
    return current_request_id() or ""

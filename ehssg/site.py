"""The service's own address, for every absolute link: calendar subscriptions, feeds, e-mails.

In production it is `SITE_URL`, which production settings require: links never depend on a request's Host header.
In development (no `SITE_URL`), links follow the address the development server is reached at, so
`make run PORT=8101` links to port 8101: `SiteAddressMiddleware` remembers the address of the latest request, and
whatever this process sends after it (the confirmation e-mail, alerts sent on commit or by an eager task) links
there. Before any request, or in a separate worker process, it is `DEVELOPMENT_ADDRESS` (`make run`'s default);
set `SITE_URL` for those.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

DEVELOPMENT_ADDRESS = "http://127.0.0.1:8000"

# Development only: the scheme and host of the latest request this process served (a whole string, swapped at once).
_served = {"address": ""}


def site_url() -> str:
    """`SITE_URL` when set (always in production), else the address being served; no trailing slash."""
    configured: str = settings.SITE_URL
    return configured or _served["address"] or DEVELOPMENT_ADDRESS


def absolute_url(path: str) -> str:
    """An absolute URL for a path from `reverse()` or `get_absolute_url()`."""
    return f"{site_url()}{path}"


def forget_served_address() -> None:
    """Back to `DEVELOPMENT_ADDRESS` until the next request (for tests of the development behaviour)."""
    _served["address"] = ""


class SiteAddressMiddleware:
    """Development only (no `SITE_URL`): the address a request came to becomes the site's address.

    The host is the one `request.get_host()` accepts, so always one of `ALLOWED_HOSTS`; with `SITE_URL` set (as
    production settings require) this does nothing.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.SITE_URL:
            _served["address"] = f"{request.scheme}://{request.get_host()}"
        return self.get_response(request)

"""Who may call an endpoint at all. Who may do what to which release is the services' business, not these classes'.

Reads of public data need no account; every write needs one (anonymous writes get 401 with a ``WWW-Authenticate:
Token`` challenge). Whether a signed-in person may change a given release, agree a change or settle a flag is decided by
the service the endpoint calls, which raises ``PermissionDenied`` (403) in the same words the pages use.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request


class PublicReadSignedInWrite(BasePermission):
    """Anyone reads; a signed-in person (token or session) writes, subject to the service's own rules."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in SAFE_METHODS or bool(request.user and request.user.is_authenticated)


class SignedIn(BasePermission):
    """Working material of the platform's people (flags): any signed-in account reads it."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated)

"""One exception handler for the whole API, so every error a client sees has the same shape.

Every 4xx body is ``{"detail": "...", "errors": [{"field": "title", "message": "..."}]}``: ``detail`` is one sentence a
person can read, ``errors`` names each field and its problem (``field`` is null for a problem with the request as a
whole, and a dotted path such as ``items.3.title`` inside lists and nested objects). The services raise Django's
``ValidationError`` and ``PermissionDenied``; they become 400 and 403 here, with the services' own words.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import set_rollback

# Words the API says; tests assert these constants.
INVALID_INPUT = "The request has {count} problems; each is listed in errors."
INVALID_BULK = "Nothing was registered: {count} problem(s), each listed in errors with the index of its item."
NOT_FOUND = "Not found. It does not exist, or you cannot see it."
CONFLICT = "Someone else changed this at the same time. Read it again and retry."
VERSION_REQUIRED = (
    "Send the version you read: an If-Match header with the ETag you read (for example If-Match: \"3\"), "
    "or a version field in the body."
)
VERSION_STALE = (
    "It has changed since you read it (you sent version {sent}; it is now version {current}). "
    "Read it again, check the change, and retry with the new ETag."
)
VERSION_INVALID = "A version is a whole number, as in the ETag of the release."


class PreconditionRequired(exceptions.APIException):
    """428: a write of an existing release came without the version the client read."""

    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = VERSION_REQUIRED
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    """412: the client's version is stale; nothing was changed."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "It has changed since you read it."
    default_code = "precondition_failed"


class Conflict(exceptions.APIException):
    """409: two writes raced and the database refused the second (a unique constraint)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = CONFLICT
    default_code = "conflict"


def _flatten(detail: Any, prefix: str | None = None) -> list[dict[str, Any]]:
    """DRF's nested error structure as a flat list of {field, message, code}."""
    if isinstance(detail, dict):
        found = []
        for key, value in detail.items():
            name = None if key in (NON_FIELD_ERRORS, "non_field_errors") else str(key)
            path = ".".join(p for p in (prefix, name) if p) or None
            found.extend(_flatten(value, path))
        return found
    if isinstance(detail, list):
        found = []
        for i, item in enumerate(detail):
            # A list of messages belongs to one field; a list of dicts or lists is indexed (list serializers).
            path = f"{prefix}.{i}" if prefix is not None else str(i)
            found.extend(_flatten(item, path) if isinstance(item, dict | list) else _flatten(item, prefix))
        return found
    return [{"field": prefix, "message": str(detail), "code": getattr(detail, "code", None) or "invalid"}]


def error_body(detail: Any, *, summary: str | None = None) -> dict[str, Any]:
    """The error body for any DRF exception detail (a string, a list or a dict of them)."""
    errors = [e for e in _flatten(detail) if e["message"]]
    if summary is None:
        summary = errors[0]["message"] if len(errors) == 1 else INVALID_INPUT.format(count=len(errors))
    return {"detail": summary, "errors": errors}


def _from_django(exc: Exception) -> Exception:
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or exceptions.PermissionDenied.default_detail)
    if isinstance(exc, Http404):
        return exceptions.NotFound(NOT_FOUND)
    if isinstance(exc, IntegrityError):
        return Conflict()
    return exc


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn every error the API knows about into a JSON response of one shape; anything else stays a 500."""
    exc = _from_django(exc)
    if not isinstance(exc, exceptions.APIException):
        return None
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
    if isinstance(exc, BulkInvalid | BulkDenied):
        body = {"detail": exc.summary, "errors": exc.items}
    elif isinstance(exc, exceptions.ValidationError):
        body = error_body(exc.detail)
    elif isinstance(exc, exceptions.NotFound) and str(exc.detail) == str(exceptions.NotFound.default_detail):
        body = error_body(NOT_FOUND)
    else:
        body = error_body(exc.detail)
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)


class BulkInvalid(exceptions.ValidationError):
    """400 for a bulk request: every problem, each with the index of its item; nothing was written."""

    def __init__(self, items: list[dict[str, Any]], summary: str) -> None:
        super().__init__(summary)
        self.items = items
        self.summary = summary

    @classmethod
    def from_list(cls, errors: Any, summary: str | None = None) -> BulkInvalid:
        """From a list serializer's errors: a list with one entry per item, or (DRF 3.16+) a dict by index."""
        pairs = errors.items() if isinstance(errors, dict) else enumerate(errors)
        items = []
        for index, detail in pairs:
            if not isinstance(index, int):  # a problem with the list itself, not with one item
                items.extend(_flatten({index: detail}))
                continue
            for item in _flatten(detail):
                items.append({**item, "index": index})
        return cls(items, summary or INVALID_BULK.format(count=len(items)))

    @classmethod
    def from_django(cls, problems: dict[int, DjangoValidationError], summary: str) -> BulkInvalid:
        items = []
        for index, exc in problems.items():
            for item in _flatten(as_serializer_error(exc)):
                items.append({**item, "index": index})
        return cls(items, summary)


class BulkDenied(exceptions.PermissionDenied):
    """403 for a bulk request: the item at ``index`` is one the caller may not register; nothing was written."""

    def __init__(self, *, index: int, message: str) -> None:
        super().__init__(message)
        self.items = [{"field": None, "message": message, "code": "permission_denied", "index": index}]
        self.summary = message

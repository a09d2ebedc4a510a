"""Optimistic concurrency for writes of an existing record: ETag out, If-Match (or ``version``) in.

Every response that shows one release, action plan or action item carries ``ETag: "<version>"``, and the body has the
same ``version`` (which every service write bumps). A write must send back the version it read: an ``If-Match``
header with the ETag, or a ``version`` field in the JSON body. No version: 428. A version that is no longer current:
412, and nothing is changed.

Why the check runs inside the service's transaction, under the row lock
-----------------------------------------------------------------------
The simpler way is to compare the versions first and then call the service, relying on the service's own
``select_for_update``. That leaves a gap: between our comparison and the service taking its lock, another request can
commit a write, and ours would then apply on top of a release its client never saw (the lost update this is meant to
prevent). So :func:`locked_write` opens the transaction, locks the release row with ``select_for_update``, compares the
version while holding the lock, and only then calls the service inside the same transaction. The service's own
``transaction.atomic`` becomes a savepoint and its ``select_for_update`` is a no-op re-lock of a row this transaction
already holds, so no service changes. If the service refuses (a ValidationError or PermissionDenied), the whole
transaction rolls back. On SQLite, which has no row locks, the database's single writer gives the same guarantee.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from django.db import transaction
from django.db.models import Model
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from .exceptions import VERSION_INVALID, VERSION_STALE, PreconditionFailed, PreconditionRequired

MAX_VERSION = 2**31


# A model whose every service write bumps ``version``: releases, action plans, action items.
V = TypeVar("V", bound=Model)


def etag(version: int) -> str:
    return f'"{version}"'


def _if_match_tags(request: Request) -> list[str] | None:
    """The entity tags in If-Match, or None when the header is absent (``*`` proves nothing, so it counts as absent)."""
    raw = request.headers.get("If-Match")
    if raw is None:
        return None
    tags = [tag.strip() for tag in raw.split(",") if tag.strip()]
    tags = [tag for tag in tags if tag != "*"]
    return tags or None


def _body_version(request: Request) -> int | None:
    data = request.data
    if not isinstance(data, dict) or data.get("version") is None:
        return None
    value = data["version"]
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError({"version": [VERSION_INVALID]})
    try:
        version = int(value)
    except ValueError:
        raise ValidationError({"version": [VERSION_INVALID]}) from None
    if not 0 <= version < MAX_VERSION:
        raise ValidationError({"version": [VERSION_INVALID]})
    return version


def check_version(request: Request, current: int) -> None:
    """Raise 428 when the client sent no version, 412 when the version it sent is not ``current``."""
    tags = _if_match_tags(request)
    if tags is not None:
        # Strong comparison (RFC 9110 13.1.1): a weak tag never matches.
        if etag(current) not in tags:
            raise PreconditionFailed(VERSION_STALE.format(sent=", ".join(tags)[:60], current=current))
        return
    sent = _body_version(request)
    if sent is None:
        raise PreconditionRequired()
    if sent != current:
        raise PreconditionFailed(VERSION_STALE.format(sent=sent, current=current))


@contextmanager
def locked_write(request: Request, instance: V) -> Iterator[V]:
    """Lock the row, check the client's version and yield, all in the transaction the service then joins."""
    with transaction.atomic():
        locked = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
        check_version(request, cast(Any, locked).version)
        yield locked


# Releases were the first versioned records; the name stays for the code that reads best with it.
release_write = locked_write


def with_etag(response: Response, version: Any) -> Response:
    if isinstance(version, int):
        response["ETag"] = etag(version)
    return response

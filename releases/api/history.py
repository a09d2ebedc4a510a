"""A release's public history: when each change happened, what changed and why. Never who.

Built from django-simple-history's rows (and its many-to-many rows for joint producers and networks) with a fixed
list of fields people care about, in a fixed number of queries; the bookkeeping fields (version, sequence, revised_at)
are left out. Rows written while the release was a draft are shown only to its
producers' people, as the draft itself is.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from rest_framework import serializers

from ehssg.roles import roles_of

from ..choices import State
from ..models import Producer, Release, ReleaseSeries

FIELDS = (
    "title", "summary", "designation", "state", "precision", "release_at", "starts_on", "ends_on",
    "reference_period_start", "reference_period_end", "geography", "lead_statistician_name",
    "lead_statistician_email", "market_sensitive", "published_url", "published_at", "cancellation_reason",
    "cancelled_at", "series", "lead_producer", "withdrawn_in_favour_of",
)  # fmt: skip
FOREIGN_KEYS: dict[str, Any] = {"series": ReleaseSeries, "lead_producer": Producer, "withdrawn_in_favour_of": Release}
# Many-to-many fields kept by django-simple-history: (the rows of each historical record, the related object's field).
MANY = {
    "joint_producers": ("historicalrelease_joint_producers_set", "producer"),
    "networks": ("historicalrelease_networks_set", "topicnetwork"),
}
CHANGE_TYPES = {"+": "created", "~": "changed", "-": "deleted"}

_datetime_field = serializers.DateTimeField()


def _raw(row: Any, name: str) -> Any:
    if name in MANY:
        rows, related = MANY[name]
        return ", ".join(sorted(getattr(m, related).slug for m in getattr(row, rows).all()))
    return getattr(row, f"{name}_id") if name in FOREIGN_KEYS else getattr(row, name)


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None if value is None else ""
    if isinstance(value, datetime):
        return str(_datetime_field.to_representation(value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def release_history(release: Release, user: Any) -> list[dict[str, Any]]:
    """Every recorded change of ``release``, oldest first, as plain data for HistoryEntrySerializer."""
    prefetch = [f"{rows}__{related}" for rows, related in MANY.values()]
    rows = list(
        release.history.order_by("history_date", "history_id").prefetch_related(*prefetch)  # type: ignore[attr-defined]
    )
    slugs: dict[str, dict[int, str]] = {}
    for name, model in FOREIGN_KEYS.items():
        ids = {_raw(row, name) for row in rows} - {None}
        slugs[name] = dict(model.objects.filter(pk__in=ids).values_list("pk", "slug")) if ids else {}
    roles = roles_of(user)
    sees_drafts = bool(roles.producer_ids & {release.lead_producer_id, *(p.pk for p in release.joint_producers.all())})
    entries = []
    previous = None
    for row in rows:
        changes = []
        for name in (*FIELDS, *MANY):
            new: Any = _raw(row, name)
            old: Any = _raw(previous, name) if previous is not None else None
            if previous is not None and old == new:
                continue
            if previous is None and new in (None, ""):
                continue
            if name in FOREIGN_KEYS:
                old, new = slugs[name].get(old) if old else None, slugs[name].get(new) if new else None
            changes.append({"field": name, "old": _text(old), "new": _text(new)})
        previous = row
        if row.state == State.DRAFT and not sees_drafts:
            continue
        entries.append(
            {
                "changed_at": row.history_date,
                "change_type": CHANGE_TYPES.get(row.history_type, "changed"),
                "state": row.state,
                "reason": row.history_change_reason,
                "changes": changes,
            }
        )
    return entries

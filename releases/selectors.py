"""Reads that are more than a one-liner."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from .choices import Need, State
from .models import DateChange, PreReleaseAccess, Release
from .querysets import ReleaseQuerySet
from .rules import STANDARD_TIME, release_time_warnings


def release_schedule_warnings(release: Release, *, at: datetime | None = None) -> list[str]:
    """Code of Practice warnings about a release's exact time, as of its confirmation (or ``at``)."""
    if release.release_at is None:
        return []
    allowed = release.series.allowed_release_times() if release.series else (STANDARD_TIME,)
    return release_time_warnings(
        release_at=release.release_at,
        confirmed_at=at or release.confirmed_at or timezone.now(),
        allowed_times=allowed,
        minimum_notice_days=settings.EHSSG_MIN_NOTICE_DAYS,
    )


def releases_for_user(user: Any) -> ReleaseQuerySet:
    """The releases a signed-in producer works on, newest first, for their list page."""
    return Release.objects.editable_by(user).with_flags().for_listing().order_by("-starts_on", "title")


def need_counts(releases: ReleaseQuerySet, *, now: datetime | None = None) -> dict[str, int]:
    """How many of ``releases`` need each kind of action, and any action ("any"): the list's filter counts."""
    now = now or timezone.now()
    return {need: releases.needing(need, now).count() for need in ("any", *Need.values)}


def releases_filtered(
    releases: ReleaseQuerySet, *, query: str = "", state: str = "", need: str = "", now: datetime | None = None
) -> ReleaseQuerySet:
    """The producer's list narrowed by a title search, a state and a kind of action needed."""
    if query:
        releases = releases.filter(title__icontains=query)
    if state:
        releases = releases.filter(state=state)
    if need:
        releases = releases.needing(need, now)
    return releases


def release_history(release: Release, *, limit: int = 50) -> list[Any]:
    """A release's history, newest first, one row per change.

    django-simple-history writes a second row with the same reason when a service sets a many-to-many field
    (networks, joint producers) after saving: "Registered" then appeared twice. Rows of one change share the
    release's version, person and reason; the newest of them stands for the change.
    """
    rows: list[Any] = []
    for row in release.history.select_related("history_user")[: limit * 3]:
        key = (row.version, row.history_user_id, row.history_change_reason)
        if rows and (rows[-1].version, rows[-1].history_user_id, rows[-1].history_change_reason) == key:
            continue
        rows.append(row)
    return rows[:limit]


def release_detail(user: Any, slug: str) -> Release:
    """One release the user may see, with everything its page shows prefetched."""
    public_changes = Prefetch("date_changes", queryset=DateChange.objects.public(), to_attr="public_changes")
    access = Prefetch(
        "pre_release_access",
        queryset=PreReleaseAccess.objects.filter(is_removed=False),
        to_attr="access_list",
    )
    return (
        Release.objects.visible_to(user)
        .with_flags()
        .for_listing()
        .prefetch_related(public_changes, access)
        .get(slug=slug)
    )


def pre_release_access_visible(release: Release, user: Any) -> bool:
    """The list is public once the release is out; before that only its producers see it."""
    from ehssg.roles import roles_of

    if release.state == State.PUBLISHED:
        return True
    producer_ids = {release.lead_producer_id, *(p.pk for p in release.joint_producers.all())}
    return bool(roles_of(user).producer_ids & producer_ids)


def topic_networks() -> QuerySet[Any]:
    """Every topic network a release can be tagged with.

    Reached through ``Release.networks`` rather than imported: the networks app builds on the register, so the
    register's forms, filters and API name its model without importing it (docs/architecture.md).
    """
    return Release._meta.get_field("networks").related_model._default_manager.all()  # type: ignore[union-attr]

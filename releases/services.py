"""Every write to the release register.

Each service is keyword-only, atomic, checks who is acting, validates with ``full_clean()`` and records who and why in
history. Views, forms, the admin and the API call these and hold no rules of their own. ``at`` lets an import or the
demo data say when an action happened; it defaults to now.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from ehssg.roles import roles_of
from ehssg.text import readable_slug

from . import hooks, messages
from .choices import OPEN_STATES, ChangeStatus, Geography, Precision, PublicChange, State
from .hooks import Change
from .models import RELEASE_UID_NAMESPACE, DateChange, PreReleaseAccess, Producer, Release, ReleaseSeries
from .schedule import LONDON, Schedule, display_date, format_day, format_time

PRE_RELEASE_MAX_HOURS = 24


@dataclass
class ReleaseDetails:
    """What a producer says about a release, apart from its date and state."""

    title: str
    lead_producer: Producer
    designation: str
    lead_statistician_name: str
    lead_statistician_email: str
    summary: str = ""
    series: ReleaseSeries | None = None
    joint_producers: Sequence[Producer] = field(default_factory=tuple)
    networks: Sequence[Any] = field(default_factory=tuple)
    definitions: Sequence[Any] = field(default_factory=tuple)
    reference_period_start: date | None = None
    reference_period_end: date | None = None
    geography: str = Geography.ENGLAND
    market_sensitive: bool = False

    @classmethod
    def of(cls, release: Release) -> ReleaseDetails:
        return cls(
            title=release.title,
            lead_producer=release.lead_producer,
            designation=release.designation,
            lead_statistician_name=release.lead_statistician_name,
            lead_statistician_email=release.lead_statistician_email,
            summary=release.summary,
            series=release.series,
            joint_producers=tuple(release.joint_producers.all()),
            networks=tuple(release.networks.all()),
            definitions=tuple(release.definitions.all()),
            reference_period_start=release.reference_period_start,
            reference_period_end=release.reference_period_end,
            geography=release.geography,
            market_sensitive=release.market_sensitive,
        )


# --- helpers ---------------------------------------------------------------------------------------------------------


def _state_label(release: Release) -> str:
    return release.get_state_display().lower()


def _require_editor(actor: Any, release: Release | None = None, *, producer: Producer | None = None) -> None:
    if release is not None:
        producer_ids = {release.lead_producer_id, *(p.pk for p in release.joint_producers.all())}
        producer = release.lead_producer
    else:
        producer_ids = {producer.pk} if producer is not None else set()
    if not roles_of(actor).producer_ids & producer_ids:
        raise PermissionDenied(messages.NOT_A_PRODUCER_EDITOR.format(producer=producer))


def _require_hop(actor: Any, release: Release) -> None:
    if not roles_of(actor).is_hop_of(release.lead_producer_id):
        raise PermissionDenied(messages.NOT_HOP.format(producer=release.lead_producer))


def _require_reason(reason: str, message: str, field_name: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field_name: message})
    return reason


def _record(instance: Model, *, actor: Any, reason: str) -> None:
    """Validate and save with who and why for django-simple-history."""
    instance.full_clean()
    instance._history_user = actor  # type: ignore[attr-defined]
    instance._change_reason = reason  # type: ignore[attr-defined]
    instance.save()


def _save_release(
    release: Release, *, actor: Any, reason: str, at: datetime, significant: bool, alert: Change | None = None
) -> Release:
    """Save with who and why, then let the apps above the register react, in the same transaction (releases/hooks.py:
    the engines look at the release against the rest, the alerts outbox records ``alert``, the calendar's cache is
    dropped after the commit).

    ``alert`` says what the public should hear about.
    """
    previous_day = Release.objects.filter(pk=release.pk).values_list("starts_on", flat=True).first()
    if significant and release.state != State.DRAFT:
        release.sequence += 1
    release.revised_at = at
    release.version += 1
    _record(release, actor=actor, reason=reason)
    moved_from = [previous_day] if previous_day and previous_day != release.starts_on else []
    hooks.release_saved(hooks.ReleaseSaved(release=release, at=at, old_days=moved_from, change=alert))
    return release


def _apply_schedule(release: Release, schedule: Schedule) -> None:
    release.precision = schedule.precision
    release.release_at = schedule.release_at
    release.starts_on = schedule.starts_on
    release.ends_on = schedule.ends_on


def _check_future(schedule: Schedule, at: datetime) -> None:
    if schedule.release_at is not None:
        if schedule.release_at <= at:
            raise ValidationError({"release_at": messages.RELEASE_IN_PAST})
    elif schedule.ends_on < at.astimezone(LONDON).date():
        raise ValidationError({"starts_on": messages.WINDOW_IN_PAST})


def _unique_slug(title: str, schedule: Schedule) -> str:
    """A new release's slug, set once: later edits of the title never move its address, feeds' UIDs or links."""
    base = readable_slug(f"{title} {schedule.starts_on:%Y-%m}")[:100].strip("-") or "release"
    slug, n = base, 1
    while Release.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _check_details(details: ReleaseDetails) -> None:
    errors: dict[str, str] = {}
    if details.lead_producer in details.joint_producers:
        errors["joint_producers"] = messages.LEAD_NOT_JOINT
    if (
        details.reference_period_start
        and details.reference_period_end
        and details.reference_period_end < details.reference_period_start
    ):
        errors["reference_period_end"] = messages.REFERENCE_PERIOD_ORDER
    if details.series is not None:
        series_producers = set(details.series.producers.values_list("pk", flat=True))
        if details.lead_producer.pk not in series_producers:
            errors["series"] = messages.SERIES_NOT_OF_PRODUCER.format(
                series=details.series, producer=details.lead_producer
            )
    if errors:
        raise ValidationError(errors)


def _write_details(release: Release, details: ReleaseDetails) -> None:
    release.title = details.title.strip()
    release.summary = details.summary.strip()
    release.lead_producer = details.lead_producer
    release.series = details.series
    release.designation = details.designation
    release.reference_period_start = details.reference_period_start
    release.reference_period_end = details.reference_period_end
    release.geography = details.geography
    release.lead_statistician_name = details.lead_statistician_name.strip()
    release.lead_statistician_email = details.lead_statistician_email.strip()
    release.market_sensitive = details.market_sensitive


def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


# How a decided change reads in "This change has already been {status}." ("not agreed" would not read).
_DECIDED_WORDS = {ChangeStatus.AGREED: "agreed", ChangeStatus.REJECTED: "refused", ChangeStatus.WITHDRAWN: "withdrawn"}


def _require_pending(change: DateChange) -> None:
    if change.status != ChangeStatus.PENDING:
        raise ValidationError(messages.CHANGE_NOT_PENDING.format(status=_DECIDED_WORDS[ChangeStatus(change.status)]))


def _check_fits_state(release: Release, schedule: Schedule) -> None:
    """A confirmed release keeps an exact time; a provisional one moves from window to window."""
    if release.state == State.CONFIRMED and not schedule.is_exact:
        raise ValidationError({"release_at": messages.CONFIRMED_NEEDS_EXACT})
    if release.state == State.PROVISIONAL and schedule.is_exact:
        raise ValidationError({"starts_on": messages.PROVISIONAL_NEEDS_WINDOW})


def _withdraw_pending(release: Release, *, actor: Any, at: datetime, because: str) -> None:
    """A pending change no longer fits once the release is confirmed, published or cancelled."""
    for pending in release.date_changes.pending():
        pending.status = ChangeStatus.WITHDRAWN
        pending.decided_at = at
        _record(pending, actor=actor, reason=f"Withdrawn: the release was {because}")


# --- releases --------------------------------------------------------------------------------------------------------


@transaction.atomic
def release_create(
    *,
    actor: Any,
    details: ReleaseDetails,
    schedule: Schedule,
    announce: bool = False,
    reason: str = "Registered",
    at: datetime | None = None,
    source: str = "",
    source_identifier: str | None = None,
) -> Release:
    """Register a release as a draft (private to its producers), announcing it at once if asked.

    ``source`` and ``source_identifier`` say where an imported release came from (importing/).
    """
    at = _now(at)
    if bool(source) != bool(source_identifier):
        raise ValueError("An imported release needs both its source and its identifier there.")
    _require_editor(actor, producer=details.lead_producer)
    _check_details(details)
    _check_future(schedule, at)
    release = Release(created_by=actor if getattr(actor, "pk", None) else None, revised_at=at, state=State.DRAFT)
    release.source = source
    release.source_identifier = source_identifier or None
    _write_details(release, details)
    _apply_schedule(release, schedule)
    release.slug = _unique_slug(release.title, schedule)
    release.uid = uuid.uuid5(RELEASE_UID_NAMESPACE, release.slug)
    _record(release, actor=actor, reason=reason)
    release.joint_producers.set(details.joint_producers)
    release.networks.set(details.networks)
    release.definitions.set(details.definitions)
    if announce:
        release = release_announce(actor=actor, release=release, reason="Announced", at=at)
    return release


@transaction.atomic
def release_update(
    *,
    actor: Any,
    release: Release,
    details: ReleaseDetails,
    reason: str,
    schedule: Schedule | None = None,
    at: datetime | None = None,
) -> Release:
    """Change what a release says. Dates of announced releases change only through confirm or a date change."""
    at = _now(at)
    release = Release.objects.select_for_update().get(pk=release.pk)
    _require_editor(actor, release)
    if release.state in (State.PUBLISHED, State.CANCELLED):
        raise ValidationError(messages.CANNOT_EDIT.format(state=_state_label(release)))
    reason = _require_reason(reason, messages.REASON_REQUIRED)
    _check_details(details)
    if details.lead_producer != release.lead_producer:
        _require_editor(actor, producer=details.lead_producer)
    _write_details(release, details)
    if schedule is not None and release.state == State.DRAFT:
        _check_future(schedule, at)
        _apply_schedule(release, schedule)
    _save_release(release, actor=actor, reason=reason, at=at, significant=False)
    release.joint_producers.set(details.joint_producers)
    release.networks.set(details.networks)
    release.definitions.set(details.definitions)
    return release


@transaction.atomic
def release_announce(*, actor: Any, release: Release, reason: str = "Announced", at: datetime | None = None) -> Release:
    """Make a draft public: provisional if it has a window, confirmed if it has an exact date and time."""
    at = _now(at)
    release = Release.objects.select_for_update().get(pk=release.pk)
    _require_editor(actor, release)
    if release.state != State.DRAFT:
        raise ValidationError(messages.CANNOT_ANNOUNCE.format(state=_state_label(release)))
    _check_future(Schedule.of(release), at)
    release.announced_at = at
    if release.precision == Precision.EXACT:
        release.state = State.CONFIRMED
        release.confirmed_at = at
    else:
        release.state = State.PROVISIONAL
    return _save_release(
        release, actor=actor, reason=reason or "Announced", at=at, significant=False,
        alert=Change(PublicChange.ANNOUNCED),
    )  # fmt: skip


@transaction.atomic
def release_confirm(
    *, actor: Any, release: Release, release_at: datetime, reason: str = "", at: datetime | None = None
) -> Release:
    """Give a provisional release its exact date and time (within the announced window)."""
    at = _now(at)
    release = Release.objects.select_for_update().get(pk=release.pk)
    _require_editor(actor, release)
    if release.state != State.PROVISIONAL:
        raise ValidationError(messages.CANNOT_CONFIRM.format(state=_state_label(release)))
    schedule = Schedule.exact(release_at)
    _check_future(schedule, at)
    if not Schedule.of(release).contains(release_at):
        raise ValidationError(
            {"release_at": messages.CONFIRM_OUTSIDE_WINDOW.format(window=Schedule.of(release).wording())}
        )
    _withdraw_pending(release, actor=actor, at=at, because="confirmed")
    _apply_schedule(release, schedule)
    release.state = State.CONFIRMED
    release.confirmed_at = at
    note = reason.strip() or f"Confirmed for {schedule.wording()}"
    return _save_release(
        release, actor=actor, reason=note, at=at, significant=True, alert=Change(PublicChange.CONFIRMED)
    )


@transaction.atomic
def release_request_change(
    *, actor: Any, release: Release, schedule: Schedule, reason: str, at: datetime | None = None
) -> DateChange:
    """Ask to move an announced date. The release moves only when its Head of Profession agrees."""
    at = _now(at)
    release = Release.objects.select_for_update().get(pk=release.pk)
    _require_editor(actor, release)
    reason = _require_reason(reason, messages.REASON_REQUIRED)
    if release.state not in OPEN_STATES:
        raise ValidationError(messages.CANNOT_CHANGE_DATE.format(state=_state_label(release)))
    _check_fits_state(release, schedule)
    current = Schedule.of(release)
    if schedule == current:
        raise ValidationError(messages.CHANGE_SAME_DATE)
    _check_future(schedule, at)
    if release.date_changes.pending().exists():
        raise ValidationError(messages.CHANGE_ALREADY_PENDING)
    change = DateChange(
        release=release,
        previous_precision=current.precision,
        previous_release_at=current.release_at,
        previous_starts_on=current.starts_on,
        previous_ends_on=current.ends_on,
        new_precision=schedule.precision,
        new_release_at=schedule.release_at,
        new_starts_on=schedule.starts_on,
        new_ends_on=schedule.ends_on,
        reason=reason,
        requested_by=actor,
        requested_at=at,
    )
    _record(change, actor=actor, reason=f"Change requested: {reason}")
    return change


@transaction.atomic
def release_agree_change(
    *, actor: Any, change: DateChange, note: str = "", at: datetime | None = None
) -> DateChange:
    """The Head of Profession agrees a change (their own request too): the release moves and the change is public."""
    at = _now(at)
    change = DateChange.objects.select_for_update().select_related("release").get(pk=change.pk)
    release = Release.objects.select_for_update().get(pk=change.release_id)
    _require_hop(actor, release)
    _require_pending(change)
    if release.state not in OPEN_STATES:
        raise ValidationError(messages.CANNOT_CHANGE_DATE.format(state=_state_label(release)))
    new = Schedule(change.new_precision, change.new_starts_on, change.new_ends_on, change.new_release_at)
    _check_fits_state(release, new)
    _check_future(new, at)
    change.status = ChangeStatus.AGREED
    change.decided_by = actor
    change.decided_at = at
    change.decision_note = note.strip()
    _record(change, actor=actor, reason=f"Agreed by Head of Profession: {change.reason}")
    old_wording = Schedule.of(release).wording()
    _apply_schedule(release, new)
    _save_release(
        release,
        actor=actor,
        reason=f"Moved from {old_wording} to {new.wording()}. Reason: {change.reason}",
        at=at,
        significant=True,
        alert=Change(PublicChange.RESCHEDULED, previous=old_wording, reason=change.reason),
    )
    change.release = release
    return change


@transaction.atomic
def release_refuse_change(*, actor: Any, change: DateChange, note: str, at: datetime | None = None) -> DateChange:
    """The Head of Profession does not agree a change; the release keeps its date."""
    at = _now(at)
    change = DateChange.objects.select_for_update().select_related("release").get(pk=change.pk)
    _require_hop(actor, change.release)
    note = _require_reason(note, messages.REASON_REQUIRED, "note")
    _require_pending(change)
    change.status = ChangeStatus.REJECTED
    change.decided_by = actor
    change.decided_at = at
    change.decision_note = note
    _record(change, actor=actor, reason=f"Not agreed: {note}")
    return change


@transaction.atomic
def release_withdraw_change(*, actor: Any, change: DateChange, at: datetime | None = None) -> DateChange:
    """The person who asked (or another editor of the producer) withdraws a pending change."""
    at = _now(at)
    change = DateChange.objects.select_for_update().select_related("release").get(pk=change.pk)
    _require_editor(actor, change.release)
    _require_pending(change)
    change.status = ChangeStatus.WITHDRAWN
    change.decided_at = at
    _record(change, actor=actor, reason="Withdrawn")
    return change


@transaction.atomic
def release_cancel(*, actor: Any, release: Release, reason: str, at: datetime | None = None) -> Release:
    """Cancel an announced release. It stays public, with the reason, for ever."""
    release = Release.objects.select_for_update().get(pk=release.pk)
    _require_editor(actor, release)
    return _cancel(release, actor=actor, reason=reason, at=_now(at))


def _cancel(
    release: Release, *, actor: Any, reason: str, at: datetime, in_favour_of: Release | None = None
) -> Release:
    reason = _require_reason(reason, messages.CANCEL_REASON_REQUIRED)
    if release.state not in OPEN_STATES:
        raise ValidationError(messages.CANNOT_CANCEL.format(state=_state_label(release)))
    _withdraw_pending(release, actor=actor, at=at, because="cancelled")
    release.state = State.CANCELLED
    release.cancellation_reason = reason
    release.cancelled_at = at
    release.withdrawn_in_favour_of = in_favour_of
    return _save_release(
        release, actor=actor, reason=f"Cancelled: {reason}", at=at, significant=True,
        alert=Change(PublicChange.CANCELLED, reason=reason),
    )  # fmt: skip


@transaction.atomic
def release_publish(
    *, actor: Any, release: Release, published_url: str, at: datetime | None = None
) -> Release:
    """Mark a confirmed release as published, with the address of the output."""
    at = _now(at)
    release = Release.objects.select_for_update().get(pk=release.pk)
    _require_editor(actor, release)
    published_url = _require_reason(published_url, messages.PUBLISHED_URL_REQUIRED, "published_url")
    if release.state != State.CONFIRMED or release.release_at is None:
        raise ValidationError(messages.CANNOT_PUBLISH.format(state=_state_label(release)))
    if at < release.release_at:
        local = release.release_at.astimezone(LONDON)
        raise ValidationError(
            messages.NOT_YET_DUE.format(due=f"{format_time(local.time())} on {format_day(local.date())}")
        )
    _withdraw_pending(release, actor=actor, at=at, because="published")
    release.state = State.PUBLISHED
    release.published_url = published_url
    release.published_at = at
    return _save_release(
        release, actor=actor, reason="Published", at=at, significant=True, alert=Change(PublicChange.PUBLISHED)
    )


@transaction.atomic
def release_discard_draft(*, actor: Any, release: Release) -> None:
    """Delete a draft nobody outside its producer has seen. Announced releases are never deleted."""
    release = Release.objects.select_for_update().get(pk=release.pk)
    _require_editor(actor, release)
    if release.state != State.DRAFT:
        raise ValidationError(messages.CANNOT_DISCARD)
    # Its pre-release access list was private too; it goes with it (PROTECT would otherwise refuse the delete).
    for row in [*release.pre_release_access.all(), release]:
        row._history_user = actor  # type: ignore[attr-defined]
        row._change_reason = "Draft discarded"  # type: ignore[attr-defined]
        row.delete()


# --- pre-release access ----------------------------------------------------------------------------------------------


@transaction.atomic
def prerelease_access_add(
    *,
    actor: Any,
    release: Release,
    recipient_role: str,
    organisation: str,
    justification: str,
    access_starts_at: datetime,
    at: datetime | None = None,
) -> PreReleaseAccess:
    """Record who gets the statistics early and why; access starts at most 24 hours before release."""
    if timezone.is_naive(access_starts_at):
        raise ValueError("The start of pre-release access must be timezone-aware.")
    release = Release.objects.select_for_update().get(pk=release.pk)
    _require_editor(actor, release)
    if release.state in (State.PUBLISHED, State.CANCELLED):
        raise ValidationError(messages.PRA_CLOSED.format(state=_state_label(release)))
    if release.release_at is None:
        raise ValidationError(messages.PRA_NEEDS_EXACT)
    earliest = release.release_at - timedelta(hours=PRE_RELEASE_MAX_HOURS)
    if access_starts_at < earliest:
        local = earliest.astimezone(LONDON)
        raise ValidationError(
            {
                "access_starts_at": messages.PRA_TOO_EARLY.format(
                    earliest=f"{format_time(local.time())} on {format_day(local.date())}"
                )
            }
        )
    if access_starts_at >= release.release_at:
        due = display_date(Schedule.of(release), release.state)
        raise ValidationError({"access_starts_at": messages.PRA_AFTER_RELEASE.format(due=due)})
    entry = PreReleaseAccess(
        release=release,
        recipient_role=recipient_role.strip(),
        organisation=organisation.strip(),
        justification=justification.strip(),
        access_starts_at=access_starts_at,
    )
    _record(entry, actor=actor, reason="Pre-release access given")
    return entry


@transaction.atomic
def prerelease_access_remove(*, actor: Any, entry: PreReleaseAccess, reason: str) -> PreReleaseAccess:
    """Take someone off the list before release; the entry stays in history."""
    entry = PreReleaseAccess.objects.select_for_update().select_related("release").get(pk=entry.pk)
    _require_editor(actor, entry.release)
    if entry.release.state in (State.PUBLISHED, State.CANCELLED):
        raise ValidationError(messages.PRA_CLOSED.format(state=_state_label(entry.release)))
    reason = _require_reason(reason, messages.REASON_REQUIRED)
    entry.is_removed = True
    _record(entry, actor=actor, reason=f"Pre-release access removed: {reason}")
    return entry



@transaction.atomic
def release_withdraw_duplicate(
    *, actor: Any, release: Release, in_favour_of: Release, reason: str, at: datetime | None = None
) -> Release:
    """Withdraw a release confirmed as a duplicate: cancelled, with a public pointer to the one that stays.

    The caller (settling a duplicate flag) has already checked that the actor may settle it.
    """
    if release.pk == in_favour_of.pk:
        raise ValidationError(messages.WITHDRAW_SAME)
    release = Release.objects.select_for_update().get(pk=release.pk)
    note = f"Withdrawn as a duplicate of {in_favour_of.title} ({in_favour_of.lead_producer}). {reason.strip()}"
    return _cancel(release, actor=actor, reason=note, at=_now(at), in_favour_of=in_favour_of)

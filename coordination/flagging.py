"""Writes of the coordination engines: raise, refresh and retire flags; settle them.

Flags are keyed by what they are about, so a rescan finds the same flag rather than raising another (running it twice
changes nothing). A flag somebody settled stays settled while the facts behind it are the same; when they change (a
third release joins a clash, a date moves) it opens again. A flag the engines no longer find is resolved with the words
"no longer applies", so the record of what was found stays.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ehssg.roles import roles_of
from releases import messages
from releases.choices import State
from releases.hooks import ReleaseSaved
from releases.models import Release

from .choices import UNSETTLED_STATUSES, FlagKind, FlagStatus, RelationKind
from .detection import Finding, findings_for_all, findings_for_release
from .models import Flag, ReleaseRelation

NO_LONGER_APPLIES = "No longer applies: the releases or dates behind it changed."

# Inside ``flag_checks_deferred()``: the releases whose on-save check waits for the one rescan at the end.
_deferred: ContextVar[set[int] | None] = ContextVar("flag_checks_deferred", default=None)


@dataclass(frozen=True)
class SyncResult:
    raised: int = 0
    reopened: int = 0
    updated: int = 0
    retired: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> int:
        return self.raised + self.reopened + self.updated + self.retired


def _save(flag: Flag, *, actor: Any, reason: str) -> None:
    flag.full_clean(exclude=["releases"])
    flag._history_user = actor  # type: ignore[attr-defined]
    flag._change_reason = reason  # type: ignore[attr-defined]
    flag.save()


FLAG_FIELDS = [
    "kind", "severity", "network", "series", "explanation", "facts", "facts_hash", "status", "is_current",
    "last_seen_at", "settled_by", "settled_at", "settle_reason",
]  # fmt: skip


@transaction.atomic
def flags_sync(findings: Sequence[Finding], *, scope: Q | None, at: datetime | None = None) -> SyncResult:
    """Make the flags in ``scope`` (all flags when None) match ``findings``: raise, reopen, update or retire.

    Written in bulk (with history rows) so a full rescan that raises thousands of flags stays quick.
    """
    at = at or timezone.now()
    by_key = {f.key: f for f in findings}
    in_scope = Flag.objects.filter(is_current=True)
    if scope is not None:
        in_scope = in_scope.filter(pk__in=_scoped_ids(scope))
    existing = {flag.key: flag for flag in in_scope}
    if by_key:
        existing.update({flag.key: flag for flag in Flag.objects.filter(key__in=list(by_key))})
    linked: dict[int, set[int]] = defaultdict(set)
    through = Flag.releases.through
    for flag_id, release_id in through.objects.filter(flag_id__in=[f.pk for f in existing.values()]).values_list(
        "flag_id", "release_id"
    ):
        linked[flag_id].add(release_id)
    buckets: dict[str, list[Flag]] = defaultdict(list)
    new_flags: list[Flag] = []
    for key, finding in by_key.items():
        flag = existing.get(key)
        if flag is None:
            flag = Flag(key=key, raised_at=at)
            _fill(flag, finding, at)
            new_flags.append(flag)
            continue
        same_facts = flag.facts_hash == finding.facts_hash
        if same_facts and flag.is_current and flag.explanation == finding.explanation and set(
            finding.release_ids
        ) == linked.get(flag.pk, set()):
            buckets["unchanged"].append(flag)
            continue
        if not same_facts and flag.status not in UNSETTLED_STATUSES:
            _reopen(flag)
            bucket = "Opened again: the facts behind it changed"
        elif not flag.is_current and flag.status not in UNSETTLED_STATUSES and flag.settled_by_id is None:
            _reopen(flag)  # retired by the engines earlier and found again: it applies once more
            bucket = "Found again by the engines"
        else:
            bucket = "Refreshed by the engines"
        _fill(flag, finding, at)
        buckets[bucket].append(flag)
    for key, flag in existing.items():
        if key in by_key or not flag.is_current:
            continue
        flag.is_current = False
        if flag.status in UNSETTLED_STATUSES:
            flag.status = FlagStatus.RESOLVED
            flag.settled_at = at
            flag.settle_reason = NO_LONGER_APPLIES
        buckets[NO_LONGER_APPLIES].append(flag)
    if new_flags:
        bulk_create_with_history(new_flags, Flag, batch_size=500, default_change_reason="Raised by the engines",
                                 default_date=at)  # fmt: skip
        created = {f.key: f.pk for f in Flag.objects.filter(key__in=[f.key for f in new_flags])}
        for flag in new_flags:
            flag.pk = created[flag.key]
    for reason, flags in buckets.items():
        if reason != "unchanged":
            bulk_update_with_history(flags, Flag, FLAG_FIELDS, batch_size=500, default_change_reason=reason,
                                     default_date=at)  # fmt: skip
    _relink(through, [*new_flags, *(f for r, fl in buckets.items() if r != "unchanged" for f in fl)], by_key, linked)
    retired = len(buckets[NO_LONGER_APPLIES])
    reopened = len(buckets["Opened again: the facts behind it changed"]) + len(buckets["Found again by the engines"])
    return SyncResult(
        raised=len(new_flags),
        reopened=reopened,
        updated=len(buckets["Refreshed by the engines"]),
        retired=retired,
        unchanged=len(buckets["unchanged"]),
    )


def _scoped_ids(scope: Q) -> set[int]:
    """Flag ids matching each part of an OR'ed scope, one indexed query a part (an OR across a join scans)."""
    ids: set[int] = set()
    parts = scope.children if scope.connector == Q.OR and not scope.negated else [scope]
    for part in parts:
        q = part if isinstance(part, Q) else Q(part)
        ids.update(Flag.objects.filter(q).order_by().values_list("pk", flat=True))
    return ids


def _relink(through: Any, flags: Sequence[Flag], by_key: dict[str, Finding], linked: dict[int, set[int]]) -> None:
    """Point each changed flag at the releases its finding concerns (adding and removing only the difference)."""
    add, remove = [], []
    for flag in flags:
        finding = by_key.get(flag.key)
        if finding is None:
            continue
        wanted, have = set(finding.release_ids), linked.get(flag.pk, set())
        add += [through(flag_id=flag.pk, release_id=rid) for rid in wanted - have]
        remove += [(flag.pk, rid) for rid in have - wanted]
    if add:
        through.objects.bulk_create(add, batch_size=2000)
    for flag_id, release_id in remove:
        through.objects.filter(flag_id=flag_id, release_id=release_id).delete()


def _reopen(flag: Flag) -> None:
    flag.status = FlagStatus.OPEN
    flag.settled_by = None
    flag.settled_at = None
    flag.settle_reason = ""


def _fill(flag: Flag, finding: Finding, at: datetime) -> None:
    flag.kind = finding.kind
    flag.severity = finding.severity
    flag.network_id = finding.network_id
    flag.series_id = finding.series_id
    flag.explanation = finding.explanation
    flag.facts = {**finding.facts, "releases": sorted(finding.release_ids)}
    flag.facts_hash = finding.facts_hash
    flag.is_current = True
    flag.last_seen_at = at


def flags_rescan(*, at: datetime | None = None) -> SyncResult:
    """The full rescan (management command and periodic task): idempotent."""
    at = at or timezone.now()
    return flags_sync(findings_for_all(at), scope=None, at=at)


@contextmanager
def flag_checks_deferred() -> Iterator[None]:
    """Many writes in a row (the demo's register): one full rescan at the end instead of an on-save check per write.

    The rescan finds what the last on-save check of each release would have found, as of the end; what it skips is
    the flags raised and retired again along the way. Use it only where nothing inside reads flags. Nested uses join
    the outer one. Nothing is skipped when the block fails: the transaction around it is rolled back anyway.
    """
    if _deferred.get() is not None:
        yield
        return
    token = _deferred.set(set())
    try:
        yield
        touched = _deferred.get()
    finally:
        _deferred.reset(token)
    if touched:
        flags_rescan()


def flags_check_release(release: Release, *, old_days: Iterable[date] = (), at: datetime | None = None) -> list[Flag]:
    """The on-save check: refresh the flags one changed release can raise or retire; return its open flags.

    Inside ``flag_checks_deferred()`` it only notes the release (and returns no flags): the rescan at the end looks.
    """
    at = at or timezone.now()
    if release.state == State.DRAFT:
        return []
    if (deferred := _deferred.get()) is not None:
        deferred.add(release.pk)
        return []
    found, scope = findings_for_release(release, now=at, old_days=old_days)
    q = Q(key__in=scope.keys) | Q(releases=release)
    if scope.series_ids:
        q |= Q(kind=FlagKind.NO_COVERAGE, series__in=scope.series_ids)
    flags_sync(found, scope=q, at=at)
    flag_ids = list(Flag.releases.through.objects.filter(release_id=release.pk).values_list("flag_id", flat=True))
    return list(Flag.objects.filter(pk__in=flag_ids, status__in=UNSETTLED_STATUSES).order_by("kind", "pk"))


def release_preview_findings(release: Release, *, at: datetime | None = None) -> list[str]:
    """What the engines would flag about a release, in words, without raising anything (drafts, and the form)."""
    found, _scope = findings_for_release(release, now=at or timezone.now())
    return [f.explanation for f in found if release.pk in f.release_ids or f.series_id == release.series_id]


# --- settling --------------------------------------------------------------------------------------------------------


def flag_can_settle(user: Any, flag: Flag) -> bool:
    """The producers concerned, the leads of the networks concerned, and the secretariat settle flags. OSR reads."""
    roles = roles_of(user)
    if roles.secretariat:
        return True
    releases = list(flag.releases.all())
    network_ids = {flag.network_id} if flag.network_id else set()
    producer_ids: set[int] = set()
    for release in releases:
        network_ids.update(n.pk for n in release.networks.all())
        producer_ids.update(p.pk for p in release.producers)
    if flag.series_id is not None and flag.series is not None:
        producer_ids.update(flag.series.producers.values_list("pk", flat=True))
    return bool(roles.lead_of & network_ids or roles.producer_ids & producer_ids)


def _require_settler(actor: Any, flag: Flag) -> None:
    if not flag_can_settle(actor, flag):
        raise PermissionDenied(messages.FLAG_NOT_YOURS)


def _settle(flag: Flag, *, actor: Any, status: str, reason: str, at: datetime | None) -> Flag:
    flag.status = status
    flag.settled_by = actor
    flag.settled_at = at or timezone.now()
    flag.settle_reason = reason
    _save(flag, actor=actor, reason=f"{flag.get_status_display()}: {reason}")
    return flag


def _locked(flag: Flag) -> Flag:
    return Flag.objects.select_for_update().get(pk=flag.pk)


def _require_unsettled(flag: Flag) -> None:
    if flag.status not in UNSETTLED_STATUSES:
        raise ValidationError(messages.FLAG_ALREADY_SETTLED.format(status=flag.get_status_display().lower()))


@transaction.atomic
def flag_acknowledge(*, actor: Any, flag: Flag, note: str = "", at: datetime | None = None) -> Flag:
    """Say the flag has been seen and is being worked on."""
    flag = _locked(flag)
    _require_settler(actor, flag)
    if flag.status != FlagStatus.OPEN:
        raise ValidationError(messages.FLAG_NOT_OPEN)
    flag.status = FlagStatus.ACKNOWLEDGED
    _save(flag, actor=actor, reason=f"Acknowledged{': ' + note.strip() if note.strip() else ''}")
    return flag


def _settling(actor: Any, flag: Flag, reason: str) -> tuple[Flag, str]:
    """Lock an unsettled flag the actor may settle, and the reason they must give."""
    flag = _locked(flag)
    _require_settler(actor, flag)
    _require_unsettled(flag)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": messages.FLAG_REASON_REQUIRED})
    return flag, reason


@transaction.atomic
def flag_resolve(*, actor: Any, flag: Flag, reason: str, at: datetime | None = None) -> Flag:
    """Settle a flag as dealt with (for a clash, after moving a release), with what was done."""
    flag, reason = _settling(actor, flag, reason)
    return _settle(flag, actor=actor, status=FlagStatus.RESOLVED, reason=reason, at=at)


@transaction.atomic
def flag_dismiss(*, actor: Any, flag: Flag, reason: str, at: datetime | None = None) -> Flag:
    """Settle a flag as not a problem, with why; it is not raised again unless the facts change."""
    flag, reason = _settling(actor, flag, reason)
    return _settle(flag, actor=actor, status=FlagStatus.DISMISSED, reason=reason, at=at)


def _relate(kind: str, a: Release, b: Release, *, actor: Any, note: str, at: datetime) -> ReleaseRelation:
    first, second = (a, b) if a.pk < b.pk else (b, a)
    relation, created = ReleaseRelation.objects.get_or_create(
        kind=kind, first=first, second=second, defaults={"note": note, "created_by": actor, "created_at": at}
    )
    return relation


@transaction.atomic
def releases_relate(
    *, actor: Any, first: Release, second: Release, kind: str, note: str = "", at: datetime | None = None
) -> ReleaseRelation:
    """Declare two releases related (they should come out together) or coordinated (the same day is agreed)."""
    at = at or timezone.now()
    if first.pk == second.pk:
        raise ValidationError(messages.RELATE_SELF)
    roles = roles_of(actor)
    producer_ids = {p.pk for p in (*first.producers, *second.producers)}
    network_ids = {n.pk for n in (*first.networks.all(), *second.networks.all())}
    if not (roles.secretariat or roles.producer_ids & producer_ids or roles.lead_of & network_ids):
        raise PermissionDenied(messages.FLAG_NOT_YOURS)
    relation = _relate(kind, first, second, actor=actor, note=note.strip(), at=at)
    for release in (first, second):
        flags_check_release(release, at=at)
    return relation


@transaction.atomic
def flag_mark_coordinated(*, actor: Any, flag: Flag, reason: str, at: datetime | None = None) -> Flag:
    """Settle a date clash by agreeing the releases come out on the same day: they are not flagged together again."""
    at = at or timezone.now()
    flag, reason = _settling(actor, flag, reason)
    if flag.kind != FlagKind.CLASH:
        raise ValidationError(messages.FLAG_NOT_A_CLASH)
    releases = sorted(flag.releases.all(), key=lambda r: r.pk)
    for i, a in enumerate(releases):
        for b in releases[i + 1 :]:
            _relate(RelationKind.COORDINATED, a, b, actor=actor, note=reason, at=at)
    return _settle(flag, actor=actor, status=FlagStatus.RESOLVED, reason=f"Marked as coordinated: {reason}", at=at)


@transaction.atomic
def flag_confirm_duplicate(
    *, actor: Any, flag: Flag, withdraw: Release, reason: str, at: datetime | None = None
) -> Flag:
    """Confirm a duplicate: withdraw one release in favour of the other (cancelled, with a public pointer)."""
    from releases.services import release_withdraw_duplicate

    at = at or timezone.now()
    flag, reason = _settling(actor, flag, reason)
    if flag.kind != FlagKind.DUPLICATE:
        raise ValidationError(messages.FLAG_NOT_A_DUPLICATE)
    pair = list(flag.releases.all())
    if withdraw.pk not in {r.pk for r in pair}:
        raise ValidationError({"withdraw": messages.FLAG_WITHDRAW_NOT_IN_PAIR})
    keep = next(r for r in pair if r.pk != withdraw.pk)
    release_withdraw_duplicate(actor=actor, release=withdraw, in_favour_of=keep, reason=reason, at=at)
    flag.refresh_from_db()
    return _settle(
        flag, actor=actor, status=FlagStatus.RESOLVED, reason=f"Duplicate confirmed: {reason}", at=at
    )


# --- what the register calls (releases/hooks.py, registered in apps.py) ----------------------------------------------


def on_release_saved(event: ReleaseSaved) -> None:
    """The on-save check, in the write's transaction: a failing check rolls the write back."""
    flags_check_release(event.release, old_days=event.old_days, at=event.at)


def release_warnings(releases: Sequence[Release], preview_drafts: bool) -> dict[int, list[str]]:
    """Open flags of each release in words (by kind); for a draft, what the engines would flag if it were announced."""
    found: dict[int, list[str]] = {}
    if preview_drafts:
        found = {r.pk: release_preview_findings(r) for r in releases if r.state == State.DRAFT}
    announced = [r.pk for r in releases if r.pk not in found]
    for release_id, explanation in (
        Flag.releases.through.objects.filter(release_id__in=announced, flag__status__in=UNSETTLED_STATUSES)
        .order_by("flag__kind", "flag_id")
        .values_list("release_id", "flag__explanation")
    ):
        found.setdefault(release_id, []).append(explanation)
    return found

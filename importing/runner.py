"""Apply parsed records to the register through the release services, one savepoint per record.

Who acts: the person who asked for the import (``--as USERNAME`` or the API caller) decides what may be imported:
records of producers they are an editor or Head of Profession of, or any producer for the EHSSG secretariat. The
services then act as the dedicated system user ``calendar.import``, given, for that one record and only in memory,
the editor and Head of Profession roles of the record's producers: the source is the producer's own announcement, and
its date changes were agreed by the producer before they were announced there. History therefore says who wrote each
row (``calendar.import``) and why ("Imported from GOV.UK /government/statistics/announcements/...").
See docs/decisions/0003-importing.md.

A new record is replayed: registered and announced with its first date, moved through each change the source reports
(request and agreement, with the source's reason), confirmed, then cancelled or published, each step at the time the
source gives or the stand-in of :mod:`.timeline`. A known record is compared with the register and only what differs
is applied, through the same services; a record that matches is left alone (re-importing changes nothing). Either
way the engines look at the release again as of now, so overdue releases and late changes raise their flags.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from coordination.flagging import flags_check_release
from ehssg.roles import Roles, roles_of
from releases import services
from releases.choices import OPEN_STATES, State
from releases.models import Producer, Release
from releases.schedule import Schedule
from releases.services import ReleaseDetails

from . import messages
from .producers import ProducerIndex, series_for
from .records import ImportRecord, ParsedFile, RecordProblem, Rejected, month_window, reference_period
from .timeline import CANCEL, PUBLISH, step_times

IMPORT_USERNAME = "calendar.import"
CREATED, UPDATED, UNCHANGED, REJECTED = "created", "updated", "unchanged", "rejected"

Progress = Callable[[int, int], None]


@dataclass
class Outcome:
    """What happened to one record."""

    where: str
    identifier: str
    title: str
    result: str
    reasons: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    release: Release | None = None


@dataclass
class ImportSummary:
    """Every record's outcome, and the files that held nothing to import (with why)."""

    outcomes: list[Outcome] = field(default_factory=list)
    files: list[tuple[str, str]] = field(default_factory=list)

    def count(self, result: str) -> int:
        return sum(1 for o in self.outcomes if o.result == result)

    @property
    def counts(self) -> dict[str, int]:
        return {r: self.count(r) for r in (CREATED, UPDATED, UNCHANGED, REJECTED)}

    def rejected(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.result == REJECTED]


def import_actor() -> Any:
    """The system user that writes imported history. It cannot sign in and holds no stored roles."""
    user, created = get_user_model().objects.get_or_create(
        username=IMPORT_USERNAME,
        defaults={"first_name": "Calendar", "last_name": "import", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _messages_of(exc: Exception) -> tuple[str, ...]:
    if isinstance(exc, ValidationError):
        return tuple(dict.fromkeys(str(m) for m in exc.messages))
    return (str(exc),)


class Importer:
    """One import run: who asked, whom to name as contact, and the producer for records that name none."""

    def __init__(
        self,
        *,
        requester: Any,
        contact: tuple[str, str] | None = None,
        default_producer: Producer | None = None,
        now: datetime | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.requester = requester
        self.roles = roles_of(requester)
        self.contact = contact
        self.default_producer = default_producer
        self.now = now or timezone.now()
        self.progress = progress
        self.producers = ProducerIndex()
        self.actor = import_actor()

    # --- the run -----------------------------------------------------------------------------------------------------

    def run(self, files: Sequence[ParsedFile]) -> ImportSummary:
        summary = ImportSummary()
        total = sum(len(f.items) for f in files)
        done = 0
        for parsed in files:
            if parsed.error or parsed.note:
                summary.files.append((parsed.name, parsed.error or parsed.note))
            for item in parsed.items:
                summary.outcomes.append(self.apply(item))
                done += 1
                if self.progress is not None:
                    self.progress(done, total)
        return summary

    def apply(self, item: ImportRecord | Rejected) -> Outcome:
        """One record, all or nothing."""
        if isinstance(item, Rejected):
            return Outcome(item.where, item.identifier, item.title, REJECTED, item.reasons)
        record = item
        reasons: list[str] = []
        producers = self._producers(record, reasons)
        known = (
            Release.objects.filter(source=record.source, source_identifier=record.identifier)
            .select_related("lead_producer")
            .first()
        )
        # The producer the source names now, and the one the register has (a source cannot hand a release over).
        concerned = [*producers[:1], *([known.lead_producer] if known and known.lead_producer not in producers else [])]
        for producer in concerned:
            if not (self.roles.secretariat or producer.pk in self.roles.producer_ids):
                reasons.append(messages.NOT_YOUR_PRODUCER.format(producer=producer.name))
        contact = self._contact(record)
        if contact is None:
            reasons.append(messages.NO_CONTACT)
        if reasons or not producers or contact is None:
            return Outcome(record.where, record.identifier, record.title, REJECTED, tuple(reasons))
        self._act_for([*producers, *concerned[1:]])
        changed: tuple[str, ...]
        try:
            with transaction.atomic():
                existing = (
                    Release.objects.select_for_update()
                    .filter(source=record.source, source_identifier=record.identifier)
                    .first()
                )
                if existing is None:
                    release = self._create(record, producers, contact)
                    result, changed = CREATED, ()
                else:
                    release, changed = self._update(existing, record, producers)
                    result = UPDATED if changed else UNCHANGED
                if result != UNCHANGED:
                    # The replay ran the engines at each step's time; look again as of now (overdue, notice).
                    flags_check_release(release, at=self.now)
        except (ValidationError, PermissionDenied, ValueError) as exc:  # ValueError: RecordProblem, impossible values
            return Outcome(record.where, record.identifier, record.title, REJECTED, _messages_of(exc))
        except OverflowError:
            return Outcome(record.where, record.identifier, record.title, REJECTED, (messages.OUT_OF_RANGE,))
        except IntegrityError:  # another import of the same record committed first
            return Outcome(record.where, record.identifier, record.title, REJECTED, (messages.IMPORTED_MEANWHILE,))
        return Outcome(record.where, record.identifier, record.title, result, changed=changed, release=release)

    # --- who ---------------------------------------------------------------------------------------------------------

    def _producers(self, record: ImportRecord, reasons: list[str]) -> list[Producer]:
        found: list[Producer] = []
        for names in record.organisations:
            producer = self.producers.find(names)
            if producer is None:
                reasons.append(messages.UNKNOWN_ORGANISATION.format(organisation=names[-1] if len(names) > 1
                                                                    else names[0]))  # fmt: skip
            elif producer not in found:
                found.append(producer)
        if not record.organisations:
            if self.default_producer is None:
                reasons.append(messages.NO_ORGANISATION)
            else:
                found.append(self.default_producer)
        return found if not reasons else []

    def _contact(self, record: ImportRecord) -> tuple[str, str] | None:
        if record.contact_email:
            return record.contact_name or record.contact_email, record.contact_email
        if self.contact is not None:
            return self.contact
        email = getattr(self.requester, "email", "") or ""
        if not email:
            return None
        name = self.requester.get_full_name() if hasattr(self.requester, "get_full_name") else ""
        return name or self.requester.get_username(), email

    def _act_for(self, producers: list[Producer]) -> None:
        """The system user may act for this record's producers (and a release's current lead producer, when the source
        moves it to another), and only them, for this record only. The first is the lead whose HoP agrees changes."""
        ids = frozenset(p.pk for p in producers)
        self.actor._ehssg_roles = Roles(
            authenticated=True, secretariat=False, osr=False, editor_of=ids, hop_of=frozenset({producers[0].pk}),
            lead_of=frozenset(), member_of=frozenset(),
        )  # fmt: skip

    # --- new releases ----------------------------------------------------------------------------------------------

    def _create(self, record: ImportRecord, producers: list[Producer], contact: tuple[str, str]) -> Release:
        chain = record.schedules
        known = [record.announced_at, *(c.at for c in record.changes)]
        final, final_known = self._final(record)
        times, final_at, _guessed = step_times(
            chain=chain, known=known, now=self.now, final=final, final_known=final_known, seen_at=record.seen_at
        )
        series = series_for(record.title, producers[0])
        period = reference_period(record.title)
        details = ReleaseDetails(
            title=record.title,
            lead_producer=producers[0],
            joint_producers=tuple(producers[1:]),
            designation=record.designation,
            summary=record.summary,
            lead_statistician_name=contact[0],
            lead_statistician_email=contact[1],
            series=series,
            networks=tuple(series.networks.all()) if series else (),
            definitions=tuple(series.definitions.all()) if series else (),
            reference_period_start=period[0] if period else None,
            reference_period_end=period[1] if period else None,
        )
        release = services.release_create(
            actor=self.actor, details=details, schedule=chain[0], at=times[0], source=record.source,
            source_identifier=record.identifier,
            reason=messages.CREATED_REASON.format(label=record.label) + self._assumed(record),
        )  # fmt: skip
        release = services.release_announce(
            actor=self.actor, release=release, reason=messages.ANNOUNCED_REASON.format(label=record.label), at=times[0]
        )
        for index, change in enumerate(record.changes):
            release = self._move(release, chain[index + 1], change.reason, times[index + 1], record)
        return self._finish(release, record, final, final_at)

    def _assumed(self, record: ImportRecord) -> str:
        return "".join(f" {a}" for a in record.assumptions)

    def _final(self, record: ImportRecord) -> tuple[str, datetime | None]:
        if record.state == State.CANCELLED:
            return CANCEL, record.cancelled_at
        if record.state == State.PUBLISHED:
            return PUBLISH, record.published_at
        return "", None

    def _move(self, release: Release, new: Schedule, reason: str, at: datetime, record: ImportRecord) -> Release:
        """From the release's date to ``new``: confirm inside the window, otherwise an agreed change."""
        current = Schedule.of(release)
        reason = reason or messages.CHANGE_NO_REASON.format(source=record.source_name)
        if new == current:
            return release
        if not current.is_exact and new.is_exact and new.release_at is not None:
            if not current.contains(new.release_at):
                release = self._agreed_change(release, month_window(new.starts_on), reason, at, record)
            return services.release_confirm(
                actor=self.actor, release=release, release_at=new.release_at, at=at,
                reason=messages.CONFIRMED_REASON.format(when=new.wording(), label=record.label),
            )  # fmt: skip
        if current.is_exact and not new.is_exact:
            raise RecordProblem(messages.CANNOT_UNCONFIRM)
        return self._agreed_change(release, new, reason, at, record)

    def _agreed_change(
        self, release: Release, new: Schedule, reason: str, at: datetime, record: ImportRecord
    ) -> Release:
        change = services.release_request_change(actor=self.actor, release=release, schedule=new, reason=reason, at=at)
        services.release_agree_change(
            actor=self.actor, change=change, at=at,
            note=messages.AGREED_NOTE.format(source=record.source_name, label=record.label),
        )  # fmt: skip
        return Release.objects.get(pk=release.pk)

    def _finish(self, release: Release, record: ImportRecord, final: str, at: datetime | None) -> Release:
        if final == CANCEL and at is not None:
            reason = record.cancellation_reason or messages.CANCEL_NO_REASON.format(source=record.source_name)
            return services.release_cancel(actor=self.actor, release=release, reason=reason, at=at)
        if final == PUBLISH and at is not None:
            return services.release_publish(actor=self.actor, release=release, published_url=record.published_url,
                                            at=at)  # fmt: skip
        return release

    # --- known releases --------------------------------------------------------------------------------------------

    def _update(
        self, release: Release, record: ImportRecord, producers: list[Producer]
    ) -> tuple[Release, tuple[str, ...]]:
        changed: list[str] = []
        details = ReleaseDetails.of(release)
        wanted = {
            "title": record.title,
            "summary": record.summary,
            "designation": record.designation,
            "lead_producer": producers[0],
        }
        differs = [name for name, value in wanted.items() if getattr(details, name) != value]
        if {p.pk for p in details.joint_producers} != {p.pk for p in producers[1:]}:
            differs.append("joint_producers")
        current = Schedule.of(release)
        target = record.schedule
        if release.state == State.CONFIRMED and not target.is_exact and current.release_at is not None:
            if target.contains(current.release_at):
                target = current  # confirmed here inside the window the source still shows: the register knows more
            else:
                raise RecordProblem(messages.CANNOT_UNCONFIRM)
        final, final_known = self._final(record)
        state_differs = record.state != release.state and record.state in (State.CANCELLED, State.PUBLISHED)
        if release.state not in OPEN_STATES:
            source_state = record.state if record.state in (State.CANCELLED, State.PUBLISHED) else "announced"
            what = [*differs, *(["date"] if target != current else []),
                    *([source_state] if source_state != release.state else [])]  # fmt: skip
            if what:
                raise RecordProblem(messages.FINAL_HERE.format(state=release.get_state_display().lower(),
                                                                what=", ".join(what)))  # fmt: skip
            return release, ()
        after = release.revised_at
        if differs:
            for name, value in wanted.items():
                setattr(details, name, value)
            details.joint_producers = tuple(producers[1:])
            release = services.release_update(
                actor=self.actor, release=release, details=details, at=max(self.now, release.revised_at),
                reason=messages.UPDATED_REASON.format(label=record.label, fields=", ".join(differs)),
            )  # fmt: skip
            changed += differs
        steps, reasons, known = self._new_steps(record, current, target)
        final_at: datetime | None = None
        if steps:
            times, final_at, _guessed = step_times(
                chain=steps, known=known, now=self.now, final=final if state_differs else "",
                final_known=final_known, seen_at=record.seen_at, after=after,
            )  # fmt: skip
            for index, schedule in enumerate(steps):
                release = self._move(release, schedule, reasons[index], times[index], record)
            changed.append("date")
        elif state_differs and final == PUBLISH:
            final_at = final_known or current.release_at
        elif state_differs:
            final_at = final_known or self.now  # when the register learns of it, if the source does not say
        if state_differs:
            release = self._finish(release, record, final, final_at)
            changed.append(record.state)
        return release, tuple(changed)

    def _new_steps(
        self, record: ImportRecord, current: Schedule, target: Schedule
    ) -> tuple[list[Schedule], list[str], list[datetime | None]]:
        """The source's dates after the one the register has now, with their reasons and times."""
        if target == current:
            return [], [], []
        chain = record.schedules
        positions = [i for i, s in enumerate(chain) if s == current]
        if positions:
            start = positions[-1]
            later = record.changes[start:]
            return chain[start + 1 :], [c.reason for c in later], [c.at for c in later]
        last = record.changes[-1] if record.changes else None
        return [target], [last.reason if last else ""], [last.at if last else None]


def import_files(
    files: Iterable[ParsedFile],
    *,
    requester: Any,
    contact: tuple[str, str] | None = None,
    default_producer: Producer | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> ImportSummary:
    """Import parsed files as ``requester``: see the module docstring."""
    importer = Importer(
        requester=requester, contact=contact, default_producer=default_producer, progress=progress, now=now
    )
    return importer.run(list(files))

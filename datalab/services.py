"""Every write to the Health Data Lab's records: a request's steps, its agreement, its cohort, its deletion.

Each step is one transaction: the request row is locked, the step is checked against the table in datalab/states.py
and the person's part in the request (``actors_for``), the request moves, its history row says who and why, and an
``AuditEntry`` records the step in the same transaction (so there is never a step without its entry, or the reverse).
Work that takes long (linking a cohort to the national data, deleting data) runs in the lab's Celery worker after the
commit, never in a request.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import asdict, fields
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ehssg.roles import LAB_ANALYST_GROUP, OUTPUT_CHECKER_GROUP, ProducerRole, forget_roles, roles_of
from ehssg.site import absolute_url
from releases import services as release_services
from releases.choices import Designation
from releases.choices import State as ReleaseState
from releases.models import Producer, ProducerMembership
from releases.rules import STANDARD_TIME, bank_holiday_name, is_working_day
from releases.schedule import LONDON, Schedule, format_day
from releases.services import PRE_RELEASE_MAX_HOURS, ReleaseDetails

from . import agreement, eligibility, messages, store
from .analysis.parameters import AnalysisParameters
from .base_rates import BaseRate as PlainBaseRate
from .choices import RequestState
from .cohort_file import read_cohort_file
from .disclosure.ledger import differencing_check, member_tokens
from .extract import data_dir
from .linkage import link_pseudonymised, pseudonymise_cohort
from .models import (
    ACTIVE_RUN_STATUSES,
    AgreementAcceptance,
    AnalysisRun,
    AuditEntry,
    BaseRate,
    CheckDecision,
    CohortUpload,
    DataLabRequest,
    DeletionCertificate,
    NationalExtract,
    Organisation,
    OutputCheck,
    Report,
    RunStage,
    RunStatus,
    UploadStatus,
)
from .power import power_sentence, smallest_detectable_difference
from .pseudonymise import load_key
from .report import words as report_words
from .states import REASON_REQUIRED, TRANSITIONS, WITHDRAWABLE, Actor, Step, Transition

if TYPE_CHECKING:
    from .analysis.result import AnalysisResult

# A request's own fields the organisation fills in (the application form, the API's draft).
APPLICATION_FIELDS = (
    "programme_name", "programme_description", "who_it_helps", "age_group", "delivery_start", "delivery_end",
    "expected_people", "primary_outcome", "primary_measure", "minimal_important_difference", "lawful_basis",
    "special_category_condition", "privacy_notice_confirmed",
)  # fmt: skip
log = logging.getLogger(__name__)
_REFERENCE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0 or 1: read over the phone without mistakes


# --- who a person is to a request -------------------------------------------------------------------------------------


def actors_for(user: Any, request: DataLabRequest) -> frozenset[Actor]:
    """The parts this person plays in this request: its organisation's people, its analyst (or any analyst while
    none is assigned), its output checker (never its analyst: the two-person rule), the secretariat."""
    roles = roles_of(user)
    found: set[Actor] = set()
    if request.organisation_id in roles.charity_of:
        found.add(Actor.CHARITY)
    if roles.lab_analyst and request.analyst_id in (None, user.pk):
        found.add(Actor.ANALYST)
    if roles.output_checker and request.output_checker_id in (None, user.pk) and request.analyst_id != user.pk:
        found.add(Actor.CHECKER)
    if roles.secretariat:
        found.add(Actor.SECRETARIAT)
    return frozenset(found)


def steps_for(user: Any, request: DataLabRequest) -> list[Transition]:
    """The steps this person could take now (the page's buttons); the services still check everything."""
    mine = actors_for(user, request)
    return [
        t for t in TRANSITIONS.values()
        if request.state in t.sources and t.actors & mine and Actor.SYSTEM not in t.actors
    ]  # fmt: skip


def _label(step: Step) -> str:
    return str(step.label).lower()


def _state_label(state: str) -> str:
    return str(RequestState(state).label).lower()


def _actor_name(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _lock(request: DataLabRequest) -> DataLabRequest:
    return DataLabRequest.objects.select_for_update().select_related("organisation").get(pk=request.pk)


def _save(request: DataLabRequest, *, actor: Any, reason: str, at: datetime) -> None:
    request.version += 1
    request.updated_at = at
    request.full_clean()
    request._history_user = actor  # type: ignore[attr-defined]
    request._change_reason = reason  # type: ignore[attr-defined]
    request.save()


def _audit(
    request: DataLabRequest, *, event: str, actor: Any, role: Actor, at: datetime, reason: str = "",
    step: Step | None = None, from_state: str = "", to_state: str = "", details: dict[str, Any] | None = None,
    actor_name: str = "",
) -> AuditEntry:  # fmt: skip
    return AuditEntry.objects.create(
        request=request, at=at, actor=actor, actor_name=actor_name or _actor_name(actor), actor_role=role,
        step=step or "", event=event, from_state=from_state, to_state=to_state, reason=reason, details=details or {},
    )  # fmt: skip


def _take(
    request: DataLabRequest, step: Step, *, actor: Any, at: datetime, reason: str = "",
    details: dict[str, Any] | None = None, system: str = "", as_actors: frozenset[Actor] | None = None,
) -> AuditEntry:  # fmt: skip
    """Move a locked request along ``step``: the guard, the new state, its history row and its audit entry.

    ``system`` names the task taking a system step (``actor`` is then None). ``as_actors`` gives the person's parts
    as they were before the step changed them (naming the request's analyst changes who its analyst is)."""
    transition = TRANSITIONS[step]
    if system:
        role = Actor.SYSTEM
        if Actor.SYSTEM not in transition.actors:
            raise PermissionDenied(messages.NOT_ALLOWED_STEP.format(step=_label(step)))
    else:
        mine = (actors_for(actor, request) if as_actors is None else as_actors) & transition.actors
        if not mine:
            raise PermissionDenied(messages.NOT_ALLOWED_STEP.format(step=_label(step)))
        # The most specific part first: the request's organisation, then the lab's people, then the secretariat.
        role = next(a for a in (Actor.CHARITY, Actor.CHECKER, Actor.ANALYST, Actor.SECRETARIAT) if a in mine)
    if request.state not in transition.sources:
        raise ValidationError(
            messages.CANNOT_STEP.format(state=_state_label(request.state), step=_label(step)), code="invalid_state"
        )
    reason = (reason or "").strip()
    if step in REASON_REQUIRED and not reason:
        raise ValidationError({"reason": messages.REASON_REQUIRED})
    before = request.state
    request.state = transition.target
    request.state_entered_at = at
    _save(request, actor=actor, reason=reason or str(step.label), at=at)
    return _audit(
        request, event=step.value, actor=actor, role=role, at=at, reason=reason, step=step, from_state=before,
        to_state=transition.target, details=details, actor_name=system,
    )  # fmt: skip


def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


# --- the national extract and what the application checks read --------------------------------------------------------


def current_extract() -> NationalExtract | None:
    return NationalExtract.objects.filter(current=True).first()


def coverage_of(extract: NationalExtract) -> eligibility.Coverage:
    return eligibility.Coverage(start=extract.coverage_start, end=extract.coverage_end, vintage=extract.vintage)


@transaction.atomic
def extract_register(
    *, folder: Path, manifest: dict[str, Any], base_rates: list[PlainBaseRate], at: datetime | None = None
) -> NationalExtract:
    """Record a built extract as the current one, with its national base rates (computed by the lab's worker).

    The previous current extract stays on record (requests linked to it name it) but is no longer current."""
    at = _now(at)
    folder = Path(folder).resolve()
    inside = folder.is_relative_to(data_dir().resolve())
    for previous in NationalExtract.objects.select_for_update().filter(current=True):
        previous.current = False
        previous._change_reason = "Another extract registered"  # type: ignore[attr-defined]
        previous.save(update_fields=["current"])
    extract, _created = NationalExtract.objects.update_or_create(
        vintage=f"{manifest['vintage']}-seed{manifest['seed']}-n{manifest['persons']}",
        defaults={
            # Relative to DATALAB_DATA_DIR where it lies inside it (the usual case), so the folder can move with it.
            "folder": str(folder.relative_to(data_dir().resolve()) if inside else folder),
            "coverage_start": date.fromisoformat(manifest["coverage_start"]),
            "coverage_end": date.fromisoformat(manifest["coverage_end"]),
            "persons": manifest["persons"],
            "generator_version": str(manifest.get("generator_version", "")),
            "registered_at": at,
            "current": True,
        },
    )
    extract.base_rates.all().delete()
    BaseRate.objects.bulk_create(
        BaseRate(extract=extract, outcome=r.outcome, age_group=r.age_group, people=r.people, rate=r.rate, mean=r.mean,
                 variance=r.variance)
        for r in base_rates
    )  # fmt: skip
    return extract


def application_checks(request: DataLabRequest) -> list[eligibility.Check]:
    """The automatic eligibility checks on the application as it stands, against the current extract."""
    extract = current_extract()
    if extract is None:
        return [eligibility.Check(code="no_extract", passed=False, message=messages.NO_EXTRACT)]
    return eligibility.application_checks(
        expected_people=request.expected_people, delivery_start=request.delivery_start,
        delivery_end=request.delivery_end, coverage=coverage_of(extract),
    )  # fmt: skip


def power_check(request: DataLabRequest, *, people: int | None = None) -> dict[str, Any] | None:
    """The smallest difference the request could detect at its size, from the national base rate of its primary
    outcome for people of its age group (None while the lab has no base rates)."""
    extract = current_extract()
    if extract is None:
        return None
    row = extract.base_rates.filter(outcome=request.primary_outcome, age_group=request.age_group).first()
    if row is None:
        return None
    base = PlainBaseRate(
        outcome=row.outcome, age_group=row.age_group, people=row.people, rate=row.rate, mean=row.mean,
        variance=row.variance,
    )  # fmt: skip
    try:
        result = smallest_detectable_difference(
            n_treated=people or request.expected_people, measure=request.primary_measure, base=base
        )
    except ValueError:  # no one expected yet, or an outcome no one in the age group had: nothing to say
        return None
    return {**asdict(result), "sentence": power_sentence(result, request.primary_outcome)}


# --- the organisation's application -----------------------------------------------------------------------------------


def _new_reference() -> str:
    while True:
        token = "".join(secrets.choice(_REFERENCE_LETTERS) for _ in range(6))
        reference = f"HDL-{token[:3]}-{token[3:]}"
        if not DataLabRequest.objects.filter(reference=reference).exists():
            return reference


def _require_member(actor: Any, organisation: Organisation) -> None:
    if organisation.pk not in roles_of(actor).charity_of:
        raise PermissionDenied(messages.NOT_A_MEMBER.format(organisation=organisation))


def _application(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(APPLICATION_FIELDS)
    if unknown:
        raise TypeError(f"not application fields: {sorted(unknown)}")
    cleaned = dict(values)
    for name in ("programme_name", "programme_description", "who_it_helps"):
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip()
    if cleaned.get("minimal_important_difference") is not None:
        cleaned["minimal_important_difference"] = Decimal(str(cleaned["minimal_important_difference"]))
    return cleaned


@transaction.atomic
def request_create(
    *, actor: Any, organisation: Organisation, at: datetime | None = None, **application: Any
) -> DataLabRequest:
    """Start a draft request for one of the actor's organisations: nothing is checked against the data until it is
    submitted, but the draft page shows the checks and the power as it is filled in."""
    _require_member(actor, organisation)
    at = _now(at)
    request = DataLabRequest(
        reference=_new_reference(), organisation=organisation, created_by=actor, created_at=at, updated_at=at,
        state_entered_at=at, **_application(application),
    )  # fmt: skip
    request.full_clean()
    request._history_user = actor  # type: ignore[attr-defined]
    request._change_reason = "Draft started"  # type: ignore[attr-defined]
    request.save()
    _audit(request, event="created", actor=actor, role=Actor.CHARITY, at=at, to_state=RequestState.DRAFT)
    return request


@transaction.atomic
def request_update(
    *, actor: Any, request: DataLabRequest, at: datetime | None = None, **application: Any
) -> DataLabRequest:
    """Change a draft's answers (a submitted request is changed only through its steps)."""
    request = _lock(request)
    if Actor.CHARITY not in actors_for(actor, request):
        raise PermissionDenied(messages.NOT_A_MEMBER.format(organisation=request.organisation))
    if request.state != RequestState.DRAFT:
        raise ValidationError(messages.ONLY_DRAFTS_EDITED, code="invalid_state")
    at = _now(at)
    changed = sorted(name for name, value in _application(application).items() if getattr(request, name) != value)
    for name, value in _application(application).items():
        setattr(request, name, value)
    _save(request, actor=actor, reason="Draft changed", at=at)
    if changed:
        _audit(request, event="edited", actor=actor, role=Actor.CHARITY, at=at, details={"fields": changed})
    return request


def _checks_snapshot(checks: list[eligibility.Check]) -> list[dict[str, Any]]:
    return [asdict(check) for check in checks]


@transaction.atomic
def request_submit(*, actor: Any, request: DataLabRequest, at: datetime | None = None) -> DataLabRequest:
    """Send a draft to the lab, once the automatic checks pass and the privacy notice is confirmed; the checks and
    the power as they were at submission are kept with the request."""
    request = _lock(request)
    if not request.privacy_notice_confirmed:
        raise ValidationError({"privacy_notice_confirmed": messages.PRIVACY_NOTICE_REQUIRED})
    checks = application_checks(request)
    failed = [check.message for check in checks if not check.passed]
    if failed:
        raise ValidationError(messages.NOT_ELIGIBLE.format(reasons=" ".join(failed)), code="not_eligible")
    at = _now(at)
    request.eligibility = _checks_snapshot(checks)
    request.power = power_check(request) or {}
    request.submitted_at = at
    _take(request, Step.SUBMIT, actor=actor, at=at, details={"checks": [c.code for c in checks]})
    return request


@transaction.atomic
def request_check_eligibility(
    *, actor: Any, request: DataLabRequest, reason: str = "", at: datetime | None = None
) -> DataLabRequest:
    """The lab confirms a submitted request is eligible (the automatic checks run again against today's extract)."""
    request = _lock(request)
    checks = application_checks(request)
    failed = [check.message for check in checks if not check.passed]
    if failed:
        raise ValidationError(messages.NOT_ELIGIBLE.format(reasons=" ".join(failed)), code="not_eligible")
    request.eligibility = _checks_snapshot(checks)
    _take(request, Step.CHECK_ELIGIBILITY, actor=actor, at=_now(at), reason=reason)
    return request


@transaction.atomic
def request_refuse_eligibility(
    *, actor: Any, request: DataLabRequest, reason: str, at: datetime | None = None
) -> DataLabRequest:
    """The lab turns a request down as not eligible, saying why (the organisation reads the reason)."""
    request = _lock(request)
    request.outcome_reasons = (reason or "").strip()
    _take(request, Step.REFUSE_ELIGIBILITY, actor=actor, at=_now(at), reason=reason)
    return request


@transaction.atomic
def agreement_sign(
    *, actor: Any, request: DataLabRequest, signatory_name: str, signatory_role: str, accepted: bool,
    at: datetime | None = None,
) -> AgreementAcceptance:  # fmt: skip
    """The organisation accepts the current data sharing agreement: which version, by whom, when, kept until when."""
    request = _lock(request)
    errors: dict[str, str] = {}
    if not accepted:
        errors["accepted"] = messages.AGREEMENT_NOT_CONFIRMED
    if not (signatory_name or "").strip():
        errors["signatory_name"] = messages.SIGNATORY_REQUIRED
    if not (signatory_role or "").strip():
        errors["signatory_role"] = messages.SIGNATORY_ROLE_REQUIRED
    if errors and Actor.CHARITY in actors_for(actor, request):
        raise ValidationError(errors)
    at = _now(at)
    keep_until = agreement.retention_until(timezone.localdate(at))
    request.retention_until = keep_until
    _take(request, Step.SIGN_AGREEMENT, actor=actor, at=at, details={"agreement_version": agreement.VERSION})
    acceptance = AgreementAcceptance(
        request=request, agreement_version=agreement.VERSION, agreement_sha256=agreement.digest(),
        signatory_name=signatory_name.strip(), signatory_role=signatory_role.strip(), accepted_by=actor,
        accepted_at=at, retention_until=keep_until,
    )  # fmt: skip
    acceptance.full_clean()
    acceptance._history_user = actor  # type: ignore[attr-defined]
    acceptance._change_reason = f"Agreement {agreement.VERSION} accepted"  # type: ignore[attr-defined]
    acceptance.save()
    return acceptance


def _check_team(analyst: Any, output_checker: Any) -> None:
    errors: dict[str, str] = {}
    if not analyst.groups.filter(name=LAB_ANALYST_GROUP).exists():
        errors["analyst"] = messages.NOT_AN_ANALYST.format(person=_actor_name(analyst))
    if not output_checker.groups.filter(name=OUTPUT_CHECKER_GROUP).exists():
        errors["output_checker"] = messages.NOT_A_CHECKER.format(person=_actor_name(output_checker))
    elif analyst.pk == output_checker.pk:
        errors["output_checker"] = messages.CHECKER_IS_ANALYST
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def request_open_upload(
    *, actor: Any, request: DataLabRequest, analyst: Any, output_checker: Any, reason: str = "",
    at: datetime | None = None,
) -> DataLabRequest:  # fmt: skip
    """The lab names the request's analyst and its independent output checker, and opens the upload."""
    request = _lock(request)
    mine = actors_for(actor, request)
    if not mine & TRANSITIONS[Step.OPEN_UPLOAD].actors:
        raise PermissionDenied(messages.NOT_ALLOWED_STEP.format(step=_label(Step.OPEN_UPLOAD)))
    _check_team(analyst, output_checker)
    request.analyst = analyst
    request.output_checker = output_checker
    details = {"analyst": _actor_name(analyst), "output_checker": _actor_name(output_checker)}
    _take(request, Step.OPEN_UPLOAD, actor=actor, at=_now(at), reason=reason, details=details, as_actors=mine)
    return request


# --- the cohort -------------------------------------------------------------------------------------------------------


@transaction.atomic
def cohort_upload(
    *, actor: Any, request: DataLabRequest, filename: str, data: bytes, at: datetime | None = None
) -> CohortUpload:
    """Receive the organisation's cohort file: every row validated (all or nothing), pseudonymised at once in
    memory, and only the pseudonyms written to the lab's store; linking runs in the lab's worker after the commit.

    Raises ``cohort_file.CohortFileInvalid`` with every row's problem; nothing is kept then."""
    request = _lock(request)
    if Actor.CHARITY not in actors_for(actor, request):
        raise PermissionDenied(messages.NOT_A_MEMBER.format(organisation=request.organisation))
    if request.state in (RequestState.DRAFT, RequestState.SUBMITTED, RequestState.ELIGIBILITY_CHECKED,
                         RequestState.AGREEMENT_SIGNED) or not hasattr(request, "agreement"):  # fmt: skip
        raise ValidationError(messages.UPLOAD_BEFORE_AGREEMENT, code="no_agreement")
    if request.state != RequestState.AWAITING_UPLOAD:
        raise ValidationError(
            messages.UPLOAD_NOT_OPEN.format(state=_state_label(request.state)), code="invalid_state"
        )
    at = _now(at)
    rows = read_cohort_file(filename=filename, data=data, today=timezone.localdate(at))
    table = pseudonymise_cohort(rows, load_key())
    del rows  # the identifiers go out of scope here; only pseudonyms are kept
    earlier = list(request.uploads.filter(status=UploadStatus.RECEIVED))
    number = (request.uploads.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    stored = store.write_table(request.reference, store.cohort_name(number), table)
    upload = CohortUpload(
        request=request, number=number, uploaded_by=actor, uploaded_at=at,
        file_format="xlsx" if filename.lower().endswith(".xlsx") else "csv", rows=table.num_rows, stored_as=stored,
    )  # fmt: skip
    try:
        _save_upload(upload, actor=actor, reason="Cohort received")
        for old in earlier:
            _delete_upload_files(old, ground="replaced", by=_actor_name(actor), actor=actor, at=at)
        _audit(
            request, event="cohort_received", actor=actor, role=Actor.CHARITY, at=at,
            details={"upload": number, "rows": table.num_rows, "format": upload.file_format},
        )  # fmt: skip
    except BaseException:
        store.delete_files(request.reference, [store.cohort_name(number)])  # no file without its record
        raise
    from . import tasks  # the tasks import these services

    transaction.on_commit(lambda: tasks.link_upload.delay(upload.pk))
    return upload


def _save_upload(upload: CohortUpload, *, actor: Any, reason: str) -> None:
    upload.full_clean()
    upload._history_user = actor  # type: ignore[attr-defined]
    upload._change_reason = reason  # type: ignore[attr-defined]
    upload.save()


def _analysable(links: pa.Table, coverage: eligibility.Coverage) -> tuple[pa.Table, dict[str, int]]:
    """The linked rows whose index date the extract can follow up, and the count of each reason the others are not."""
    reasons: dict[str, int] = {}
    keep = []
    for index_date in links.column("index_date").to_pylist():
        reason = eligibility.index_date_reason(index_date, coverage)
        keep.append(reason is None)
        if reason is not None:
            reasons[reason] = reasons.get(reason, 0) + 1
    return links.filter(pa.array(keep, pa.bool_())), dict(sorted(reasons.items()))


@transaction.atomic
def cohort_link(*, upload_id: int, task: str, task_id: str = "", at: datetime | None = None) -> CohortUpload | None:
    """The lab's worker links a received cohort to the current national extract (DuckDB over the Parquet files).

    The request learns only counts: submitted, linked, by which method, why the rest were not, how many can be
    analysed. Idempotent: an upload already linked, replaced or deleted is left alone."""
    upload = CohortUpload.objects.select_for_update().select_related("request").get(pk=upload_id)
    request = _lock(upload.request)
    if upload.status != UploadStatus.RECEIVED or request.state != RequestState.AWAITING_UPLOAD:
        return None
    extract = current_extract()
    if extract is None:
        raise ValidationError(messages.NO_EXTRACT)
    at = _now(at)
    result = link_pseudonymised(store.read_table(upload.stored_as), data_dir() / extract.folder)
    links = result.links if result.links is not None else pa.table({"index_date": pa.array([], pa.date32())})
    analysable, ineligible = _analysable(links, coverage_of(extract))
    store.write_table(request.reference, store.links_name(upload.number), analysable)
    summary = {
        **result.summary(), "ineligible": ineligible, "analysable": analysable.num_rows, "extract": extract.vintage,
        "sessions_recorded": int(pc.sum(pc.is_valid(analysable.column("sessions"))).as_py() or 0)
        if "sessions" in analysable.column_names else 0,
    }  # fmt: skip
    upload.status = UploadStatus.LINKED
    upload.linkage = summary
    upload.linked_at = at
    _save_upload(upload, actor=None, reason="Linked")
    request.linkage = summary
    _take(request, Step.LINK, actor=None, at=at, system=task, details={"upload": upload.number, "task_id": task_id})
    return upload


def _delete_upload_files(
    upload: CohortUpload, *, ground: str, by: str, actor: Any, at: datetime
) -> DeletionCertificate:
    """Delete one upload's person-level files, mark it and certify it."""
    request = upload.request
    deleted = store.delete_files(request.reference, [store.cohort_name(upload.number), store.links_name(upload.number)])
    upload.status = UploadStatus.REPLACED if ground == "replaced" else UploadStatus.DELETED
    upload.deleted_at = at
    _save_upload(upload, actor=actor, reason=f"Person-level data deleted ({ground})")
    remaining = [n for n in (store.cohort_name(upload.number), store.links_name(upload.number))
                 if (store.request_dir(request.reference) / n).exists()]  # fmt: skip
    return DeletionCertificate.objects.create(
        request=request, deleted_at=at, deleted_by=by, ground=ground, files=[f.as_dict() for f in deleted],
        verified=not remaining,
    )  # fmt: skip


@transaction.atomic
def request_replace_cohort(
    *, actor: Any, request: DataLabRequest, reason: str, at: datetime | None = None
) -> DataLabRequest:
    """Set a linked cohort aside (its files deleted, with a certificate) and open the upload again, for example when
    many rows did not link and the organisation can correct them."""
    request = _lock(request)
    at = _now(at)
    _take(request, Step.REPLACE_COHORT, actor=actor, at=at, reason=reason)
    for upload in request.uploads.filter(status=UploadStatus.LINKED):
        _delete_upload_files(upload, ground="replaced", by=_actor_name(actor), actor=actor, at=at)
    request.linkage = {}
    _save(request, actor=actor, reason=reason, at=at)
    return request


def _minimum_people() -> int:
    return int(getattr(settings, "DATALAB_MIN_PEOPLE", 60))


@transaction.atomic
def request_mark_feasible(
    *, actor: Any, request: DataLabRequest, reason: str = "", at: datetime | None = None
) -> DataLabRequest:
    """The analyst records that enough people linked to go on (at least DATALAB_MIN_PEOPLE analysable)."""
    request = _lock(request)
    if not request.linkage:
        raise ValidationError(messages.NOT_YET_LINKED)
    analysable = int(request.linkage.get("analysable", 0))
    if analysable < _minimum_people():
        raise ValidationError(messages.TOO_FEW_LINKED.format(analysable=analysable, minimum=_minimum_people()))
    _take(request, Step.MARK_FEASIBLE, actor=actor, at=_now(at), reason=reason)
    return request


@transaction.atomic
def request_mark_not_feasible(
    *, actor: Any, request: DataLabRequest, reason: str, at: datetime | None = None
) -> DataLabRequest:
    """The analyst records that the request cannot be answered, and why (the organisation reads the reason)."""
    request = _lock(request)
    request.outcome_reasons = (reason or "").strip()
    _take(request, Step.MARK_NOT_FEASIBLE, actor=actor, at=_now(at), reason=reason)
    return request


def protocol_parameters(request: DataLabRequest) -> AnalysisParameters:
    """The analysis parameters a request's protocol fixed when it was locked (its other keys are the lock's record)."""
    known = {f.name for f in fields(AnalysisParameters)}
    given = {k: v for k, v in request.protocol.items() if k in known}
    if given.get("minimal_important_difference") is not None:  # protocols locked before part 2 kept it as text
        given["minimal_important_difference"] = float(given["minimal_important_difference"])
    return AnalysisParameters.from_dict(given)


@transaction.atomic
def request_lock_protocol(
    *, actor: Any, request: DataLabRequest, reason: str = "", at: datetime | None = None
) -> DataLabRequest:
    """Fix the primary outcome and the analysis plan, timestamped, before any analysis: what the report will lead
    with cannot be chosen after seeing the results. The protocol is ``AnalysisParameters`` as a dict (the request's
    primary outcome and measure, its minimal important difference, the lab's minimum and processing lag), with the
    extract it will use and when it was locked."""
    request = _lock(request)
    at = _now(at)
    extract = current_extract()
    mid = request.minimal_important_difference
    try:
        parameters = AnalysisParameters(
            primary_outcome=request.primary_outcome, primary_measure=request.primary_measure,
            minimal_important_difference=float(mid) if mid is not None else None, min_people=_minimum_people(),
            lag_days=int(getattr(settings, "DATALAB_PROCESSING_LAG_DAYS", 90)),
        )  # fmt: skip
    except ValueError as error:
        raise ValidationError(str(error), code="invalid_protocol") from None
    request.protocol = {**parameters.to_dict(), "extract": extract.vintage if extract else "",
                        "locked_at": at.isoformat()}  # fmt: skip
    request.protocol_locked_at = at
    _take(request, Step.LOCK_PROTOCOL, actor=actor, at=at, reason=reason, details={"protocol": request.protocol})
    return request


# --- the analysis runs (the lab's worker) and the output check (the two-person rule) ----------------------------------


def _latest_run(request: DataLabRequest, *statuses: str) -> AnalysisRun | None:
    runs = request.runs.order_by("-version")
    return (runs.filter(status__in=statuses) if statuses else runs).first()


def _linked_upload(request: DataLabRequest) -> CohortUpload | None:
    return request.uploads.filter(status=UploadStatus.LINKED).order_by("-number").first()


@transaction.atomic
def request_analysis(request: DataLabRequest, *, by: Any, reason: str = "", at: datetime | None = None) -> AnalysisRun:
    """The request's analyst asks for a run of the locked protocol: a new version, queued for the lab's worker after
    the commit. Refused while another run is queued or running; the first run starts the analysis (the request can
    no longer be withdrawn)."""
    request = _lock(request)
    if Actor.ANALYST not in actors_for(by, request):
        raise PermissionDenied(messages.RUN_ANALYSTS_ONLY)
    if request.state != RequestState.PROTOCOL_LOCKED:
        raise ValidationError(messages.RUN_NOT_LOCKED.format(state=_state_label(request.state)), code="invalid_state")
    if request.runs.filter(status__in=ACTIVE_RUN_STATUSES).exists():
        raise ValidationError(messages.RUN_ALREADY_ACTIVE, code="run_active")
    if _linked_upload(request) is None:
        raise ValidationError(messages.NOT_YET_LINKED, code="not_linked")
    at = _now(at)
    latest = _latest_run(request)
    run = AnalysisRun(
        request=request, version=(latest.version if latest else 0) + 1, status=RunStatus.QUEUED, requested_by=by,
        requested_at=at, stage=RunStage.QUEUED, parameters=protocol_parameters(request).to_dict(),
    )  # fmt: skip
    run.full_clean()
    run.save()
    if request.analysis_started_at is None:
        request.analysis_started_at = at
    reason = (reason or "").strip()
    _save(request, actor=by, reason=reason or "Analysis requested", at=at)
    _audit(request, event="analysis_requested", actor=by, role=Actor.ANALYST, at=at, reason=reason,
           details={"run": run.version})  # fmt: skip
    from . import tasks  # the tasks import these services

    transaction.on_commit(lambda: tasks.run_analysis.delay(run.pk))
    return run


def _run_progress(
    run_id: int, *, stage: str, progress: int, task_id: str = "", start: bool = False, at: datetime | None = None
) -> bool:
    """Move a queued or running run on to ``stage`` (its own short transaction, so the page sees it at once)."""
    with transaction.atomic():
        run = AnalysisRun.objects.select_for_update().get(pk=run_id)
        if run.status not in ACTIVE_RUN_STATUSES:
            return False
        if start:  # a run the worker lost and the broker delivered again starts afresh
            run.status, run.started_at, run.task_id = RunStatus.RUNNING, _now(at), task_id
        run.stage, run.progress = stage, progress
        run.save(update_fields=["status", "started_at", "task_id", "stage", "progress"])
        return True


def analysis_execute(*, run_id: int, task: str, task_id: str = "", at: datetime | None = None) -> AnalysisRun | None:
    """The lab's worker runs one queued run: the linked cohort from the lab's store, the engine, disclosure control
    (the SDC rules, ACRO's verdict on the profiles, the differencing ledger), then the request is recorded as
    analysed, or not feasible with the reasons. A failure is recorded in words without any person-level value and
    leaves the request waiting with its protocol locked. Idempotent: a finished or failed run is left alone. ``at``
    (the demo's past) dates the run's start and its record; the worker leaves it out (now)."""
    if not _run_progress(run_id, stage=RunStage.LOADING, progress=5, task_id=task_id, start=True, at=at):
        return None
    # The engine (numpy, pandas, scikit-learn, ACRO) is imported by the lab's worker only, never by a web process.
    from .analysis import run as engine
    from .disclosure.publish import publish

    stage = RunStage.LOADING
    try:
        run = AnalysisRun.objects.select_related("request").get(pk=run_id)
        request = run.request
        upload = _linked_upload(request)
        if upload is None:
            raise LookupError("no linked upload")
        links = store.read_table(store.links_name_of(request.reference, upload.number))
        extract = NationalExtract.objects.filter(vintage=request.protocol.get("extract")).first() or current_extract()
        if extract is None:
            raise LookupError("no extract")
        stage = RunStage.ANALYSING
        _run_progress(run_id, stage=stage, progress=20)
        outcome = engine.run_analysis(
            extract_dir=data_dir() / extract.folder, links=links, params=AnalysisParameters.from_dict(run.parameters),
            submitted=request.linkage.get("submitted"),
        )  # fmt: skip
        stage = RunStage.DISCLOSURE
        _run_progress(run_id, stage=stage, progress=85)
        report = publish(outcome.result, programme=request.programme_name)
        key = load_key()
        members = {"analysed": member_tokens(outcome.analysed_person_ids, key=key),
                   "matched": member_tokens(outcome.matched_person_ids, key=key)}  # fmt: skip
        differencing = _differencing(request.organisation_id, members)
        store.write_table(request.reference, store.members_name(run.version), _members_table(members))
    except Exception as error:  # noqa: BLE001 - recorded as the run's failure, by the error's class only
        return _run_failed(run_id, stage=stage, kind=type(error).__name__, task=task, task_id=task_id)
    return _run_record(run_id, outcome=outcome.result, report=report.to_dict(), differencing=differencing,
                       task=task, task_id=task_id, at=at)  # fmt: skip


def _members_table(members: dict[str, frozenset[str]]) -> pa.Table:
    sets = [name for name, tokens in members.items() for _ in tokens]
    tokens = [token for found in members.values() for token in sorted(found)]
    return pa.table({"set": pa.array(sets, pa.string()), "token": pa.array(tokens, pa.string())})


def _published_sets(organisation_id: int) -> dict[str, list[frozenset[str]]]:
    """Each published cohort of the organisation as its analysed and its matched token sets (from the lab's store)."""
    ledger = store.read_ledger(organisation_id).to_pylist()
    grouped: dict[tuple[str, int, str], set[str]] = {}
    for row in ledger:
        grouped.setdefault((row["request"], row["run"], row["set"]), set()).add(row["token"])
    found: dict[str, list[frozenset[str]]] = {"analysed": [], "matched": []}
    for (_request, _run, name), tokens in sorted(grouped.items()):
        found.setdefault(name, []).append(frozenset(tokens))
    return found


def _differencing(organisation_id: int, members: dict[str, frozenset[str]]) -> dict[str, Any]:
    """The differencing check of the new cohort's analysed and matched sets against every published one."""
    published = _published_sets(organisation_id)
    checks = {name: differencing_check(members[name], published.get(name, [])) for name in ("analysed", "matched")}
    reasons = list(dict.fromkeys(r for check in checks.values() for r in check.reasons))
    return {
        "passed": all(check.passed for check in checks.values()),
        "reasons": reasons,
        "published_cohorts": len(published.get("analysed", [])),
        "smallest_difference": {name: check.smallest_difference for name, check in checks.items()},
    }


@transaction.atomic
def _run_record(
    run_id: int, *, outcome: AnalysisResult, report: dict[str, Any], differencing: dict[str, Any], task: str,
    task_id: str, at: datetime | None = None,
) -> AnalysisRun | None:  # fmt: skip
    run = AnalysisRun.objects.select_for_update().get(pk=run_id)
    request = _lock(run.request)
    if run.status != RunStatus.RUNNING:
        return None
    if request.state != RequestState.PROTOCOL_LOCKED:
        return _run_failed(run_id, stage=RunStage.DISCLOSURE, kind="", task=task, task_id=task_id,
                           error=messages.RUN_REQUEST_MOVED.format(state=_state_label(request.state)))  # fmt: skip
    at = _now(at)
    feasible = outcome.feasibility.passed and differencing["passed"]
    run.status, run.finished_at, run.stage, run.progress = RunStatus.FINISHED, at, RunStage.DONE, 100
    run.result = outcome.to_dict()
    run.fingerprint = outcome.fingerprint()
    run.manifest = outcome.to_dict()["manifest"]
    run.publishable = {**report, "differencing": differencing}
    run.feasible = feasible
    run.save()
    details = {"run": run.version, "fingerprint": run.fingerprint, "task_id": task_id}
    if feasible:
        _take(request, Step.RECORD_ANALYSIS, actor=None, at=at, system=task, details=details)
    else:
        reasons = [reason.text for reason in outcome.feasibility.reasons] + list(differencing["reasons"] if not
                                                                                 differencing["passed"] else [])
        request.outcome_reasons = " ".join(reasons)
        _take(request, Step.ANALYSIS_NOT_FEASIBLE, actor=None, at=at, system=task, reason=request.outcome_reasons,
              details=details)  # fmt: skip
    return run


def _run_failed(
    run_id: int, *, stage: str, kind: str, task: str, task_id: str, error: str = ""
) -> AnalysisRun | None:
    """Record a run as failed: where and what kind of error, never its message (a library may put values in it)."""
    with transaction.atomic():
        run = AnalysisRun.objects.select_for_update().select_related("request").get(pk=run_id)
        if run.status not in ACTIVE_RUN_STATUSES:
            return None
        at = timezone.now()
        log.error("datalab analysis run %s of %s failed at %s: %s", run.version, run.request.reference, stage, kind)
        run.status, run.finished_at = RunStatus.FAILED, at
        run.error = error or messages.RUN_FAILED.format(stage=RunStage(stage).label.lower(), kind=kind)
        run.save()
        _audit(run.request, event="analysis_failed", actor=None, role=Actor.SYSTEM, at=at, actor_name=task,
               reason=run.error, details={"run": run.version, "task_id": task_id})  # fmt: skip
        return run


def automatic_checks(run: AnalysisRun) -> dict[str, Any]:
    """What the output checker sees of the automatic checks, kept with the decision: per table the cells shown,
    rounded and suppressed (and why), ACRO's verdict per profile table, whether every cell ACRO failed is
    suppressed by the lab's rules, and the differencing check."""
    output = run.publishable
    tables: dict[str, dict[str, Any]] = {}
    suppressed: set[tuple[str, ...]] = set()
    for cell in output.get("evidence", []):
        table = tables.setdefault(cell["table"], {"shown": 0, "rounded": 0, "suppressed": 0, "reasons": {}})
        table[cell["action"]] += 1
        for code in cell["reasons"]:
            table["reasons"][code] = table["reasons"].get(code, 0) + 1
        if cell["action"] == "suppressed":
            column = () if cell["column"] == "people" else (cell["column"],)
            suppressed.add((cell["table"], cell["row"], *column))
    acro = output.get("acro") or {}
    verdicts = [{"name": t["name"], "status": t["status"], "failing_cells": t["failing_cells"]}
                for t in acro.get("tables", [])]  # fmt: skip
    unsuppressed = [[v["name"], *cell] for v in verdicts for cell in v["failing_cells"]
                    if (v["name"], *cell) not in suppressed]  # fmt: skip
    return {
        "run": run.version, "fingerprint": run.fingerprint, "feasible": run.feasible, "tables": tables,
        "acro_version": acro.get("version", ""), "acro": verdicts, "acro_failures_not_suppressed": unsuppressed,
        "differencing": output.get("differencing", {}),
    }  # fmt: skip


@transaction.atomic
def _output_check(
    request: DataLabRequest, *, by: Any, reason: str, decision: str, step: Step, at: datetime | None
) -> OutputCheck:  # fmt: skip
    request = _lock(request)
    run = _latest_run(request, RunStatus.FINISHED)
    if by is not None and by.pk == request.analyst_id:
        raise PermissionDenied(messages.CHECK_NOT_BY_ANALYST)
    if by is not None and run is not None and by.pk == run.requested_by_id:
        raise PermissionDenied(messages.CHECK_NOT_BY_REQUESTER)
    if Actor.CHECKER not in actors_for(by, request) or request.output_checker_id not in (None, by.pk):
        raise PermissionDenied(messages.CHECK_CHECKER_ONLY)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": messages.REASON_REQUIRED})
    if request.state != RequestState.ANALYSED or run is None:
        raise ValidationError(
            messages.CANNOT_STEP.format(state=_state_label(request.state), step=_label(step)), code="invalid_state"
        )
    at = _now(at)
    check = OutputCheck(run=run, checker=by, decided_at=at, decision=decision, reasons=reason,
                        automatic_checks=automatic_checks(run))  # fmt: skip
    check.full_clean()
    check.save()
    _take(request, step, actor=by, at=at, reason=reason, details={"run": run.version, "check": check.pk})
    return check


def approve_output(request: DataLabRequest, *, by: Any, reason: str, at: datetime | None = None) -> OutputCheck:
    """The request's output checker (never its analyst, nor whoever asked for the run) approves the latest run's
    disclosure-controlled output, saying what they checked: only now may the organisation see it."""
    return _output_check(request, by=by, reason=reason, decision=CheckDecision.APPROVED, step=Step.APPROVE_OUTPUT,
                         at=at)  # fmt: skip


def return_output(request: DataLabRequest, *, by: Any, reason: str, at: datetime | None = None) -> OutputCheck:
    """The output checker sends the output back with reasons: the protocol stays locked and the analyst can ask for
    a new run (the old one stays as it was)."""
    return _output_check(request, by=by, reason=reason, decision=CheckDecision.RETURNED, step=Step.RETURN_OUTPUT,
                         at=at)  # fmt: skip


@transaction.atomic
def start_review(request: DataLabRequest, *, by: Any, reason: str = "", at: datetime | None = None) -> DataLabRequest:
    """The analyst sends the checked report to the organisation for its factual review."""
    request = _lock(request)
    _take(request, Step.START_REVIEW, actor=by, at=_now(at), reason=reason)
    return request


def approved_run(request: DataLabRequest) -> AnalysisRun | None:
    """The run whose output an output checker approved (the one that is reported and published), or None."""
    return request.runs.filter(checks__decision=CheckDecision.APPROVED).order_by("-version").first()


def ledger_record_published(request: DataLabRequest) -> int:
    """Add the approved run's cohort (its analysed and matched token sets) to the organisation's differencing
    ledger in the lab's store. Call it when the report is published, before the request's data is deleted (the
    tokens are read from the request's folder). Idempotent; the number of tokens added."""
    run = approved_run(request)
    if run is None:
        raise ValidationError(messages.LEDGER_NO_APPROVED_RUN, code="no_approved_run")
    ledger = store.read_ledger(request.organisation_id)
    if any(r["request"] == request.reference and r["run"] == run.version
           for r in ledger.select(["request", "run"]).to_pylist()):  # fmt: skip
        return 0
    members = store.read_table(store.members_name_of(request.reference, run.version))
    rows = members.append_column("request", pa.array([request.reference] * members.num_rows, pa.string()))
    rows = rows.append_column("run", pa.array([run.version] * members.num_rows, pa.int32()))
    store.append_ledger(request.organisation_id, rows)
    return int(members.num_rows)


@transaction.atomic
def request_withdraw(*, actor: Any, request: DataLabRequest, reason: str, at: datetime | None = None) -> DataLabRequest:
    """The organisation (or the secretariat for it) withdraws a request, until the analysis starts; any person-level
    data is then deleted by the retention task."""
    request = _lock(request)
    if request.analysis_started_at is not None and request.state in WITHDRAWABLE:
        raise ValidationError(messages.ANALYSIS_STARTED, code="analysis_started")
    request.outcome_reasons = (reason or "").strip()
    _take(request, Step.WITHDRAW, actor=actor, at=_now(at), reason=reason)
    return request


@transaction.atomic
def request_close(*, actor: Any, request: DataLabRequest, reason: str, at: datetime | None = None) -> DataLabRequest:
    """Close a request that has ended: its data deleted, or never received."""
    request = _lock(request)
    if store.holds_files(request.reference):
        raise ValidationError(messages.DATA_STILL_HELD, code="data_held")
    _take(request, Step.CLOSE, actor=actor, at=_now(at), reason=reason)
    return request


# --- retention --------------------------------------------------------------------------------------------------------

# Why data is deleted now: each ground in the order checked.
GROUND_PUBLISHED = "published"
GROUND_WITHDRAWN = "withdrawn"
GROUND_NOT_FEASIBLE = "not_feasible"
GROUND_RETENTION = "retention_date"
_GROUNDS = {
    RequestState.PUBLISHED: GROUND_PUBLISHED,
    RequestState.WITHDRAWN: GROUND_WITHDRAWN,
    RequestState.NOT_FEASIBLE: GROUND_NOT_FEASIBLE,
}


def deletion_ground(request: DataLabRequest, today: date) -> str | None:
    """Why this request's person-level data must go now, or None while it may be kept."""
    if request.state in _GROUNDS:
        return _GROUNDS[RequestState(request.state)]
    if request.retention_until is not None and request.retention_until <= today:
        return GROUND_RETENTION
    return None


@transaction.atomic
def request_delete_data(
    *, request: DataLabRequest, ground: str, task: str, task_id: str = "", at: datetime | None = None
) -> DeletionCertificate:
    """Delete every person-level file of the request (the whole folder), certify what went, check nothing is left,
    and move the request to "data deleted". The aggregate figures (counts, link rates, results) stay."""
    request = _lock(request)
    at = _now(at)
    deleted = store.delete_request_data(request.reference)
    for upload in request.uploads.exclude(status__in=[UploadStatus.DELETED, UploadStatus.REPLACED]):
        upload.status = UploadStatus.DELETED
        upload.deleted_at = at
        _save_upload(upload, actor=None, reason=f"Person-level data deleted ({ground})")
    certificate = DeletionCertificate.objects.create(
        request=request, deleted_at=at, deleted_by=task, task_id=task_id, ground=ground,
        files=[f.as_dict() for f in deleted], verified=not store.request_dir(request.reference).exists(),
    )  # fmt: skip
    _take(
        request, Step.DELETE_DATA, actor=None, at=at, system=task,
        details={"ground": ground, "files": len(deleted), "certificate": certificate.pk, "task_id": task_id},
    )  # fmt: skip
    return certificate


def requests_due_for_deletion(today: date) -> list[DataLabRequest]:
    """Requests holding person-level data whose retention date has come, or that were published, withdrawn or found
    not feasible (the data is kept no longer than it is needed)."""
    candidates = DataLabRequest.objects.filter(state__in=TRANSITIONS[Step.DELETE_DATA].sources).order_by("pk")
    due = []
    for request in candidates:
        if deletion_ground(request, today) and (store.holds_files(request.reference) or request.uploads.exists()):
            due.append(request)
    return due



# --- the report: factual review, scheduling and publication through the release register ------------------------------

PUBLISH_TASK = "datalab.publish_due_reports"
LAB_PRODUCER = {"slug": "health-data-lab", "name": "Health Data Lab", "abbreviation": "HDL"}
LAB_PUBLISHER = "health-data-lab-publisher"  # the producer's editor account the lab's services act through
DESCRIPTION_MAX = 4000


@transaction.atomic
def correct_programme_description(
    request: DataLabRequest, *, by: Any, text: str, reason: str, at: datetime | None = None
) -> DataLabRequest:
    """The organisation's factual review: it may correct what the report says its programme does, and nothing
    else (the figures are the checked output). The old and the new words are kept in the audit trail."""
    request = _lock(request)
    if Actor.CHARITY not in actors_for(by, request):
        raise PermissionDenied(messages.NOT_A_MEMBER.format(organisation=request.organisation))
    if request.state != RequestState.FACTUAL_REVIEW:
        raise ValidationError(
            report_words.NOT_IN_REVIEW.format(state=_state_label(request.state)), code="invalid_state"
        )
    text, reason = (text or "").strip(), (reason or "").strip()
    errors: dict[str, str] = {}
    if not text:
        errors["text"] = report_words.DESCRIPTION_REQUIRED
    elif len(text) > DESCRIPTION_MAX:
        errors["text"] = report_words.DESCRIPTION_TOO_LONG.format(limit=DESCRIPTION_MAX)
    elif text == request.programme_description:
        errors["text"] = report_words.DESCRIPTION_UNCHANGED
    if not reason:
        errors["reason"] = messages.REASON_REQUIRED
    if errors:
        raise ValidationError(errors)
    at = _now(at)
    old = request.programme_description
    request.programme_description = text
    _save(request, actor=by, reason=reason, at=at)
    _audit(request, event="description_corrected", actor=by, role=Actor.CHARITY, at=at, reason=reason,
           details={"old": old, "new": text})  # fmt: skip
    return request


def lab_producer() -> tuple[Producer, Any]:
    """The Health Data Lab as a producer of official statistics, and the editor account its services act through
    (never signed in to: inactive, no usable password). Made on first use, so no migration has to create a user."""
    producer, _ = Producer.objects.get_or_create(
        slug=LAB_PRODUCER["slug"], defaults={"name": LAB_PRODUCER["name"], "abbreviation": LAB_PRODUCER["abbreviation"]}
    )
    publisher, created = get_user_model().objects.get_or_create(
        username=LAB_PUBLISHER,
        defaults={"first_name": "Health Data Lab", "last_name": "(publishing)", "is_active": False},
    )
    if created:
        publisher.set_unusable_password()
        publisher.save(update_fields=["password"])
    ProducerMembership.objects.get_or_create(user=publisher, producer=producer, role=ProducerRole.EDITOR)
    forget_roles(publisher)
    return producer, publisher


def _notice_days() -> int:
    return int(getattr(settings, "DATALAB_REPORT_NOTICE_DAYS", 28))


def _check_publish_on(publish_on: date | None, today: date, *, keep_until: date | None = None) -> None:
    if publish_on is None:
        raise ValidationError({"publish_on": report_words.PUBLISH_ON_REQUIRED})
    if not is_working_day(publish_on):
        what = "bank holiday" if bank_holiday_name(publish_on) else f"{publish_on:%A}"
        raise ValidationError({"publish_on": report_words.PUBLISH_ON_NOT_WORKING_DAY.format(
            day=format_day(publish_on), what=what)})  # fmt: skip
    earliest = today + timedelta(days=_notice_days())
    if publish_on < earliest:
        raise ValidationError({"publish_on": report_words.PUBLISH_ON_TOO_SOON.format(
            days=_notice_days(), earliest=format_day(earliest))})  # fmt: skip
    # The retention task deletes the data on that date; publication (and the ledger's record of the cohort) first.
    if keep_until is not None and publish_on >= keep_until:
        raise ValidationError({"publish_on": report_words.PUBLISH_ON_AFTER_RETENTION.format(
            day=format_day(keep_until))})  # fmt: skip


@transaction.atomic
def schedule_report(
    request: DataLabRequest, *, by: Any, publish_on: date | None, reason: str = "", at: datetime | None = None
) -> Report:
    """After the factual review the lab (or the secretariat) schedules publication: a release of the Health Data
    Lab (official statistics) is registered and announced at once for 9:30am on ``publish_on``, through the release
    register's services, so the register's rules apply (a future date, the public calendar, the engines), and the
    organisation is recorded for pre-release access from 24 hours before."""
    request = _lock(request)
    mine = actors_for(by, request)
    if not mine & TRANSITIONS[Step.SCHEDULE].actors:
        raise PermissionDenied(messages.NOT_ALLOWED_STEP.format(step=_label(Step.SCHEDULE)))
    if request.state not in TRANSITIONS[Step.SCHEDULE].sources:
        raise ValidationError(
            messages.CANNOT_STEP.format(state=_state_label(request.state), step=_label(Step.SCHEDULE)),
            code="invalid_state",
        )
    run = approved_run(request)
    if run is None:
        raise ValidationError(report_words.NO_APPROVED_RUN, code="no_approved_run")
    at = _now(at)
    _check_publish_on(publish_on, at.astimezone(LONDON).date(), keep_until=request.retention_until)
    assert publish_on is not None  # noqa: S101 - checked above
    producer, publisher = lab_producer()
    details = ReleaseDetails(
        title=report_words.RELEASE_TITLE.format(programme=request.programme_name),
        summary=report_words.RELEASE_SUMMARY.format(programme=request.programme_name,
                                                    organisation=request.organisation.name),  # fmt: skip
        lead_producer=producer,
        designation=Designation.OFFICIAL,
        lead_statistician_name=_actor_name(request.analyst) or LAB_PRODUCER["name"],
        lead_statistician_email=getattr(settings, "DATALAB_CONTACT_EMAIL", "health-data-lab@ehssg.example"),
        reference_period_start=request.delivery_start,
        reference_period_end=request.delivery_end + timedelta(days=365),
    )
    release = release_services.release_create(
        actor=publisher, details=details, schedule=Schedule.exact_local(publish_on, STANDARD_TIME), announce=True,
        reason=f"Health Data Lab report {request.reference}, scheduled by {_actor_name(by)}", at=at,
    )  # fmt: skip
    assert release.release_at is not None  # noqa: S101 - an exact schedule
    release_services.prerelease_access_add(
        actor=publisher, release=release, recipient_role=report_words.PRE_RELEASE_ROLE,
        organisation=request.organisation.name, justification=report_words.PRE_RELEASE_JUSTIFICATION,
        access_starts_at=release.release_at - timedelta(hours=PRE_RELEASE_MAX_HOURS), at=at,
    )  # fmt: skip
    report = Report(request=request, run=run, release=release, scheduled_by=by, scheduled_at=at)
    report.full_clean()
    report._history_user = by  # type: ignore[attr-defined]
    report._change_reason = f"Scheduled for {format_day(publish_on)}"  # type: ignore[attr-defined]
    report.save()
    _take(request, Step.SCHEDULE, actor=by, at=at, reason=reason, as_actors=mine,
          details={"release": release.slug, "publish_on": publish_on.isoformat(), "run": run.version})  # fmt: skip
    return report


def reports_due(now: datetime) -> list[Report]:
    """Scheduled reports whose release time has come (the release still confirmed: not cancelled or moved)."""
    return list(
        Report.objects.filter(published_at__isnull=True, request__state=RequestState.SCHEDULED,
                              release__state=ReleaseState.CONFIRMED, release__release_at__lte=now)
        .select_related("request", "release").order_by("release__release_at", "pk")
    )  # fmt: skip


@transaction.atomic
def _publish_report(report_id: int, *, now: datetime, task: str, task_id: str) -> bool:
    report = Report.objects.select_for_update().get(pk=report_id)
    request = _lock(report.request)
    if report.published_at is not None or request.state != RequestState.SCHEDULED:
        return False  # another sweep got there first
    _producer, publisher = lab_producer()
    release_services.release_publish(
        actor=publisher, release=report.release, published_url=absolute_url(report.get_absolute_url()), at=now
    )
    report.published_at = now
    report._history_user = None  # type: ignore[attr-defined]
    report._change_reason = "Published"  # type: ignore[attr-defined]
    report.save(update_fields=["published_at"])
    # The cohort joins the organisation's differencing ledger now, before the retention task deletes the data.
    tokens = ledger_record_published(request)
    _take(request, Step.PUBLISH, actor=None, at=now, system=task,
          details={"release": report.release.slug, "task_id": task_id, "ledger_tokens": tokens})  # fmt: skip
    return True


def publish_due_reports(now: datetime | None = None, *, task: str = PUBLISH_TASK, task_id: str = "") -> list[str]:
    """Publish every scheduled report whose date and time have come, as the lab's systems: the request moves to
    published, its release is marked published with the report's address, its cohort joins the organisation's
    differencing ledger (``ledger_record_published``). The references published."""
    now = _now(now)
    done = []
    for report in reports_due(now):
        try:
            if _publish_report(report.pk, now=now, task=task, task_id=task_id):
                done.append(report.request.reference)
        except ValidationError:  # the register refused (the release moved or was cancelled meanwhile): next sweep
            log.warning("datalab report %s not published: the register refused", report.request.reference)
    return done

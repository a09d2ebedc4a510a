"""A request's life as a table: each step, the states it leaves from, the state it leads to, and who may take it.

Pure data and functions over it, so the services, the pages (which buttons to offer), the status tracker and the
tests read one table. The services (datalab/services.py) are the only place a step is taken.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from .choices import RequestState as S


class Actor(models.TextChoices):
    """Who takes a step: a person of the requesting organisation, the lab's people, the secretariat, or a task."""

    CHARITY = "charity", "The organisation"
    ANALYST = "analyst", "The lab's analyst"
    CHECKER = "checker", "The output checker"
    SECRETARIAT = "secretariat", "The EHSSG secretariat"
    SYSTEM = "system", "The lab's systems"


class Step(models.TextChoices):
    SUBMIT = "submit", "Submit the application"
    CHECK_ELIGIBILITY = "check_eligibility", "Confirm eligibility"
    REFUSE_ELIGIBILITY = "refuse_eligibility", "Refuse as not eligible"
    SIGN_AGREEMENT = "sign_agreement", "Sign the data sharing agreement"
    OPEN_UPLOAD = "open_upload", "Assign the lab team and open the upload"
    LINK = "link", "Link the cohort to the national data"
    REPLACE_COHORT = "replace_cohort", "Replace the cohort file"
    MARK_FEASIBLE = "mark_feasible", "Record the request as feasible"
    MARK_NOT_FEASIBLE = "mark_not_feasible", "Record the request as not feasible"
    LOCK_PROTOCOL = "lock_protocol", "Lock the analysis protocol"
    RECORD_ANALYSIS = "record_analysis", "Record the analysis"
    ANALYSIS_NOT_FEASIBLE = "analysis_not_feasible", "Record that the matching failed"
    APPROVE_OUTPUT = "approve_output", "Approve the output"
    RETURN_OUTPUT = "return_output", "Send the output back"
    START_REVIEW = "start_review", "Send the report for factual review"
    SCHEDULE = "schedule", "Schedule publication"
    PUBLISH = "publish", "Publish the report"
    DELETE_DATA = "delete_data", "Delete the person-level data"
    CLOSE = "close", "Close the request"
    WITHDRAW = "withdraw", "Withdraw the request"


# States in which the lab may hold the cohort's person-level data (pseudonymised): the retention task looks here.
HOLDS_DATA = frozenset({
    S.AWAITING_UPLOAD, S.LINKED, S.FEASIBLE, S.NOT_FEASIBLE, S.PROTOCOL_LOCKED, S.ANALYSED, S.OUTPUT_CHECKED,
    S.FACTUAL_REVIEW, S.SCHEDULED, S.PUBLISHED, S.WITHDRAWN,
})  # fmt: skip
# A request may be withdrawn until its analysis starts (the services also refuse once a run has begun).
WITHDRAWABLE = frozenset({
    S.DRAFT, S.SUBMITTED, S.ELIGIBILITY_CHECKED, S.AGREEMENT_SIGNED, S.AWAITING_UPLOAD, S.LINKED, S.FEASIBLE,
    S.PROTOCOL_LOCKED,
})  # fmt: skip
FINAL = frozenset({S.CLOSED})
# Steps whose reason the person must give (a refusal, a return, a withdrawal): the audit trail says why.
REASON_REQUIRED = frozenset({
    Step.REFUSE_ELIGIBILITY, Step.MARK_NOT_FEASIBLE, Step.RETURN_OUTPUT, Step.WITHDRAW, Step.REPLACE_COHORT,
    Step.CLOSE,
})  # fmt: skip


@dataclass(frozen=True)
class Transition:
    step: Step
    sources: frozenset[S]
    target: S
    actors: frozenset[Actor]


def _t(step: Step, sources: set[S] | frozenset[S], target: S, *actors: Actor) -> Transition:
    return Transition(step, frozenset(sources), target, frozenset(actors))


LAB = (Actor.ANALYST, Actor.SECRETARIAT)
TRANSITIONS: dict[Step, Transition] = {t.step: t for t in [
    _t(Step.SUBMIT, {S.DRAFT}, S.SUBMITTED, Actor.CHARITY),
    _t(Step.CHECK_ELIGIBILITY, {S.SUBMITTED}, S.ELIGIBILITY_CHECKED, *LAB),
    _t(Step.REFUSE_ELIGIBILITY, {S.SUBMITTED}, S.NOT_FEASIBLE, *LAB),
    _t(Step.SIGN_AGREEMENT, {S.ELIGIBILITY_CHECKED}, S.AGREEMENT_SIGNED, Actor.CHARITY),
    _t(Step.OPEN_UPLOAD, {S.AGREEMENT_SIGNED}, S.AWAITING_UPLOAD, *LAB),
    _t(Step.LINK, {S.AWAITING_UPLOAD}, S.LINKED, Actor.SYSTEM),
    _t(Step.REPLACE_COHORT, {S.LINKED}, S.AWAITING_UPLOAD, Actor.CHARITY, *LAB),
    _t(Step.MARK_FEASIBLE, {S.LINKED}, S.FEASIBLE, Actor.ANALYST),
    _t(Step.MARK_NOT_FEASIBLE, {S.LINKED}, S.NOT_FEASIBLE, Actor.ANALYST),
    _t(Step.LOCK_PROTOCOL, {S.FEASIBLE}, S.PROTOCOL_LOCKED, Actor.ANALYST),
    _t(Step.RECORD_ANALYSIS, {S.PROTOCOL_LOCKED}, S.ANALYSED, Actor.SYSTEM),
    _t(Step.ANALYSIS_NOT_FEASIBLE, {S.PROTOCOL_LOCKED}, S.NOT_FEASIBLE, Actor.SYSTEM),
    _t(Step.APPROVE_OUTPUT, {S.ANALYSED}, S.OUTPUT_CHECKED, Actor.CHECKER),
    _t(Step.RETURN_OUTPUT, {S.ANALYSED}, S.PROTOCOL_LOCKED, Actor.CHECKER),
    _t(Step.START_REVIEW, {S.OUTPUT_CHECKED}, S.FACTUAL_REVIEW, Actor.ANALYST),
    _t(Step.SCHEDULE, {S.FACTUAL_REVIEW}, S.SCHEDULED, *LAB),
    _t(Step.PUBLISH, {S.SCHEDULED}, S.PUBLISHED, Actor.SYSTEM, Actor.SECRETARIAT),
    _t(Step.DELETE_DATA, HOLDS_DATA, S.DATA_DELETED, Actor.SYSTEM),
    _t(Step.CLOSE, {S.DATA_DELETED, S.NOT_FEASIBLE, S.WITHDRAWN}, S.CLOSED, *LAB),
    _t(Step.WITHDRAW, WITHDRAWABLE, S.WITHDRAWN, Actor.CHARITY, Actor.SECRETARIAT),
]}  # fmt: skip

# The usual path, in order, for the status tracker (the other states are turns off it).
MAIN_PATH: tuple[S, ...] = (
    S.DRAFT, S.SUBMITTED, S.ELIGIBILITY_CHECKED, S.AGREEMENT_SIGNED, S.AWAITING_UPLOAD, S.LINKED, S.FEASIBLE,
    S.PROTOCOL_LOCKED, S.ANALYSED, S.OUTPUT_CHECKED, S.FACTUAL_REVIEW, S.SCHEDULED, S.PUBLISHED, S.DATA_DELETED,
    S.CLOSED,
)  # fmt: skip


def steps_from(state: str) -> list[Transition]:
    """Every step that leaves ``state``, in the table's order."""
    return [t for t in TRANSITIONS.values() if state in t.sources]


def allowed(step: Step, state: str, actors: set[Actor] | frozenset[Actor]) -> bool:
    transition = TRANSITIONS[step]
    return state in transition.sources and bool(transition.actors & set(actors))

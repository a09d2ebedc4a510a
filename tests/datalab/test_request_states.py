"""The request's state machine: every step from every state, by every part a person can play, and its audit entry."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from datalab import messages, services
from datalab.choices import RequestState
from datalab.models import AuditEntry, DataLabRequest
from datalab.states import FINAL, MAIN_PATH, TRANSITIONS, WITHDRAWABLE, Actor, Step, steps_from
from tests.datalab.lab import LabCast, draft

pytestmark = pytest.mark.django_db


def _person(cast: LabCast, actor: Actor):
    return {
        Actor.CHARITY: cast.charity, Actor.ANALYST: cast.analyst, Actor.CHECKER: cast.checker,
        Actor.SECRETARIAT: cast.secretariat,
    }[actor]  # fmt: skip


def _in_state(cast: LabCast, state: str) -> DataLabRequest:
    request = draft(cast)
    # Test set-up only: put the request straight into the state under test (services never do this).
    DataLabRequest.objects.filter(pk=request.pk).update(state=state, submitted_at=request.created_at)
    request.refresh_from_db()
    return request


def test_every_state_is_reachable_from_a_draft_and_only_closed_is_final():
    reached, frontier = {RequestState.DRAFT}, [RequestState.DRAFT]
    while frontier:
        state = frontier.pop()
        for transition in steps_from(state):
            if transition.target not in reached:
                reached.add(transition.target)
                frontier.append(transition.target)
    assert reached == set(RequestState)
    assert {s for s in RequestState if not steps_from(s)} == set(FINAL) == {RequestState.CLOSED}
    assert list(MAIN_PATH[:3]) == [RequestState.DRAFT, RequestState.SUBMITTED, RequestState.ELIGIBILITY_CHECKED]


def test_withdrawal_is_allowed_until_the_analysis_starts_and_never_after():
    assert RequestState.PROTOCOL_LOCKED in WITHDRAWABLE
    after = MAIN_PATH[MAIN_PATH.index(RequestState.ANALYSED):]
    assert not set(after) & WITHDRAWABLE


STEPS_AND_STATES = [(step, state) for step in Step for state in RequestState]


@pytest.mark.parametrize(("step", "state"), STEPS_AND_STATES, ids=[f"{a.value}-{b.value}" for a, b in STEPS_AND_STATES])
def test_a_step_is_taken_exactly_from_its_source_states(lab, step, state):
    transition = TRANSITIONS[step]
    request = _in_state(lab, state)
    system = "tests.state_machine" if Actor.SYSTEM in transition.actors else ""
    actor = None if system else _person(lab, sorted(transition.actors)[0])
    if state in transition.sources:
        entry = services._take(services._lock(request), step, actor=actor, at=request.created_at, reason="A reason",
                               system=system)  # fmt: skip
        request.refresh_from_db()
        assert request.state == transition.target
        assert (entry.step, entry.from_state, entry.to_state, entry.reason) == (step, state, transition.target,
                                                                                 "A reason")  # fmt: skip
        assert entry.actor == actor and entry.actor_name == (system or actor.get_full_name())
    else:
        with pytest.raises(ValidationError) as refused:
            services._take(services._lock(request), step, actor=actor, at=request.created_at, reason="A reason",
                           system=system)  # fmt: skip
        assert refused.value.messages == [
            messages.CANNOT_STEP.format(state=RequestState(state).label.lower(), step=step.label.lower())
        ]
        request.refresh_from_db()
        assert request.state == state


PEOPLE_STEPS = [(step, actor) for step in Step for actor in Actor if actor != Actor.SYSTEM]


@pytest.mark.parametrize(("step", "actor"), PEOPLE_STEPS, ids=[f"{a.value}-{b.value}" for a, b in PEOPLE_STEPS])
def test_only_the_parts_the_table_names_take_a_step(lab, step, actor):
    transition = TRANSITIONS[step]
    request = _in_state(lab, sorted(transition.sources)[0])
    person = _person(lab, actor)
    if actor in transition.actors:
        services._take(services._lock(request), step, actor=person, at=request.created_at, reason="A reason")
        assert AuditEntry.objects.filter(request=request, step=step, actor=person, actor_role=actor).count() == 1
    else:
        with pytest.raises(PermissionDenied) as refused:
            services._take(services._lock(request), step, actor=person, at=request.created_at, reason="A reason")
        assert str(refused.value) == messages.NOT_ALLOWED_STEP.format(step=step.label.lower())
        assert not AuditEntry.objects.filter(request=request, step=step).exists()


@pytest.mark.parametrize("step", [s for s in Step if Actor.SYSTEM not in TRANSITIONS[s].actors])
def test_people_outside_the_request_take_no_step(lab, step):
    request = _in_state(lab, sorted(TRANSITIONS[step].sources)[0])
    for person in (lab.other_charity, lab.osr, lab.outsider, None):
        with pytest.raises(PermissionDenied):
            services._take(services._lock(request), step, actor=person, at=request.created_at, reason="A reason")


def test_an_assigned_analyst_is_the_only_analyst_and_never_the_checker(lab):
    request = _in_state(lab, RequestState.LINKED)
    DataLabRequest.objects.filter(pk=request.pk).update(analyst=lab.analyst, output_checker=lab.checker)
    request.refresh_from_db()
    assert Actor.ANALYST in services.actors_for(lab.analyst, request)
    assert Actor.ANALYST not in services.actors_for(lab.other_analyst, request)
    assert services.actors_for(lab.checker, request) == {Actor.CHECKER}
    # The analyst is also an output checker, but never this request's.
    from ehssg.roles import OUTPUT_CHECKER_GROUP, forget_roles
    from tests.factories import add_to_group

    add_to_group(lab.analyst, OUTPUT_CHECKER_GROUP)
    forget_roles(lab.analyst)
    assert Actor.CHECKER not in services.actors_for(lab.analyst, request)


@pytest.mark.parametrize("step", sorted(s for s in Step if s in services.REASON_REQUIRED))
def test_steps_that_need_a_reason_refuse_without_one(lab, step):
    transition = TRANSITIONS[step]
    request = _in_state(lab, sorted(transition.sources)[0])
    system = "tests" if Actor.SYSTEM in transition.actors else ""
    actor = None if system else _person(lab, sorted(transition.actors)[0])
    with pytest.raises(ValidationError) as refused:
        services._take(services._lock(request), step, actor=actor, at=request.created_at, reason="  ", system=system)
    assert refused.value.message_dict == {"reason": [messages.REASON_REQUIRED]}

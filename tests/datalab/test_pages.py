"""The lab's pages for each role: who opens what (the role matrix), the forms and their errors, the request's page,
the queue, the identical 404, and a request taken from draft to closed through the pages alone."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from datalab import messages, selectors, services, tasks
from datalab.choices import RequestState
from datalab.models import AuditEntry, DataLabRequest
from datalab.states import TRANSITIONS, Step
from ehssg.roles import OUTPUT_CHECKER_GROUP
from tests.datalab.lab import APPLICATION, cohort_csv, draft
from tests.datalab.pages import (
    LINKAGE,
    PERSONAS,
    in_state,
    person,
    sign_in,
    text,
    url_of,
    without_per_request_tokens,
)
from tests.factories import add_to_group

pytestmark = pytest.mark.django_db

STAFF = ("analyst", "other_analyst", "checker", "secretariat")
# Everyone outside the lab and the organisation: sent to sign in, or told they have no access to the lab's pages.
OUTSIDERS = {"anonymous": 302, "osr": 403, "editor": 403}


def expect(charity: int, staff: int | dict[str, int], other_charity: int = 404) -> dict[str, int]:
    """Expected statuses for a request's page: ``staff`` one status for the four, or one each."""
    each = staff if isinstance(staff, dict) else dict.fromkeys(STAFF, staff)
    return {**OUTSIDERS, "other_charity": other_charity, "charity": charity, **each}


def steps_page(analyst: int, other_analyst: int, checker: int, secretariat: int) -> dict[str, int]:
    return {"analyst": analyst, "other_analyst": other_analyst, "checker": checker, "secretariat": secretariat}


# (page, state of the request, expected status per persona). Every request page, and every step with a page.
MATRIX = [
    ("request", RequestState.DRAFT, expect(200, 404)),
    ("request", RequestState.SUBMITTED, expect(200, 200)),
    ("request", RequestState.LINKED, expect(200, 200)),
    ("request-edit", RequestState.DRAFT, expect(200, 404)),
    ("request-edit", RequestState.SUBMITTED, expect(403, 403)),
    ("request-submit", RequestState.DRAFT, expect(200, 404)),
    ("request-submit", RequestState.SUBMITTED, expect(403, 403)),
    ("agreement", RequestState.ELIGIBILITY_CHECKED, expect(200, 403)),
    ("agreement", RequestState.AGREEMENT_SIGNED, expect(200, 200)),  # what was signed, to read
    ("upload", RequestState.AWAITING_UPLOAD, expect(200, 403)),
    ("upload", RequestState.LINKED, expect(403, 403)),
    ("audit", RequestState.DRAFT, expect(200, 404)),
    ("audit", RequestState.SUBMITTED, expect(200, 200)),
    ("step:check_eligibility", RequestState.SUBMITTED, expect(403, steps_page(200, 200, 403, 200))),
    ("step:refuse_eligibility", RequestState.SUBMITTED, expect(403, steps_page(200, 200, 403, 200))),
    ("step:open_upload", RequestState.AGREEMENT_SIGNED, expect(403, steps_page(200, 200, 403, 200))),
    ("step:replace_cohort", RequestState.LINKED, expect(200, steps_page(200, 403, 403, 200))),
    ("step:mark_feasible", RequestState.LINKED, expect(403, steps_page(200, 403, 403, 403))),
    ("step:mark_not_feasible", RequestState.LINKED, expect(403, steps_page(200, 403, 403, 403))),
    ("step:lock_protocol", RequestState.FEASIBLE, expect(403, steps_page(200, 403, 403, 403))),
    ("step:withdraw", RequestState.DRAFT, expect(200, 404)),
    ("step:withdraw", RequestState.SUBMITTED, expect(200, steps_page(403, 403, 403, 200))),
    ("step:close", RequestState.NOT_FEASIBLE, expect(403, steps_page(200, 200, 403, 200))),
    # The submission and the agreement have pages of their own; part 2's steps and unknown steps have none.
    ("step:submit", RequestState.DRAFT, expect(302, 404)),
    ("step:approve_output", RequestState.ANALYSED, expect(404, 404)),
    ("step:no_such_step", RequestState.SUBMITTED, expect(404, 404)),
]


def _statuses(client, lab, urls: dict[str, str]) -> dict[tuple[str, str], int]:
    """(page, persona) -> the status of a GET, each persona signed in once."""
    seen = {}
    for name in PERSONAS:
        sign_in(client, person(lab, name))
        for page, url in urls.items():
            seen[page, name] = client.get(url).status_code
    return seen


MATRIX_STATES = list(dict.fromkeys(state for _page, state, _expected in MATRIX))


@pytest.mark.parametrize("state", MATRIX_STATES, ids=[s.value for s in MATRIX_STATES])
def test_who_opens_each_request_page(client, lab, state):
    """One request in ``state``; every page of the matrix for that state, as every persona."""
    request = in_state(lab, state)
    cases = {page: expected for page, in_this, expected in MATRIX if in_this == state}

    seen = _statuses(client, lab, {page: url_of(page, request) for page in cases})

    assert seen == {(page, name): expected[name] for page, expected in cases.items() for name in PERSONAS}


LAB_WIDE = {
    "home": dict.fromkeys(PERSONAS, 200),
    "template-csv": dict.fromkeys(PERSONAS, 200),
    "template-xlsx": dict.fromkeys(PERSONAS, 200),
    "requests": {**dict.fromkeys(PERSONAS, 200), **OUTSIDERS},
    "request-new": {**OUTSIDERS, "other_charity": 200, "charity": 200, **dict.fromkeys(STAFF, 403)},
}


def test_who_opens_the_lab_wide_pages(client, lab):
    seen = _statuses(client, lab, {page: url_of(page) for page in LAB_WIDE})

    assert seen == {(page, name): expected[name] for page, expected in LAB_WIDE.items() for name in PERSONAS}


STEP_CASES = [
    pytest.param(page, state, expected, id=f"{page}-{state.value}")
    for page, state, expected in MATRIX
    if page.startswith("step:") and page[5:] in {s.value for s in Step} and 200 in expected.values()
]  # fmt: skip


def _step_data(lab, step: Step) -> dict[str, str]:
    if step == Step.OPEN_UPLOAD:
        return {"analyst": str(lab.analyst.pk), "output_checker": str(lab.checker.pk)}
    return {"reason": "Recorded by the page test"}


@pytest.mark.parametrize(("page", "state", "expected"), STEP_CASES)
def test_each_step_is_taken_only_by_who_may_take_it(client, lab, page, state, expected):
    step = Step(page[5:])
    request = in_state(lab, state)
    url = url_of(page, request)
    for name in PERSONAS:
        if expected[name] != 200:
            sign_in(client, person(lab, name))
            response = client.post(url, _step_data(lab, step))
            request.refresh_from_db()
            assert (name, response.status_code, request.state) == (name, expected[name], state)
    allowed = next(name for name in PERSONAS if expected[name] == 200)
    actor = person(lab, allowed)
    sign_in(client, actor)

    response = client.post(url, _step_data(lab, step))

    request.refresh_from_db()
    assert (response.status_code, response["Location"]) == (302, request.get_absolute_url())
    assert request.state == TRANSITIONS[step].target
    entry = AuditEntry.objects.filter(request=request).latest("at", "pk")
    assert (entry.step, entry.actor_id) == (step, actor.pk)


def test_outsiders_are_told_they_have_no_access(client, lab):
    request = in_state(lab, RequestState.SUBMITTED)
    for name in ("osr", "editor", "outsider"):
        sign_in(client, person(lab, name) if name != "outsider" else lab.outsider)
        for url in (url_of("requests"), url_of("request", request), url_of("request-new"),
                    reverse("datalab:request", kwargs={"reference": "HDL-AAA-BBB"})):  # fmt: skip
            response = client.get(url)
            assert response.status_code == 403
            assert messages.NO_LAB_ACCESS in text(response)
            assert request.programme_name not in text(response)


def test_the_anonymous_public_is_sent_to_sign_in(client, lab):
    request = in_state(lab, RequestState.SUBMITTED)
    for page in ("requests", "request-new"):
        response = client.get(url_of(page))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login") + "?next=")
    response = client.get(url_of("request", request))
    assert response["Location"] == f"{reverse('login')}?next={url_of('request', request)}"


SUBPAGES = ["request", "request-edit", "request-submit", "agreement", "upload", "audit", "step:withdraw"]


@pytest.mark.parametrize("page", SUBPAGES)
def test_another_organisations_request_is_the_same_404_as_a_missing_one(client, lab, page):
    theirs = in_state(lab, RequestState.DRAFT)
    missing = DataLabRequest(reference="HDL-ZZZ-ZZZ")
    sign_in(client, lab.other_charity)

    other = client.get(url_of(page, theirs))
    absent = client.get(url_of(page, missing))

    assert other.status_code == absent.status_code == 404
    assert without_per_request_tokens(other.content) == without_per_request_tokens(absent.content)
    assert theirs.reference not in text(other) and theirs.programme_name not in text(other)
    assert sorted(other.headers) == sorted(absent.headers)


# --- the application form ---------------------------------------------------------------------------------------------


def _form(**changes):
    """The application as the form posts it (GOV.UK date boxes as day, month, year)."""
    values = {
        "programme_name": APPLICATION["programme_name"],
        "programme_description": APPLICATION["programme_description"],
        "who_it_helps": APPLICATION["who_it_helps"],
        "age_group": APPLICATION["age_group"].value,
        "delivery_start_day": "1", "delivery_start_month": "6", "delivery_start_year": "2022",
        "delivery_end_day": "30", "delivery_end_month": "6", "delivery_end_year": "2023",
        "expected_people": "400",
        "primary_outcome": APPLICATION["primary_outcome"].value,
        "primary_measure": APPLICATION["primary_measure"].value,
        "minimal_important_difference": "",
        "lawful_basis": APPLICATION["lawful_basis"].value,
        "special_category_condition": APPLICATION["special_category_condition"].value,
        "privacy_notice_confirmed": "on",
    }  # fmt: skip
    for name, value in changes.items():
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    return values


REQUIRED = [
    ("programme_name", "Enter the programme's name"),
    ("programme_description", "Enter what the programme does"),
    ("who_it_helps", "Enter who the programme helps"),
    ("age_group", "Select the age group of most of the people it helps"),
    ("delivery_start", "Enter first programme start date"),
    ("delivery_end", "Enter last programme start date"),
    ("expected_people", "Enter the number of people you expect to send"),
    ("primary_outcome", "Select the hospital use the report should lead with"),
    ("primary_measure", "Select how the hospital use should be counted"),
    ("lawful_basis", "Select your lawful basis for sharing people's details"),
    ("special_category_condition", "Select your condition for sharing health information"),
]


@pytest.mark.parametrize(("field", "message"), REQUIRED, ids=[f for f, _ in REQUIRED])
def test_each_required_answer_is_asked_for(client, lab, field, message):
    sign_in(client, lab.charity)
    blank = {f"{field}_{part}": "" for part in ("day", "month", "year")} if field.startswith("delivery") else {
        field: None}  # fmt: skip

    response = client.post(url_of("request-new"), _form(**blank))

    body = text(response)
    assert response.status_code == 200
    assert "There is a problem" in body and body.count(message) == 2  # in the summary and beside the field
    assert f'href="#{field}{"_day" if field.startswith("delivery") else ""}"' in body
    assert not DataLabRequest.objects.exists()


@pytest.mark.parametrize(("changes", "message"), [
    ({"delivery_end_year": "2021"}, messages.DELIVERY_ORDER),
    ({"delivery_start_month": "13"}, "First programme start date must be a real date"),
    ({"expected_people": "many"}, "Enter the number of people as a whole number, like 400"),
    ({"expected_people": "0"}, "Enter the number of people, 1 or more"),
    ({"minimal_important_difference": "2.55"}, "Enter the difference with at most one decimal place, like 2.5"),
    ({"programme_name": "x" * 201}, "The programme's name must be 200 characters or fewer"),
])  # fmt: skip
def test_answers_of_the_wrong_shape_are_refused_with_a_clear_message(client, lab, changes, message):
    sign_in(client, lab.charity)

    response = client.post(url_of("request-new"), _form(**changes))

    assert message in text(response) and "There is a problem" in text(response)
    assert not DataLabRequest.objects.exists()


def test_the_organisation_is_asked_only_of_a_person_in_several(client, lab):
    sign_in(client, lab.charity)
    assert 'name="organisation"' not in text(client.get(url_of("request-new")))
    lab.other_organisation.members.add(lab.charity)
    from ehssg.roles import forget_roles

    forget_roles(lab.charity)
    sign_in(client, lab.charity)
    body = text(client.get(url_of("request-new")))
    assert 'name="organisation"' in body and lab.other_organisation.name in body

    refused = client.post(url_of("request-new"), _form(organisation=""))
    assert "Select the organisation" in text(refused)
    client.post(url_of("request-new"), _form(organisation=str(lab.other_organisation.pk)))
    assert DataLabRequest.objects.get().organisation == lab.other_organisation


def test_a_person_cannot_pick_an_organisation_that_is_not_theirs(client, lab):
    lab.other_organisation.members.add(lab.charity)
    from ehssg.roles import forget_roles
    from tests.datalab.lab import OrganisationFactory

    forget_roles(lab.charity)
    stranger = OrganisationFactory(name="Someone Else's Charity", slug="someone-else")
    sign_in(client, lab.charity)

    response = client.post(url_of("request-new"), _form(organisation=str(stranger.pk)))

    assert "Select one of your organisations" in text(response)
    assert not DataLabRequest.objects.exists()


def test_saving_a_draft_leads_to_its_page_with_the_checks_before_submitting(client, lab):
    sign_in(client, lab.charity)

    response = client.post(url_of("request-new"), _form(expected_people="59"), follow=True)

    request = DataLabRequest.objects.get()
    body = text(response)
    assert response.redirect_chain == [(request.get_absolute_url(), 302)]
    assert messages.DRAFT_SAVED in body
    assert "Before you submit" in body
    failed = [c for c in services.application_checks(request) if not c.passed]
    assert failed and all(c.message in body for c in failed)  # the 60-person minimum, before submitting
    assert services.power_check(request)["sentence"] in body
    assert url_of("request-edit", request) in body and url_of("request-submit", request) in body


def test_editing_a_draft_shows_its_answers_and_changes_them(client, lab):
    request = draft(lab)
    sign_in(client, lab.charity)
    page = text(client.get(url_of("request-edit", request)))
    assert f'value="{APPLICATION["programme_name"]}"' in page
    assert 'id="delivery_start_year" name="delivery_start_year" type="text" value="2022"' in page.replace(
        ' inputmode="numeric"', "")  # fmt: skip

    client.post(url_of("request-edit", request), _form(programme_name="Befriending at home", expected_people="420"))

    request.refresh_from_db()
    assert (request.programme_name, request.expected_people) == ("Befriending at home", 420)
    assert AuditEntry.objects.get(request=request, event="edited").details == {
        "fields": ["expected_people", "programme_name"]}  # fmt: skip


def test_a_refused_submission_shows_the_services_reasons(client, lab):
    request = draft(lab, expected_people=59, privacy_notice_confirmed=True)
    sign_in(client, lab.charity)

    response = client.post(url_of("request-submit", request))

    request.refresh_from_db()
    body = text(response)
    assert response.status_code == 200 and request.state == RequestState.DRAFT
    assert "There is a problem" in body and "60" in body
    unconfirmed = draft(lab, privacy_notice_confirmed=False)
    body = text(client.post(url_of("request-submit", unconfirmed)))
    assert messages.PRIVACY_NOTICE_REQUIRED in body


def test_the_submit_page_shows_the_checks_the_power_and_what_happens_next(client, lab):
    from datalab import turnaround

    request = draft(lab)
    sign_in(client, lab.charity)

    body = text(client.get(url_of("request-submit", request)))

    assert all(check.message in body for check in services.application_checks(request))
    assert services.power_check(request)["sentence"] in body
    assert turnaround.next_step_text(RequestState.SUBMITTED) in body


# --- the agreement, the steps, the request page, the audit trail ------------------------------------------------------


def test_the_agreement_page_shows_the_text_the_retention_date_and_asks_for_the_signatory(client, lab):
    from datalab import agreement

    request = in_state(lab, RequestState.ELIGIBILITY_CHECKED)
    sign_in(client, lab.charity)
    body = text(client.get(url_of("agreement", request)))
    assert agreement.VERSION in body and all(c.text in body for c in agreement.CLAUSES)
    assert messages.AGREEMENT_ACCEPT.format(organisation=lab.organisation.name) in body

    refused = text(client.post(url_of("agreement", request), {"signatory_name": "", "signatory_role": ""}))
    assert all(m in refused for m in (messages.SIGNATORY_REQUIRED, messages.SIGNATORY_ROLE_REQUIRED,
                                      messages.AGREEMENT_NOT_CONFIRMED))  # fmt: skip
    client.post(url_of("agreement", request), {"signatory_name": "Sam Okafor", "signatory_role": "Chief executive",
                                               "accepted": "on"})  # fmt: skip

    request.refresh_from_db()
    assert request.state == RequestState.AGREEMENT_SIGNED
    assert request.agreement.signatory_name == "Sam Okafor"
    page = text(client.get(url_of("request", request)))
    assert "Sam Okafor, Chief executive" in page and agreement.VERSION in page


def test_the_open_upload_step_offers_the_labs_people_and_keeps_the_two_person_rule(client, lab):
    request = in_state(lab, RequestState.AGREEMENT_SIGNED)
    sign_in(client, lab.analyst)
    body = text(client.get(url_of("step:open_upload", request)))
    analyst_choices = body[body.index('name="analyst"'):body.index("</select>", body.index('name="analyst"'))]
    assert lab.analyst.last_name in analyst_choices and lab.checker.last_name not in analyst_choices

    same = {"analyst": str(lab.analyst.pk), "output_checker": str(lab.analyst.pk)}
    assert messages.CHECKER_REQUIRED in text(client.post(url_of("step:open_upload", request), same))
    add_to_group(lab.analyst, OUTPUT_CHECKER_GROUP)  # now also a checker: the service still keeps the two apart
    response = client.post(url_of("step:open_upload", request), same)

    assert messages.CHECKER_IS_ANALYST in text(response) and "There is a problem" in text(response)
    request.refresh_from_db()
    assert request.state == RequestState.AGREEMENT_SIGNED and request.analyst is None


def test_a_step_that_needs_a_reason_asks_for_it(client, lab):
    request = in_state(lab, RequestState.SUBMITTED)
    sign_in(client, lab.charity)
    page = text(client.get(url_of("step:withdraw", request)))
    assert messages.WITHDRAW_WARNING in page and messages.REASON_LABELS["withdraw"] in page

    response = client.post(url_of("step:withdraw", request), {"reason": "  "})

    assert messages.REASON_REQUIRED in text(response)
    request.refresh_from_db()
    assert request.state == RequestState.SUBMITTED


def test_a_service_refusal_on_a_step_is_shown_on_its_page(client, lab, settings):
    request = in_state(lab, RequestState.LINKED)
    settings.DATALAB_MIN_PEOPLE = LINKAGE["analysable"] + 1
    sign_in(client, lab.analyst)

    response = client.post(url_of("step:mark_feasible", request), {})

    assert messages.TOO_FEW_LINKED.format(analysable=LINKAGE["analysable"], minimum=settings.DATALAB_MIN_PEOPLE) in text(
        response)  # fmt: skip
    request.refresh_from_db()
    assert request.state == RequestState.LINKED


def test_the_request_page_shows_the_tracker_the_next_step_and_the_linkage(client, lab):
    from datalab import turnaround

    request = in_state(lab, RequestState.LINKED)
    sign_in(client, lab.charity)

    body = text(client.get(url_of("request", request)))

    assert turnaround.next_step_text(RequestState.LINKED) in body
    for milestone in turnaround.timeline(state=request.state, reached=selectors.reached(request),
                                         today=timezone.localdate()):  # fmt: skip
        assert milestone.label in body
    assert "1,960 (98.0%)" in body and "2,000" in body
    assert messages.REASONS["no_match"] in body and messages.REASONS["invalid_nhs_number"] in body
    assert messages.LINK_METHODS["fallback"] in body
    assert "Sam Okafor, Chief executive" in body
    # the organisation may set the cohort aside and send a corrected one; the analyst's steps are not offered
    assert url_of("step:replace_cohort", request) in body and url_of("step:mark_feasible", request) not in body


def test_the_reasons_a_request_ended_are_shown(client, lab):
    request = in_state(lab, RequestState.NOT_FEASIBLE)
    sign_in(client, lab.charity)

    body = text(client.get(url_of("request", request)))

    assert "Why the request cannot be answered" in body and "Outcome not measured" in body


def test_the_audit_page_lists_every_entry_in_time_order_with_its_states_and_reasons(client, lab):
    request = in_state(lab, RequestState.NOT_FEASIBLE)
    sign_in(client, lab.secretariat)

    body = text(client.get(url_of("audit", request)))

    labels = ["Draft started", str(Step.SUBMIT.label), str(Step.REFUSE_ELIGIBILITY.label)]
    assert [body.index(label) for label in labels] == sorted(body.index(label) for label in labels)
    assert "Submitted to Not feasible" in body and "Outcome not measured" in body
    assert "The organisation" in body and "The lab's analyst" in body


# --- the queue -------------------------------------------------------------------------------------------------------


def test_the_queue_counts_by_state_filters_and_says_what_waits_for_whom(client, lab):
    submitted = [in_state(lab, RequestState.SUBMITTED) for _ in range(2)]
    linked = in_state(lab, RequestState.LINKED)
    in_state(lab, RequestState.DRAFT)  # a draft: never in the lab's queue
    sign_in(client, lab.analyst)

    everything = text(client.get(url_of("requests")))
    waiting = text(client.get(url_of("requests"), {"waiting": "on"}))
    only_linked = text(client.get(url_of("requests"), {"state": "linked"}))

    assert "3 requests" in everything and "Submitted</a>: 2" in everything and "Linked</a>: 1" in everything
    assert all(r.reference in everything for r in [*submitted, linked])
    assert "Waiting for you</a>: 3" in everything  # any analyst checks a submitted request; this one was assigned
    assert all(r.reference in waiting for r in [*submitted, linked])
    assert linked.reference in only_linked and submitted[0].reference not in only_linked
    sign_in(client, lab.other_analyst)
    theirs = text(client.get(url_of("requests"), {"waiting": "on"}))
    assert linked.reference not in theirs and submitted[0].reference in theirs


def test_an_unknown_state_in_the_filter_is_a_clear_400(client, lab):
    sign_in(client, lab.analyst)

    response = client.get(url_of("requests"), {"state": "lost"})

    assert response.status_code == 400 and messages.FILTER_STATE_INVALID in text(response)


def test_an_organisation_sees_only_its_own_requests_with_their_next_step(client, lab):
    from datalab import turnaround

    own = in_state(lab, RequestState.SUBMITTED)
    other = services.request_create(actor=lab.other_charity, organisation=lab.other_organisation, **APPLICATION)
    sign_in(client, lab.charity)

    body = text(client.get(url_of("requests")))

    assert own.reference in body and other.reference not in body
    assert turnaround.next_step_text(RequestState.SUBMITTED) in body
    assert "Start a new request" in body


def test_the_queue_pages_its_rows(client, lab):
    for _ in range(27):
        in_state(lab, RequestState.SUBMITTED)
    sign_in(client, lab.secretariat)

    first = text(client.get(url_of("requests")))
    second = text(client.get(url_of("requests"), {"page": "2"}))

    assert first.count('class="govuk-table__row"') == 1 + 25 and second.count('class="govuk-table__row"') == 1 + 2
    assert "page=2" in first


def test_the_queue_and_request_pages_read_a_fixed_number_of_queries(client, lab, django_assert_max_num_queries):
    for _ in range(2):
        in_state(lab, RequestState.LINKED)
    sign_in(client, lab.analyst)
    with django_assert_max_num_queries(15) as few:
        client.get(url_of("requests"))
    for _ in range(12):
        in_state(lab, RequestState.LINKED)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url_of("requests"))
    assert text(response).count('class="govuk-table__row"') == 1 + 14

    request = DataLabRequest.objects.filter(state=RequestState.LINKED).first()
    with django_assert_max_num_queries(15):
        assert client.get(url_of("request", request)).status_code == 200
    sign_in(client, lab.charity)
    own = draft(lab)
    with django_assert_max_num_queries(18):  # a draft's page also runs the checks and the power
        assert client.get(url_of("request", own)).status_code == 200


# --- from draft to closed, through the pages -------------------------------------------------------------------------


def test_a_request_goes_from_draft_to_closed_through_the_pages(client, lab, extract, django_capture_on_commit_callbacks):
    sign_in(client, lab.charity)
    client.post(url_of("request-new"), _form())
    request = DataLabRequest.objects.get()
    assert client.post(url_of("request-submit", request)).status_code == 302

    sign_in(client, lab.analyst)
    client.post(url_of("step:check_eligibility", request))
    sign_in(client, lab.charity)
    client.post(url_of("agreement", request), {"signatory_name": "Sam Okafor", "signatory_role": "Chief executive",
                                               "accepted": "on"})  # fmt: skip
    sign_in(client, lab.secretariat)
    client.post(url_of("step:open_upload", request), {"analyst": lab.analyst.pk, "output_checker": lab.checker.pk})
    sign_in(client, lab.charity)
    with django_capture_on_commit_callbacks(execute=True):  # the link runs in the (eager) worker after the commit
        uploaded = client.post(url_of("upload", request), {"cohort": _file(cohort_csv(extract))}, follow=True)
    request.refresh_from_db()
    rows = request.uploads.get().rows
    assert messages.UPLOAD_RECEIVED.format(rows=rows, days=_link_days()) in text(uploaded)
    assert request.state == RequestState.LINKED and request.linkage["submitted"] == rows
    assert "How many people the lab found" in text(client.get(url_of("request", request)))

    sign_in(client, lab.analyst)
    client.post(url_of("step:mark_feasible", request))
    client.post(url_of("step:lock_protocol", request))
    sign_in(client, lab.charity)
    client.post(url_of("step:withdraw", request), {"reason": "The programme's funding ended"})
    request.refresh_from_db()
    assert request.state == RequestState.WITHDRAWN
    tasks.delete_due_data.delay()  # the hourly retention sweep deletes the withdrawn request's data
    sign_in(client, lab.analyst)
    client.post(url_of("step:close", request), {"reason": "Withdrawn and deleted"})

    request.refresh_from_db()
    assert request.state == RequestState.CLOSED
    events = list(AuditEntry.objects.filter(request=request).values_list("event", flat=True))
    assert events == ["created", "submit", "check_eligibility", "sign_agreement", "open_upload", "cohort_received",
                      "link", "mark_feasible", "lock_protocol", "withdraw", "delete_data", "close"]  # fmt: skip
    audit = text(client.get(url_of("audit", request)))
    assert messages.DELETION_GROUNDS["withdrawn"] in audit and "Yes: nothing left" in audit
    assert "The programme's funding ended" in audit


def _file(data: bytes, name: str = "cohort.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")


def _link_days() -> str:
    from datalab import turnaround

    return turnaround.working_days_text(turnaround.turnaround_days()[RequestState.LINKED])


def test_the_public_page_says_what_the_lab_is_and_shows_no_request(client, lab):
    request = in_state(lab, RequestState.SUBMITTED)

    body = text(client.get(url_of("home")))

    assert "Every report is published" in body and f"at least {lab_min(lab)} people" in body
    assert url_of("template-csv") in body and url_of("template-xlsx") in body
    assert request.reference not in body and request.programme_name not in body
    sign_in(client, lab.charity)
    member = text(client.get(url_of("home")))
    assert url_of("request-new") in member and url_of("requests") in member


def lab_min(lab) -> int:
    from django.conf import settings

    return settings.DATALAB_MIN_PEOPLE


def test_the_templates_download_with_their_types_and_names(client, lab):
    from datalab import cohort_file

    csv_response = client.get(url_of("template-csv"))
    xlsx_response = client.get(url_of("template-xlsx"))

    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_response["Content-Disposition"] == 'attachment; filename="health-data-lab-cohort-template.csv"'
    assert csv_response.content == cohort_file.template_csv()
    assert xlsx_response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert xlsx_response["Content-Disposition"] == 'attachment; filename="health-data-lab-cohort-template.xlsx"'
    assert _cells(xlsx_response.content) == _cells(cohort_file.template_xlsx())  # a zip's times differ between calls


def _cells(workbook: bytes) -> dict[str, list[tuple[object, ...]]]:
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(workbook), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def test_the_header_links_the_lab_for_its_people_only(client, lab):
    for name, sees in (("charity", True), ("analyst", True), ("secretariat", True), ("osr", False),
                       ("anonymous", False)):  # fmt: skip
        sign_in(client, person(lab, name))
        body = client.get(url_of("home")).content.decode()
        nav = body[body.index('<nav aria-label="Menu"'):body.index("</nav>", body.index('<nav aria-label="Menu"'))]
        assert (f'href="{url_of("requests")}"' in nav) is sees, name

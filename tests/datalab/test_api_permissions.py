"""Every endpoint of the lab's API × every role, with the exact status.

401 for anonymous callers (with the ``WWW-Authenticate: Token`` challenge); 404 where the request is not there for the
caller (another organisation's, or a draft for the lab's staff), identical to a reference that never existed; 403
where the caller sees it but the services refuse; 405 for what the API never does (replace or delete a request,
change the audit trail); 2xx for the people the lab's table allows. Each endpoint's request is made once in the state
the step leaves from, and each role's call runs in a savepoint rolled back afterwards, so every role meets the same
request; a refused call changes nothing (version and audit trail as they were).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction

from datalab import services
from datalab.choices import RequestState
from datalab.models import AuditEntry, DataLabRequest
from tests.datalab.api import API, ROLES, application_body, clients, cohort_file, request_url
from tests.datalab.lab import LabCast, advance, cohort_csv, draft

pytestmark = pytest.mark.django_db


def expect(anonymous, other_charity, charity, analyst, other_analyst, checker, secretariat, osr, editor) -> dict[str, int]:
    values = [anonymous, other_charity, charity, analyst, other_analyst, checker, secretariat, osr, editor]
    return dict(zip(ROLES, values, strict=True))


# The shapes of the answers.
SIGNED_IN = expect(401, 200, 200, 200, 200, 200, 200, 200, 200)
DRAFT_OWNERS = expect(401, 404, 200, 404, 404, 404, 404, 404, 404)
READERS = expect(401, 404, 200, 200, 200, 200, 200, 404, 404)
THE_LAB = expect(401, 404, 403, 200, 200, 403, 200, 404, 404)  # while no analyst is assigned: any analyst
ORGANISATION = expect(401, 404, 200, 403, 403, 403, 403, 404, 404)
ASSIGNED_ANALYST = expect(401, 404, 403, 200, 403, 403, 403, 404, 404)
NEVER = expect(401, 405, 405, 405, 405, 405, 405, 405, 405)


@dataclass
class Call:
    method: str
    url: str
    body: Any = field(default_factory=dict)
    request: DataLabRequest | None = None
    multipart: bool = False


Make = Callable[[LabCast, Any], Call]


def in_state(state: str) -> Callable[[LabCast, Any], DataLabRequest]:
    def make(lab: LabCast, extract: Any) -> DataLabRequest:
        return advance(lab, draft(lab), state, extract=extract)

    return make


def step(tail: str, state: str, body: dict[str, Any] | None = None) -> Make:
    def make(lab: LabCast, extract: Any) -> Call:
        request = in_state(state)(lab, extract)
        return Call("post", request_url(request, tail), dict(body or {}), request)

    return make


def withdrawn(lab: LabCast, extract: Any) -> Call:
    request = advance(lab, draft(lab), RequestState.SUBMITTED)
    services.request_withdraw(actor=lab.charity, request=request, reason="The programme closed.")
    return Call("post", request_url(request, "close"), {"reason": "Withdrawn before any data came."}, request)


def upload(lab: LabCast, extract: Any) -> Call:
    request = in_state(RequestState.AWAITING_UPLOAD)(lab, extract)
    return Call("post", request_url(request, "cohort"), cohort_csv(extract, limit=80), request, multipart=True)


def read(tail: str = "", state: str = RequestState.SUBMITTED, method: str = "get") -> Make:
    def make(lab: LabCast, extract: Any) -> Call:
        request = in_state(state)(lab, extract)
        return Call(method, request_url(request, tail), None if method in ("get", "delete") else {}, request)

    return make


def create(lab: LabCast, extract: Any) -> Call:
    return Call("post", f"{API}/requests/", application_body(organisation=lab.organisation.slug))


def listing(path: str, method: str = "get") -> Make:
    def make(lab: LabCast, extract: Any) -> Call:
        draft(lab)
        return Call(method, f"{API}/{path}/", None if method == "get" else {})

    return make


def patch(state: str) -> Make:
    def make(lab: LabCast, extract: Any) -> Call:
        request = in_state(state)(lab, extract)
        return Call("patch", request_url(request), {"expected_people": 450, "version": request.version}, request)

    return make


CASES: dict[str, tuple[Make, dict[str, int]]] = {
    "list": (listing("requests"), SIGNED_IN),
    "organisations": (listing("organisations"), SIGNED_IN),
    "create": (create, expect(401, 400, 201, 403, 403, 403, 403, 400, 400)),
    "retrieve_draft": (read(state=RequestState.DRAFT), DRAFT_OWNERS),
    "retrieve": (read(), READERS),
    "audit": (read("audit"), READERS),
    "partial_update": (patch(RequestState.DRAFT), DRAFT_OWNERS),
    "partial_update_submitted": (patch(RequestState.SUBMITTED), expect(401, 404, 400, 403, 403, 403, 403, 404, 404)),
    "submit": (step("submit", RequestState.DRAFT), DRAFT_OWNERS),
    "check_eligibility": (step("check-eligibility", RequestState.SUBMITTED), THE_LAB),
    "refuse_eligibility": (step("refuse-eligibility", RequestState.SUBMITTED, {"reason": "A service, not a programme."}),
                           THE_LAB),  # fmt: skip
    "sign_agreement": (
        step("sign-agreement", RequestState.ELIGIBILITY_CHECKED,
             {"signatory_name": "Sam Okafor", "signatory_role": "Chief executive", "accepted": True}),
        ORGANISATION,
    ),  # fmt: skip
    "open_upload": (
        step("open-upload", RequestState.AGREEMENT_SIGNED, {"analyst": "analyst", "output_checker": "checker"}),
        THE_LAB,
    ),
    "cohort": (upload, expect(401, 404, 201, 403, 403, 403, 403, 404, 404)),
    "replace_cohort": (step("replace-cohort", RequestState.LINKED, {"reason": "Corrected NHS numbers."}),
                       expect(401, 404, 200, 200, 403, 403, 200, 404, 404)),  # fmt: skip
    "mark_feasible": (step("mark-feasible", RequestState.LINKED), ASSIGNED_ANALYST),
    "mark_not_feasible": (step("mark-not-feasible", RequestState.LINKED, {"reason": "Too few people linked."}),
                          ASSIGNED_ANALYST),  # fmt: skip
    "lock_protocol": (step("lock-protocol", RequestState.FEASIBLE), ASSIGNED_ANALYST),
    "withdraw": (step("withdraw", RequestState.SUBMITTED, {"reason": "The programme closed."}),
                 expect(401, 404, 200, 403, 403, 403, 200, 404, 404)),  # fmt: skip
    "close": (withdrawn, THE_LAB),
    "put": (read(method="put"), NEVER),
    "delete": (read(method="delete"), NEVER),
    "audit_post": (read("audit", method="post"), NEVER),
    "audit_put": (read("audit", method="put"), NEVER),
    "audit_patch": (read("audit", method="patch"), NEVER),
    "audit_delete": (read("audit", method="delete"), NEVER),
    "organisations_post": (listing("organisations", method="post"), NEVER),
}

# The writes of the OpenAPI document this matrix covers (tests/api/test_permissions.py checks the document against
# every app's list).
DATALAB_WRITES = {
    ("POST", f"{API}/requests/"),
    ("PATCH", f"{API}/requests/{{reference}}/"),
    *{("POST", f"{API}/requests/{{reference}}/{path}/") for path in (
        "submit", "check-eligibility", "refuse-eligibility", "sign-agreement", "open-upload", "cohort",
        "replace-cohort", "mark-feasible", "mark-not-feasible", "lock-protocol", "withdraw", "close",
    )},
}  # fmt: skip


def _send(client: Any, call: Call) -> Any:
    if call.multipart:
        return client.post(call.url, cohort_file(call.body), format="multipart")
    return getattr(client, call.method)(call.url, call.body, format="json")


def _trace(request: DataLabRequest | None) -> tuple[int, int] | None:
    if request is None:
        return None
    return DataLabRequest.objects.get(pk=request.pk).version, AuditEntry.objects.filter(request=request).count()


@pytest.mark.parametrize("endpoint", list(CASES))
def test_permission_matrix(lab, extract, endpoint):
    make, expected = CASES[endpoint]
    call = make(lab, extract)
    callers = clients(lab)
    before = _trace(call.request)
    found: dict[str, int] = {}
    for role in ROLES:
        savepoint = transaction.savepoint()
        try:
            response = _send(callers[role], call)
            found[role] = response.status_code
            if response.status_code >= 400:
                body = response.json()
                assert body["detail"] and body["errors"][0]["message"], (role, body)
                assert _trace(call.request) == before, f"a refused call changed the request ({role})"
            if response.status_code == 401:
                assert response["WWW-Authenticate"] == "Token"
        finally:
            transaction.savepoint_rollback(savepoint)
    assert found == expected


def test_the_matrix_covers_every_write_of_the_lab(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    writes = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        if path.startswith(f"{API}/")
        for method in operations
        if method in ("post", "put", "patch", "delete")
    }
    assert writes == DATALAB_WRITES
    steps = {path.rsplit("/", 2)[-2] for _method, path in DATALAB_WRITES} - {"requests", "{reference}"}
    assert {tail.replace("-", "_") for tail in steps} <= set(CASES)

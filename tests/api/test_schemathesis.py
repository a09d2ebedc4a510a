"""Property-based run of every operation in /api/schema/ against the WSGI app, in-process (schemathesis 4).

For each operation schemathesis generates valid and invalid requests (bounded: MAX_EXAMPLES each) and checks that no
response is a 5xx and every response matches the document: its status is listed, its content type and body match.
Every generated request is sent as three of the roles (``SCHEMATHESIS_ROLES``, default every role: anonymous, editor,
Head of Profession, another producer's editor, network lead, secretariat, OSR, and the Health Data Lab's organisation
member and analyst; ``SCHEMATHESIS_ROLES_PER_CASE``, 0 for all of them), a different three for each request, each time
with that role's token, and most path parameters are replaced with real slugs, ids and
request references and If-Match with the current ETag, so the write paths get past the lookup and the version check
and reach the services. The lab's operations meet a request in each state of its usual path (``LabWorld``).
"""

import os
import zlib
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from coordination.choices import FlagKind
from coordination.models import Flag
from datalab.choices import RequestState
from datalab.models import DataLabRequest
from ehssg.roles import LAB_ANALYST_GROUP
from releases.models import Definition, Measure, PreReleaseAccess, Release
from tests.api.conftest import NOW, client_for
from tests.datalab.lab import OrganisationFactory, advance, draft, in_group, member_of
from tests.factories import (
    CancelledReleaseFactory,
    ConfirmedReleaseFactory,
    DateChangeFactory,
    ProvisionalReleaseFactory,
    PublishedReleaseFactory,
    ReleaseFactory,
    ReleaseSeriesFactory,
    london,
)

MAX_EXAMPLES = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
schema.config.generation.update(max_examples=MAX_EXAMPLES, database="none", deterministic=True)


# The lab's states a request is put in for its operations; the linked ones (a cohort linked to the national data)
# only for the operations that read them or leave from them, as linking takes a second or two.
LAB_STATES = [RequestState.DRAFT, RequestState.SUBMITTED, RequestState.ELIGIBILITY_CHECKED, RequestState.AGREEMENT_SIGNED,
              RequestState.AWAITING_UPLOAD]  # fmt: skip
LINKED_STATES = [RequestState.LINKED, RequestState.FEASIBLE]
LINKED_OPERATIONS = ("GET /api/v1/datalab/requests/", "replace-cohort", "mark-", "lock-protocol")


class LabWorld:
    """The Health Data Lab's cast with a request in each state of the usual path, for the lab's operations."""

    def __init__(self, lab: Any, extract: Any, *, linked: bool) -> None:
        states = LAB_STATES + (LINKED_STATES if linked else [])
        self.requests = [advance(lab, draft(lab), state, extract=extract) for state in states]
        self.references = [r.reference for r in self.requests]


def lab_people() -> dict[str, Any]:
    """The lab's roles for the operations that are not the lab's: a person of an organisation, an analyst."""
    return {
        "charity": member_of(OrganisationFactory(name="Hartley Befriending Trust", slug="hartley"), "charity"),
        "analyst": in_group("analyst", LAB_ANALYST_GROUP),
    }


class World:
    """A small register: one release in each state, a pending change, flags, pre-release access, definitions."""

    def __init__(self, cast: Any, people: dict[str, Any], lab: LabWorld | None = None) -> None:
        self.lab = lab
        p, n = cast.producer, cast.network
        self.series = ReleaseSeriesFactory(producers=[p])
        day = NOW.date().replace(month=5, day=12)
        confirmed = ConfirmedReleaseFactory(lead_producer=p, networks=[n], release_at=london(day))
        other = ConfirmedReleaseFactory(lead_producer=cast.other_producer, networks=[n], release_at=london(day))
        pending = ConfirmedReleaseFactory(lead_producer=p, networks=[n])
        self.releases = [
            ReleaseFactory(lead_producer=p),
            ProvisionalReleaseFactory(lead_producer=p, networks=[n], series=self.series),
            confirmed,
            pending,
            other,
            PublishedReleaseFactory(lead_producer=p),
            CancelledReleaseFactory(lead_producer=p),
            ConfirmedReleaseFactory(lead_producer=p, release_at=london(NOW.date().replace(day=1))),
        ]
        self.changes = [DateChangeFactory(release=pending, requested_by=cast.editor)]
        self.access = [
            PreReleaseAccess.objects.create(
                release=confirmed,
                recipient_role="Minister",
                organisation="DHSC",
                justification="Briefing",
                access_starts_at=confirmed.release_at.replace(hour=7),
            )
        ]
        self.flags = []
        for kind in (FlagKind.CLASH, FlagKind.DUPLICATE):
            flag = Flag.objects.create(
                kind=kind, key=f"{kind}:world", network=n, explanation="Found by the test.", facts={},
                facts_hash="0" * 64, raised_at=NOW, last_seen_at=NOW,
            )  # fmt: skip
            flag.releases.set([confirmed, other])
            self.flags.append(flag)
        measure = Measure.objects.create(name="Emergency admission", slug="emergency-admission")
        self.definitions = [Definition.objects.create(measure=measure, owner=p, text="An unplanned admission.")]
        self.slugs = {
            "releases": [r.slug for r in self.releases],
            "series": [self.series.slug],
            "producers": [p.slug, cast.other_producer.slug],
            "networks": [n.slug, cast.other_network.slug],
            "measures": [measure.slug],
        }
        self.ids = {
            "date-changes": [c.pk for c in self.changes],
            "flags": [f.pk for f in self.flags],
            "definitions": [d.pk for d in self.definitions],
        }
        self.headers = {
            role: {"Authorization": client_for(people.get(role) or getattr(cast, role))._credentials[
                "HTTP_AUTHORIZATION"]} if role != "anonymous" else {}
            for role in ROLES
        }  # fmt: skip

    @staticmethod
    def _pick(options: list[Any], generated: Any) -> Any:
        """Mostly a real object (so the request gets past the lookup); one time in five the generated value."""
        digest = zlib.crc32(str(generated).encode())
        return generated if digest % 5 == 0 else options[digest % len(options)]

    def prepare(self, case: Any) -> None:
        meta = getattr(case, "meta", None)
        if meta is not None and meta.generation.mode.is_negative:
            return  # invalid data stays as generated: it must be refused
        collection = case.operation.path.split("/")[3]
        params = case.path_parameters or {}
        if "slug" in params and collection in self.slugs:
            params["slug"] = self._pick(self.slugs[collection], params["slug"])
        if "id" in params and collection in self.ids:
            params["id"] = self._pick(self.ids[collection], params["id"])
        if "entry_id" in params:
            params["entry_id"] = self._pick([a.pk for a in self.access], params["entry_id"])
        if "reference" in params and self.lab is not None:
            params["reference"] = self._pick(self.lab.references, params["reference"])
        headers = case.headers if case.headers is not None else {}
        versioned = self._versioned(collection, params)
        if versioned is not None and zlib.crc32(repr(case.body).encode()) % 4 != 0:
            headers["If-Match"] = f'"{versioned.version}"'
        case.headers = headers

    def _versioned(self, collection: str, params: dict[str, Any]) -> Release | DataLabRequest | None:
        if collection == "releases" and "slug" in params:
            return Release.objects.filter(slug=params["slug"]).first()
        if collection == "date-changes" and "id" in params:
            return Release.objects.filter(date_changes__pk=params["id"]).first()
        if collection == "datalab" and "reference" in params:
            return DataLabRequest.objects.filter(reference=params["reference"]).first()
        return None


ROLES = os.environ.get(
    "SCHEMATHESIS_ROLES", "anonymous,editor,hop,other_editor,lead,secretariat,osr,charity,analyst"
).split(",")
# Each generated request goes to this many of the roles, a different run of them for each request (so every role
# meets about MAX_EXAMPLES * ROLES_PER_CASE / len(ROLES) requests of every operation); 0 sends each to every role.
# The permission matrices (tests/api/test_permissions.py, tests/datalab/test_api_permissions.py) test each role in
# full; this test is for what no one wrote down: 5xx, and responses the document does not describe.
ROLES_PER_CASE = int(os.environ.get("SCHEMATHESIS_ROLES_PER_CASE", "3"))


def roles_for(case: Any, headers: dict[str, dict[str, str]]) -> list[tuple[str, dict[str, str]]]:
    """The roles this request is sent as: ``ROLES_PER_CASE`` of them in a row, starting where the request's own
    digest points (deterministic, as the generation is), every role when ``ROLES_PER_CASE`` is 0 or covers them all."""
    roles = list(headers.items())
    if not ROLES_PER_CASE or len(roles) <= ROLES_PER_CASE:
        return roles
    start = zlib.crc32(f"{case.operation.label} {case.path_parameters} {case.query} {case.body!r}".encode())
    return [roles[(start + i) % len(roles)] for i in range(ROLES_PER_CASE)]


@pytest.fixture
def world(cast, settings, request):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None}}
    operation = getattr(request.node, "operation_label", "")  # "POST /api/v1/datalab/requests/{reference}/submit/"
    lab = None
    if "/api/v1/datalab/" in operation:  # the lab's cast, its extract and a request in each state
        cast_of_lab = request.getfixturevalue("lab")
        lab = LabWorld(cast_of_lab, request.getfixturevalue("extract"),
                       linked=any(name in operation for name in LINKED_OPERATIONS))  # fmt: skip
        people = {"charity": cast_of_lab.charity, "analyst": cast_of_lab.analyst}
    else:
        people = lab_people()
    # The WSGI handler closes the database connection after each request; inside the test's transaction that would
    # close it under the test (PostgreSQL). Django's own test client switches this off the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield World(cast, people, lab)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_api_matches_its_openapi_document(case, world):
    world.prepare(case)
    for role, headers in roles_for(case, world.headers):
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception as failure:
            failure.add_note(f"as {role}")
            raise

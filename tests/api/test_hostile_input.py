"""Hostile input on every filter and every writable field of the API: a 400 in the documented error shape, never a 500.

The filters and fields are read from the OpenAPI document (/api/schema/) when the tests are collected, so a filter or
field added later is covered without touching this file. The values are those that used to raise 500s: a ``%`` (django-
filter %-formats messages that carry the value), a NUL (PostgreSQL text refuses it) and a lone surrogate (it cannot be
encoded as UTF-8 when stored, logged or echoed in a message).
"""

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from coordination.choices import FlagKind
from coordination.models import Flag
from ehssg import messages
from networks import services as network_services
from networks.choices import Goal
from releases.models import PreReleaseAccess
from tests.api.conftest import NOW, client_for
from tests.datalab.lab import draft
from tests.factories import ConfirmedReleaseFactory, DateChangeFactory

pytestmark = pytest.mark.django_db

DOCUMENT = SchemaGenerator().get_schema(request=None, public=True)
SCHEMAS = DOCUMENT["components"]["schemas"]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[1]]
    return schema


FILTERS = sorted(
    (path, parameter["name"], "pattern" in json.dumps(parameter.get("schema", {})))
    for path, operations in DOCUMENT["paths"].items()
    if path.startswith("/api/v1/") and "{" not in path and "get" in operations
    for parameter in operations["get"].get("parameters", [])
    if parameter["in"] == "query"
)
SLUG_FILTERS = [(path, name) for path, name, is_slug in FILTERS if is_slug]

WRITABLE = sorted(
    (path, method, field)
    for path, operations in DOCUMENT["paths"].items()
    if path.startswith("/api/v1/")
    for method, operation in operations.items()
    if method in ("post", "put", "patch") and "application/json" in operation.get("requestBody", {}).get("content", {})
    for field in _resolve(operation["requestBody"]["content"]["application/json"]["schema"]).get("properties", {})
)


def assert_error_shape(response, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["errors"] and all({"field", "message", "code"} <= set(e) for e in body["errors"])
    return body


def test_the_lists_are_found():
    """The collection found what the issue counted: 9 slug filters, and writes with fields."""
    assert len(SLUG_FILTERS) >= 9 and ("/api/v1/releases/", "producer") in SLUG_FILTERS
    assert ("/api/v1/releases/", "post", "designation") in WRITABLE
    assert ("/api/v1/datalab/requests/{reference}/withdraw/", "post", "reason") in WRITABLE
    assert ("/api/v1/datalab/requests/", "organisation") in SLUG_FILTERS


@pytest.fixture
def reader(cast, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None}}
    return client_for(cast.hop)


@pytest.mark.parametrize(("path", "name"), SLUG_FILTERS)
@pytest.mark.parametrize("value", ["%", "%s", "%(value)s", "100%"])
def test_a_percent_in_a_slug_filter_is_400_naming_the_parameter(reader, path, name, value):
    body = assert_error_shape(reader.get(path, {name: value}))
    assert [e["field"] for e in body["errors"]] == [name]
    assert value in body["detail"]


HOSTILE_QUERIES = ["%25", "%00", "a%00b", "%ED%A0%80", "%25s%25(x)s", "%FF%FE"]


@pytest.mark.parametrize(("path", "name", "is_slug"), FILTERS)
def test_every_filter_refuses_hostile_values_without_a_500(reader, path, name, is_slug):
    refused = 404 if name == "page" else 400  # a page that is not a page is "Invalid page.", as DRF answers
    for raw in HOSTILE_QUERIES:
        response = reader.get(path, QUERY_STRING=f"{name}={raw}")
        assert response.status_code in (200, refused), (raw, response.status_code, response.content[:300])
        if response.status_code == refused:
            assert_error_shape(response, refused)
            if refused == 400:
                assert name in {e["field"] for e in response.json()["errors"]}
        if "%00" in raw or (is_slug and "%25" in raw):  # a NUL is no filter's value; a % is in no slug
            assert response.status_code == refused, raw


class World:
    """One object of each kind, so every write address points at something real and the request reaches its parser."""

    def __init__(self, cast: Any) -> None:
        release = ConfirmedReleaseFactory(lead_producer=cast.producer, networks=[cast.network])
        plan = network_services.plan_create(actor=cast.lead, network=cast.network, title="Urgent care plan 2027")
        item = network_services.item_create(actor=cast.lead, plan=plan, title="Align A&E releases", owner="NHSE",
                                            due_on=date(2027, 6, 30), goal=Goal.ALIGN_DATES)  # fmt: skip
        flag = Flag.objects.create(kind=FlagKind.CLASH, key="clash:hostile", network=cast.network, explanation="Test.",
                                   facts={}, facts_hash="0" * 64, raised_at=NOW, last_seen_at=NOW)  # fmt: skip
        flag.releases.set([release])
        access = PreReleaseAccess.objects.create(release=release, recipient_role="Minister", organisation="DHSC",
                                                 justification="Briefing",
                                                 access_starts_at=release.release_at - timedelta(hours=2))  # fmt: skip
        self.ids = {
            "date-changes": DateChangeFactory(release=release, requested_by=cast.editor).pk,
            "action-plans": plan.pk, "action-items": item.pk, "flags": flag.pk,
        }  # fmt: skip
        self.slug, self.entry_id = release.slug, access.pk

    def address(self, path: str) -> str:
        collection = path.split("/")[3]
        path = path.replace("{slug}", self.slug).replace("{entry_id}", str(self.entry_id))
        return path.replace("{id}", str(self.ids.get(collection, 0)))


WRITES = sorted({(path, method) for path, method, _field in WRITABLE})
BAD_TEXT = [
    ("\ud800", messages.BROKEN_TEXT.format(code=0xD800)),
    ("a\x00b", messages.NULL_CHARACTER),
    ("x\udcff", messages.BROKEN_TEXT.format(code=0xDCFF)),
]


@pytest.mark.parametrize(("path", "method"), WRITES)
def test_every_writable_field_refuses_a_lone_surrogate_or_a_nul_with_400(cast, path, method, request):
    world = World(cast)
    client = Client()
    collection = path.split("/")[3]
    network_path = collection in ("action-plans", "action-items", "lessons", "engagement-activities", "flags")
    client.force_login(cast.lead if network_path else cast.hop)
    address = world.address(path)
    if collection == "datalab":  # the lab's requests: a draft of the organisation, as one of its people
        lab = request.getfixturevalue("lab")
        client.force_login(lab.charity)
        address = address.replace("{reference}", draft(lab).reference)
    fields = [field for p, m, field in WRITABLE if (p, m) == (path, method)]
    for field in fields:
        for text, message in BAD_TEXT:
            body = json.dumps({field: text})
            response = getattr(client, method)(address, body, content_type="application/json",
                                               HTTP_IF_MATCH='"1"')  # fmt: skip
            errors = assert_error_shape(response)["errors"]
            assert {"field": field, "message": message, "code": "invalid"} in errors, (field, errors)


def test_a_lone_surrogate_in_designation_is_400_not_500(cast, reader):
    body = json.dumps({"title": "T", "lead_producer": cast.producer.slug, "designation": "\ud800"})
    response = reader.post("/api/v1/releases/", body, content_type="application/json")
    assert assert_error_shape(response)["errors"] == [
        {"field": "designation", "message": messages.BROKEN_TEXT.format(code=0xD800), "code": "invalid"}
    ]


def test_nested_bad_text_is_named_by_its_path(cast, reader):
    body = json.dumps({"items": [{"title": "fine"}, {"title": "bad\x00"}]})
    response = reader.post("/api/v1/releases/bulk/", body, content_type="application/json")
    assert {"field": "items.1.title", "message": messages.NULL_CHARACTER, "code": "invalid"} in (
        assert_error_shape(response)["errors"]
    )

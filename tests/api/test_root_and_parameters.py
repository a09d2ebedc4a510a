"""/api/v1/ answers with the API's index; every list refuses query parameters it does not know (400, the error shape)."""

import pytest

from ehssg.messages import UNKNOWN_PARAMETER
from tests.api.conftest import client_for

LISTS = {
    "producers": [],
    "series": ["producer", "network", "designation", "is_active"],
    "releases": ["q", "producer", "network", "designation", "status", "ordering", "from", "to"],
    "date-changes": ["release", "status"],
    "flags": ["kind", "status", "network", "release", "is_current"],
    "measures": [],
    "definitions": ["measure", "owner", "is_harmonised"],
    "networks": [],
    "action-plans": ["network", "status"],
    "action-items": ["network", "plan", "status", "goal", "overdue"],
    "lessons": ["q", "network"],
    "engagement-activities": ["network", "kind", "held_from", "held_to"],
    "progress-reports": [],
    "datalab/requests": ["state", "organisation", "primary_outcome"],
    "datalab/organisations": [],
}


@pytest.mark.django_db
def test_the_root_is_an_index_of_every_list(anon):
    response = anon.get("/api/v1/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "name": "EHSSG harmonised release calendar API",
        "version": "v1",
        "documentation": "http://testserver/api/docs/",
        "schema": "http://testserver/api/schema/",
        "endpoints": {name: f"http://testserver/api/v1/{name}/" for name in LISTS},
    }


@pytest.mark.django_db
def test_every_address_in_the_index_answers(cast, anon):
    for name, address in anon.get("/api/v1/").json()["endpoints"].items():
        # Flags and the lab's lists are for signed-in people.
        reader = client_for(cast.osr) if name == "flags" or name.startswith("datalab/") else anon
        assert reader.get(address).status_code == 200, name


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "filters"), LISTS.items())
def test_an_unknown_parameter_is_refused_naming_it(cast, name, filters):
    response = client_for(cast.osr).get(f"/api/v1/{name}/", {"prodcer": "ons", "page_size": "5"})

    assert response.status_code == 400
    known = ", ".join(dict.fromkeys([*filters, "page", "page_size", "format", "ordering"]))
    message = UNKNOWN_PARAMETER.format(name="prodcer", known=known)
    assert response.json() == {
        "detail": message,
        "errors": [{"field": "prodcer", "message": message, "code": "unknown_parameter"}],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("name", LISTS)
def test_pagination_format_and_ordering_are_allowed_on_every_list(cast, name):
    query = {"page": "1", "page_size": "5", "format": "json", "ordering": "title"}

    assert client_for(cast.osr).get(f"/api/v1/{name}/", query).status_code == 200


@pytest.mark.django_db
def test_each_unknown_parameter_is_listed(anon):
    response = anon.get("/api/v1/releases/?q=cancer&colour=blue&%00=1")

    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("colour", "unknown_parameter"),
        ("\x00", "unknown_parameter"),
    ]
    assert response.json()["detail"] == "The request has 2 problems; each is listed in errors."


@pytest.mark.django_db
def test_an_object_address_ignores_the_query_string(cast, anon):
    assert anon.get(f"/api/v1/producers/{cast.producer.slug}/?anything=1").status_code == 200

"""The request id: returned as X-Request-ID, bound into every log line of the request, stored on the history rows
the request wrote (one save or a bulk write), empty for changes made outside a request."""

import pytest
from simple_history.utils import bulk_create_with_history

from ehssg import security
from releases.choices import State
from releases.models import Producer, Release
from tests.factories import ProvisionalReleaseFactory

pytestmark = pytest.mark.django_db
REQUEST_ID = "req-4c1f0e2a9b7d4e55"


def test_a_change_through_a_page_stores_the_request_id_on_its_history_row(client, cast):
    release = ProvisionalReleaseFactory(lead_producer=cast.producer)
    client.force_login(cast.editor)
    response = client.post(f"/producer/releases/{release.slug}/cancel/", {"reason": "Merged into the annual report"},
                           HTTP_X_REQUEST_ID=REQUEST_ID)  # fmt: skip
    assert response.status_code == 302
    assert response["X-Request-ID"] == REQUEST_ID
    latest = Release.history.filter(id=release.pk).latest("history_date")
    assert latest.state == State.CANCELLED
    assert latest.request_id == REQUEST_ID
    assert latest.history_change_reason  # who and why were already there; now which request too


def test_a_change_through_the_api_gets_our_own_id_when_none_is_sent(client, cast):
    release = ProvisionalReleaseFactory(lead_producer=cast.producer)
    client.force_login(cast.editor)
    response = client.post(f"/api/v1/releases/{release.slug}/cancel/", {"reason": "Withdrawn", "version": release.version},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 200, response.content
    latest = Release.history.filter(id=release.pk).latest("history_date")
    assert latest.request_id == response["X-Request-ID"] != ""


def test_bulk_history_carries_it_too():
    token = security._request_id.set(REQUEST_ID)
    try:
        created = bulk_create_with_history([Producer(name="A", abbreviation="A", slug="a"),
                                            Producer(name="B", abbreviation="B", slug="b")], Producer)  # fmt: skip
    finally:
        security._request_id.reset(token)
    rows = Producer.history.filter(id__in=[p.pk for p in created])
    assert sorted(rows.values_list("request_id", flat=True)) == [REQUEST_ID, REQUEST_ID]


def test_outside_a_request_it_is_empty(cast):
    release = ProvisionalReleaseFactory(lead_producer=cast.producer)
    assert Release.history.filter(id=release.pk).latest("history_date").request_id == ""


def test_every_history_model_has_it():
    from django.apps import apps

    historical = [m for m in apps.get_models() if m.__name__.startswith("Historical")]
    assert len(historical) > 20
    missing = [m.__name__ for m in historical if not _request_id_field(m)]
    assert missing == []


def _request_id_field(model) -> str | None:
    """The history model's X-Request-ID field: ``request_id``, or ``http_request_id`` where the model's own foreign
    key named ``request`` (the lab's) has the ``request_id`` column."""
    fields = {f.name: f for f in model._meta.fields}
    if "http_request_id" in fields:
        return "http_request_id"
    field = fields.get("request_id")
    return "request_id" if field is not None and not field.is_relation else None


def test_a_lab_history_row_beside_a_request_key_keeps_the_request_id():
    from datalab.models import CohortUpload

    history = CohortUpload.history.model
    assert _request_id_field(history) == "http_request_id"
    assert history._meta.get_field("request").is_relation  # the request's key keeps its own column
    token = security._request_id.set(REQUEST_ID)
    try:
        assert history().http_request_id == REQUEST_ID  # filled from the request being served, as every history row
    finally:
        security._request_id.reset(token)


def test_log_lines_of_the_request_carry_it(client, caplog):
    caplog.set_level("INFO")
    client.get("/calendar/", HTTP_X_REQUEST_ID=REQUEST_ID)
    events = [r.msg for r in caplog.records if isinstance(r.msg, dict)]
    finished = [e for e in events if e.get("event") == "request_finished"]
    assert finished and all(e["request_id"] == REQUEST_ID for e in finished)
    assert finished[0]["code"] == 200


def test_the_json_log_format(capsys):
    """One JSON object a line, with the request id, from the formatter production uses."""
    import json
    import logging

    import structlog

    from ehssg.logs import logging_config

    config = logging_config(level="INFO", fmt="json")
    formatter = config["formatters"]["structured"]["()"](**{k: v for k, v in config["formatters"]["structured"].items()
                                                            if k != "()"})  # fmt: skip
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    logger = logging.getLogger("ehssg.test_json")
    logger.addHandler(handler)
    structlog.contextvars.bind_contextvars(request_id=REQUEST_ID)
    try:
        structlog.get_logger("ehssg.test_json").info("release_cancelled", release="abc")
    finally:
        structlog.contextvars.clear_contextvars()
        logger.removeHandler(handler)
    line = capsys.readouterr().err.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["event"] == "release_cancelled" and record["request_id"] == REQUEST_ID
    assert record["level"] == "info" and record["release"] == "abc" and "timestamp" in record

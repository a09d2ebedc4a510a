"""Hostile and mistaken input to the lab's API: a 400 (or 413, 415) in the API's error shape, never a 500, and nothing
kept. The cohort upload is read in memory only, capped, and its problems are listed by row and column, never with a
cell's value."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler

from datalab import messages, store
from datalab.choices import RequestState
from datalab.models import CohortUpload, DataLabRequest
from ehssg import messages as ehssg_messages
from ehssg.api.fields import NOT_TEXT
from tests.api.conftest import client_for
from tests.datalab.api import API, application_body, cohort_file, if_match, producer_editor, request_url
from tests.datalab.lab import advance, cohort_csv, draft

pytestmark = pytest.mark.django_db

HEADINGS = "nhs_number,date_of_birth,sex,postcode,index_date,sessions\r\n"


def problems(response: Any, status: int = 400) -> list[dict[str, Any]]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    return list(body["errors"])


@pytest.fixture
def open_upload(lab):
    return advance(lab, draft(lab), RequestState.AWAITING_UPLOAD)


def send(lab: Any, request: DataLabRequest, data: bytes, name: str = "cohort.csv") -> Any:
    return client_for(lab.charity).post(request_url(request, "cohort"), cohort_file(data, name), format="multipart")


def nothing_kept(request: DataLabRequest) -> bool:
    return not CohortUpload.objects.filter(request=request).exists() and not store.holds_files(request.reference)


# --- JSON ---------------------------------------------------------------------------------------------------------------


def test_a_body_that_is_not_json_is_refused(lab):
    charity = client_for(lab.charity)
    assert problems(charity.post(f"{API}/requests/", "organisation=hartley", content_type="text/plain"), 415)
    broken = charity.post(f"{API}/requests/", '{"organisation": "hartley", ', content_type="application/json")
    assert problems(broken)[0]["code"] == "parse_error"
    listed = charity.post(f"{API}/requests/", json.dumps([application_body()]), content_type="application/json")
    assert problems(listed)[0]["field"] is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("programme_name", 7),
        ("expected_people", "many"),
        ("expected_people", 10**20),
        ("expected_people", -1),
        ("delivery_start", "yesterday"),
        ("delivery_start", "9999-12-31"),
        ("expected_people", "400"),
        ("expected_people", 400.5),
        ("privacy_notice_confirmed", "perhaps"),
        ("privacy_notice_confirmed", 0),
        ("minimal_important_difference", True),
        ("primary_outcome", "happiness"),
        ("minimal_important_difference", "NaN"),
        ("minimal_important_difference", 123456789),
        ("organisation", 5),
        ("organisation", "hartley%00"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_naming_its_field(lab, field, value):
    body = {**application_body(organisation="hartley"), field: value}
    response = client_for(lab.charity).post(f"{API}/requests/", body, format="json")
    assert [e["field"] for e in problems(response)] == [field]
    assert not DataLabRequest.objects.exists()


def test_text_that_no_field_can_hold_is_refused(lab):
    request = draft(lab)
    charity = client_for(lab.charity)
    for value, message in (
        ("a\x00b", ehssg_messages.NULL_CHARACTER),
        ("\ud800", ehssg_messages.BROKEN_TEXT.format(code=0xD800)),
        (7, NOT_TEXT),
        ("x" * 10_001, "Ensure this field has no more than 10000 characters."),
    ):
        body = json.dumps({"programme_description": value}, ensure_ascii=True)
        response = charity.patch(request_url(request), body, content_type="application/json", **if_match(request))
        assert [(e["field"], e["message"]) for e in problems(response)] == [("programme_description", message)]
    huge = charity.post(request_url(request, "withdraw"), {"reason": "why " * 100_000}, format="json")
    assert problems(huge)[0]["field"] == "reason"
    request.refresh_from_db()
    assert request.version == 1 and request.state == RequestState.DRAFT


def test_a_field_the_request_does_not_take_is_refused_not_ignored(lab):
    request = draft(lab)
    charity = client_for(lab.charity)
    response = charity.patch(request_url(request), {"state": "feasible", "expected_people": 450}, format="json",
                             **if_match(request))  # fmt: skip
    [error] = problems(response)
    assert (error["field"], error["code"]) == ("state", "unknown_field")
    assert error["message"].startswith(messages.API_UNKNOWN_FIELD.format(name="state", known="programme_name")[:40])
    misspelt = charity.post(request_url(request, "withdraw"), {"reasno": "Typo"}, format="json")
    assert problems(misspelt)[0] == {
        "field": "reasno", "message": messages.API_UNKNOWN_FIELD.format(name="reasno", known="version, reason"),
        "code": "unknown_field",
    }  # fmt: skip
    request.refresh_from_db()
    assert (request.state, request.expected_people, request.version) == (RequestState.DRAFT, 400, 1)


# --- the cohort upload ----------------------------------------------------------------------------------------------------


def test_a_cohort_with_problems_lists_each_by_row_and_column_and_never_a_value(lab, open_upload):
    rows = [
        "9434765871,1950-02-03,2,LS1 4AP,2023-01-09,4",  # not a valid NHS number (check digit)
        ",1951-13-40,1,LS2 7EW,2023-02-01,",  # a date of birth that is no date, no NHS number
        "9434765919,1952-04-05,3,ZZ,2023-03-01,",  # a sex and a postcode that are neither
    ]
    response = send(lab, open_upload, (HEADINGS + "\r\n".join(rows) + "\r\n").encode())

    found = problems(response)
    body = response.json()
    assert body["total"] == len(found) >= 4
    assert {e["row"] for e in found} == {2, 3, 4}
    assert {e["field"] for e in found} <= {"nhs_number", "date_of_birth", "sex", "postcode", "index_date"}
    assert all(e["code"] == "invalid_row" and e["message"].startswith(f"Row {e['row']}") for e in found)
    for value in ("9434765871", "1951-13-40", "9434765919", "LS2 7EW", "ZZ"):
        assert value not in response.content.decode()
    assert nothing_kept(open_upload)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("cohort.pdf", b"%PDF-1.4 people", messages.COHORT_WRONG_TYPE),
        ("cohort.csv", b"", messages.COHORT_EMPTY),
        ("cohort.xlsx", b"nhs_number,date_of_birth\r\n", messages.COHORT_XLSX_NOT_WORKBOOK),
        ("cohort.csv", b"PK\x03\x04" + b"\x00" * 60, messages.COHORT_CSV_IS_WORKBOOK),
    ],
)
def test_a_file_that_is_not_a_cohort_is_refused_as_a_whole(lab, open_upload, name, data, message):
    response = send(lab, open_upload, data, name)
    assert problems(response) == [{"row": None, "field": None, "message": message, "code": "invalid_file"}]
    assert response.json()["total"] == 1
    assert nothing_kept(open_upload)


def test_a_hundred_thousand_rows_are_refused_with_a_clear_message(lab, open_upload):
    data = (HEADINGS + "9434765919,1952-04-05,2,LS1 4AP,2023-03-01,\r\n" * 100_000).encode()
    assert len(data) < 10 * 1024 * 1024  # under the size cap: the rows are what is refused

    [error] = problems(send(lab, open_upload, data))
    assert error["message"] == messages.COHORT_TOO_MANY_ROWS.format(limit="50,000")
    assert nothing_kept(open_upload)


def test_a_file_over_the_size_limit_is_413_and_nothing_is_kept(lab, open_upload, settings):
    settings.DATALAB_MAX_UPLOAD_BYTES = 1024 * 1024
    response = send(lab, open_upload, b"x" * (1024 * 1024 + 1))
    assert problems(response, 413) == [
        {"field": "file", "message": messages.API_FILE_TOO_LARGE.format(size="1 MB"), "code": "too_large"}
    ]
    assert nothing_kept(open_upload)


def test_the_cohort_never_reaches_the_disk_on_its_way_in(lab, open_upload, extract, settings, monkeypatch, tmp_path):
    """Django writes any upload over FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file; the cohort's handler never."""
    spilled: list[str] = []
    original = TemporaryFileUploadHandler.new_file

    def recording(self: Any, *args: Any, **kwargs: Any) -> None:
        spilled.append(self.request.path)
        original(self, *args, **kwargs)

    monkeypatch.setattr(TemporaryFileUploadHandler, "new_file", recording)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    data = cohort_csv(extract, limit=80)

    response = send(lab, open_upload, data)
    assert response.status_code == 201, response.content[:300]
    assert response.json()["rows"] == 80 and spilled == []
    # The control: the same file to an endpoint with Django's own handlers goes through a temporary file.
    client_for(producer_editor()).post("/api/v1/releases/import/", {"format": "csv", "file": SimpleUploadedFile(
        "releases.csv", data)}, format="multipart")  # fmt: skip
    assert spilled == ["/api/v1/releases/import/"]


def test_the_upload_takes_one_file_in_its_field_and_nothing_else(lab, open_upload, extract):
    charity = client_for(lab.charity)
    url = request_url(open_upload, "cohort")
    data = cohort_csv(extract, limit=70)

    two = charity.post(url, {"file": [SimpleUploadedFile("a.csv", data), SimpleUploadedFile("b.csv", data)]},
                       format="multipart")  # fmt: skip
    assert problems(two) == [{"field": "file", "message": messages.API_ONE_FILE, "code": "one_file"}]
    extra = charity.post(url, {"file": SimpleUploadedFile("a.csv", data), "note": "Our spring cohort"},
                         format="multipart")  # fmt: skip
    assert problems(extra) == [
        {"field": "note", "message": messages.API_UNKNOWN_FIELD.format(name="note", known="file, version"),
         "code": "unknown_field"}
    ]  # fmt: skip
    none = charity.post(url, {"version": "1"}, format="multipart")
    assert problems(none) == [{"field": "file", "message": messages.API_FILE_REQUIRED, "code": "required"}]
    as_text = charity.post(url, {"file": "nhs_number\r\n9434765919\r\n"}, format="multipart")
    assert problems(as_text) == [{"field": "file", "message": messages.API_FILE_REQUIRED, "code": "invalid"}]
    assert problems(charity.post(url, {"file": "x"}, format="json"), 415)
    assert nothing_kept(open_upload)


def test_an_upload_before_the_lab_opens_it_is_refused_in_the_services_words(lab, extract):
    signed = advance(lab, draft(lab), RequestState.AGREEMENT_SIGNED)
    response = send(lab, signed, cohort_csv(extract, limit=70))
    assert problems(response) == [
        {"field": None, "message": messages.UPLOAD_BEFORE_AGREEMENT, "code": "no_agreement"}
    ]
    assert nothing_kept(signed)

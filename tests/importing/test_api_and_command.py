"""The same mappings over HTTP (POST /api/v1/releases/import/) and on the command line (manage.py import_releases)."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from importing import messages
from releases.choices import ImportSource, State
from releases.models import Release
from tests.api.conftest import client_for
from tests.conftest import skip_or_fail
from tests.importing.conftest import REALDATA
from tests.importing.test_malformed import GOOD_ROW, HEADER

URL = "/api/v1/releases/import/"
ITEM = {
    "base_path": "/government/statistics/announcements/ae-attendances-december-2026",
    "title": "A&E attendances and emergency admissions: December 2026",
    "schema_name": "statistics_announcement",
    "first_published_at": "2026-10-01T10:00:00+01:00",
    "details": {"display_date": "January 2027", "state": "provisional", "format_sub_type": "official"},
    "links": {"organisations": [{"base_path": "/government/organisations/nhs-england", "title": "NHS England"}]},
}


@pytest.mark.django_db
def test_upload_json_then_the_same_again(people):
    client = client_for(people.nhse_editor)
    response = client.post(URL, {"format": "govuk", "content": [ITEM]}, format="json")
    assert response.status_code == 200, response.content
    release = Release.objects.get(source=ImportSource.GOVUK)
    assert response.json() == {
        "created": 1, "updated": 0, "unchanged": 0, "rejected": 0, "files": [],
        "records": [{
            "where": "upload item 1", "identifier": ITEM["base_path"], "title": ITEM["title"], "result": "created",
            "reasons": [], "changed": [], "slug": release.slug,
            "url": f"http://testserver/api/v1/releases/{release.slug}/",
        }],
    }  # fmt: skip
    again = client.post(URL, {"format": "govuk", "content": [ITEM]}, format="json").json()
    assert (again["created"], again["unchanged"]) == (0, 1)


@pytest.mark.django_db
def test_upload_a_csv_file_with_a_contact(people):
    upload = SimpleUploadedFile("calendar.csv", (HEADER + GOOD_ROW).encode(), content_type="text/csv")
    response = client_for(people.secretariat).post(
        URL, {"format": "csv", "file": upload, "contact_name": "Jo Patel", "contact_email": "jo@example.org"},
        format="multipart",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["records"][0]["where"]) == (1, "calendar.csv line 2")
    release = Release.objects.get()
    assert (release.state, release.lead_statistician_email) == (State.CONFIRMED, "jo@example.org")


@pytest.mark.django_db
def test_another_producers_record_is_refused_in_the_answer(people):
    body = client_for(people.ons_editor).post(URL, {"format": "govuk", "content": ITEM}, format="json").json()
    assert body["rejected"] == 1
    assert body["records"][0]["reasons"] == [messages.NOT_YOUR_PRODUCER.format(producer="NHS England")]
    assert not Release.objects.exists()


@pytest.mark.django_db
def test_who_may_not_upload_and_what_is_not_an_upload(people):
    assert client_for(None).post(URL, {"format": "govuk", "content": ITEM}, format="json").status_code == 401
    refused = client_for(people.osr).post(URL, {"format": "govuk", "content": ITEM}, format="json")
    assert (refused.status_code, refused.json()["detail"]) == (403, messages.IMPORT_NOT_ALLOWED)
    client = client_for(people.nhse_editor)
    assert client.post(URL, {"format": "yaml", "content": ITEM}, format="json").status_code == 400
    no_csv = client.post(URL, {"format": "csv", "content": {"a": 1}}, format="json")
    assert (no_csv.status_code, no_csv.json()["errors"][0]["message"]) == (400, messages.NO_CONTENT)
    assert not Release.objects.exists()


@pytest.mark.django_db
def test_the_command_imports_a_folder_shows_progress_and_sums_up(people, tmp_path):
    (tmp_path / "one.csv").write_text(HEADER + GOOD_ROW + GOOD_ROW.replace("cancer-waiting", "x").replace(
        "NHS England", "Welsh Government"), encoding="utf-8")  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    call_command("import_releases", str(tmp_path), format_name="csv", username="nhse.editor", progress=True,
                 stdout=out, stderr=err)  # fmt: skip
    assert "[##############################] 2/2" in err.getvalue()
    text = out.getvalue()
    assert "Rejected one.csv line 3 " in text
    assert f"  - {messages.UNKNOWN_ORGANISATION.format(organisation='Welsh Government')}" in text
    assert text.rstrip().endswith("1 created, 0 updated, 0 unchanged, 1 rejected, from 1 file(s).")
    out = io.StringIO()
    call_command("import_releases", str(tmp_path / "one.csv"), format_name="csv", username="nhse.editor",
                 no_progress=True, stdout=out)  # fmt: skip
    assert out.getvalue().rstrip().endswith("0 created, 0 updated, 1 unchanged, 1 rejected, from 1 file(s).")


@pytest.mark.django_db
def test_the_command_refuses_what_it_cannot_use(people):
    with pytest.raises(CommandError, match="There is no user"):
        call_command("import_releases", "x.csv", format_name="csv", username="nobody")
    with pytest.raises(CommandError, match="neither a file nor a folder"):
        call_command("import_releases", "/nonexistent/x.csv", format_name="csv", username="nhse.editor")
    with pytest.raises(CommandError, match="No producer matches"):
        call_command("import_releases", "x.csv", format_name="csv", username="nhse.editor", producer="Nowhere")
    with pytest.raises(CommandError, match="Name <e-mail>"):
        call_command("import_releases", "x.csv", format_name="csv", username="nhse.editor", contact="jo")


def test_realdata_documents_round_trip_as_api_content():
    """The API takes the very JSON the files hold (parsed once here, no database needed)."""
    from importing import ons

    if not REALDATA.is_dir():
        skip_or_fail(f"the real samples are not at {REALDATA}")
    path = REALDATA / "ons-dp-search-api/features/testdata/expected_multiple_search_release_results.json"
    parsed = ons.parse_document("upload", json.loads(path.read_bytes()))
    assert [r.identifier for r in parsed.items] == [
        "/releases/estimatingsuicideamonghighereducationstudentsenglandandwales",
        "/releases/youngpeoplenotineducationemploymentortrainingneetukaugust2018",
    ]

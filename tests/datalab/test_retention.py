"""Retention: the hourly task deletes a cohort's person-level data when its time comes, certifies it, keeps aggregates."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.utils import timezone

from datalab import store, tasks
from datalab.choices import RequestState
from datalab.models import AuditEntry, DataLabRequest, UploadStatus
from datalab.pseudonymise import fallback_pseudonym, nhs_pseudonym, normalise_nhs_number, normalise_postcode
from tests.datalab.conftest import KEY
from tests.datalab.lab import advance, cohort_csv, draft

pytestmark = pytest.mark.django_db


def _identifiers(extract) -> tuple[set[str], set[str]]:
    """The cohort's raw identifiers and their pseudonyms, as the test knows them (the key is the test's)."""
    raw, pseudonyms = set(), set()
    from datetime import date

    for row in csv.DictReader(io.StringIO(cohort_csv(extract).decode())):
        number = normalise_nhs_number(row["nhs_number"])
        if number:
            raw.add(number)
            pseudonyms.add(nhs_pseudonym(KEY, number))
        else:
            sex = "1" if row["sex"] in ("1", "M") else "2"
            postcode = normalise_postcode(row["postcode"])
            raw.add(postcode or "")
            pseudonyms.add(fallback_pseudonym(KEY, date.fromisoformat(row["date_of_birth"]), sex, postcode or ""))
    return raw - {""}, pseudonyms


def _database_text() -> str:
    """Every row of every table (history tables included), as JSON."""
    return "".join(serializers.serialize("json", model.objects.all()) for model in apps.get_models())


def _files_mentioning(root: Path, pseudonyms: set[str]) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            values = {v for name in table.column_names if table.schema.field(name).type == "string"
                      for v in table.column(name).to_pylist()}  # fmt: skip
            if values & pseudonyms:
                found.append(path)
        elif any(p.encode() in path.read_bytes() for p in pseudonyms):
            found.append(path)
    return found


def test_the_retention_date_deletes_everything_of_the_cohort_and_keeps_the_counts(lab, extract):
    request = advance(lab, draft(lab), RequestState.FEASIBLE, extract=extract)
    raw, pseudonyms = _identifiers(extract)
    root = Path(settings.DATALAB_DATA_DIR)
    assert _files_mentioning(root, pseudonyms), "the lab held the cohort's pseudonyms before the deletion"
    database = _database_text()
    assert not any(value in database for value in raw | pseudonyms), "no identifier or pseudonym in the database"
    DataLabRequest.objects.filter(pk=request.pk).update(retention_until=timezone.localdate() - timedelta(days=1))

    done = tasks.delete_due_data.delay().get()

    assert done == [request.reference]
    request.refresh_from_db()
    assert request.state == RequestState.DATA_DELETED
    assert not store.request_dir(request.reference).exists()
    assert _files_mentioning(root, pseudonyms) == []
    certificate = request.deletion_certificates.get()
    assert (certificate.ground, certificate.deleted_by, certificate.verified) == ("retention_date", tasks.DELETE_TASK,
                                                                                  True)  # fmt: skip
    assert sorted(f["name"] for f in certificate.files) == ["upload-1-cohort.parquet", "upload-1-links.parquet"]
    assert all(f["rows"] > 0 and f["bytes"] > 0 for f in certificate.files)
    assert request.uploads.get().status == UploadStatus.DELETED
    assert request.linkage["linked"] > 0, "the aggregates stay"
    entry = AuditEntry.objects.get(request=request, event="delete_data")
    assert entry.actor is None and entry.actor_role == "system" and entry.details["ground"] == "retention_date"
    assert tasks.delete_due_data.delay().get() == [], "running it again changes nothing"


@pytest.mark.parametrize(("state", "ground"), [
    (RequestState.PUBLISHED, "published"), (RequestState.WITHDRAWN, "withdrawn"),
    (RequestState.NOT_FEASIBLE, "not_feasible"),
])  # fmt: skip
def test_data_goes_at_the_latest_after_publication_or_when_the_request_ends(lab, extract, state, ground):
    request = advance(lab, draft(lab), RequestState.LINKED, extract=extract)
    DataLabRequest.objects.filter(pk=request.pk).update(state=state)

    assert tasks.delete_due_data.delay().get() == [request.reference]
    assert request.deletion_certificates.get().ground == ground
    assert not store.holds_files(request.reference)


def test_data_inside_its_retention_period_is_kept(lab, extract):
    request = advance(lab, draft(lab), RequestState.FEASIBLE, extract=extract)
    assert tasks.delete_due_data.delay().get() == []
    assert store.holds_files(request.reference)
    assert not request.deletion_certificates.exists()


def test_the_task_runs_every_hour():
    schedule = settings.CELERY_BEAT_SCHEDULE["datalab-delete-due-data"]
    assert schedule["task"] == tasks.DELETE_TASK and schedule["schedule"].minute == {20}

"""The audit trail and deletion certificates are append-only: through the ORM, the admin and the database itself."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from datalab import messages
from datalab.models import AuditEntry, DeletionCertificate
from tests.datalab.lab import draft
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(lab) -> AuditEntry:
    return AuditEntry.objects.get(request=draft(lab), event="created")


@pytest.fixture
def certificate(lab) -> DeletionCertificate:
    request = draft(lab)
    return DeletionCertificate.objects.create(
        request=request, deleted_at=request.created_at, deleted_by="tests", ground="retention_date", files=[],
        verified=True,
    )  # fmt: skip


@pytest.fixture(params=["entry", "certificate"])
def row(request):
    return request.getfixturevalue(request.param)


def test_a_saved_row_refuses_save_and_delete(row):
    row.reason = "rewritten" if isinstance(row, AuditEntry) else row.ground
    with pytest.raises(PermissionDenied, match=messages.APPEND_ONLY):
        row.save()
    with pytest.raises(PermissionDenied, match=messages.APPEND_ONLY):
        row.delete()


def test_querysets_refuse_bulk_changes(row):
    rows = type(row).objects.filter(pk=row.pk)
    with pytest.raises(PermissionDenied):
        rows.update(task_id="x") if isinstance(row, DeletionCertificate) else rows.update(reason="x")
    with pytest.raises(PermissionDenied):
        rows.delete()
    with pytest.raises(PermissionDenied):
        type(row).objects.bulk_update([row], ["pk"])


def test_the_database_refuses_update_and_delete(row):
    table = type(row)._meta.db_table
    column = "reason" if isinstance(row, AuditEntry) else "ground"
    for statement in (f"UPDATE {table} SET {column} = 'rewritten' WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [row.pk])
    assert type(row).objects.filter(pk=row.pk).exists()


def test_the_admin_shows_but_never_changes_or_deletes(client, row):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    name = f"admin:datalab_{type(row)._meta.model_name}"
    page = client.get(reverse(f"{name}_change", args=[row.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.post(reverse(f"{name}_change", args=[row.pk]), {"reason": "rewritten"}).status_code == 403
    assert client.post(reverse(f"{name}_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    assert type(row).objects.filter(pk=row.pk).exists()

"""What the lab's API tests share: the roles and their clients, a draft's body, a cohort as a multipart upload."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from datalab.models import DataLabRequest
from releases.choices import ProducerRole
from tests.api.conftest import client_for
from tests.datalab.lab import APPLICATION, LabCast
from tests.factories import ProducerFactory, UserFactory, give_role

API = "/api/v1/datalab"
# Every role around a request: the public, another organisation's person, the organisation's own, the lab's two
# analysts (one of them assigned once the upload opens), its output checker, the secretariat, OSR and a producer's
# editor (the calendar's people have no part in the lab).
ROLES = ["anonymous", "other_charity", "charity", "analyst", "other_analyst", "checker", "secretariat", "osr", "editor"]


def producer_editor() -> Any:
    editor = UserFactory(username="editor")
    give_role(editor, ProducerFactory(name="NHS England", slug="nhs-england"), ProducerRole.EDITOR)
    return editor


def person(lab: LabCast, role: str) -> Any:
    if role == "anonymous":
        return None
    if role == "editor":
        return producer_editor()
    return getattr(lab, role)


def clients(lab: LabCast) -> dict[str, APIClient]:
    return {role: client_for(person(lab, role)) for role in ROLES}


def application_body(**changes: Any) -> dict[str, Any]:
    """The lab's usual application as JSON (dates as text)."""
    body = {name: value.isoformat() if hasattr(value, "isoformat") else value for name, value in APPLICATION.items()}
    body.update(changes)
    return body


def request_url(request: DataLabRequest | str, tail: str = "") -> str:
    reference = request if isinstance(request, str) else request.reference
    return f"{API}/requests/{reference}/{tail + '/' if tail else ''}"


def cohort_file(data: bytes, name: str = "cohort.csv") -> dict[str, Any]:
    """A multipart body with the cohort in the field the endpoint reads."""
    return {"file": SimpleUploadedFile(name, data, content_type="text/csv")}


def if_match(request: DataLabRequest) -> dict[str, str]:
    request.refresh_from_db()
    return {"HTTP_IF_MATCH": f'"{request.version}"'}

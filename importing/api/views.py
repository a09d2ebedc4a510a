"""POST /api/v1/releases/import/: producers upload what they already publish (GOV.UK, ONS, CSV) in bulk.

The same parsers and runner as ``manage.py import_releases`` (importing/): each record in its own savepoint
through the services, so a refused record saves nothing and the others still import; the answer lists every record's
outcome with its reasons. Editors and Heads of Profession import their own producers' releases; the secretariat any
producer's; everyone else is refused (403).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from ehssg.api.parsers import StrictJSONParser
from ehssg.api.permissions import SignedIn
from ehssg.roles import roles_of
from releases.api.serializers import NO_SUCH, SLUG_RE, SlugRef
from releases.models import Producer

from .. import csv_rows, govuk, messages, ons
from ..reading import FORMATS, PARSERS
from ..records import ParsedFile
from ..runner import ImportSummary, Outcome, import_files

MAX_RECORDS = 1000
MAX_FILE_BYTES = 5 * 1024 * 1024
UPLOAD_NAME = "upload"


NOT_TEXT = "Enter text."


class TextField(serializers.CharField):
    """Text only: DRF's CharField would turn a number into text, which the schema says is not allowed."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            raise serializers.ValidationError(NOT_TEXT)
        return super().to_internal_value(data)


class EmailTextField(serializers.EmailField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            raise serializers.ValidationError(NOT_TEXT)
        return str(super().to_internal_value(data))


class ImportUploadSerializer(serializers.Serializer):
    """The releases, as JSON (GOV.UK content items or search results; ONS release documents) or CSV text."""

    format = serializers.ChoiceField(choices=FORMATS)
    content = serializers.JSONField(help_text="GOV.UK or ONS JSON as published; for csv, the CSV text as a string.")
    producer = SlugRef(
        "producer", queryset=Producer.objects.all(), required=False,
        help_text="The producer of records that name none (the ONS format always names ONS).",
    )  # fmt: skip
    contact_name = TextField(max_length=200, required=False)
    contact_email = EmailTextField(max_length=254, required=False)


class ImportFileSerializer(serializers.Serializer):
    """The same, as a file upload (multipart/form-data). An empty form field counts as left out."""

    format = serializers.ChoiceField(choices=FORMATS)
    file = serializers.FileField(max_length=200, allow_empty_file=False)
    producer = TextField(max_length=120, required=False, allow_blank=True,
                         help_text="The slug of the producer of records that name none.")  # fmt: skip
    contact_name = TextField(max_length=200, required=False, allow_blank=True)
    contact_email = EmailTextField(max_length=254, required=False, allow_blank=True)

    def validate_producer(self, value: str) -> Producer | None:
        if not value:
            return None
        producer = Producer.objects.filter(slug=value).first() if SLUG_RE.fullmatch(value) else None
        if producer is None:
            raise serializers.ValidationError(NO_SUCH.format(kind="producer", value=value))
        return producer


class ImportFileNoteSerializer(serializers.Serializer):
    name = serializers.CharField()
    note = serializers.CharField()


class ImportOutcomeSerializer(serializers.Serializer):
    where = serializers.CharField(help_text="The record's place in the upload, for example \"upload line 4\".")
    identifier = serializers.CharField(help_text="Its identifier in the source (GOV.UK base_path, ONS uri, URL).")
    title = serializers.CharField()
    result = serializers.ChoiceField(choices=["created", "updated", "unchanged", "rejected"])
    reasons = serializers.ListField(child=serializers.CharField())
    changed = serializers.ListField(child=serializers.CharField())
    slug = serializers.CharField(allow_null=True)
    url = serializers.CharField(allow_null=True)


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    files = ImportFileNoteSerializer(many=True)
    records = ImportOutcomeSerializer(many=True)


def _parse(data: dict[str, Any]) -> ParsedFile:
    format_name = data["format"]
    upload = data.get("file")
    if upload is not None:
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError({"file": [messages.FILE_TOO_BIG.format(megabytes=MAX_FILE_BYTES // (1024 * 1024))]})
        return PARSERS[format_name](upload.name or UPLOAD_NAME, upload.read())
    content = data.get("content")
    if format_name == "csv":
        if not isinstance(content, str) or not content.strip():
            raise ValidationError({"content": [messages.NO_CONTENT]})
        return csv_rows.parse(UPLOAD_NAME, content.encode("utf-8", errors="surrogatepass"))
    if content is None:
        raise ValidationError({"content": [messages.NO_CONTENT]})
    parse = govuk.parse_document if format_name == "govuk" else ons.parse_document
    return parse(UPLOAD_NAME, content)


class ReleaseImportView(APIView):
    """Import releases from GOV.UK statistics announcements, ONS release JSON or a CSV table."""

    parser_classes = [StrictJSONParser, MultiPartParser]
    permission_classes = [SignedIn]

    @extend_schema(
        tags=["releases"],
        summary="Import releases from GOV.UK, ONS or CSV: each record created, updated, unchanged or rejected",
        description=(
            "The mappings of docs/import.md. Every record goes through the same services as a person's edit, in its "
            "own transaction: a refused record saves nothing, and the reasons are listed. Importing the same content "
            "again changes nothing. Editors and Heads of Profession import their own producers' releases; the EHSSG "
            "secretariat any producer's."
        ),
        request={"application/json": ImportUploadSerializer, "multipart/form-data": ImportFileSerializer},
        responses={200: ImportResultSerializer},
        examples=[
            OpenApiExample(
                "One GOV.UK statistics announcement",
                request_only=True,
                value={
                    "format": "govuk",
                    "content": {
                        "base_path": "/government/statistics/announcements/ae-attendances-may-2027",
                        "title": "A&E attendances and emergency admissions: May 2027",
                        "schema_name": "statistics_announcement",
                        "details": {"display_date": "10 June 2027 9:30am", "state": "confirmed",
                                    "format_sub_type": "national"},
                        "links": {"organisations": [{"base_path": "/government/organisations/nhs-england",
                                                     "title": "NHS England"}]},
                    },
                },
            )  # fmt: skip
        ],
    )
    def post(self, request: Request) -> Response:
        roles = roles_of(request.user)
        if not (roles.secretariat or roles.producer_ids):
            raise PermissionDenied(messages.IMPORT_NOT_ALLOWED)
        multipart = (request.content_type or "").startswith("multipart/")
        serializer_class = ImportFileSerializer if multipart else ImportUploadSerializer
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        parsed = _parse(data)
        if len(parsed.items) > MAX_RECORDS:
            raise ValidationError(messages.CONTENT_TOO_MANY.format(maximum=MAX_RECORDS))
        contact = None
        if data.get("contact_email"):
            contact = (data.get("contact_name") or data["contact_email"], data["contact_email"])
        summary = import_files(
            [parsed], requester=request.user, contact=contact, default_producer=data.get("producer")
        )
        return Response(ImportResultSerializer(self._body(request, summary)).data, status=status.HTTP_200_OK)

    def _body(self, request: Request, summary: ImportSummary) -> dict[str, Any]:
        return {
            **summary.counts,
            "files": [{"name": name, "note": note} for name, note in summary.files],
            "records": [self._outcome(request, o) for o in summary.outcomes],
        }

    def _outcome(self, request: Request, outcome: Outcome) -> dict[str, Any]:
        release = outcome.release
        return {
            "where": outcome.where,
            "identifier": outcome.identifier,
            "title": outcome.title,
            "result": outcome.result,
            "reasons": list(outcome.reasons),
            "changed": list(outcome.changed),
            "slug": release.slug if release is not None else None,
            "url": reverse("api:release-detail", kwargs={"slug": release.slug}, request=request) if release else None,
        }

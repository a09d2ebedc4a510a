"""OpenAPI pieces every endpoint shares: the error body and responses, If-Match in and ETag out.

The error responses are added to every operation by one postprocessing hook (``add_error_responses``), so the
document lists each status an endpoint can answer with and the body it then has, without repeating it on every view.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import permissions, serializers

from .fields import StrictIntegerField
from .permissions import PublicReadSignedInWrite


class PublicReadsSchema(AutoSchema):
    """drf-spectacular's schema, told that our own permission lets anyone read: public reads list ``{}`` (no
    authentication) among their ``security`` requirements, so clients and tools know a token is optional there."""

    def get_auth(self) -> list[dict[str, Any]]:
        auths: list[dict[str, Any]] = super().get_auth()
        public = any(isinstance(p, PublicReadSignedInWrite) for p in self.view.get_permissions())
        if public and self.method in permissions.SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='The ETag of the release as you read it, for example "3". Or send a version field in the body.',
)
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The version of the release, quoted: send it back in If-Match to change the release.",
    response=[200, 201],
)


def version_field(*, json_only: bool = False) -> serializers.IntegerField:
    """The body's ``version``; ``json_only`` refuses "3" for 3 (a form's fields are all text, so uploads take it)."""
    field_class = StrictIntegerField if json_only else serializers.IntegerField
    return field_class(
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text="The version you read (instead of an If-Match header).",
    )


ERROR_SCHEMAS = {
    "ErrorItem": {
        "type": "object",
        "properties": {
            "field": {
                "type": "string",
                "nullable": True,
                "description": "The field with the problem (dotted inside lists: 3.title); null for the request.",
            },
            "message": {"type": "string", "description": "What is wrong, in words a person can act on."},
            "code": {"type": "string", "description": "A stable machine-readable code, such as required or invalid."},
            "index": {"type": "integer", "description": "Bulk requests only: the position of the item."},
        },
        "required": ["field", "message", "code"],
    },
    "Error": {
        "type": "object",
        "properties": {
            "detail": {"type": "string", "description": "One sentence saying what went wrong."},
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ErrorItem"}},
        },
        "required": ["detail", "errors"],
    },
}

DESCRIPTIONS = {
    "400": "The input is not valid, or the rules (of the calendar, a network's plans, the Data Lab's requests) do not "
    "allow this now. Nothing was changed.",
    "400-read": "A query parameter is not valid: a filter naming a producer, network, series, measure or release whose "
    "slug does not exist (or is not a slug), a value that is not one of the choices, a date that is not a date. "
    "errors names the parameter.",
    "401": "Not signed in, or the token is wrong: send Authorization: Token <key>.",
    "403": "Signed in, but you may not do this. Nothing was changed.",
    "404": "No such object, or you cannot see it (another producer's draft, another organisation's Data Lab request).",
    "409": "A simultaneous write got there first. Read again and retry.",
    "412": "The version you sent is stale: it has changed since you read it. Nothing was changed.",
    "415": "Send the body as application/json.",
    "428": "Send the version you read: an If-Match header with the ETag, or a version field in the body.",
    "429": "Too many requests: wait for the number of seconds in Retry-After.",
}

EXAMPLES = {
    "400": {
        "detail": "Enter the reason for the change",
        "errors": [{"field": "reason", "message": "Enter the reason for the change", "code": "invalid"}],
    },
    "400-read": {
        "detail": "There is no producer with the slug nhs-englnd.",
        "errors": [
            {"field": "producer", "message": "There is no producer with the slug nhs-englnd.", "code": "unknown_slug"}
        ],
    },
    "412": {
        "detail": "It has changed since you read it (you sent version 3; it is now version 4). "
        "Read it again, check the change, and retry with the new ETag.",
        "errors": [
            {
                "field": None,
                "message": "It has changed since you read it (you sent version 3; it is now version 4). "
                "Read it again, check the change, and retry with the new ETag.",
                "code": "precondition_failed",
            }
        ],
    },
}


def _error_response(code: str, variant: str = "") -> dict[str, Any]:
    key = f"{code}-{variant}" if f"{code}-{variant}" in DESCRIPTIONS else code
    content: dict[str, Any] = {"schema": {"$ref": "#/components/schemas/Error"}}
    if key in EXAMPLES:
        content["example"] = EXAMPLES[key]
    return {"description": DESCRIPTIONS[key], "content": {"application/json": content}}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the shared error responses on every operation under /api/v1/."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_SCHEMAS)
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            codes = ["400", "401", "404", "429"]
            if method != "get":
                codes += ["403", "409", "415"]
            if any(p.get("name") == "If-Match" for p in operation.get("parameters", [])):
                codes += ["412", "428"]
            responses = operation.setdefault("responses", {})
            filtered = any(p.get("in") == "query" and p.get("name") != "page" for p in operation.get("parameters", []))
            for code in codes:
                responses.setdefault(code, _error_response(code, "read" if method == "get" and filtered else ""))
    return result

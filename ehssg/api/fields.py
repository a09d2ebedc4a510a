"""Serializer fields shared by the apps' APIs."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

NOT_TEXT = "Send text (a JSON string), not a number or true/false."


class TextField(serializers.CharField):
    """A CharField that takes only JSON strings: DRF's own turns 0 or true into "0" or "True", so a client's mistake
    (a number where the document says string) was stored instead of refused (found by schemathesis)."""

    default_error_messages = {"not_text": NOT_TEXT}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_text")
        return str(super().to_internal_value(data))


NOT_BOOLEAN = "Send true or false (a JSON boolean), not text or a number."
NOT_WHOLE_NUMBER = "Send a whole number (a JSON number), not text, true/false or a fraction."


class StrictBooleanField(serializers.BooleanField):
    """Only JSON true or false: DRF's own also takes "yes", "on", 1 and 0, so a client's 0 (which the document says is
    no boolean) was read as an answer instead of refused (found by schemathesis)."""

    default_error_messages = {"not_boolean": NOT_BOOLEAN}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("not_boolean")
        return data


class StrictIntegerField(serializers.IntegerField):
    """Only a JSON integer: DRF's own also takes "12" and 12.0, which the document says are no integers."""

    default_error_messages = {"not_whole_number": NOT_WHOLE_NUMBER}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("not_whole_number")
        return int(super().to_internal_value(data))


@extend_schema_field({"oneOf": [{"type": "number"}, {"type": "string", "format": "decimal"}]})
class NumberField(serializers.DecimalField):
    """A decimal sent as a JSON number (12.5) or as text ("12.5"): DRF takes both, so the document says both."""

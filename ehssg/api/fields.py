"""Serializer fields shared by the apps' APIs."""

from __future__ import annotations

from typing import Any

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

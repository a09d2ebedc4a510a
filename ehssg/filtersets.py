"""Filter pieces every app's filtersets share: slugs, checked for shape and then for existence.

They were the register's (``releases.filtersets`` still names them); they live here so an app that may not import the
register (the Health Data Lab) filters by slug the same way, with the same words and the same refusal of a ``%`` or a
NUL before any query runs.
"""

from __future__ import annotations

import re
from typing import Any, cast

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field

SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,120}")

UNKNOWN_SLUG = "There is no {kind} with the slug {value}."
NOT_A_SLUG = "{value} is not a slug: use letters, numbers, hyphens and underscores."


def value_error(message: str, code: str) -> ValidationError:
    """A ValidationError whose message carries a client's value: django-filter's DRF backend %-formats every message
    (``message % params``), so the text goes in as a parameter and a ``%`` in the value stays a ``%`` (not a 500)."""
    return ValidationError("%(message)s", code=code, params={"message": message})


class SlugsField(forms.ModelMultipleChoiceField):
    """Repeatable slugs (``?producer=ons&producer=ukhsa``) checked for shape, then for existence."""

    def __init__(self, *args: Any, kind: str = "object", **kwargs: Any) -> None:
        self.kind = kind
        super().__init__(*args, **kwargs)

    def _check_values(self, value: Any) -> Any:
        values = list(dict.fromkeys(str(v) for v in value))
        for v in values:
            if not SLUG_RE.fullmatch(v):
                raise value_error(NOT_A_SLUG.format(value=v[:60]), "invalid_slug")
        queryset = cast(QuerySet[Any], self.queryset)  # always given by SlugsFilter
        found = list(queryset.filter(slug__in=values))
        known = {obj.slug for obj in found}
        for v in values:
            if v not in known:
                raise value_error(UNKNOWN_SLUG.format(kind=self.kind, value=v), "unknown_slug")
        return found


@extend_schema_field({"type": "string", "pattern": f"^{SLUG_RE.pattern}$"})
class SlugsFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = SlugsField

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        kwargs.setdefault("to_field_name", "slug")
        super().__init__(*args, kind=kind, **kwargs)

    def get_filter_predicate(self, v: Any) -> dict[str, Any]:
        # The values are the objects the slugs named: filter on them, not on their slugs.
        return {self.field_name: v}

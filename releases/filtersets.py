"""Filters for the release register, with the public calendar's GET parameters.

``q`` (keywords in the title or summary), ``producer`` and ``network`` (slugs, repeatable), ``designation``,
``status`` (provisional, confirmed, postponed, cancelled, published; postponed is derived), ``from`` and ``to`` (dates:
releases whose day or window overlaps them) and ``ordering``. A malformed or unknown slug is a 400 that names the
parameter, never an empty page that looks like "no releases".
"""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema_field

# The slug filters are shared with apps that may not import the register; they keep their names here.
from ehssg.filtersets import NOT_A_SLUG as NOT_A_SLUG
from ehssg.filtersets import SLUG_RE as SLUG_RE
from ehssg.filtersets import UNKNOWN_SLUG as UNKNOWN_SLUG
from ehssg.filtersets import SlugsField as SlugsField
from ehssg.filtersets import SlugsFilter

from . import messages
from .choices import ChangeStatus, Designation, State
from .models import DateChange, Definition, Measure, Producer, Release, ReleaseSeries
from .selectors import topic_networks

MAX_KEYWORDS = 10

NOT_A_BOOLEAN = "Enter true or false."

POSTPONED = "postponed"
STATUS_CHOICES = [
    (State.DRAFT.value, "Draft (only your producer's own)"),
    (State.PROVISIONAL.value, "Provisional"),
    (State.CONFIRMED.value, "Confirmed (postponed ones too)"),
    (POSTPONED, "Postponed: confirmed, and moved later at least once"),
    (State.CANCELLED.value, "Cancelled"),
    (State.PUBLISHED.value, "Published"),
]


class StrictBooleanField(forms.Field):
    """true or false (1 or 0); anything else is refused rather than read as "no filter"."""

    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        try:
            return self.VALUES[str(value).lower()]
        except KeyError:
            raise ValidationError(NOT_A_BOOLEAN, code="invalid") from None


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


# The calendar's form sends from= and to= empty when left blank: that means "no limit", so the document allows it.
@extend_schema_field({"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "maxLength": 0}]})
class OptionalDateFilter(django_filters.DateFilter):
    pass


def _join_ids(through: Any, column: str, objects: Any) -> Any:
    return through.objects.filter(**{f"{column}__in": [o.pk for o in objects]}).values("release_id")


class ReleaseFilterForm(forms.Form):
    """The calendar's filter as a whole: a "from" after "to" can match nothing, so it is refused, not shown empty."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and start > end:
            self.add_error("from", messages.DATE_FROM_AFTER_TO)
        return cleaned


class ReleaseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", max_length=200, label="Keywords in the title or summary (every word must appear)."
    )
    producer = SlugsFilter(
        queryset=Producer.objects.all(), kind="producer", method="filter_producer",
        label="Producer slug, lead or joint (repeat for several).",
    )  # fmt: skip
    network = SlugsFilter(
        queryset=topic_networks(), kind="topic network", method="filter_network",
        label="Topic network slug (repeat for several).",
    )  # fmt: skip
    designation = django_filters.MultipleChoiceFilter(choices=Designation.choices, label="Designation (repeatable).")
    status = django_filters.MultipleChoiceFilter(
        choices=STATUS_CHOICES, method="filter_status", label="Status (repeatable); postponed is derived."
    )
    date_from = OptionalDateFilter(
        field_name="ends_on", lookup_expr="gte", label="Releases due on or after this date (YYYY-MM-DD).",
        error_messages={"invalid": messages.DATE_FROM_INVALID},
    )  # fmt: skip
    date_to = OptionalDateFilter(
        field_name="starts_on", lookup_expr="lte", label="Releases due on or before this date (YYYY-MM-DD).",
        error_messages={"invalid": messages.DATE_TO_INVALID},
    )  # fmt: skip
    ordering = django_filters.OrderingFilter(
        fields=(("starts_on", "starts_on"), ("release_at", "release_at"), ("title", "title"),
                ("revised_at", "revised_at")),
        label="Sort by starts_on, release_at, title or revised_at; prefix - for descending.",
    )  # fmt: skip

    class Meta:
        model = Release
        fields: list[str] = []
        form = ReleaseFilterForm

    def filter_q(self, queryset: QuerySet[Release], name: str, value: str) -> QuerySet[Release]:
        return cast(Any, queryset).matching_keywords(value.split()[:MAX_KEYWORDS])

    def filter_producer(self, queryset: QuerySet[Release], name: str, value: Any) -> QuerySet[Release]:
        if not value:
            return queryset
        joint = _join_ids(Release.joint_producers.through, "producer_id", value)
        return queryset.filter(Q(lead_producer__in=value) | Q(pk__in=joint))

    def filter_network(self, queryset: QuerySet[Release], name: str, value: Any) -> QuerySet[Release]:
        if not value:
            return queryset
        return queryset.filter(pk__in=_join_ids(Release.networks.through, "topicnetwork_id", value))

    def filter_status(self, queryset: QuerySet[Release], name: str, value: list[str]) -> QuerySet[Release]:
        if not value:
            return queryset
        wanted = Q(state__in=[v for v in value if v != POSTPONED])
        if POSTPONED in value:
            if "is_postponed" not in queryset.query.annotations:
                queryset = cast(Any, queryset).with_flags()
            wanted |= Q(is_postponed=True)
        return queryset.filter(wanted)


def _rename(filterset: type[django_filters.FilterSet], old: str, new: str) -> None:
    """Python keywords cannot be attribute names; the calendar's parameters are ``from`` and ``to``."""
    for filters in (filterset.base_filters, filterset.declared_filters):  # type: ignore[attr-defined]
        filters[new] = filters.pop(old)


_rename(ReleaseFilterSet, "date_from", "from")
_rename(ReleaseFilterSet, "date_to", "to")


class SeriesFilterSet(django_filters.FilterSet):
    producer = SlugsFilter(queryset=Producer.objects.all(), kind="producer", field_name="producers", distinct=True)
    network = SlugsFilter(queryset=topic_networks(), kind="topic network", field_name="networks",
                          distinct=True)  # fmt: skip
    designation = django_filters.MultipleChoiceFilter(choices=Designation.choices)
    is_active = StrictBooleanFilter()

    class Meta:
        model = ReleaseSeries
        fields: list[str] = []


class DefinitionFilterSet(django_filters.FilterSet):
    measure = SlugsFilter(queryset=Measure.objects.all(), kind="measure")
    owner = SlugsFilter(queryset=Producer.objects.all(), kind="producer")
    is_harmonised = StrictBooleanFilter()

    class Meta:
        model = Definition
        fields: list[str] = []


class DateChangeFilterSet(django_filters.FilterSet):
    release = SlugsFilter(queryset=Release.objects.announced(), kind="release")
    status = django_filters.MultipleChoiceFilter(choices=ChangeStatus.choices)

    class Meta:
        model = DateChange
        fields: list[str] = []

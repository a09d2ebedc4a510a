"""Filters for the lab's request list, shaped like the calendar's: repeatable choices, organisations by slug.

An organisation the person may not know of (``Organisation.objects.visible_to``) is refused as a slug that does not
exist, in the same words, so the filter tells no one which other organisations ask the lab.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from ehssg.filtersets import SlugsFilter

from .choices import Outcome, RequestState
from .models import DataLabRequest, Organisation


def _organisations(request: Any) -> QuerySet[Organisation]:
    return Organisation.objects.visible_to(getattr(request, "user", None))


class DataLabRequestFilterSet(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=RequestState.choices, label="State (repeatable).")
    organisation = SlugsFilter(
        queryset=_organisations, kind="organisation", label="Organisation slug (repeat for several)."
    )
    primary_outcome = django_filters.MultipleChoiceFilter(
        choices=Outcome.choices, label="Primary outcome (repeatable)."
    )

    class Meta:
        model = DataLabRequest
        fields: list[str] = []

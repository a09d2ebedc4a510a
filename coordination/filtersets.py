"""Filters of the flags API (?kind=, ?status=, ?network=, ?release=, ?is_current=)."""

import django_filters

from networks.models import TopicNetwork
from releases.filtersets import SlugsFilter, StrictBooleanFilter
from releases.models import Release

from .choices import FlagKind, FlagStatus
from .models import Flag


class FlagFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=FlagKind.choices)
    status = django_filters.MultipleChoiceFilter(choices=FlagStatus.choices)
    network = SlugsFilter(queryset=TopicNetwork.objects.all(), kind="topic network")
    release = SlugsFilter(
        queryset=Release.objects.announced(), kind="release", field_name="releases", distinct=True
    )
    is_current = StrictBooleanFilter()

    class Meta:
        model = Flag
        fields: list[str] = []

"""Topic networks over HTTP: read-only, public."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema

from ehssg.api.views import SLUG_PATTERN, ApiReadOnlyViewSet

from ..models import TopicNetwork
from .serializers import TopicNetworkSerializer


@extend_schema(tags=["networks"])
class TopicNetworkViewSet(ApiReadOnlyViewSet):
    """The EHSSG's topic networks and their member producers."""

    queryset = TopicNetwork.objects.prefetch_related("member_producers").order_by("name")
    serializer_class = TopicNetworkSerializer
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN

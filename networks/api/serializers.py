"""What the API shows of topic networks (action plans come later). People are not shown, only organisations."""

from __future__ import annotations

from rest_framework import serializers

from ..models import TopicNetwork


class TopicNetworkSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:network-detail", lookup_field="slug")
    member_producers: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )

    class Meta:
        model = TopicNetwork
        fields = ["slug", "url", "name", "description", "member_producers", "max_major_releases_per_day"]
        read_only_fields = fields

"""The flags API's representations and inputs, and the input of a release's /relate/ action."""

from rest_framework import serializers

from releases.api.serializers import SlugRef, slug_ref
from releases.models import Release

from ..choices import RelationKind
from ..models import Flag


class FlagSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:flag-detail")
    network = slug_ref(read_only=True, allow_null=True)
    series = slug_ref(read_only=True, allow_null=True)
    releases = slug_ref(many=True, read_only=True)

    class Meta:
        model = Flag
        fields = [
            "id", "url", "kind", "severity", "status", "is_current", "explanation", "network", "series", "releases",
            "raised_at", "last_seen_at", "settled_at", "settle_reason",
        ]  # fmt: skip
        read_only_fields = fields


class RelateSerializer(serializers.Serializer):
    """Declare another release related to this one, or agreed to come out on the same day."""

    other = SlugRef("release", queryset=Release.objects.announced(), help_text="The slug of the other release.")
    kind = serializers.ChoiceField(choices=RelationKind.choices)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class FlagNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class FlagReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, allow_blank=True, help_text="What was done, or why it is fine.")


class FlagConfirmDuplicateSerializer(FlagReasonSerializer):
    withdraw = SlugRef(
        "release", queryset=Release.objects.announced(), help_text="The slug of the release to withdraw."
    )

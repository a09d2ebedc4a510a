"""What the API shows of topic networks and their work, and what it takes in for each write.

People are not shown, only organisations and roles: an action's owner is the team named by the network, and progress
updates, lessons and activities carry no author.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from ehssg.api.fields import TextField
from ehssg.api.schema import version_field

from ..choices import ActivityKind, Goal, ItemStatus, Rag
from ..models import ActionItem, ActionPlan, EngagementActivity, Lesson, ProgressUpdate, TopicNetwork

MAX_TEXT = 10_000


def network_ref(**kwargs: Any) -> Any:
    """A network named by its slug, in what a write takes in."""
    return serializers.SlugRelatedField(slug_field="slug", queryset=TopicNetwork.objects.all(), **kwargs)


def shown_slug(**kwargs: Any) -> Any:
    """A related network shown by its slug."""
    return serializers.SlugRelatedField(slug_field="slug", read_only=True, **kwargs)


class TopicNetworkSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:network-detail", lookup_field="slug")
    member_producers: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )

    class Meta:
        model = TopicNetwork
        fields = ["slug", "url", "name", "description", "member_producers", "max_major_releases_per_day"]
        read_only_fields = fields


class ProgressUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgressUpdate
        fields = ["id", "written_on", "status", "rag", "note", "created_at"]
        read_only_fields = fields


class ActionItemSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:action-item-detail")
    plan: Any = serializers.PrimaryKeyRelatedField(read_only=True)
    network = shown_slug(source="plan.network")
    is_overdue = serializers.SerializerMethodField()
    updates = ProgressUpdateSerializer(many=True, read_only=True)

    class Meta:
        model = ActionItem
        fields = [
            "id", "url", "plan", "network", "title", "description", "owner", "due_on", "goal", "status", "rag",
            "completed_on", "is_overdue", "updates", "version",
        ]  # fmt: skip
        read_only_fields = fields

    def get_is_overdue(self, item: ActionItem) -> bool:
        return item.is_overdue(timezone.localdate())


class ActionPlanSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:action-plan-detail")
    network = shown_slug()
    items = ActionItemSerializer(many=True, read_only=True)
    superseded_by: Any = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="The plan whose publication replaced this one (status superseded); else null.",
    )

    class Meta:
        model = ActionPlan
        fields = [
            "id", "url", "network", "title", "summary", "status", "published_at", "superseded_at", "superseded_by",
            "created_at", "updated_at", "items", "version",
        ]  # fmt: skip
        read_only_fields = fields


class LessonSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:lesson-detail")
    network = shown_slug()
    tags = serializers.ListField(source="tag_list", child=TextField(), read_only=True)

    class Meta:
        model = Lesson
        fields = ["id", "url", "network", "title", "text", "tags", "recorded_on"]
        read_only_fields = fields


class EngagementActivitySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:engagement-activity-detail")
    network = shown_slug()

    class Meta:
        model = EngagementActivity
        fields = ["id", "url", "network", "held_on", "kind", "title", "people_reached", "summary"]
        read_only_fields = fields


# --- what the writes take in -----------------------------------------------------------------------------------------


class PlanCreateSerializer(serializers.Serializer):
    network = network_ref()
    title = TextField(max_length=200)
    summary = TextField(max_length=MAX_TEXT, required=False, allow_blank=True, default="")


class PlanUpdateSerializer(serializers.Serializer):
    title = TextField(max_length=200)
    summary = TextField(max_length=MAX_TEXT, allow_blank=True)
    reason = TextField(max_length=300, help_text="Why: shown publicly once the plan is published.")
    version = version_field()


class VersionSerializer(serializers.Serializer):
    version = version_field()


class ItemFieldsSerializer(serializers.Serializer):
    title = TextField(max_length=200)
    owner = TextField(max_length=200, help_text="The person or team responsible.")
    due_on = serializers.DateField()
    goal = serializers.ChoiceField(choices=Goal.choices)
    description = TextField(max_length=MAX_TEXT, required=False, allow_blank=True, default="")


class ItemCreateSerializer(ItemFieldsSerializer):
    plan = serializers.PrimaryKeyRelatedField(queryset=ActionPlan.objects.all())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A draft plan of another network does not exist for the caller: "invalid pk", as for any unknown plan.
        request = self.context.get("request")
        if request is not None:
            self.fields["plan"].queryset = ActionPlan.objects.visible_to(request.user)  # type: ignore[attr-defined]


class ItemUpdateSerializer(ItemFieldsSerializer):
    reason = TextField(max_length=300, help_text="Why: shown publicly once the plan is published.")
    version = version_field()


class ProgressAddSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ItemStatus.choices)
    rag = serializers.ChoiceField(choices=Rag.choices)
    note = TextField(max_length=MAX_TEXT)
    written_on = serializers.DateField(required=False, allow_null=True, default=None)
    version = version_field()


class LessonCreateSerializer(serializers.Serializer):
    network = network_ref()
    title = TextField(max_length=200)
    text = TextField(max_length=MAX_TEXT)
    tags = serializers.ListField(child=TextField(max_length=60), max_length=20, required=False, default=list)

    def validate_tags(self, tags: list[str]) -> str:
        # The service keeps tags as one comma-separated line, as the page's form sends them.
        return ", ".join(tags)


class ActivityCreateSerializer(serializers.Serializer):
    network = network_ref()
    held_on = serializers.DateField()
    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    title = TextField(max_length=200)
    people_reached = serializers.IntegerField(min_value=0, max_value=10_000_000)
    summary = TextField(max_length=MAX_TEXT)

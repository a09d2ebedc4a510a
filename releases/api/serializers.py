"""What the API shows of the release register, and the shapes it accepts. No rules live here: the views hand the
validated values to the services, which decide.

Representations use slugs for producers, series, networks and releases, so a client can build links without ids.
People are never shown (who registered, asked for or agreed a change): the public record says when and why.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ehssg.api.schema import version_field

from ..choices import Designation, Geography
from ..models import DateChange, Definition, Measure, PreReleaseAccess, Producer, Release, ReleaseSeries
from ..schedule import LONDON, Schedule, display_date
from ..selectors import topic_networks

SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,120}")
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)

# Words the API says about input; tests assert these constants.
DATE_RANGE = "Enter a date between 1900 and 2199."
SCHEDULE_ONE_OF = "Give either release_at (an exact date and time) or window_start (the first month of a window)."
SCHEDULE_DRAFT_ONLY = (
    "The date of an announced release changes through confirm or request-change, never by editing it."
)
NO_SUCH = "There is no {kind} with the slug {value}."
NOT_A_SLUG = "Enter a slug: letters, numbers, hyphens and underscores."


# --- fields ----------------------------------------------------------------------------------------------------------


class SlugRef(serializers.SlugRelatedField):
    """A related object named by its slug; malformed input is refused before it reaches the database."""

    def __init__(self, kind: str, **kwargs: Any) -> None:
        kwargs.setdefault("slug_field", "slug")
        super().__init__(**kwargs)
        self.error_messages["does_not_exist"] = NO_SUCH.replace("{kind}", kind)
        self.error_messages["invalid"] = NOT_A_SLUG

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or not SLUG_RE.fullmatch(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class BoundedDateField(serializers.DateField):
    def to_internal_value(self, value: Any) -> date:
        parsed = super().to_internal_value(value)
        if not EARLIEST <= parsed <= LATEST:
            raise serializers.ValidationError(DATE_RANGE)
        return parsed


class BoundedDateTimeField(serializers.DateTimeField):
    """A date and time; without an offset it is read as London time."""

    def to_internal_value(self, value: Any) -> datetime:
        parsed = super().to_internal_value(value)
        if not EARLIEST <= parsed.astimezone(LONDON).date() <= LATEST:
            raise serializers.ValidationError(DATE_RANGE)
        return parsed


class OptionalURLField(serializers.URLField):
    """An address that may not exist yet: null rather than an empty string, so it is always a valid URI or null."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value: Any) -> Any:
        return value or None


@extend_schema_field({"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "example": "09:30", "nullable": True})
class LondonTimeField(serializers.TimeField):
    """A London wall-clock time such as 09:30. OpenAPI's "time" format needs an offset, which a wall clock has not."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", read_only=True, **kwargs)


def slug_ref(**kwargs: Any) -> Any:
    """A related object shown by its slug."""
    return serializers.SlugRelatedField(slug_field="slug", **kwargs)


def pk_ref(**kwargs: Any) -> Any:
    return serializers.PrimaryKeyRelatedField(**kwargs)


def producers_ref(**kwargs: Any) -> SlugRef:
    return SlugRef("producer", queryset=Producer.objects.all(), **kwargs)


def networks_ref(**kwargs: Any) -> SlugRef:
    return SlugRef("topic network", queryset=topic_networks(), **kwargs)


# --- reads -----------------------------------------------------------------------------------------------------------


class ProducerSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:producer-detail", lookup_field="slug")
    website = OptionalURLField()

    class Meta:
        model = Producer
        fields = ["slug", "url", "name", "abbreviation", "website"]


class ReleaseSeriesSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:series-detail", lookup_field="slug")
    producers = slug_ref(many=True, read_only=True)
    networks = slug_ref(many=True, read_only=True)
    definitions = pk_ref(many=True, read_only=True)
    standard_release_time = LondonTimeField()
    alternative_release_time = LondonTimeField(allow_null=True, help_text="A time OSR approved instead of 9:30am.")

    class Meta:
        model = ReleaseSeries
        fields = [
            "slug", "url", "title", "producers", "networks", "definitions", "frequency", "designation",
            "standard_release_time", "alternative_release_time", "alternative_time_approved_on",
            "alternative_time_reference", "is_active",
        ]  # fmt: skip


class DefinitionSerializer(serializers.ModelSerializer):
    measure = slug_ref(read_only=True)
    owner = slug_ref(read_only=True)
    source_url = OptionalURLField()

    class Meta:
        model = Definition
        fields = ["id", "measure", "owner", "version", "text", "is_harmonised", "source_url"]


class MeasureSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:measure-detail", lookup_field="slug")
    definitions = DefinitionSerializer(many=True, read_only=True)

    class Meta:
        model = Measure
        fields = ["slug", "url", "name", "definitions"]


class PublicDateChangeSerializer(serializers.ModelSerializer):
    """An agreed change to a release's date: public for ever, with the reason; who asked and agreed is not shown."""

    previous_display_date = serializers.SerializerMethodField()
    new_display_date = serializers.SerializerMethodField()
    agreed_at = serializers.DateTimeField(source="decided_at", read_only=True)

    class Meta:
        model = DateChange
        fields = [
            "id", "previous_display_date", "new_display_date", "previous_precision", "previous_release_at",
            "previous_starts_on", "previous_ends_on", "new_precision", "new_release_at", "new_starts_on",
            "new_ends_on", "reason", "requested_at", "agreed_at",
        ]  # fmt: skip

    def get_previous_display_date(self, change: DateChange) -> str:
        return Schedule(
            change.previous_precision, change.previous_starts_on, change.previous_ends_on, change.previous_release_at
        ).wording()

    def get_new_display_date(self, change: DateChange) -> str:
        return Schedule(change.new_precision, change.new_starts_on, change.new_ends_on, change.new_release_at).wording()


class DateChangeSerializer(PublicDateChangeSerializer):
    """A change in any status (pending, agreed, refused, withdrawn), for the people who may see it."""

    url = serializers.HyperlinkedIdentityField(view_name="api:date-change-detail")
    release = slug_ref(read_only=True)
    release_version = serializers.IntegerField(source="release.version", read_only=True)

    class Meta(PublicDateChangeSerializer.Meta):
        fields = [
            "id", "url", "release", "release_version", "status", "previous_display_date", "new_display_date",
            "previous_precision", "previous_release_at", "previous_starts_on", "previous_ends_on", "new_precision",
            "new_release_at", "new_starts_on", "new_ends_on", "reason", "requested_at", "decided_at", "decision_note",
        ]  # fmt: skip


class ReleaseSerializer(serializers.ModelSerializer):
    """A release as the public calendar shows it (and as its producers see their drafts)."""

    url = serializers.HyperlinkedIdentityField(view_name="api:release-detail", lookup_field="slug")
    series = slug_ref(read_only=True, allow_null=True)
    lead_producer = slug_ref(read_only=True)
    joint_producers = slug_ref(many=True, read_only=True)
    networks = slug_ref(many=True, read_only=True)
    definitions = pk_ref(many=True, read_only=True)
    withdrawn_in_favour_of = slug_ref(read_only=True, allow_null=True)
    display_date = serializers.SerializerMethodField(help_text='GOV.UK wording: "20 January 2027 9:30am (confirmed)".')
    is_overdue = serializers.BooleanField(read_only=True, help_text="The date has passed; not published or cancelled.")
    is_postponed = serializers.BooleanField(read_only=True, help_text="Confirmed, and moved later at least once.")
    published_url = OptionalURLField(help_text="The address of the published statistics, once published.")
    date_changes = PublicDateChangeSerializer(
        source="public_changes", many=True, read_only=True, help_text="Every agreed change to the date, oldest first."
    )

    class Meta:
        model = Release
        fields = [
            "slug", "url", "uid", "title", "summary", "series", "lead_producer", "joint_producers", "networks",
            "definitions", "designation", "reference_period_start", "reference_period_end", "geography",
            "lead_statistician_name", "lead_statistician_email", "market_sensitive", "state", "is_overdue",
            "is_postponed", "precision", "release_at", "starts_on", "ends_on", "display_date", "published_url",
            "published_at", "cancellation_reason", "cancelled_at", "withdrawn_in_favour_of", "announced_at",
            "confirmed_at", "date_changes", "sequence", "revised_at", "version",
        ]  # fmt: skip
        read_only_fields = fields

    def get_display_date(self, release: Release) -> str:
        return display_date(Schedule.of(release), release.state)


class ReleaseResultSerializer(ReleaseSerializer):
    """A release just written, with what the engines and the Code of Practice say about it (never a block)."""

    warnings = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        source="api_warnings",
        help_text="Open flags on the release (clashes, possible duplicates, breaches of the Code), in words.",
    )

    class Meta(ReleaseSerializer.Meta):
        fields = [*ReleaseSerializer.Meta.fields, "warnings"]
        read_only_fields = fields


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.CharField(allow_null=True)
    new = serializers.CharField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    changed_at = serializers.DateTimeField()
    change_type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    state = serializers.CharField(help_text="The state of the release after this change.")
    reason = serializers.CharField(allow_null=True)
    changes = HistoryChangeSerializer(many=True)


class PreReleaseAccessSerializer(serializers.ModelSerializer):
    class Meta:
        model = PreReleaseAccess
        fields = ["id", "recipient_role", "organisation", "justification", "access_starts_at", "is_removed"]
        read_only_fields = fields


# --- writes ----------------------------------------------------------------------------------------------------------


class ScheduleInput(serializers.Serializer):
    """When a release is due: an exact date and time, or a window of one or two calendar months."""

    release_at = BoundedDateTimeField(
        required=False, help_text="An exact date and time; without an offset it is read as London time."
    )
    window_start = BoundedDateField(
        required=False, help_text="Any day of the first month of a provisional window (the day is ignored)."
    )
    window_months = serializers.ChoiceField(
        choices=[1, 2], required=False, help_text="How many calendar months the window spans (default 1)."
    )

    schedule_required = True

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        exact, window = attrs.get("release_at"), attrs.get("window_start")
        if exact is not None and window is not None:
            raise serializers.ValidationError({"window_start": [SCHEDULE_ONE_OF]})
        if exact is not None:
            attrs["schedule"] = Schedule.exact(exact)
        elif window is not None:
            attrs["schedule"] = Schedule.window(window, int(attrs.get("window_months") or 1))
        elif self.schedule_required:
            raise serializers.ValidationError({"release_at": [SCHEDULE_ONE_OF]})
        return attrs


class ReleaseDetailsInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, help_text="Under 65 characters, saying coverage and period.")
    summary = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    lead_producer = producers_ref()
    joint_producers = producers_ref(many=True, required=False)
    networks = networks_ref(many=True, required=False)
    series = SlugRef("series", queryset=ReleaseSeries.objects.all(), required=False, allow_null=True)
    designation = serializers.ChoiceField(choices=Designation.choices)
    reference_period_start = BoundedDateField(required=False, allow_null=True)
    reference_period_end = BoundedDateField(required=False, allow_null=True)
    geography = serializers.ChoiceField(choices=Geography.choices, required=False)
    lead_statistician_name = serializers.CharField(max_length=200)
    lead_statistician_email = serializers.EmailField(max_length=254)
    market_sensitive = serializers.BooleanField(required=False)
    definitions = pk_ref(
        many=True,
        queryset=Definition.objects.all(),
        required=False,
        help_text="Ids of the register's definitions the release uses (see /api/v1/definitions/).",
    )


class ReleaseRegisterSerializer(ReleaseDetailsInput, ScheduleInput):
    """Register a release: a draft, or announced at once with ``announce: true``."""

    announce = serializers.BooleanField(
        required=False, default=False, help_text="Announce at once: provisional for a window, confirmed when exact."
    )
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class ReleaseUpdateSerializer(ReleaseDetailsInput, ScheduleInput):
    """Change what a release says (PUT: everything; PATCH: only what is sent), with the reason for the change.

    The date of a draft may change here too; an announced release's date changes only through confirm or
    request-change.
    """

    reason = serializers.CharField(max_length=1000, allow_blank=True, help_text="Why it changes (kept in history).")
    version = version_field()

    schedule_required = False


class VersionOnlySerializer(serializers.Serializer):
    version = version_field()


class AnnounceSerializer(VersionOnlySerializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class ConfirmSerializer(VersionOnlySerializer):
    release_at = BoundedDateTimeField(help_text="The exact date and time, within the announced window.")
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class RequestChangeSerializer(ScheduleInput, VersionOnlySerializer):
    reason = serializers.CharField(max_length=1000, allow_blank=True, help_text="Why the date changes (public).")


class AgreeChangeSerializer(VersionOnlySerializer):
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class RefuseChangeSerializer(VersionOnlySerializer):
    note = serializers.CharField(max_length=1000, allow_blank=True, help_text="Why the change is not agreed.")


class CancelSerializer(VersionOnlySerializer):
    reason = serializers.CharField(max_length=1000, allow_blank=True, help_text="Why it is cancelled (public).")


class PublishSerializer(VersionOnlySerializer):
    published_url = serializers.URLField(max_length=200, help_text="The address of the published statistics.")


class PreReleaseAccessAddSerializer(VersionOnlySerializer):
    recipient_role = serializers.CharField(max_length=200)
    organisation = serializers.CharField(max_length=200)
    justification = serializers.CharField(max_length=2000)
    access_starts_at = BoundedDateTimeField(help_text="At most 24 hours before the release.")


class ReasonSerializer(VersionOnlySerializer):
    reason = serializers.CharField(max_length=1000, allow_blank=True)


class BulkResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    slug = serializers.CharField()
    url = serializers.CharField()
    state = serializers.CharField()
    version = serializers.IntegerField()
    warnings = serializers.ListField(child=serializers.CharField())

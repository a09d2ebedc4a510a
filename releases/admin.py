"""The secretariat's admin: producers, people and roles, series, releases, measures and definitions, with history.

Releases change state only through the services (never by raw edits here); editing a release's descriptive fields in
the admin goes through ``release_update`` with a reason, so history says who and why.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from ehssg.admin import ReadOnlyMixin

from . import services
from .choices import State
from .models import (
    DateChange,
    Definition,
    Measure,
    PreReleaseAccess,
    Producer,
    ProducerMembership,
    Release,
    ReleaseSeries,
)
from .schedule import Schedule, display_date

User = get_user_model()


class MembershipInline(admin.TabularInline):
    model = ProducerMembership
    extra = 1
    autocomplete_fields = ["user"]


class UserMembershipInline(MembershipInline):
    autocomplete_fields = ["producer"]


@admin.register(Producer)
class ProducerAdmin(SimpleHistoryAdmin):
    list_display = ["name", "abbreviation", "website"]
    search_fields = ["name", "abbreviation"]
    prepopulated_fields = {"slug": ["abbreviation"]}
    inlines = [MembershipInline]


@admin.register(ProducerMembership)
class ProducerMembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "producer", "role"]
    list_filter = ["role", "producer"]
    search_fields = ["user__username", "user__email", "producer__name"]
    autocomplete_fields = ["user", "producer"]


admin.site.unregister(User)


@admin.register(User)
class PersonAdmin(UserAdmin):
    """People, with their roles at producers; groups give the secretariat and OSR viewer roles."""

    inlines = [UserMembershipInline]


@admin.register(ReleaseSeries)
class ReleaseSeriesAdmin(SimpleHistoryAdmin):
    list_display = ["title", "frequency", "designation", "standard_release_time", "alternative_release_time",
                    "is_active"]  # fmt: skip
    list_filter = ["frequency", "designation", "is_active", "producers"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["producers", "networks", "definitions"]


class ReleaseAdminForm(forms.ModelForm):
    change_reason = forms.CharField(
        label="Reason for this change", help_text="Recorded in the release's history.", widget=forms.Textarea(
            attrs={"rows": 2})
    )  # fmt: skip

    class Meta:
        model = Release
        fields = ["title", "summary", "designation", "geography", "reference_period_start", "reference_period_end",
                  "lead_statistician_name", "lead_statistician_email", "market_sensitive", "series",
                  "joint_producers", "networks", "definitions"]  # fmt: skip


@admin.register(Release)
class ReleaseAdmin(SimpleHistoryAdmin):
    form = ReleaseAdminForm
    list_display = ["title", "lead_producer", "state", "when", "starts_on"]
    list_filter = ["state", "designation", "lead_producer", "networks"]
    search_fields = ["title", "slug"]
    date_hierarchy = "starts_on"
    list_select_related = ["lead_producer"]
    readonly_fields = ["slug", "uid", "lead_producer", "state", "precision", "release_at", "starts_on", "ends_on",
                       "sequence", "version", "revised_at", "announced_at", "confirmed_at", "published_url",
                       "published_at", "cancellation_reason", "cancelled_at", "withdrawn_in_favour_of",
                       "created_at", "created_by"]  # fmt: skip
    filter_horizontal = ["joint_producers", "networks", "definitions"]

    @admin.display(description="Due")
    def when(self, release: Release) -> str:
        return display_date(Schedule.of(release), release.state)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # producers register releases on their pages, where the engines and warnings run

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is not None and obj.state == State.DRAFT and super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Release, form: forms.ModelForm, change: bool) -> None:
        """Nothing is saved raw: ``save_related`` hands the whole edit to the service."""

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        """Descriptive edits go through ``release_update``, with the reason typed in the form."""
        data = form.cleaned_data
        current = Release.objects.get(pk=form.instance.pk)
        details = services.ReleaseDetails.of(current)
        for name in ("title", "summary", "designation", "geography", "reference_period_start",
                     "reference_period_end", "lead_statistician_name", "lead_statistician_email",
                     "market_sensitive", "series"):  # fmt: skip
            setattr(details, name, data[name])
        details.joint_producers = tuple(data["joint_producers"])
        details.networks = tuple(data["networks"])
        details.definitions = tuple(data["definitions"])
        services.release_update(actor=request.user, release=current, details=details, reason=data["change_reason"])


class ReadOnlyAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    """Records that only the services write: viewable here with their history, never edited."""


@admin.register(DateChange)
class DateChangeAdmin(ReadOnlyAdmin):
    list_display = ["release", "status", "previous_starts_on", "new_starts_on", "requested_by", "decided_by"]
    list_filter = ["status"]
    search_fields = ["release__title", "reason"]


@admin.register(PreReleaseAccess)
class PreReleaseAccessAdmin(ReadOnlyAdmin):
    list_display = ["release", "recipient_role", "organisation", "access_starts_at", "is_removed"]
    search_fields = ["release__title", "organisation"]


@admin.register(Measure)
class MeasureAdmin(SimpleHistoryAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Definition)
class DefinitionAdmin(SimpleHistoryAdmin):
    list_display = ["measure", "owner", "version", "is_harmonised"]
    list_filter = ["is_harmonised", "owner"]
    search_fields = ["measure__name", "text"]

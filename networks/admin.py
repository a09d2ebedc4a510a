"""Admin for topic networks and their records, with history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ActionItem, ActionPlan, EngagementActivity, Lesson, ProgressUpdate, TopicNetwork


@admin.register(TopicNetwork)
class TopicNetworkAdmin(SimpleHistoryAdmin):
    list_display = ["name", "max_major_releases_per_day"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["leads", "members", "member_producers"]


class ItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0
    fields = ["title", "owner", "due_on", "goal", "status", "rag"]


@admin.register(ActionPlan)
class ActionPlanAdmin(SimpleHistoryAdmin):
    list_display = ["title", "network", "status", "published_at"]
    list_filter = ["status", "network"]
    inlines = [ItemInline]


@admin.register(ActionItem)
class ActionItemAdmin(SimpleHistoryAdmin):
    list_display = ["title", "plan", "owner", "due_on", "goal", "status", "rag"]
    list_filter = ["status", "goal", "rag", "plan__network"]
    search_fields = ["title", "owner"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(SimpleHistoryAdmin):
    list_display = ["item", "written_on", "status", "rag", "author"]


@admin.register(Lesson)
class LessonAdmin(SimpleHistoryAdmin):
    list_display = ["title", "network", "recorded_on"]
    search_fields = ["title", "text", "tags"]


@admin.register(EngagementActivity)
class EngagementActivityAdmin(SimpleHistoryAdmin):
    list_display = ["title", "network", "kind", "held_on", "people_reached"]
    list_filter = ["kind", "network"]

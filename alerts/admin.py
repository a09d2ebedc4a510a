"""The secretariat's view of alerts: read-only lists to answer "did this e-mail go?". Writes go through the services."""

from django.contrib import admin

from ehssg.admin import ReadOnlyMixin

from .models import Delivery, Event, Subscription


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Subscriptions, events and deliveries change only through the alerts services and workers."""


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["pk", "email", "frequency", "created_at", "confirmed_at", "unsubscribed_at"]
    list_filter = ["frequency"]
    search_fields = ["email"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "key", "created_at", "fanned_out_at"]
    list_filter = ["kind"]
    search_fields = ["key"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["pk", "event", "email", "state", "attempts", "next_attempt_at", "sent_at", "last_error"]
    list_filter = ["state"]
    list_select_related = ["event"]
    search_fields = ["email", "event__key"]

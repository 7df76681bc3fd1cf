import json

from django.contrib import admin, messages
from django.utils.html import format_html

from core.models import DataQualityIssue, OutboxEvent, ProcessedEvent, Tag
from core.outbox import retry_failed_events


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    """Events are written by producers and workers only: the admin reads them and re-queues FAILED ones."""

    list_display = [
        "event_type",
        "aggregate_type",
        "aggregate_id",
        "status",
        "retry_count",
        "next_retry_at",
        "locked_by",
        "created_at",
        "processed_at",
    ]
    list_filter = ["status", "event_type"]
    search_fields = ["=id", "aggregate_id", "event_type"]
    date_hierarchy = "created_at"
    actions = ["retry_failed"]
    fields = [
        "id",
        "event_type",
        "aggregate_type",
        "aggregate_id",
        "status",
        "retry_count",
        "next_retry_at",
        "locked_by",
        "locked_until",
        "created_at",
        "processed_at",
        "formatted_payload",
        "formatted_error",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request) -> bool:
        # Editing is off (the change form is read-only); re-queueing needs the change permission.
        return request.user.has_perm("core.change_outboxevent")

    @admin.display(description="payload")
    def formatted_payload(self, event: OutboxEvent) -> str:
        return format_html("<pre>{}</pre>", json.dumps(event.payload, indent=2, sort_keys=True, default=str))

    @admin.display(description="last error")
    def formatted_error(self, event: OutboxEvent) -> str:
        return format_html("<pre>{}</pre>", event.error_message) if event.error_message else "-"

    @admin.action(description="Retry selected FAILED events (PENDING, retry count reset)", permissions=["retry"])
    def retry_failed(self, request, queryset):
        retried = retry_failed_events(queryset)
        skipped = queryset.count() - retried
        message = f"{retried} FAILED event(s) re-queued."
        if skipped:
            message += f" {skipped} selected event(s) were not FAILED and were left alone."
        self.message_user(request, message, messages.SUCCESS if retried else messages.WARNING)


@admin.register(ProcessedEvent)
class ProcessedEventAdmin(admin.ModelAdmin):
    list_display = ["handler", "event_id", "processed_at"]
    search_fields = ["handler", "event_id"]


@admin.register(DataQualityIssue)
class DataQualityIssueAdmin(admin.ModelAdmin):
    list_display = ["check_name", "object_type", "object_id", "created_at", "resolved_at"]
    list_filter = ["check_name"]

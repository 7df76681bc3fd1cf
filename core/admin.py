from django.contrib import admin

from core.models import DataQualityIssue, OutboxEvent, ProcessedEvent, Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ["event_type", "aggregate_type", "aggregate_id", "status", "retry_count", "created_at"]
    list_filter = ["status", "event_type"]
    search_fields = ["aggregate_id", "event_type"]


@admin.register(ProcessedEvent)
class ProcessedEventAdmin(admin.ModelAdmin):
    list_display = ["handler", "event_id", "processed_at"]
    search_fields = ["handler", "event_id"]


@admin.register(DataQualityIssue)
class DataQualityIssueAdmin(admin.ModelAdmin):
    list_display = ["check_name", "object_type", "object_id", "created_at", "resolved_at"]
    list_filter = ["check_name"]

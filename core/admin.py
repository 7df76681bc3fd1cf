import json

from django.apps import apps
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html

from audit.models import AuditLog
from core.admin_audit import AuditedModelAdmin, audit_admin_action, snapshot
from core.models import DataQualityIssue, OutboxEvent, ProcessedEvent, Tag
from core.outbox import retry_failed_events


@admin.register(Tag)
class TagAdmin(AuditedModelAdmin):
    list_display = ["name", "slug", "resource_count", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(resource_total=Count("resources", distinct=True))

    @admin.display(description="resources", ordering="resource_total")
    def resource_count(self, tag):
        return tag.resource_total


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
        "lease_expirations",
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
        with transaction.atomic():
            failed = list(queryset.filter(status=OutboxEvent.Status.FAILED))
            retried = retry_failed_events(OutboxEvent.objects.filter(pk__in=[event.pk for event in failed]))
            for event in failed:
                audit_admin_action(
                    request,
                    instance=event,
                    action=AuditLog.Action.UPDATE,
                    before={"status": event.status, "retry_count": event.retry_count},
                    after={"status": OutboxEvent.Status.PENDING, "retry_count": 0},
                )
        skipped = queryset.count() - retried
        message = f"{retried} FAILED event(s) re-queued."
        if skipped:
            message += f" {skipped} selected event(s) were not FAILED and were left alone."
        self.message_user(request, message, messages.SUCCESS if retried else messages.WARNING)


@admin.register(ProcessedEvent)
class ProcessedEventAdmin(admin.ModelAdmin):
    list_display = ["handler", "event_id", "processed_at"]
    search_fields = ["handler", "event_id"]


class IssueStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("resolved", "Resolved")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(DataQualityIssue)
class DataQualityIssueAdmin(admin.ModelAdmin):
    """Issues are written by `run_checks`; staff read them and mark them resolved (audited)."""

    list_display = ["check_name", "object_type", "object_link", "short_description", "created_at", "resolved_at"]
    list_filter = [IssueStateFilter, "check_name", "object_type"]
    search_fields = ["object_id", "description", "check_name"]
    readonly_fields = ["check_name", "object_type", "object_link", "description", "created_at", "resolved_at"]
    fields = readonly_fields
    date_hierarchy = "created_at"
    actions = ["resolve_issues"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Rows are read-only; the changelist's "resolve" action is the one change staff make.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="object")
    def object_link(self, issue):
        model = _model_named(issue.object_type)
        if model is None:
            return issue.object_id
        try:
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[issue.object_id])
        except NoReverseMatch:
            return issue.object_id
        return format_html('<a href="{}">{}</a>', url, issue.object_id)

    @admin.display(description="description")
    def short_description(self, issue):
        return issue.description if len(issue.description) <= 120 else issue.description[:119] + "…"

    @admin.action(description="Mark selected issues resolved", permissions=["change"])
    def resolve_issues(self, request, queryset):
        now = timezone.now()
        resolved = 0
        with transaction.atomic():
            for issue in queryset.select_for_update().filter(resolved_at__isnull=True):
                before = snapshot(issue)
                issue.resolved_at = now
                issue.save(update_fields=["resolved_at", "updated_at"])
                audit_admin_action(
                    request, instance=issue, action=AuditLog.Action.UPDATE, before=before, after=snapshot(issue)
                )
                resolved += 1
        self.message_user(
            request,
            f"Resolved {resolved} issue(s). run_checks opens them again if the data is still broken.",
            messages.SUCCESS,
        )


def _model_named(object_type: str):
    for model in apps.get_models():
        if model.__name__ == object_type:
            return model
    return None

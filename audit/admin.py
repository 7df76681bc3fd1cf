from django.contrib import admin
from django.contrib.admin.models import LogEntry

from audit.models import AuditLog


class ReadOnlyAdmin(admin.ModelAdmin):
    """Staff can look, never add, edit or delete: for append-only and machine-written rows.

    Defined here, in the lowest app that needs it, and used by the apps above."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    """Append-only: written by core.services.audit.audit_change, never edited here."""

    list_display = ["created_at", "action", "entity_name", "object_id", "actor"]
    list_filter = ["action", "entity_name"]
    search_fields = ["object_id", "entity_name", "actor__email"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "action",
        "entity_name",
        "content_type",
        "object_id",
        "actor",
        "before_state",
        "after_state",
    ]
    readonly_fields = fields


@admin.register(LogEntry)
class AdminLogEntryAdmin(ReadOnlyAdmin):
    """Django's own record of what staff did in the admin."""

    list_display = ["action_time", "user", "content_type", "object_repr", "action_flag"]
    list_filter = ["action_flag", "content_type"]
    search_fields = ["object_repr", "user__email", "change_message"]
    list_select_related = ["user", "content_type"]
    date_hierarchy = "action_time"

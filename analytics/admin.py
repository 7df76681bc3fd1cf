from django.contrib import admin

from analytics.models import UserEvent
from audit.admin import ReadOnlyAdmin


@admin.register(UserEvent)
class UserEventAdmin(ReadOnlyAdmin):
    """High-volume and append-only: staff browse and search, nothing is edited here."""

    list_display = ["created_at", "event_type", "user", "session_id", "ip_address"]
    list_filter = ["event_type"]
    search_fields = ["event_type", "session_id", "user__email", "ip_address"]
    list_select_related = ["user"]
    # Counting every row on each page load is what hurts on a large table.
    show_full_result_count = False
    fields = ["created_at", "event_type", "user", "session_id", "ip_address", "user_agent", "event_data"]
    readonly_fields = fields

"""Cheap reads for health probes."""

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from core.models import OutboxEvent


def database_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure to reach the database means "not ready"
        return False
    return True


def stale_pending_outbox_count(*, older_than: timedelta, cap: int) -> int:
    """Pending events older than `older_than`, counted up to `cap` + 1 (enough to compare)."""
    cutoff = timezone.now() - older_than
    stale = OutboxEvent.objects.filter(status=OutboxEvent.Status.PENDING, created_at__lt=cutoff)
    return len(stale.values_list("pk", flat=True)[: cap + 1])

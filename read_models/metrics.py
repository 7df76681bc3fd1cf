"""Database state that /metrics reports as gauges, read at scrape time."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min
from django.utils import timezone

from core.models import DataQualityIssue, OutboxEvent


@dataclass(frozen=True, kw_only=True)
class OutboxBacklog:
    pending: int
    failed: int
    oldest_due_at: datetime | None  # the earliest due time among PENDING events already due


def outbox_backlog() -> OutboxBacklog:
    """Two queries, both served by the (status, …) indexes: never a scan of COMPLETED rows."""
    counts = dict(
        OutboxEvent.objects.filter(status__in=[OutboxEvent.Status.PENDING, OutboxEvent.Status.FAILED])
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    oldest = OutboxEvent.objects.filter(status=OutboxEvent.Status.PENDING, next_retry_at__lte=timezone.now()).aggregate(
        oldest=Min("next_retry_at")
    )
    return OutboxBacklog(
        pending=counts.get(OutboxEvent.Status.PENDING, 0),
        failed=counts.get(OutboxEvent.Status.FAILED, 0),
        oldest_due_at=oldest["oldest"],
    )


def open_data_quality_issues_by_check() -> dict[str, int]:
    return dict(
        DataQualityIssue.objects.filter(resolved_at__isnull=True)
        .values_list("check_name")
        .annotate(n=Count("pk"))
        .order_by()
    )

"""Claiming events under a lease, and writing outcomes only while the lease is still ours.

A claim sets `status=PROCESSING`, `locked_by=<worker>` and `locked_until=next_retry_at=<now +
OUTBOX_LEASE_SECONDS>`. Because `next_retry_at` doubles as the lease expiry, "claimable" is one
condition for both due PENDING events and PROCESSING events whose holder died:
`status IN (PENDING, PROCESSING) AND next_retry_at <= now`, served by one partial index.

The pair (`locked_by`, `locked_until`) is the claim's token: completion, failure and renewal
filter on it, so a holder whose lease expired and was taken over writes nothing.
"""

from __future__ import annotations

import functools
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from core.metrics import outbox_dispatch_latency
from core.models import OutboxEvent

PENDING = OutboxEvent.Status.PENDING
PROCESSING = OutboxEvent.Status.PROCESSING
ACTIVE = (PENDING, PROCESSING)


@dataclass
class Claim:
    """Events claimed by one worker in one statement, and the lease they are held under."""

    worker_id: str
    lease_until: datetime | None
    events: list[OutboxEvent]
    claimed_at: float = field(default_factory=time.monotonic)
    lease_seconds: float = field(default_factory=lambda: settings.OUTBOX_LEASE_SECONDS)

    def lease_half_spent(self) -> bool:
        return time.monotonic() - self.claimed_at > self.lease_seconds / 2

    def held(self) -> QuerySet[OutboxEvent]:
        """The rows this claim still holds: a late writer whose lease was taken over matches none."""
        return OutboxEvent.objects.filter(status=PROCESSING, locked_by=self.worker_id, locked_until=self.lease_until)


def backoff_delay(retry_count: int) -> timedelta:
    return timedelta(seconds=2**retry_count)


def claimable_events(*, now: datetime | None, ordered: bool) -> QuerySet[OutboxEvent]:
    """Events a worker may claim (all due ones when `now` is None, for computing the next wake-up).

    With `ordered`, only the head of each aggregate qualifies: no earlier unfinished event of the
    aggregate and none of its events in flight, so one aggregate never has two events in flight.
    """
    events = OutboxEvent.objects.filter(status__in=ACTIVE)
    if now is not None:
        events = events.filter(next_retry_at__lte=now)
    if ordered:
        in_flight_or_earlier = (
            OutboxEvent.objects.filter(
                aggregate_type=OuterRef("aggregate_type"), aggregate_id=OuterRef("aggregate_id"), status__in=ACTIVE
            )
            .exclude(pk=OuterRef("pk"))
            .filter(
                Q(created_at__lt=OuterRef("created_at"))
                | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
                | Q(status=PROCESSING, next_retry_at__gt=now or timezone.now())
            )
        )
        events = events.exclude(Exists(in_flight_or_earlier))
    return events.order_by("next_retry_at")


def next_due_at(*, ordered: bool) -> datetime | None:
    """When the earliest claimable event becomes due (a retry's backoff or a lease's expiry)."""
    return claimable_events(now=None, ordered=ordered).aggregate(due=Min("next_retry_at"))["due"]


# PostgreSQL: one statement locks up to `limit` claimable rows, skipping rows other workers are
# claiming, and takes them. Rows another worker took meanwhile fail the re-check under the lock.
_CLAIM_SQL = """
WITH claimable AS (
    SELECT e.id FROM {table} e
    WHERE e.status IN ('PENDING', 'PROCESSING') AND e.next_retry_at <= %(now)s {head_of_aggregate}
    ORDER BY e.next_retry_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
UPDATE {table} t
SET status = 'PROCESSING', locked_by = %(worker_id)s, locked_until = %(lease_until)s,
    next_retry_at = %(lease_until)s, updated_at = %(now)s
FROM claimable
WHERE t.id = claimable.id
RETURNING {returned}
"""
_HEAD_OF_AGGREGATE_SQL = """
    AND NOT EXISTS (
        SELECT 1 FROM {table} other
        WHERE other.aggregate_type = e.aggregate_type AND other.aggregate_id = e.aggregate_id
          AND other.status IN ('PENDING', 'PROCESSING') AND other.id <> e.id
          AND ((other.created_at, other.id) < (e.created_at, e.id)
               OR (other.status = 'PROCESSING' AND other.next_retry_at > %(now)s))
    )"""
# Only what the claim does not already know: fewer timestamps to parse per row.
_RETURNED = (
    "id",
    "created_at",
    "aggregate_type",
    "aggregate_id",
    "event_type",
    "payload",
    "retry_count",
    "error_message",
)
_FIELD_NAMES = [field.attname for field in OutboxEvent._meta.concrete_fields]
_COMPLETE_SQL = """
UPDATE {table} SET status = 'COMPLETED', processed_at = %s, locked_by = '', locked_until = NULL, updated_at = %s
WHERE id = ANY(%s) AND status = 'PROCESSING' AND locked_by = %s AND locked_until = %s
"""


@functools.cache
def _prepared_cursor_class():
    import psycopg

    class PreparedCursor(psycopg.Cursor):
        def execute(self, query, params=None, *, prepare=True, binary=None):
            return super().execute(query, params, prepare=prepare, binary=binary)

    return PreparedCursor


def _prepared_cursor():
    """A Django-wrapped psycopg cursor whose statements are prepared once per connection.

    Django's own cursors bind parameters client-side, so PostgreSQL would parse and plan the
    claim for every batch; a prepared claim is planned once per connection.
    """
    connection.ensure_connection()
    cursor = _prepared_cursor_class()(connection.connection)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)


def _table() -> str:
    return connection.ops.quote_name(OutboxEvent._meta.db_table)


def _claim_sql(ordered: bool) -> str:
    head = _HEAD_OF_AGGREGATE_SQL.format(table=_table()) if ordered else ""
    returned = ", ".join(f"t.{column}" for column in _RETURNED)
    return _CLAIM_SQL.format(table=_table(), head_of_aggregate=head, returned=returned)


def _claimed_events(rows: list[tuple], *, worker_id: str, now: datetime, lease_until: datetime) -> list[OutboxEvent]:
    """Model instances for claimed rows, filling in what the claim itself wrote (no re-read)."""
    alias = connection.alias
    events = []
    for event_id, created_at, aggregate_type, aggregate_id, event_type, payload, retry_count, error_message in rows:
        if isinstance(payload, str):  # Django's psycopg setup leaves jsonb as text for JSONField to parse
            payload = json.loads(payload)
        values = {
            "id": event_id,
            "created_at": created_at,
            "updated_at": now,
            "aggregate_type": aggregate_type,
            "aggregate_id": aggregate_id,
            "event_type": event_type,
            "payload": payload,
            "status": PROCESSING,
            "retry_count": retry_count,
            "next_retry_at": lease_until,
            "processed_at": None,
            "error_message": error_message,
            "locked_by": worker_id,
            "locked_until": lease_until,
        }
        events.append(OutboxEvent.from_db(alias, _FIELD_NAMES, [values[name] for name in _FIELD_NAMES]))
    return events


def claim_batch(*, limit: int, worker_id: str, ordered: bool = False) -> Claim:
    """Claim up to `limit` due events (or events with an expired lease) for `worker_id`."""
    now = timezone.now()
    lease_until = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    if connection.vendor == "postgresql":
        params = {"now": now, "limit": limit, "worker_id": worker_id, "lease_until": lease_until}
        with _prepared_cursor() as cursor:
            cursor.execute(_claim_sql(ordered), params)
            rows = cursor.fetchall()
        events = _claimed_events(rows, worker_id=worker_id, now=now, lease_until=lease_until)
        events.sort(key=lambda event: (event.created_at, event.pk))
        return Claim(worker_id=worker_id, lease_until=lease_until, events=events)
    # Elsewhere (SQLite): the transaction serialises claimers; SKIP LOCKED is used where it exists.
    with transaction.atomic():
        due = claimable_events(now=now, ordered=ordered)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        if not ids:
            return Claim(worker_id=worker_id, lease_until=lease_until, events=[])
        OutboxEvent.objects.filter(pk__in=ids).update(
            status=PROCESSING, locked_by=worker_id, locked_until=lease_until, next_retry_at=lease_until, updated_at=now
        )
        events = sorted(OutboxEvent.objects.filter(pk__in=ids), key=lambda event: (event.created_at, event.pk))
    return Claim(worker_id=worker_id, lease_until=lease_until, events=events)


def record_completed(claim: Claim, events: list[OutboxEvent]) -> int:
    """Mark `events` COMPLETED in one statement; returns how many were still held by `claim`."""
    if not events:
        return 0
    now = timezone.now()
    ids = [event.pk for event in events]
    if connection.vendor == "postgresql":
        with _prepared_cursor() as cursor:
            cursor.execute(_COMPLETE_SQL.format(table=_table()), [now, now, ids, claim.worker_id, claim.lease_until])
            completed = cursor.rowcount
    else:
        completed = (
            claim.held()
            .filter(pk__in=ids)
            .update(
                status=OutboxEvent.Status.COMPLETED, processed_at=now, locked_by="", locked_until=None, updated_at=now
            )
        )
    latencies: dict[str, list[float]] = defaultdict(list)
    for event in events:
        latencies[event.event_type].append(max((now - event.created_at).total_seconds(), 0.0))
    for event_type, seconds in latencies.items():
        histogram = outbox_dispatch_latency.labels(event_type)
        for value in seconds:
            histogram.observe(value)
    return completed


def record_failed(claim: Claim, event: OutboxEvent, error: Exception, *, final: bool = False) -> bool:
    """Back `event` off by 2^n s, or end it FAILED after OUTBOX_MAX_RETRIES (or when `final`)."""
    now = timezone.now()
    retry_count = event.retry_count + 1
    give_up = final or retry_count >= settings.OUTBOX_MAX_RETRIES
    updated = (
        claim.held()
        .filter(pk=event.pk)
        .update(
            status=OutboxEvent.Status.FAILED if give_up else PENDING,
            retry_count=retry_count,
            next_retry_at=now + backoff_delay(retry_count),
            error_message=f"{type(error).__name__}: {error}"[:4000],
            locked_by="",
            locked_until=None,
            updated_at=now,
        )
    )
    return updated == 1


def renew_lease(claim: Claim, events: list[OutboxEvent]) -> list[OutboxEvent]:
    """Extend the lease on `events` (the rest of a slow batch); returns those still held.

    Outcomes already known must be written first: they are recorded under the old token.
    """
    now = timezone.now()
    lease_until = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    ids = [event.pk for event in events]
    claim.held().filter(pk__in=ids).update(locked_until=lease_until, next_retry_at=lease_until, updated_at=now)
    claim.lease_until = lease_until
    claim.claimed_at = time.monotonic()
    still_held = set(claim.held().filter(pk__in=ids).values_list("pk", flat=True))
    return [event for event in events if event.pk in still_held]

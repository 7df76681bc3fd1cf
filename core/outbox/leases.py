"""Claiming events under a lease, and writing outcomes only while the lease is still ours.

A claim sets `status=PROCESSING`, `locked_by=<worker>`, a fresh `lease_token` and
`locked_until=next_retry_at=<now + OUTBOX_LEASE_SECONDS>`, and counts an attempt
(`retry_count`). Because `next_retry_at` doubles as the lease expiry, "claimable" is one
condition for both due PENDING events and PROCESSING events whose holder died or hung:
`status IN (PENDING, PROCESSING) AND next_retry_at <= now`, served by one partial index.

Taking over an expired lease counts a lease expiration; an event whose attempts are used up
when its lease expires ends FAILED instead ("lease expired N times"), so a handler that kills
or hangs its worker cannot be dispatched for ever. A claim takes at most one expired lease:
that event may kill this worker too, so it is dispatched last (see `worker`), alone with it.

The `lease_token` fences every write: completion, failure, renewal and the handlers'
`once_per_event` commits filter on it, so a holder whose lease expired and was taken over
writes nothing. The worker's heartbeat (`heartbeat`) renews the lease of a live claim.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Exists, F, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from core.metrics import outbox_dispatch_latency
from core.models import OutboxEvent
from core.outbox import statements
from core.outbox.time_limit import HandlerTimer

PENDING = OutboxEvent.Status.PENDING
PROCESSING = OutboxEvent.Status.PROCESSING
ACTIVE = (PENDING, PROCESSING)


@dataclass
class Claim:
    """Events claimed by one worker in one statement, and the lease they are held under.

    The heartbeat thread reads this object while the worker's thread dispatches: it sets
    `renewed_at` and `held_ids`, the dispatcher sets `timer.deadline`; each is one assignment.
    """

    worker_id: str
    token: uuid.UUID
    events: list[OutboxEvent]
    # Events whose attempts were used up when their lease expired: ended FAILED by the claim.
    exhausted: int = 0
    claimed_at: float = field(default_factory=time.monotonic)
    lease_seconds: float = field(default_factory=lambda: settings.OUTBOX_LEASE_SECONDS)
    renewed_at: float = field(default_factory=time.monotonic)
    # After a renewal: the events still held (the others were taken over); None before any.
    held_ids: frozenset | None = None
    # Deadlines of the running handler call (`time_limit.HandlerTimer`); the heartbeat stops
    # renewing once the running call is past its deadline.
    timer: HandlerTimer | None = None
    # How many events of the `completing` batch passed to `claim_batch` it marked COMPLETED.
    previous_completed: int = 0

    @property
    def handler_deadline(self) -> float | None:
        timer = self.timer
        return None if timer is None else timer.deadline

    @property
    def count(self) -> int:
        """Events this claim took from the queue: dispatched ones and ones it ended FAILED."""
        return len(self.events) + self.exhausted

    def lost(self, event: OutboxEvent) -> bool:
        """Whether a renewal found `event` taken over by another worker."""
        held = self.held_ids
        return held is not None and event.pk not in held

    def held(self) -> QuerySet[OutboxEvent]:
        """The rows this claim still holds: a late writer whose lease was taken over matches none."""
        return OutboxEvent.objects.filter(status=PROCESSING, lease_token=self.token)


@dataclass
class Completion:
    """Events of `claim` whose handlers all succeeded, not yet marked COMPLETED."""

    claim: Claim
    events: list[OutboxEvent]


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


_FIELD_NAMES = [field.attname for field in OutboxEvent._meta.concrete_fields]


def _claimed_events(
    rows: list[tuple], *, alias: str, worker_id: str, token: uuid.UUID, now: datetime, lease_until: datetime
) -> list[OutboxEvent]:
    """Model instances for claimed rows, filling in what the claim itself wrote (no re-read)."""
    events = []
    for row in rows:
        event_id, created_at, aggregate_type, aggregate_id, event_type, payload, retry_count, error, expirations = row
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
            "error_message": error,
            "locked_by": worker_id,
            "locked_until": lease_until,
            "lease_token": token,
            "lease_expirations": expirations,
        }
        events.append(OutboxEvent.from_db(alias, _FIELD_NAMES, [values[name] for name in _FIELD_NAMES]))
    return events


def claim_batch(*, limit: int, worker_id: str, ordered: bool = False, completing: Completion | None = None) -> Claim:
    """Claim up to `limit` due events (at most one of them an expired lease) for `worker_id`,
    first marking the `completing` events COMPLETED (on PostgreSQL in the same statement)."""
    now = timezone.now()
    lease_until = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    token = uuid.uuid4()
    db = connections[DEFAULT_DB_ALIAS]  # resolved once: each `connection.x` is a thread-local lookup
    previous = 0
    if completing is not None and (db.vendor != "postgresql" or ordered):
        # A statement of its own: an ordered claim must see these completions, since an
        # aggregate's next event waits for them (one statement sees one snapshot).
        previous = record_completed(completing.claim, completing.events)
        completing = None
    if db.vendor != "postgresql":
        claim = _claim_batch_portably(
            limit=limit, worker_id=worker_id, ordered=ordered, now=now, lease_until=lease_until, token=token
        )
        claim.previous_completed = previous
        return claim
    params = {
        "now": now,
        "limit": limit,
        "worker_id": worker_id,
        "lease_until": lease_until,
        "token": token,
        "max_attempts": settings.OUTBOX_MAX_RETRIES,
    }
    if completing is None:
        rows = statements.fetch_all(db, statements.claim_sql(ordered=ordered, completing=False), params)
    else:
        params["completed_ids"] = [event.pk for event in completing.events]
        params["completed_token"] = completing.claim.token
        rows = statements.fetch_all(db, statements.claim_sql(ordered=False, completing=True), params)
        previous = rows[0][0]
        rows = [row[1:] for row in rows if row[1] is not None]
        observe_latency(completing.events, now)
    claimed = [row[:-1] for row in rows if not row[-1]]
    events = _claimed_events(
        claimed, alias=db.alias, worker_id=worker_id, token=token, now=now, lease_until=lease_until
    )
    events.sort(key=lambda event: (event.created_at, event.pk))
    exhausted = len(rows) - len(claimed)
    return Claim(worker_id=worker_id, token=token, events=events, exhausted=exhausted, previous_completed=previous)


def _claim_batch_portably(
    *, limit: int, worker_id: str, ordered: bool, now: datetime, lease_until: datetime, token: uuid.UUID
) -> Claim:
    """The claim in ORM statements (SQLite): the transaction serialises claimers, SKIP LOCKED where it exists."""
    max_attempts = settings.OUTBOX_MAX_RETRIES
    with transaction.atomic():
        due = claimable_events(now=now, ordered=ordered)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        rows = list(due.values_list("pk", "status", "retry_count")[:limit])
        if not rows:
            return Claim(worker_id=worker_id, token=token, events=[])
        fresh = [pk for pk, status, _ in rows if status == PENDING]
        expired = [(pk, attempts >= max_attempts) for pk, status, attempts in rows if status == PROCESSING]
        exhausted = [pk for pk, used_up in expired if used_up]
        takeover = next((pk for pk, used_up in expired if not used_up), None)
        for pk in exhausted:
            _end_expired(pk, now=now)
        lease = {
            "status": PROCESSING,
            "retry_count": F("retry_count") + 1,
            "locked_by": worker_id,
            "locked_until": lease_until,
            "next_retry_at": lease_until,
            "lease_token": token,
            "updated_at": now,
        }
        if fresh:
            OutboxEvent.objects.filter(pk__in=fresh).update(**lease)
        if takeover is not None:
            expirations, holder = OutboxEvent.objects.values_list("lease_expirations", "locked_by").get(pk=takeover)
            OutboxEvent.objects.filter(pk=takeover).update(
                **lease, lease_expirations=expirations + 1, error_message=lease_expired_message(expirations + 1, holder)
            )
            fresh.append(takeover)
        events = sorted(OutboxEvent.objects.filter(pk__in=fresh), key=lambda event: (event.created_at, event.pk))
    return Claim(worker_id=worker_id, token=token, events=events, exhausted=len(exhausted))


def _end_expired(pk, *, now: datetime) -> None:
    expirations, holder = OutboxEvent.objects.values_list("lease_expirations", "locked_by").get(pk=pk)
    OutboxEvent.objects.filter(pk=pk).update(
        status=OutboxEvent.Status.FAILED,
        lease_expirations=expirations + 1,
        error_message=lease_expired_message(expirations + 1, holder),
        locked_by="",
        locked_until=None,
        lease_token=None,
        updated_at=now,
    )


def lease_expired_message(expirations: int, holder: str) -> str:
    """The error kept on an event whose lease expired (the same text as the PostgreSQL claim's)."""
    times = "time" if expirations == 1 else "times"
    return f"LeaseExpired: lease expired {expirations} {times}; the last holder ({holder}) did not finish or renew it"


def record_completed(claim: Claim, events: list[OutboxEvent]) -> int:
    """Mark `events` COMPLETED in one statement; returns how many were still held by `claim`."""
    if not events:
        return 0
    now = timezone.now()
    ids = [event.pk for event in events]
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor == "postgresql":
        completed = statements.row_count(db, statements.complete_sql(), [now, now, ids, claim.token])
    else:
        completed = (
            claim.held()
            .filter(pk__in=ids)
            .update(
                status=OutboxEvent.Status.COMPLETED,
                processed_at=now,
                locked_by="",
                locked_until=None,
                lease_token=None,
                updated_at=now,
            )
        )
    observe_latency(events, now)
    return completed


def observe_latency(events: list[OutboxEvent], now: datetime) -> None:
    """Emit→completion seconds of completed `events`, per event type."""
    latencies: dict[str, list[float]] = defaultdict(list)
    for event in events:
        latencies[event.event_type].append(max((now - event.created_at).total_seconds(), 0.0))
    for event_type, seconds in latencies.items():
        histogram = outbox_dispatch_latency.labels(event_type)
        for value in seconds:
            histogram.observe(value)


def gives_up(event: OutboxEvent, *, final: bool = False) -> bool:
    """Whether a failed attempt ends the event FAILED: `final`, or its OUTBOX_MAX_RETRIES attempts used up."""
    return final or event.retry_count >= settings.OUTBOX_MAX_RETRIES


def record_failed(claim: Claim, event: OutboxEvent, error: Exception, *, final: bool = False) -> bool:
    """Back `event` off by 2^n s (n: attempts so far), or end it FAILED once OUTBOX_MAX_RETRIES
    attempts are used up (or when `final`); returns whether the claim still held it."""
    now = timezone.now()
    give_up = gives_up(event, final=final)
    updated = (
        claim.held()
        .filter(pk=event.pk)
        .update(
            status=OutboxEvent.Status.FAILED if give_up else PENDING,
            next_retry_at=now + backoff_delay(event.retry_count),
            error_message=f"{type(error).__name__}: {error}"[:4000],
            locked_by="",
            locked_until=None,
            lease_token=None,
            updated_at=now,
        )
    )
    return updated == 1


def renew_lease(claim: Claim) -> frozenset:
    """Extend the lease on the claim's unfinished events; returns the ids it still holds.

    Runs on the heartbeat thread (its own connection) while the worker dispatches. Events
    whose outcome is written are no longer PROCESSING and stay as they are; events another
    worker took over carry its token and are left out, which tells the worker to skip them.
    """
    now = timezone.now()
    lease_until = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    ids = [event.pk for event in claim.events]
    renewed = claim.held().filter(pk__in=ids)
    renewed.update(locked_until=lease_until, next_retry_at=lease_until, updated_at=now)
    held = frozenset(renewed.values_list("pk", flat=True))
    claim.renewed_at = time.monotonic()
    claim.held_ids = held
    return held

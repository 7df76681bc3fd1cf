"""The worker's own statements on PostgreSQL (the claim, the completion): their SQL, and running
them prepared on one psycopg cursor per connection.

Django's cursors bind parameters client-side, so PostgreSQL would parse and plan the claim at
every batch; a prepared claim is planned once per connection. Django also opens connections
with psycopg's prepared statements off (`prepare_threshold=None`, for poolers), which silently
ignores `prepare=True`: unless the database is declared to be behind a transaction pooler
(`DISABLE_SERVER_SIDE_CURSORS`, which Django requires there; PgBouncer before 1.21 cannot keep
protocol-level prepared statements), the threshold is lifted so that exactly the statements
asking for it are prepared (Django's client-side cursors never are).

At batch size 1 the statements run hundreds of times a second, so they skip what costs more
than their own Python work: a new cursor and Django's cursor wrapper per statement. Errors
still surface as Django's (`wrap_database_errors`), and while something watches the
connection's queries (`assertNumQueries`, `connection.execute_wrapper`, DEBUG) the statements
go through Django's wrapper as any other.
"""

from __future__ import annotations

import functools
import sys

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

from core.models import OutboxEvent

# The claim locks up to `limit` claimable rows, skipping rows other workers are claiming, and
# takes them: every due PENDING row and at most one expired lease with attempts left (rows
# another worker took meanwhile fail the re-check under the lock). Expired leases with no
# attempts left end FAILED in the same UPDATE and come back flagged `exhausted`.
#
# With {completing}, the same statement first marks the previous batch's events COMPLETED (one
# round trip per batch instead of two); those rows are left out of `due` (a row updated twice
# in one statement keeps only one of the changes), and the result always has a first row whose
# first column counts them.
_CLAIM_SQL = """
WITH {completing} due AS (
    SELECT e.id, e.status, e.retry_count FROM {table} e
    WHERE e.status IN ('PENDING', 'PROCESSING') AND e.next_retry_at <= %(now)s {head_of_aggregate} {not_completed}
    ORDER BY e.next_retry_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
),
taken AS (
    SELECT id, FALSE AS expired, FALSE AS exhausted FROM due WHERE status = 'PENDING'
    UNION ALL
    (SELECT id, TRUE, FALSE FROM due WHERE status = 'PROCESSING' AND retry_count < %(max_attempts)s LIMIT 1)
    UNION ALL
    SELECT id, TRUE, TRUE FROM due WHERE status = 'PROCESSING' AND retry_count >= %(max_attempts)s
){claimed_as}
UPDATE {table} t
SET status = CASE WHEN taken.exhausted THEN 'FAILED' ELSE 'PROCESSING' END,
    retry_count = t.retry_count + (NOT taken.exhausted)::int,
    lease_expirations = t.lease_expirations + taken.expired::int,
    error_message = CASE WHEN taken.expired THEN {expired_message} ELSE t.error_message END,
    locked_by = CASE WHEN taken.exhausted THEN '' ELSE %(worker_id)s END,
    locked_until = CASE WHEN taken.exhausted THEN NULL ELSE %(lease_until)s END,
    next_retry_at = CASE WHEN taken.exhausted THEN t.next_retry_at ELSE %(lease_until)s END,
    lease_token = CASE WHEN taken.exhausted THEN NULL ELSE %(token)s END,
    updated_at = %(now)s
FROM taken
WHERE t.id = taken.id
RETURNING {returned}, taken.exhausted{claimed_end}
"""
_COMPLETING_SQL = """completed AS (
    UPDATE {table}
    SET status = 'COMPLETED', processed_at = %(now)s, locked_by = '', locked_until = NULL, lease_token = NULL,
        updated_at = %(now)s
    WHERE id = ANY(%(completed_ids)s) AND status = 'PROCESSING' AND lease_token = %(completed_token)s
    RETURNING 1
),"""
_COMPLETING_END_SQL = """
)
SELECT done.count, claimed.* FROM (SELECT count(*) FROM completed) done LEFT JOIN claimed ON TRUE"""
# Written when a lease expired: N counts this expiry; the holder named is the one that lost it.
_EXPIRED_MESSAGE_SQL = (
    "format('LeaseExpired: lease expired %%s time%%s; the last holder (%%s) did not finish or renew it',"
    " t.lease_expirations + 1, CASE WHEN t.lease_expirations = 0 THEN '' ELSE 's' END, t.locked_by)"
)
_HEAD_OF_AGGREGATE_SQL = """
    AND NOT EXISTS (
        SELECT 1 FROM {table} other
        WHERE other.aggregate_type = e.aggregate_type AND other.aggregate_id = e.aggregate_id
          AND other.status IN ('PENDING', 'PROCESSING') AND other.id <> e.id
          AND ((other.created_at, other.id) < (e.created_at, e.id)
               OR (other.status = 'PROCESSING' AND other.next_retry_at > %(now)s))
    )"""
# Only what the claim does not already know: fewer timestamps to parse per row.
RETURNED = (
    "id",
    "created_at",
    "aggregate_type",
    "aggregate_id",
    "event_type",
    "payload",
    "retry_count",
    "error_message",
    "lease_expirations",
)
_COMPLETE_SQL = """
UPDATE {table}
SET status = 'COMPLETED', processed_at = %s, locked_by = '', locked_until = NULL, lease_token = NULL, updated_at = %s
WHERE id = ANY(%s) AND status = 'PROCESSING' AND lease_token = %s
"""


def _table() -> str:
    return connection.ops.quote_name(OutboxEvent._meta.db_table)


@functools.cache
def claim_sql(*, ordered: bool, completing: bool) -> str:
    """The claim statement (parameters: now, limit, worker_id, lease_until, token, max_attempts and,
    `completing`, completed_ids and completed_token), built once per process."""
    return _CLAIM_SQL.format(
        table=_table(),
        completing=_COMPLETING_SQL.format(table=_table()) if completing else "",
        head_of_aggregate=_HEAD_OF_AGGREGATE_SQL.format(table=_table()) if ordered else "",
        not_completed="AND e.id <> ALL(%(completed_ids)s)" if completing else "",
        claimed_as=",\nclaimed AS (" if completing else "",
        returned=", ".join(f"t.{column}" for column in RETURNED),
        expired_message=_EXPIRED_MESSAGE_SQL,
        claimed_end=_COMPLETING_END_SQL if completing else "",
    )


@functools.cache
def complete_sql() -> str:
    """Mark events COMPLETED (parameters: processed_at, updated_at, ids, the claim's token)."""
    return _COMPLETE_SQL.format(table=_table())


# Where a Django connection keeps (its psycopg connection, the cursor on it); a reconnect replaces it.
_CURSOR_ATTRIBUTE = "_outbox_prepared_cursor"


def fetch_all(db: BaseDatabaseWrapper, sql: str, params) -> list[tuple]:
    """Run `sql` prepared and return its rows."""
    cursor = _execute(db, sql, params)
    with db.wrap_database_errors:
        return cursor.fetchall()


def row_count(db: BaseDatabaseWrapper, sql: str, params) -> int:
    """Run `sql` prepared and return how many rows it changed."""
    return _execute(db, sql, params).rowcount


def _execute(db: BaseDatabaseWrapper, sql: str, params):
    db.ensure_connection()
    with db.wrap_database_errors:
        raw = db.connection
        held, cursor = getattr(db, _CURSOR_ATTRIBUTE, (None, None))
        if held is not raw:
            if raw.prepare_threshold is None and not db.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
                raw.prepare_threshold = sys.maxsize
            cursor = _prepared_cursor_class()(raw)
            setattr(db, _CURSOR_ATTRIBUTE, (raw, cursor))
    if db.queries_logged or db.execute_wrappers:
        wrapped = db.make_debug_cursor(cursor) if db.queries_logged else db.make_cursor(cursor)
        wrapped.execute(sql, params)
        return cursor
    db.validate_no_broken_transaction()
    with db.wrap_database_errors:
        cursor.execute(sql, params)
    return cursor


@functools.cache
def _prepared_cursor_class():
    import psycopg

    class PreparedCursor(psycopg.Cursor):
        def execute(self, query, params=None, *, prepare=True, binary=None):
            return super().execute(query, params, prepare=prepare, binary=binary)

    return PreparedCursor

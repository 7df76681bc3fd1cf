"""Running the worker's own statements on PostgreSQL (the claim, the completion): prepared, on one
psycopg cursor per connection.

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

from django.db.backends.base.base import BaseDatabaseWrapper

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

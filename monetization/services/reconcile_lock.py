"""One Stripe reconciliation at a time, across processes and hosts sharing the database.

PostgreSQL: a transaction-level advisory lock (`pg_try_advisory_xact_lock`) held by an open
transaction on a connection of its own for the whole run, while the run works and commits on
the usual one. A session lock would not survive a transaction pooler (PgBouncer), which hands
each transaction to any server session: the unlock could land on another session and the lock
stay behind on a pooled one. The transaction ends with the run, or with its process (the
server, or the pooler, sees the connection close), so a crashed run frees the lock by itself.
SQLite has none, so a row in ReconcileLock stands in for it; a row older than `STALE_AFTER` is
a crashed run's and is taken over.
"""

import contextlib
import datetime
import zlib
from collections.abc import Iterator

from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connection, connections, transaction
from django.utils import timezone

from monetization.models import ReconcileLock

LOCK_NAME = "stripe-reconcile"
ADVISORY_KEY = zlib.crc32(LOCK_NAME.encode())  # a stable 32-bit key, so every host agrees on it
STALE_AFTER = datetime.timedelta(hours=6)


@contextlib.contextmanager
def reconcile_lock() -> Iterator[bool]:
    """Yield True while holding the lock, False (without waiting) when another run holds it."""
    if connection.vendor == "postgresql":
        holder = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            holder.set_autocommit(False)
            with holder.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [ADVISORY_KEY])
                acquired = cursor.fetchone()[0]
            yield acquired
        finally:
            with contextlib.suppress(DatabaseError):
                holder.rollback()  # ends the transaction, and so the lock; pooled, frees the session
            holder.close()
        return
    acquired = _take_row()
    try:
        yield acquired
    finally:
        if acquired:
            ReconcileLock.objects.filter(name=LOCK_NAME).delete()


def _take_row() -> bool:
    now = timezone.now()
    ReconcileLock.objects.filter(name=LOCK_NAME, acquired_at__lt=now - STALE_AFTER).delete()
    try:
        # Its own transaction: the insert that loses to a running reconciliation rolls back alone.
        with transaction.atomic():
            ReconcileLock.objects.create(name=LOCK_NAME, acquired_at=now)
    except IntegrityError:
        return False
    return True

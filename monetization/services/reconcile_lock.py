"""One Stripe reconciliation at a time, across processes and hosts sharing the database.

PostgreSQL: a session advisory lock (`pg_try_advisory_lock`), which the server drops by
itself if the process dies. SQLite has none, so a row in ReconcileLock stands in for it;
a row older than `STALE_AFTER` is a crashed run's and is taken over.
"""

import contextlib
import datetime
import zlib
from collections.abc import Iterator

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from monetization.models import ReconcileLock

LOCK_NAME = "stripe-reconcile"
ADVISORY_KEY = zlib.crc32(LOCK_NAME.encode())  # a stable 32-bit key, so every host agrees on it
STALE_AFTER = datetime.timedelta(hours=6)


@contextlib.contextmanager
def reconcile_lock() -> Iterator[bool]:
    """Yield True while holding the lock, False (without waiting) when another run holds it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_KEY])
            acquired = cursor.fetchone()[0]
        try:
            yield acquired
        finally:
            if acquired:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_KEY])
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

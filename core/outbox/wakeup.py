"""Idle workers sleep until an event is committed (PostgreSQL LISTEN), a stop is asked, or a timeout.

The NOTIFY is sent by a trigger on the outbox table (migration core 0002) when a row becomes
PENDING, so it leaves with the producer's commit. Notifications are best-effort: a worker that
was not listening catches up at its next poll.

LISTEN belongs to a server session, which a transaction pooler (PgBouncer) hands to another
client after each transaction: the listener connects to the `listen` database alias
(DATABASE_LISTEN_URL, a direct address; DATABASE_URL when unset) on a connection of its own.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket

from django.db import connection, connections

logger = logging.getLogger(__name__)

CHANNEL = "core_outbox"


def connect_direct(**params):
    """A new autocommit psycopg connection to the `listen` alias's address (never pooled)."""
    import psycopg

    base = connections["listen"].get_connection_params()
    for django_only in ("cursor_factory", "context"):
        base.pop(django_only, None)
    return psycopg.connect(**{**base, **params}, autocommit=True)


class Sleeper:
    """Waits on a LISTEN connection (PostgreSQL) and a self-pipe that `wake()` writes to."""

    def __init__(self) -> None:
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_reader.setblocking(False)
        self._wake_writer.setblocking(False)
        self._listener = None

    def listen(self) -> bool:
        """Start listening (a no-op off PostgreSQL); returns whether a new LISTEN began.

        Call before claiming, so an event committed after the claim is always notified.
        """
        if connection.vendor != "postgresql" or self._listener is not None:
            return False
        import psycopg

        try:
            self._listener = connect_direct()
            self._listener.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as error:
            logger.warning("outbox LISTEN unavailable, polling only", extra={"error": str(error)})
            self._close_listener()
            return False
        return True

    def wake(self) -> None:
        """Interrupt `sleep`; safe from a signal handler or another thread."""
        # OSError: the pipe is full (a wake-up is already pending) or closed.
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"\0")

    def sleep(self, timeout: float) -> None:
        """Block for up to `timeout` seconds, returning early on a notification or `wake()`."""
        if self.listen():
            return  # the listener was re-opened: events may have been missed, claim at once
        with selectors.DefaultSelector() as selector:
            selector.register(self._wake_reader, selectors.EVENT_READ)
            if self._listener is not None:
                selector.register(self._listener.fileno(), selectors.EVENT_READ)
            selector.select(max(timeout, 0.0))
        self._drain()

    def close(self) -> None:
        self._close_listener()
        self._wake_reader.close()
        self._wake_writer.close()

    def _drain(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while self._wake_reader.recv(4096):
                pass
        if self._listener is None:
            return
        import psycopg

        try:
            for _ in self._listener.notifies(timeout=0):
                pass
        except psycopg.Error as error:
            # The server went away: poll until the next `sleep` manages to listen again.
            logger.warning("outbox LISTEN connection lost", extra={"error": str(error)})
            self._close_listener()

    def _close_listener(self) -> None:
        if self._listener is not None:
            try:
                self._listener.close()
            finally:
                self._listener = None

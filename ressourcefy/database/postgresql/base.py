"""Django's PostgreSQL backend with a connection health check that costs no round trip.

With CONN_HEALTH_CHECKS Django sends `SELECT 1` before the first query of every request on a
persistent connection: a round trip through the driver and the server, on every read. A
connection the server has closed (a restart, `pg_terminate_backend`, an idle timeout, a pooler
restarting) has something to read on its socket while it sits idle: the server's last message
or the end of the stream. So the check polls the socket without waiting, and only when there
is something there runs Django's round-trip check, which then fails and drops the connection
before the request's query would have.

It also reads timestamptz columns with psycopg's own loader (its C one, with psycopg[binary])
when Django's would give the same value: see `_PsycopgUtcTimestamptzLoader`.
"""

import datetime
import select

import psycopg
from django.db.backends.postgresql import base
from psycopg.pq import Format

_PSYCOPG_TIMESTAMPTZ_LOADER = psycopg.adapters.get_loader(base.TIMESTAMPTZ_OID, Format.TEXT)


class _PsycopgUtcTimestamptzLoader:
    """psycopg's timestamptz loader, under the `timezone` attribute Django's `create_cursor` reads.

    Django registers a Python subclass of psycopg's loader that parses each value in Python and
    then sets its tzinfo to the connection's time zone: 4.7 µs a value against 0.2 µs for
    psycopg's C loader, paid for every timestamp of every row read (a feed page holds dozens).
    With that time zone UTC, which Django also sets as the session's TimeZone, the C loader
    returns the same value with the same tzinfo (`datetime.timezone.utc`), so the subclass
    adds nothing. A C class cannot be subclassed, so this one builds psycopg's instead of
    itself; psycopg then uses its C fast path for the column.
    """

    format = Format.TEXT
    timezone = datetime.UTC

    def __new__(cls, oid, context=None):
        return _PSYCOPG_TIMESTAMPTZ_LOADER(oid, context)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if self.timezone == datetime.UTC:
            connection.adapters.register_loader(base.TIMESTAMPTZ_OID, _PsycopgUtcTimestamptzLoader)
        return connection

    def close_if_health_check_failed(self):
        quiet = (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not self.pool
            and self._idle_socket_is_quiet()
        )
        if quiet:
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _idle_socket_is_quiet(self) -> bool:
        if self.connection.closed or self.connection.broken:
            return False
        poller = select.poll()  # not select.select: a descriptor above 1023 is fine here
        try:
            poller.register(self.connection.fileno(), select.POLLIN | select.POLLPRI)
        except (OSError, ValueError):
            return False
        return not poller.poll(0)

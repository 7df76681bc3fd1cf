"""Django's PostgreSQL backend with a connection health check that costs no round trip.

With CONN_HEALTH_CHECKS Django sends `SELECT 1` before the first query of every request on a
persistent connection: a round trip through the driver and the server, on every read. A
connection the server has closed (a restart, `pg_terminate_backend`, an idle timeout, a pooler
restarting) has something to read on its socket while it sits idle: the server's last message
or the end of the stream. So the check polls the socket without waiting, and only when there
is something there runs Django's round-trip check, which then fails and drops the connection
before the request's query would have.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
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

"""Fault injection on a real PostgreSQL connection: the server goes away mid-request."""

import contextlib
import re

import psycopg
from django.db import connection


@contextlib.contextmanager
def database_dies_before(sql_pattern: str):
    """Terminate this connection's server process just before the first statement matching
    `sql_pattern` runs, so the statement fails exactly as it would on a real outage."""
    pattern = re.compile(sql_pattern, re.IGNORECASE)
    fired = False

    def kill_then_execute(execute, sql, params, many, context):
        nonlocal fired
        if not fired and pattern.search(sql):
            fired = True
            try:
                with context["connection"].connection.cursor() as raw:
                    raw.execute("SELECT pg_terminate_backend(pg_backend_pid())")
            except psycopg.OperationalError:
                pass  # the server ended this session, as intended; the real statement fails next
        return execute(sql, params, many, context)

    with connection.execute_wrapper(kill_then_execute):
        yield lambda: fired
    connection.close()


@contextlib.contextmanager
def database_unreachable():
    """Point the default connection at a closed port until the block ends."""
    original_port = connection.settings_dict.get("PORT")
    connection.close()
    connection.settings_dict["PORT"] = "1"
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = original_port

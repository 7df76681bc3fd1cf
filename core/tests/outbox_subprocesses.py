"""Worker subprocesses for outbox tests: their database, how to start them, what they dispatched.

On PostgreSQL the workers use the test database itself (tests with `transaction=True`). The
SQLite test database lives in memory, where no other process can reach it: `share()` copies
it to a file, which the workers then use and `event_state()` reads.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from contextlib import closing
from pathlib import Path

from django.conf import settings
from django.db import connection, connections

HANDLERS_MODULE = "core.tests.outbox_recording_handlers"


def wait_until(condition, *, timeout: float, step: float = 0.05) -> bool:
    """Poll `condition` until it holds or `timeout` seconds pass; its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


class WorkerDatabase:
    def __init__(self, directory: Path) -> None:
        self.sqlite_file = directory / "workers.sqlite3"

    @property
    def on_postgres(self) -> bool:
        return connection.vendor == "postgresql"

    @property
    def url(self) -> str:
        if not self.on_postgres:
            return f"sqlite:///{self.sqlite_file}"
        return _postgres_url(connection.settings_dict)

    @property
    def environment(self) -> dict[str, str]:
        """DATABASE_URL, and on PostgreSQL the LISTEN one (direct even when the first is pooled)."""
        if not self.on_postgres:
            return {"DATABASE_URL": self.url}
        return {"DATABASE_URL": self.url, "DATABASE_LISTEN_URL": _postgres_url(connections["listen"].settings_dict)}

    def share(self) -> None:
        """Make the rows written so far visible to worker processes (call after creating them)."""
        if not self.on_postgres:
            connection.ensure_connection()
            with closing(sqlite3.connect(self.sqlite_file)) as target:
                connection.connection.backup(target)

    def event_state(self, event_id) -> dict:
        columns = ["status", "retry_count", "lease_expirations", "error_message", "locked_by", "locked_until"]
        sql = f"SELECT {', '.join(columns)} FROM core_outboxevent WHERE id = %s"  # noqa: S608 - fixed names
        if self.on_postgres:
            with connection.cursor() as cursor:
                cursor.execute(sql, [event_id])
                row = cursor.fetchone()
        else:
            with closing(sqlite3.connect(self.sqlite_file, timeout=20)) as db:
                row = db.execute(sql.replace("%s", "?"), [event_id.hex]).fetchone()
        return dict(zip(columns, row, strict=True))


def start_worker(
    database: WorkerDatabase, worker_id: str, record_file: Path, *args: str, **env: str
) -> subprocess.Popen:
    """`process_events --loop` (or `*args`) with the recording handlers; `env` adds OUTBOX_* settings."""
    return subprocess.Popen(  # noqa: S603 - our own manage.py
        _command(worker_id, args or ("--loop", "--interval=0.2")),
        env=_environment(database, record_file, env),
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
    )


def run_worker_once(database: WorkerDatabase, worker_id: str, record_file: Path, **env: str) -> int:
    """One `process_events --once` run; returns its exit status."""
    command = _command(worker_id, ("--once",))
    completed = subprocess.run(  # noqa: S603 - our own manage.py
        command, env=_environment(database, record_file, env), cwd=settings.BASE_DIR, capture_output=True, timeout=120
    )
    return completed.returncode


def dispatches(record_file: Path) -> dict[int, list[str]]:
    """Dispatches per worker pid, in the order they happened (complete lines only)."""
    by_pid: dict[int, list[str]] = defaultdict(list)
    for line in record_file.read_text().splitlines():
        pid, what = line.split()
        if what != "loaded":
            by_pid[int(pid)].append(what)
    return by_pid


def loaded(record_file: Path) -> set[int]:
    """Pids of the workers that imported the handlers: they are entering their loop."""
    return {int(line.split()[0]) for line in record_file.read_text().splitlines() if line.endswith(" loaded")}


def _command(worker_id: str, args: tuple[str, ...]) -> list[str]:
    return [
        sys.executable,
        str(settings.BASE_DIR / "manage.py"),
        "process_events",
        *args,
        f"--worker-id={worker_id}",
        f"--handlers-module={HANDLERS_MODULE}",
    ]


def _environment(database: WorkerDatabase, record_file: Path, env: dict[str, str]) -> dict[str, str]:
    record_file.touch()
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ressourcefy.test_settings",
        **database.environment,
        "OUTBOX_TEST_RECORD_FILE": str(record_file),
        **env,
    }


def _postgres_url(db: dict) -> str:
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"

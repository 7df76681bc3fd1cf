"""What the PostgreSQL benchmarks share: their scratch database, the facts of a run, the JSON they write."""

from __future__ import annotations

import argparse
import json
import os
import platform
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"


def argument_parser(description: str, *, default_url: str, results: Path) -> argparse.ArgumentParser:
    """The options every PostgreSQL benchmark takes: its scratch database, a note for the record, the JSON's path."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", default_url))
    parser.add_argument("--note", default="")
    parser.add_argument("--output", default=str(results), help="where the JSON goes")
    return parser


@contextmanager
def server_session(database_url: str) -> Iterator[tuple[object, str]]:
    """An autocommit session on the server's `postgres` database, and the scratch database's name."""
    import psycopg

    name = database_url.rsplit("/", 1)[1].split("?")[0]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        yield conn, name


def run_facts() -> dict:
    """When and on what a run was measured; Django is set up on the benchmark's database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "postgresql": server_version,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }


def write_results(output: Path, body: dict) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(body, indent=2) + "\n")

"""Load for the read-path bench: gunicorn servers on loopback, wrk runs, and the CPU each request cost.

CPU time per request (user + system, from /proc) is read for the server's processes and for
the PostgreSQL backends serving it: on a shared machine it drifts far less than req/s does.
"""

import contextlib
import os
import re
import signal
import subprocess
from pathlib import Path

import psycopg

from bench.wrk_tools import latency

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def gunicorn(gunicorn_path: str, app: str, *, port: int, workers: int, env: dict, cwd: Path):
    """One server; every implementation gets exactly these settings. Yields the master's pid."""
    server = subprocess.Popen(
        [
            gunicorn_path,
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "/dev/null",
            "--error-logfile",
            "-",
            "--log-level",
            "warning",
        ],
        cwd=cwd,
        env=env,
        start_new_session=True,
    )
    try:
        yield server.pid
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def process_tree(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return [master_pid, *map(int, children)]


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """{pid: user + system seconds} of the processes still alive."""
    seconds = {}
    for pid in pids:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            # Fields 14 and 15 (utime, stime) follow the command name, which may hold spaces.
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            seconds[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return seconds


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """Seconds spent between two readings; a process that started in between counts from zero."""
    return sum(after.get(pid, spent) - before.get(pid, 0.0) for pid, spent in {**before, **after}.items())


def measure(url: str, *, connections: int, duration: int, app_pids, db_pids) -> dict:
    """wrk on one URL: req/s, latency, and CPU ms per request in the app and in PostgreSQL."""
    subprocess.run(["wrk", "-t1", "-c2", "-d1s", url], check=True, capture_output=True)  # warm-up
    app_before, db_before = cpu_seconds(app_pids()), cpu_seconds(db_pids())
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    # A backend that ended during the run (connection age) takes its last seconds with it.
    app_cpu = cpu_spent(app_before, cpu_seconds([*app_before, *app_pids()]))
    db_cpu = cpu_spent(db_before, cpu_seconds([*db_before, *db_pids()]))
    requests = int(re.search(r"^\s+(\d+) requests in", out, re.M).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": latency(out, "50%"),
        "p99_ms": latency(out, "99%"),
        "app_cpu_ms": round(app_cpu * 1000 / max(requests, 1), 2),
        "db_cpu_ms": round(db_cpu * 1000 / max(requests, 1), 2),
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
    }


def database_backends(database_url: str):
    """A function listing the PostgreSQL backend pids connected to the bench database (not this one)."""
    connection = psycopg.connect(database_url, autocommit=True)

    def pids() -> list[int]:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
        return [pid for (pid,) in rows]

    return pids


@contextlib.contextmanager
def checkout(root: Path, ref: str, scratch: Path):
    """A detached work tree of `ref` beside the project, sharing its virtualenv. Yields its path."""
    tree = scratch / "baseline"
    subprocess.run(["git", "-C", str(root), "worktree", "add", "--detach", str(tree), ref], check=True)
    try:
        (tree / ".venv").symlink_to(root / ".venv")
        yield tree
    finally:
        subprocess.run(["git", "-C", str(root), "worktree", "remove", "--force", str(tree)], check=True)

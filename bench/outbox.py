#!/usr/bin/env python
"""Outbox benchmark (PostgreSQL only; run by hand, not in CI).

    .venv/bin/python bench/outbox.py [--database-url postgres://postgres@127.0.0.1:5432/ressourcefy_bench]

Measures, on a scratch database it migrates itself:
- throughput (events/s) of `manage.py process_events --loop` with 1, 2, 4 worker processes and
  batch sizes 1, 10, 100, over N no-op events committed at once while the workers sit idle;
- the same for two baselines written only here: the blueprint's processor (seed 004 §9.2,
  verbatim, in Django) and a raw psycopg floor (one SKIP LOCKED claim statement and one
  completion statement per batch, no-op dispatch);
- emit→dispatch latency p50/p99 at a steady rate (200 events/s) with idle workers.
Prints a table and writes bench/results/outbox.json. See docs/outbox.md.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, only bench/ is on the path

from bench.postgres_runs import RESULTS_DIR, ROOT, argument_parser, run_facts, server_session, write_results

RESULTS = RESULTS_DIR / "outbox.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ressourcefy_bench"
WORKER_APP_NAME = "outbox-bench-worker"
IDLE_POLL_SECONDS = 0.01  # baselines poll this often when idle (kinder to them than the seed's 5 s)


def configure_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "ressourcefy.settings"
    os.environ.setdefault("DJANGO_SECRET_KEY", "outbox-benchmark-only")
    os.environ.pop("DJANGO_DEBUG", None)  # DEBUG would record every query


# ---------------------------------------------------------------- baseline workers (subprocesses)


def blueprint_worker(batch_size: int) -> None:
    import django

    django.setup()
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from core.models import OutboxEvent

    def dispatch_event(event):
        pass  # no-op, as for every contender

    # Seed 004 §9.2 as written; the only addition is the final `return`, so the loop can idle.
    def process_outbox(limit=10):
        with transaction.atomic():
            events = OutboxEvent.objects.select_for_update(skip_locked=True).filter(
                status="PENDING", next_retry_at__lte=timezone.now()
            )[:limit]

            for event in events:
                event.status = "PROCESSING"
                event.save()

        # Process outside transaction
        for event in events:
            try:
                dispatch_event(event)
                event.status = "COMPLETED"
            except Exception:  # noqa: BLE001 - the seed's code
                event.retry_count += 1
                if event.retry_count >= 5:
                    event.status = "FAILED"
                else:
                    event.status = "PENDING"
                    event.next_retry_at = timezone.now() + timedelta(seconds=2**event.retry_count)
            event.save()
        return len(events)

    while True:
        if process_outbox(limit=batch_size) == 0:
            time.sleep(IDLE_POLL_SECONDS)


FLOOR_CLAIM_SQL = """
UPDATE core_outboxevent SET status = 'PROCESSING', locked_by = %s, locked_until = now() + interval '60 seconds'
WHERE id IN (
    SELECT id FROM core_outboxevent
    WHERE status = 'PENDING' AND next_retry_at <= now()
    ORDER BY next_retry_at LIMIT %s
    FOR UPDATE SKIP LOCKED
)
RETURNING id, event_type, payload
"""
FLOOR_COMPLETE_SQL = """
UPDATE core_outboxevent SET status = 'COMPLETED', processed_at = now(), locked_by = '', locked_until = NULL
WHERE id = ANY(%s)
"""


def floor_worker(database_url: str, batch_size: int) -> None:
    import psycopg

    worker_id = f"floor:{os.getpid()}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        while True:
            rows = conn.execute(FLOOR_CLAIM_SQL, (worker_id, batch_size)).fetchall()
            if not rows:
                time.sleep(IDLE_POLL_SECONDS)
                continue
            conn.execute(FLOOR_COMPLETE_SQL, ([row[0] for row in rows],))


# ---------------------------------------------------------------- the driver


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        import psycopg

        self.args = args
        self.db = psycopg.connect(args.database_url, autocommit=True)
        # Workers' stderr (ours logs a line per batch) goes to files, as a supervisor would take it.
        self.log_dir = Path(args.worker_logs or tempfile.mkdtemp(prefix="outbox-bench-logs-"))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.runs = 0

    def root(self, kind: str) -> Path:
        """The checkout a worker runs from: this one, or `--before-root` for the "before" contender."""
        return Path(self.args.before_root).resolve() if kind == "before" else ROOT

    def worker_command(self, kind: str, batch_size: int, index: int) -> list[str]:
        if kind in ("ours", "before"):
            return [
                sys.executable,
                str(self.root(kind) / "manage.py"),
                "process_events",
                # The deploy checks want Stripe and mail keys a no-op benchmark has no use for.
                "--skip-checks",
                "--loop",
                f"--batch-size={batch_size}",
                "--interval=5",
                f"--worker-id=bench-{index}",
                "--handlers-module=bench.outbox_handlers",
            ]
        return [sys.executable, str(Path(__file__)), "worker", kind, f"--batch-size={batch_size}"]

    def start_workers(self, kind: str, count: int, batch_size: int, extra_env: dict | None = None) -> list:
        env = {**os.environ, "PGAPPNAME": WORKER_APP_NAME, **(extra_env or {})}
        self.runs += 1
        logs = [self.log_dir / f"{self.runs:03}-{kind}-w{count}-b{batch_size}-{i}.log" for i in range(count)]
        workers = []
        for i, log in enumerate(logs):
            with log.open("wb") as stderr:
                workers.append(
                    subprocess.Popen(
                        self.worker_command(kind, batch_size, i),
                        env=env,
                        cwd=self.root(kind),
                        stdout=subprocess.DEVNULL,
                        stderr=stderr,
                    )
                )
        # Ours holds two connections (LISTEN + work), the baselines one: wait until all are open.
        expected = count * (2 if kind in ("ours", "before") else 1)
        deadline = time.monotonic() + 60
        while self.worker_connections() < expected:
            if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
                self.stop_workers(workers)
                print(logs[0].read_text()[-2000:], file=sys.stderr)
                raise RuntimeError(f"{kind} workers did not start (logs in {self.log_dir})")
            time.sleep(0.05)
        time.sleep(0.3)  # let them settle into idle
        return workers

    def worker_connections(self) -> int:
        return self.db.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
            (WORKER_APP_NAME,),
        ).fetchone()[0]

    def worker_backends(self) -> list[int]:
        return [
            pid
            for (pid,) in self.db.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
                (WORKER_APP_NAME,),
            )
        ]

    @staticmethod
    def stop_workers(workers: list) -> None:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()

    def reset(self) -> None:
        self.db.execute("TRUNCATE core_outboxevent, core_processedevent")

    def emit_all(self, count: int, event_type: str) -> None:
        from django.db import connection, transaction

        from core.models import OutboxEvent

        with transaction.atomic():
            OutboxEvent.objects.bulk_create(
                (
                    OutboxEvent(aggregate_type="BENCH", aggregate_id=str(i), event_type=event_type, payload={"n": i})
                    for i in range(count)
                ),
                batch_size=2000,
            )
            # Statistics as a live table would have them (ANALYZE sees this transaction's rows), so
            # every contender gets the ordered index scan, not a plan for an "empty" table.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE core_outboxevent")

    def unfinished(self) -> bool:
        return self.db.execute(
            "SELECT EXISTS (SELECT 1 FROM core_outboxevent WHERE status IN ('PENDING', 'PROCESSING'))"
        ).fetchone()[0]

    def throughput(self, kind: str, workers: int, batch_size: int, events: int) -> dict:
        self.reset()
        procs = self.start_workers(kind, workers, batch_size)
        try:
            worker_pids, backend_pids = [proc.pid for proc in procs], self.worker_backends()
            cpu_before = cpu_seconds(worker_pids), cpu_seconds(backend_pids)
            self.emit_all(events, "bench.noop")  # one commit: the NOTIFY (ours) or the next poll starts them
            started = time.perf_counter()
            deadline = started + self.args.run_timeout
            while self.unfinished():
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"{kind} w={workers} b={batch_size} did not finish")
                time.sleep(0.005)
            seconds = time.perf_counter() - started
            cpu_after = cpu_seconds(worker_pids), cpu_seconds(backend_pids)
        finally:
            self.stop_workers(procs)
        completed = self.db.execute("SELECT count(*) FROM core_outboxevent WHERE status = 'COMPLETED'").fetchone()[0]
        assert completed == events, (kind, completed, events)
        row = {
            "impl": kind,
            "workers": workers,
            "batch": batch_size,
            "events": events,
            "seconds": round(seconds, 3),
            "events_per_s": round(events / seconds),
            # CPU per event of the workers and of their database sessions: less sensitive than
            # events/s to the other loads on a shared machine.
            "worker_cpu_us": round((cpu_after[0] - cpu_before[0]) * 1e6 / events),
            "db_cpu_us": round((cpu_after[1] - cpu_before[1]) * 1e6 / events),
        }
        print(
            f"  {kind:9} workers={workers} batch={batch_size:3} events={events}: {row['events_per_s']:>6} ev/s, "
            f"CPU/event worker {row['worker_cpu_us']} µs, database {row['db_cpu_us']} µs, "
            f"load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        return row

    def latency(self) -> dict:
        from django.db import transaction

        from core.outbox import emit_event

        args = self.args
        self.reset()
        with tempfile.TemporaryDirectory() as latency_dir:
            procs = self.start_workers(
                "ours", args.latency_workers, args.latency_batch, {"BENCH_LATENCY_DIR": latency_dir}
            )
            total = int(args.rate * args.latency_seconds)
            committed_at: dict[int, float] = {}
            try:
                start = time.perf_counter()
                for i in range(total):
                    pause = start + i / args.rate - time.perf_counter()
                    if pause > 0:
                        time.sleep(pause)
                    emitted_at = time.time()
                    with transaction.atomic():
                        emit_event("BENCH", i, "bench.latency", {"t": emitted_at, "n": i})
                    committed_at[i] = time.time()
                while self.unfinished():
                    time.sleep(0.01)
            finally:
                self.stop_workers(procs)
            records = [
                line.split() for path in Path(latency_dir).glob("*.txt") for line in path.read_text().splitlines()
            ]
        assert len(records) == total, (len(records), total)
        samples = sorted(float(emit_to_dispatch) for _, emit_to_dispatch, _ in records)
        after_commit = sorted(float(dispatched) - committed_at[int(n)] for n, _, dispatched in records)

        def percentile(p: float, values: list[float] = samples) -> float:
            return round(values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] * 1000, 2)

        result = {
            "rate_per_s": args.rate,
            "events": total,
            "workers": args.latency_workers,
            "batch": args.latency_batch,
            "p50_ms": percentile(50),
            "p90_ms": percentile(90),
            "p99_ms": percentile(99),
            "max_ms": round(samples[-1] * 1000, 2),
            "commit_to_dispatch_p50_ms": percentile(50, after_commit),
            "commit_to_dispatch_p99_ms": percentile(99, after_commit),
        }
        print(f"  latency at {args.rate}/s: p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms")
        return result


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by these processes (Linux /proc; the database is local)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def ensure_database(database_url: str, synchronous_commit: str) -> None:
    """Create the scratch database; every session in it (all contenders) gets `synchronous_commit`."""
    from psycopg import sql

    with server_session(database_url) as (conn, name):
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET synchronous_commit = {}").format(
                sql.Identifier(name), sql.Literal(synchronous_commit)
            )
        )


def run(args: argparse.Namespace) -> None:
    ensure_database(args.database_url, args.synchronous_commit)
    configure_django(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    bench = Bench(args)
    load_before = [round(x, 2) for x in os.getloadavg()]
    rows: list[dict] = []
    print(f"Throughput, {args.events} no-op events ({args.batch1_events} for batch 1):", flush=True)
    contenders = ["ours", "floor"] + (["before"] if args.before_root else [])
    for workers in args.workers:
        for batch_size in args.batches:
            events = args.batch1_events if batch_size == 1 else args.events
            # Interleaved, so a burst of load on this shared machine hits every contender alike.
            for rep in range(args.reps):
                for kind in contenders:
                    rows.append({**bench.throughput(kind, workers, batch_size, events), "rep": rep})
        for batch_size in args.blueprint_batches:
            rows.append(bench.throughput("blueprint", workers, batch_size, args.blueprint_events))
    latency = bench.latency() if args.latency_seconds > 0 else None

    def rate(kind: str, workers: int, batch_size: int, measure: str = "events_per_s") -> int | None:
        found = [r for r in rows if (r["impl"], r["workers"], r["batch"]) == (kind, workers, batch_size)]
        return round(statistics.median(r[measure] for r in found)) if found else None

    def paired(kind: str, workers: int, batch_size: int) -> float:
        """Median over repetitions of ours / `kind`, each pair run back to back."""
        cell = [r for r in rows if (r["workers"], r["batch"]) == (workers, batch_size)]
        ours = {r["rep"]: r["events_per_s"] for r in cell if r["impl"] == "ours"}
        other = {r["rep"]: r["events_per_s"] for r in cell if r["impl"] == kind}
        return round(statistics.median(ours[rep] / other[rep] for rep in ours), 2)

    table = []
    blueprint_batch = args.blueprint_batches[0] if args.blueprint_batches else None
    for workers in args.workers:
        blueprint = rate("blueprint", workers, blueprint_batch) if blueprint_batch else None
        for batch_size in args.batches:
            ours, floor = rate("ours", workers, batch_size), rate("floor", workers, batch_size)
            before = rate("before", workers, batch_size)
            table.append(
                {
                    "workers": workers,
                    "batch": batch_size,
                    "ours": ours,
                    "floor": floor,
                    "blueprint": blueprint,
                    "ours_over_floor": paired("floor", workers, batch_size),
                    "ours_over_blueprint": round(ours / blueprint, 1) if blueprint else None,
                    **({"before": before, "ours_over_before": paired("before", workers, batch_size)} if before else {}),
                    **{
                        f"{kind}_{measure}": rate(kind, workers, batch_size, measure)
                        for kind in contenders
                        for measure in ("worker_cpu_us", "db_cpu_us")
                    },
                }
            )
    at_100 = [row for row in table if row["batch"] == 100]
    targets = {
        "ours_over_floor_min": min((r["ours_over_floor"] for r in table), default=None),
        "ours_over_blueprint_at_batch_100_min": min(
            (r["ours_over_blueprint"] for r in at_100 if r["ours_over_blueprint"]), default=None
        ),
        "p99_ms": latency["p99_ms"] if latency else None,
    }
    targets["met"] = {
        "floor >= 0.90 in every cell": (targets["ours_over_floor_min"] or 0) >= 0.90,
        "blueprint >= 8x at batch 100": (targets["ours_over_blueprint_at_batch_100_min"] or 0) >= 8,
        "p99 <= 5 ms": latency is not None and latency["p99_ms"] <= 5,
    }
    print_table(table, latency, targets, blueprint_batch)
    output = Path(args.output)
    meta = {
        **run_facts(),
        "events": args.events,
        "batch1_events": args.batch1_events,
        "blueprint_events": args.blueprint_events,
        "blueprint_batch": blueprint_batch,
        "synchronous_commit": args.synchronous_commit,
        "reps": args.reps,
        "load_average_before_after": [load_before, [round(x, 2) for x in os.getloadavg()]],
        "note": args.note,
    }
    write_results(output, {"meta": meta, "throughput": rows, "table": table, "latency": latency, "targets": targets})
    print(f"\nwrote {output}; workers' logs in {bench.log_dir}")


def print_table(table: list[dict], latency: dict | None, targets: dict, blueprint_batch: int | None) -> None:
    before = any("before" in row for row in table)
    print(
        f"\n| workers | batch | ours ev/s | floor ev/s | blueprint ev/s (batch {blueprint_batch}) | ours/floor "
        "| ours/blueprint |" + (" before ev/s | ours/before |" if before else "")
    )
    print("|---:|---:|---:|---:|---:|---:|---:|" + ("---:|---:|" if before else ""))
    for row in table:
        print(
            f"| {row['workers']} | {row['batch']} | {row['ours']} | {row['floor']} | {row['blueprint'] or '-'} "
            f"| {row['ours_over_floor']:.2f} | {row['ours_over_blueprint'] or '-'}x |"
            + (f" {row.get('before', '-')} | {row.get('ours_over_before', '-')} |" if before else "")
        )
    print("\nCPU µs per event, worker + database session (medians):")
    for row in table:
        kinds = [kind for kind in ("ours", "floor", "before") if f"{kind}_worker_cpu_us" in row]
        cells = ", ".join(f"{kind} {row[f'{kind}_worker_cpu_us']} + {row[f'{kind}_db_cpu_us']}" for kind in kinds)
        print(f"  workers={row['workers']} batch={row['batch']:3}: {cells}")
    if latency:
        lat = latency
        print(
            f"\nemit→dispatch at {lat['rate_per_s']}/s, {lat['events']} events, {lat['workers']} idle workers: "
            f"p50 {lat['p50_ms']} ms, p90 {lat['p90_ms']} ms, p99 {lat['p99_ms']} ms, max {lat['max_ms']} ms "
            f"(commit→dispatch p50 {lat['commit_to_dispatch_p50_ms']} ms, p99 {lat['commit_to_dispatch_p99_ms']} ms)"
        )
    print(f"targets: {targets['met']}")


def parse_args() -> argparse.Namespace:
    parser = argument_parser(__doc__, default_url=DEFAULT_URL, results=RESULTS)
    sub = parser.add_subparsers(dest="command")
    worker = sub.add_parser("worker", help="(internal) run one baseline worker")
    worker.add_argument("kind", choices=["blueprint", "floor"])
    worker.add_argument("--batch-size", type=int, required=True)

    def int_list(text: str) -> list[int]:
        return [int(part) for part in text.split(",") if part]

    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch1-events", type=int, default=20_000, help="events for the batch-size-1 runs")
    parser.add_argument("--blueprint-events", type=int, default=20_000)
    parser.add_argument("--workers", type=int_list, default=[1, 2, 4])
    parser.add_argument("--batches", type=int_list, default=[1, 10, 100])
    parser.add_argument("--blueprint-batches", type=int_list, default=[10], help="the seed's processor uses limit=10")
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--latency-seconds", type=float, default=15, help="0 skips the latency run")
    parser.add_argument("--latency-workers", type=int, default=2)
    parser.add_argument("--latency-batch", type=int, default=100)
    parser.add_argument("--run-timeout", type=float, default=300)
    parser.add_argument(
        "--synchronous-commit",
        choices=["on", "off"],
        default="off",
        help="for every session of the bench database (off: measure CPU and protocol, not this disk's fsync)",
    )
    parser.add_argument("--reps", type=int, default=1, help="interleaved repetitions per cell (the table: medians)")
    parser.add_argument("--before-root", help="also run the workers of this checkout (an A/B of a change)")
    parser.add_argument("--worker-logs", help="directory for the workers' stderr (default: a temporary one)")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.command == "worker":
        configure_django(os.environ.get("DATABASE_URL", arguments.database_url))
        signal.signal(signal.SIGTERM, lambda signum, frame: os._exit(0))
        if arguments.kind == "blueprint":
            blueprint_worker(arguments.batch_size)
        else:
            floor_worker(os.environ["DATABASE_URL"], arguments.batch_size)
    else:
        run(arguments)

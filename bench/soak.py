"""Soak under faults: two gunicorn instances and two outbox workers behind PgBouncer, for minutes.

Run by hand on PostgreSQL (not in CI; needs `pip install -r requirements-bench.txt -c
constraints.txt`, Debian's pgbouncer, PostgreSQL on 127.0.0.1:5432 and Redis on 6379):

    .venv/bin/python bench/soak.py              # 10 minutes
    .venv/bin/python bench/soak.py --minutes 2  # a quick one

1. Creates the database afresh (`--database`), migrates, seeds resources, comments, readers and
   buyers, and starts on loopback: PgBouncer in transaction pooling mode (`bin/pooler`), the
   Stripe simulator, two gunicorn instances and two `process_events --loop` workers, all
   through PgBouncer (DATABASE_POOLER=transaction) except the workers' LISTEN (direct).
2. Drives a locust mix headless (`bench/soak_load.py`), round robin over both instances, while
   a schedule kills a worker with SIGKILL every 2 minutes (restarted 2 s later, as systemd
   would), restarts a web instance (out of rotation first, as a load balancer drains it) and
   pauses PgBouncer for 5 s (PAUSE/RESUME on its admin console).
3. Waits for the outbox to settle, stops everything and checks (`bench/soak_data.py`): every
   event COMPLETED, each effect exactly once (analytics rows, mails, payments), no request
   without an answer outside the pause. Prints a table and writes bench/results/soak.json and
   bench/results/soak.png (latency and throughput over time, faults marked).
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# locust patches the standard library with gevent when imported: before any network module.
import gevent  # noqa: E402
from locust.env import Environment  # noqa: E402

from bench import soak_report  # noqa: E402
from bench.soak_load import Balancer, Mix, Recorder, Visitor  # noqa: E402
from bench.soak_processes import Fleet  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--users", type=int, default=20, help="concurrent locust users")
    parser.add_argument("--database", default="ressourcefy_soak")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--kill-every", type=float, default=120, help="seconds between worker SIGKILLs")
    parser.add_argument("--pause-seconds", type=float, default=5)
    args = parser.parse_args()
    duration = args.minutes * 60

    load_before = os.getloadavg()
    fleet = Fleet(args.database, args.redis_url)
    try:
        data = fleet.prepare(buyers=int(duration * 1.5) + 50)
        fleet.start()
        recorder = Recorder(balancer=Balancer(fleet.web_urls))
        Mix.configure(recorder.balancer, fleet.stripe_sim_url, data)
        environment = Environment(user_classes=[Visitor])
        environment.events.request.add_listener(recorder.on_request)
        runner = environment.create_local_runner()
        started = time.time()
        runner.start(args.users, spawn_rate=max(1, args.users / 10))
        schedule = gevent.spawn(run_schedule, fleet, Mix.balancer, started, duration, args)
        gevent.sleep(duration)
        runner.quit()
        schedule.join(timeout=60)
        faults = schedule.value or []
        print("load done; waiting for the outbox to settle ...", flush=True)
        settled = fleet.wait_until_settled(timeout=300)
    finally:
        fleet.stop()
    found = fleet.verify()
    problems = soak_report.failures(found)
    pauses = [(fault["start"], fault["end"]) for fault in faults if fault["kind"] == "PgBouncer pause"]
    summary = soak_report.summarize(recorder.rows, started, pauses)
    summary["unanswered_requests"] = [
        {"t": round(at - started, 2), "endpoint": name, "error": error} for at, name, error in recorder.unanswered
    ]
    if settled["webhooks"] < settled["stripe_events"]:
        problems.append(f"{settled['stripe_events'] - settled['webhooks']} Stripe webhooks never received")
    if summary["unanswered_outside_pause"]:
        problems.append(f"{summary['unanswered_outside_pause']} requests got no answer outside the PgBouncer pause")

    soak_report.print_table(summary)
    print_effects(found, settled)
    for fault in faults:
        print(f"  {fault['start']:7.1f} s  {fault['kind']}: {fault['detail']} ({fault['end'] - fault['start']:.1f} s)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {
        "settings": {**vars(args), "load_average_before": load_before, "load_average_after": os.getloadavg()},
        "summary": summary,
        "faults": faults,
        "effects": found,
        "settled_after_the_load": settled,
        "problems": problems,
    }
    (RESULTS / "soak.json").write_text(json.dumps(result, indent=1, default=str))
    soak_report.plot(summary, faults, RESULTS / "soak.png")
    print(f"wrote {(RESULTS / 'soak.json').relative_to(ROOT)} and soak.png")
    for problem in problems:
        print(f"FAILED: {problem}")
    return 1 if problems else 0


def run_schedule(fleet: Fleet, balancer: Balancer, started: float, duration: float, args) -> list[dict]:
    """The faults, at fixed offsets: worker kills every `kill_every` s from half of it, the web
    restart at 40 % of the run and the PgBouncer pause at 80 %."""
    plan = [(at, "kill") for at in frange(args.kill_every / 2, duration - 20, args.kill_every)]
    plan += [(0.4 * duration, "web"), (0.8 * duration, "pause")]
    faults = []
    victim = 0
    for at, kind in sorted(plan):
        gevent.sleep(max(0.0, started + at - time.time()))
        start = time.time() - started
        if kind == "kill":
            detail, killed_at = fleet.kill_worker(victim % 2)
            victim += 1
            # From the signal (after waiting for the victim to hold a claim) to the restart.
            kill = {"start": killed_at - started, "end": time.time() - started, "scheduled": start}
            faults.append({"kind": "worker SIGKILL", **kill, "detail": detail})
        elif kind == "web":
            detail = fleet.restart_web(0, balancer)
            faults.append({"kind": "web restart", "start": start, "end": time.time() - started, "detail": detail})
        else:
            fleet.pooler_command("PAUSE")
            paused = time.time() - started
            gevent.sleep(args.pause_seconds)
            fleet.pooler_command("RESUME")
            detail = f"PAUSE took {paused - start:.2f} s to drain, then {args.pause_seconds:g} s paused"
            faults.append({"kind": "PgBouncer pause", "start": start, "end": time.time() - started, "detail": detail})
        print(f"  {start:6.1f} s  {faults[-1]['kind']}: {faults[-1]['detail']}", flush=True)
    return faults


def frange(start: float, stop: float, step: float) -> list[float]:
    values = []
    while start < stop:
        values.append(start)
        start += step
    return values


def print_effects(found: dict, settled: dict) -> None:
    outbox, analytics, mail, billing = found["outbox"], found["analytics"], found["mail"], found["billing"]
    print(
        f"after the load: {settled['seconds']:.0f} s until {settled['unfinished']} events unfinished and "
        f"{settled['webhooks']} of {settled['stripe_events']} Stripe webhooks received"
    )
    print(
        f"outbox: {outbox['events']} events {outbox['by_status']}; "
        f"{outbox['redelivered']} delivered more than once after a kill ({outbox['lease_expirations']} leases expired)"
    )
    print(
        f"effects: analytics rows {analytics['tracked_events']} tracked, {analytics['missing_rows']} missing, "
        f"{analytics['duplicate_rows']} twice; mails {mail['sent']} sent for {mail['markers']} markers, "
        f"{mail['sent_twice']} twice; payments {billing['payments']} for {billing['paid_checkouts']} paid checkouts, "
        f"{billing['users_paying_twice']} users twice; webhooks {billing['webhooks']}"
    )


if __name__ == "__main__":
    sys.exit(main())

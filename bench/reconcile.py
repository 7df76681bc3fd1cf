#!/usr/bin/env python
"""Stripe reconciliation benchmark (PostgreSQL only; run by hand, not in CI).

    .venv/bin/python bench/reconcile.py [--database-url postgres://postgres@127.0.0.1:5432/ressourcefy_bench_reconcile]

On a scratch database it re-creates and migrates, with the Stripe simulator
(operations/stripe_sim) serving the Stripe API on a loopback port of this process:
1. --subscriptions users buy through the checkout use case (a Stripe customer and a session
   each); the simulator pays every session and renews every subscription once (a tenth of the
   renewals declined), so Stripe holds 3 handled events per purchase and 2 per renewal
   (10,000 for 2,000 subscriptions). No webhook is delivered: the endpoint was down.
2. Catch-up: `reconcile_stripe` applies them all, oldest first, then checks every subscription.
3. No-op: the same run again right after, everything already applied.
4. Listing alone, interleaved: the adapter's raw pages against the SDK's `events.list` with
   its objects (what the adapter did before), to show what skipping the conversion saves.
For each run: wall time, events/s (events listed per second of the whole run), and the Stripe
API calls by kind (counted by the simulator). Prints a table and writes
bench/results/reconcile.json. The simulator answers in well under a millisecond; real
Stripe adds its round trip to every call, so the call counts are what carry over.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, only bench/ is on the path

from bench.postgres_runs import RESULTS_DIR, argument_parser, run_facts, server_session, write_results

RESULTS = RESULTS_DIR / "reconcile.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ressourcefy_bench_reconcile"
PRICE = "price_bench_monthly"
WEBHOOK_SECRET = "whsec_bench"  # noqa: S105 - the simulator's, never sent anywhere
DECLINED_EVERY = 10  # one renewal in ten is declined (the subscription goes past_due)
STRIPE_ID = re.compile(r"/(cus|cs|sub|in|ch|pi|evt|dp)_[A-Za-z0-9_]+")


def recreate_database(database_url: str) -> None:
    from psycopg import sql

    with server_session(database_url) as (conn, name):
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def configure_django(database_url: str, stripe_url: str) -> None:
    os.environ.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="ressourcefy.settings",
        DJANGO_ENV_FILE=os.devnull,  # a developer's .env must not change what is measured
        DJANGO_SECRET_KEY="reconcile-benchmark-only",  # noqa: S106 - a scratch database's
        STRIPE_SECRET_KEY="sk_test_bench",  # noqa: S106 - only the simulator accepts it
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_PRICE_IDS=PRICE,
        STRIPE_API_BASE=stripe_url,
        STRIPE_MAX_NETWORK_RETRIES="0",
        STRIPE_TIMEOUT_SECONDS="60",
        FRONTEND_URL="http://localhost:3000",
        LOG_LEVEL="WARNING",  # the Stripe SDK logs every request at INFO
    )
    os.environ.pop("DJANGO_DEBUG", None)  # DEBUG would record every query
    # prometheus_client treats a blank value as "multiprocess, files in the current directory".
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)


def buy_and_renew(sim, subscriptions: int) -> None:
    """Every user buys through the app's checkout use case; Stripe pays and renews each one."""
    from application.dto.billing import CreateCheckoutSessionCommand
    from application.use_cases.create_checkout_session import create_checkout_session
    from users.models import User

    User.objects.bulk_create(
        User(email=f"reconcile-bench-{index}@example.com", password="!", is_activated=True)  # noqa: S106
        for index in range(subscriptions)
    )
    sessions = []
    for user in User.objects.filter(email__startswith="reconcile-bench-").order_by("email"):
        session = create_checkout_session(
            CreateCheckoutSessionCommand(
                user=user, price_id=PRICE, success_url="http://localhost:3000/ok", cancel_url="http://localhost:3000/no"
            )
        )
        sessions.append(session.session_id)
    for session_id in sessions:
        sim.pay(session_id)
    for index, session_id in enumerate(sessions):
        move = "fail_renewal" if index % DECLINED_EVERY == 0 else "renew"
        sim.move(move, sim.state.sessions[session_id]["subscription"])


def run_reconcile(sim, label: str) -> dict:
    from application.dto.billing import ReconcileStripeCommand
    from application.use_cases.reconcile_stripe import reconcile_stripe

    sim.requests.clear()
    started = time.perf_counter()
    report = reconcile_stripe(ReconcileStripeCommand())
    seconds = time.perf_counter() - started
    if not report.ok:
        raise SystemExit(f"{label}: the run did not complete: {report}")
    calls = Counter(f"{request.method} {STRIPE_ID.sub('/{id}', request.path)}" for request in sim.requests)
    lists = calls["GET /v1/events"]
    # Checking subscriptions is the run's last phase, one retrieve each: the last requests. The
    # retrieves before it are the webhook processing's own (a checkout event reads its subscription).
    checking = sim.requests[len(sim.requests) - report.subscriptions_checked :]
    retrieves = sum(1 for request in checking if STRIPE_ID.sub("/{id}", request.path) == "/v1/subscriptions/{id}")
    return {
        "run": label,
        "seconds": round(seconds, 2),
        "events_fetched": report.events_fetched,
        "events_new": report.events_new,
        "events_per_s": round(report.events_fetched / seconds),
        "subscriptions_checked": report.subscriptions_checked,
        "subscriptions_repaired": report.subscriptions_repaired,
        "stripe_calls": dict(sorted(calls.items())),
        "stripe_calls_total": sum(calls.values()),
        "retrieves_checking_subscriptions": retrieves,
        "retrieves_applying_events": calls["GET /v1/subscriptions/{id}"] - retrieves,
        "events_per_list_call": round(report.events_fetched / lists, 1) if lists else None,
        "retrieves_per_subscription_checked": (
            round(retrieves / report.subscriptions_checked, 2) if report.subscriptions_checked else None
        ),
    }


def list_with_sdk_objects(types: list[str], created_gte: int) -> list[dict]:
    """The baseline: the SDK's `events.list`, each page converted to StripeObjects, then to dicts."""
    from application.adapters.stripe_service import _client

    client = _client()
    params = {"types": types, "created": {"gte": created_gte}, "limit": 100}
    events = []
    while True:
        page = client.v1.events.list(params=params)
        events.extend(event.to_dict() for event in page.data)
        if not page.has_more or not page.data:
            return events[::-1]
        params["starting_after"] = page.data[-1].id


def compare_listing(rounds: int) -> dict:
    """Listing alone, ours (raw pages) and the SDK-object baseline, interleaved round by round."""
    from application.adapters import stripe_service
    from monetization.services.stripe_events import RULES

    since = int(time.time()) - 72 * 3600
    times = {"raw": [], "sdk_objects": []}
    for _ in range(rounds):
        for name, list_events in (
            ("raw", lambda: stripe_service.list_events(types=sorted(RULES), created_gte=since)),
            ("sdk_objects", lambda: list_with_sdk_objects(sorted(RULES), since)),
        ):
            started = time.perf_counter()
            listed = list_events()
            times[name].append(time.perf_counter() - started)
    best = {name: min(values) for name, values in times.items()}
    return {
        "events": len(listed),
        "rounds": rounds,
        "raw_seconds": [round(value, 2) for value in times["raw"]],
        "sdk_objects_seconds": [round(value, 2) for value in times["sdk_objects"]],
        "sdk_objects_over_raw": round(best["sdk_objects"] / best["raw"], 2),
    }


def run(args: argparse.Namespace) -> None:
    from operations.stripe_sim import StripeSimulator

    recreate_database(args.database_url)
    sim = StripeSimulator(webhook_secret=WEBHOOK_SECRET).start()  # its webhooks are never sent
    try:
        configure_django(args.database_url, sim.url)
        import django

        django.setup()
        from django.core.management import call_command

        from monetization.models import Subscription
        from monetization.services.stripe_events import RULES

        call_command("migrate", verbosity=0)
        load_before = os.getloadavg()
        print(f"{args.subscriptions} purchases and renewals through the simulator ...", flush=True)
        buy_and_renew(sim, args.subscriptions)
        handled = sum(1 for event in sim.events if event["type"] in RULES)
        print(f"Stripe holds {len(sim.events)} events, {handled} of the handled types", flush=True)
        rows = [run_reconcile(sim, "catch-up"), run_reconcile(sim, "no-op (all applied)")]
        listing = compare_listing(args.listing_rounds)
        load_after = os.getloadavg()
        premium = Subscription.objects.filter(plan=Subscription.Plan.PREMIUM).count()
        facts = run_facts()
    finally:
        sim.stop()

    print_table(rows, listing, load_before, load_after)
    output = Path(args.output)
    meta = {
        **facts,
        "load_average_before": [round(value, 2) for value in load_before],
        "load_average_after": [round(value, 2) for value in load_after],
        "subscriptions": args.subscriptions,
        "handled_events": handled,
        "premium_subscriptions_after": premium,
        "note": args.note,
    }
    write_results(output, {"meta": meta, "runs": rows, "listing": listing})
    print(f"\nwrote {output}")


def print_table(rows: list[dict], listing: dict, load_before, load_after) -> None:
    print("\n| run | wall s | events listed | applied | events/s | subs checked | repaired | Stripe calls |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for row in rows:
        calls = ", ".join(f"{kind} {count}" for kind, count in row["stripe_calls"].items())
        print(
            f"| {row['run']} | {row['seconds']} | {row['events_fetched']} | {row['events_new']} "
            f"| {row['events_per_s']} | {row['subscriptions_checked']} | {row['subscriptions_repaired']} | {calls} |"
        )
    for row in rows:
        print(
            f"{row['run']}: {row['events_per_list_call']} events per list call; retrieves: "
            f"{row['retrieves_checking_subscriptions']} checking subscriptions "
            f"({row['retrieves_per_subscription_checked']} per subscription checked), "
            f"{row['retrieves_applying_events']} by the events' own processing"
        )
    print(
        f"listing {listing['events']} events alone, {listing['rounds']} interleaved rounds: raw pages "
        f"{listing['raw_seconds']} s, SDK objects {listing['sdk_objects_seconds']} s "
        f"(SDK objects / raw, best of each: {listing['sdk_objects_over_raw']}x)"
    )
    print(f"load average (1, 5, 15 min): before {load_before}, after {load_after}")


def parse_args() -> argparse.Namespace:
    parser = argument_parser(__doc__, default_url=DEFAULT_URL, results=RESULTS)
    parser.add_argument("--subscriptions", type=int, default=2000, help="5 handled events each")
    parser.add_argument("--listing-rounds", type=int, default=3, help="rounds of the listing-alone comparison")
    return parser.parse_args()


if __name__ == "__main__":
    run(parse_args())

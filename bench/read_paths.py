"""Read-path benchmark on PostgreSQL: our read paths against a raw floor and a naive DRF implementation.

Run by hand (about 10 minutes once the data exists, plus ~2 minutes to seed it the first time):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ressourcefy_bench .venv/bin/python bench/read_paths.py
    ... bench/read_paths.py --paths detail,author --duration 10   # rerun some paths while iterating

1. Migrates and seeds the database with `seed_demo` (bulk inserts) to at least --resources
   resources and --comments comments, then VACUUM ANALYZE.
2. Requests each read path once in Django and captures the SQL and parameters it sends
   (bench/read_path_capture.py): what the floor replays.
3. Serves three things with the same gunicorn settings on loopback: the project (settings
   `bench.naive.settings`: the real project plus the naive viewsets under /naive/ and an
   X-DB-Queries header), and the floor (bench/read_floor.py: plain WSGI, the captured SQL over
   one psycopg connection per worker, orjson). Refuses to go on unless the floor answers each
   path with the same body as ours.
4. Drives each path with wrk (fixed duration and connections), ours and the floor interleaved,
   --reps times (alternating which goes first), and the naive version --naive-reps times:
   feed page 1, a deep page by offset and by cursor, detail, author, comments, and the feed's
   search and filters (a common word, a rare word, a two-word phrase, a tag, a tag with q,
   page 50 of the common word's results by cursor).
5. Prints a table (req/s, p50, p99, CPU ms per request in the app and in PostgreSQL, queries,
   ours/floor as the median of each rep's adjacent pair, ours/naive), the search aims (p99
   against feed page 1's, page 50 against page 1) and writes bench/results/read_paths.json.
"""

import argparse
import base64
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: bench/ is a package of the project root

from bench.read_path_report import IMPLEMENTATIONS, print_table, search_aims, summarize  # noqa: E402
from bench.wrk_load import checkout, database_backends, gunicorn, measure, process_tree  # noqa: E402
from bench.wrk_tools import wait_until_up  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
RESULTS = ROOT / "bench" / "results" / "read_paths.json"
OURS, FLOOR = "ressourcefy.wsgi:application", "bench.read_floor:application"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resources", type=int, default=50_000)
    parser.add_argument("--comments", type=int, default=200_000)
    parser.add_argument("--port", type=int, default=8601, help="ours; the floor listens on the next port")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=5, help="seconds of load per path, implementation and rep")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--naive-reps", type=int, default=1, help="0 leaves the naive column out")
    parser.add_argument("--paths", default="", help="comma list: only paths whose name contains one of these")
    parser.add_argument("--baseline", help="a git ref served too, interleaved, for ours/baseline (e.g. HEAD~1)")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        print("Set DATABASE_URL to a PostgreSQL database (e.g. postgres://postgres@127.0.0.1:5432/ressourcefy_bench)")
        return 2
    if shutil.which("wrk") is None:
        print("wrk is required (apt-get install -y wrk)")
        return 2

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.naive.settings",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production"),
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        # Production mode's start-up checks want these; no read path calls Stripe or sends mail.
        "STRIPE_SECRET_KEY": "sk_test_bench_only",
        "STRIPE_PRICE_IDS": "price_bench_only",
        "STRIPE_WEBHOOK_SECRET": "whsec_bench_only",
        "RESEND_API_KEY": "re_bench_only",
        "FRONTEND_URL": "https://frontend.bench.invalid",
        "PYTHONPATH": str(ROOT),
    }
    # The floor binds parameters as our database settings do.
    server_side_binding = os.environ.get("DATABASE_SERVER_SIDE_BINDING", "0")
    prepare_data(env, args.resources, args.comments)
    targets = pick_targets(env)
    paths = [path for path in read_paths(targets) if selected(path["name"], args.paths)]
    with tempfile.TemporaryDirectory(prefix="read-paths-") as scratch:
        floor_spec = Path(scratch) / "captures.json"
        captures = capture_queries(env, paths, floor_spec)
        metrics_dir = Path(scratch) / "metrics"
        metrics_dir.mkdir()
        # As bin/run and production do: each worker writes its metrics to files /metrics sums.
        ours_env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
        floor_env = {
            **env,
            "READ_FLOOR_CAPTURES": str(floor_spec),
            "READ_FLOOR_DSN": database_url,
            "READ_FLOOR_SERVER_SIDE_BINDING": server_side_binding,
        }
        servers = {"ours": args.port, "floor": args.port + 1}
        common = {"workers": args.workers}
        with contextlib.ExitStack() as stack:
            masters = {
                "ours": stack.enter_context(gunicorn(GUNICORN, OURS, port=args.port, env=ours_env, cwd=ROOT, **common)),
                "floor": stack.enter_context(
                    gunicorn(GUNICORN, FLOOR, port=args.port + 1, env=floor_env, cwd=ROOT, **common)
                ),
            }
            if args.baseline:
                tree = stack.enter_context(checkout(ROOT, args.baseline, Path(scratch)))
                servers["baseline"] = args.port + 2
                baseline_env = {**ours_env, "PYTHONPATH": str(tree)}
                masters["baseline"] = stack.enter_context(
                    gunicorn(GUNICORN, OURS, port=servers["baseline"], env=baseline_env, cwd=tree, **common)
                )
            for port in servers.values():
                wait_until_up(f"http://127.0.0.1:{port}{paths[0]['ours']}")
            check_same_bodies(servers, paths, captures)
            rows = run_all(servers, masters, paths, captures, database_url, args)

    print_table(rows)
    aims = search_aims(rows)
    if aims:
        print("\nsearch p99 / feed page 1 p99 (aim <= 3):")
        for path, ratio in aims["search_p99_over_feed_p99"].items():
            print(f"  {path:<40} {ratio:.2f}")
        print(f"search page 50 / page 1 p99 (aim <= 1.2): {aims['search_page_50_over_page_1_p99']:.2f}")
    dataset = {**targets["dataset"], "search_first_page_sizes": targets["search_page_sizes"]}
    settings = {**vars(args), "load_average": os.getloadavg(), "server_side_binding": server_side_binding}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({"dataset": dataset, "settings": settings, "rows": rows, "search_aims": aims}, indent=2) + "\n"
    )
    print(f"\nload average {' '.join(f'{load:.2f}' for load in os.getloadavg())}; wrote {RESULTS.relative_to(ROOT)}")
    return 0


def manage(env, *command: str, capture: bool = False) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=capture, text=True
    )
    return result.stdout if capture else ""


def django_eval(env, code: str) -> dict:
    """Run `code` (which sets `result`) inside Django and return `result` as JSON."""
    script = f"import json\n{code}\nprint('RESULT=' + json.dumps(result, default=str))"
    out = manage(env, "shell", "-c", script, capture=True)
    return json.loads(next(line for line in out.splitlines() if line.startswith("RESULT="))[len("RESULT=") :])


def prepare_data(env, resources: int, comments: int) -> None:
    manage(env, "migrate", "--noinput", "-v", "0")
    counts = django_eval(
        env,
        "from resources.models import Resource\nfrom interactions.models import Comment\n"
        "result = [Resource.all_objects.count(), Comment.all_objects.count()]",
    )
    missing_resources, missing_comments = max(0, resources - counts[0]), max(0, comments - counts[1])
    if missing_resources or missing_comments:
        print(f"seeding {missing_resources} resources and {missing_comments} comments ...", flush=True)
        started = time.monotonic()
        manage(env, "seed_demo", "--resources", str(missing_resources), "--comments", str(missing_comments))
        print(f"seeded in {time.monotonic() - started:.0f} s", flush=True)
    subprocess.run(
        [PYTHON, "-c", VACUUM], cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "bench.naive.settings"}, check=True
    )


VACUUM = """
import django
django.setup()
from django.db import connection
connection.ensure_connection()
connection.connection.autocommit = True
with connection.cursor() as cursor:
    cursor.execute("VACUUM ANALYZE")
"""


def pick_targets(env) -> dict:
    return django_eval(env, "from bench.read_path_targets import pick_targets\nresult = pick_targets()")


def naive_cursor(position: str) -> str:
    """DRF CursorPagination's token for 'after position' (what its next link would carry)."""
    return base64.b64encode(urlencode({"p": position}).encode()).decode()


def read_paths(targets: dict) -> list[dict]:
    """Each path: a name, the floor's body shape, our URL and the naive version's (None: there is none)."""
    deep, resource_id, author_id = targets["deep_page"], targets["resource_id"], targets["author_id"]
    paths = [
        ("feed page 1", "feed", "/api/feed/?page=1&page_size=20", "/naive/resources/?page=1&page_size=20"),
        (
            f"feed page {deep} (offset)",
            "feed",
            f"/api/feed/?page={deep}&page_size=20",
            f"/naive/resources/?page={deep}&page_size=20",
        ),
        (
            f"feed page {deep} (cursor)",
            "feed",
            "/api/feed/?" + urlencode({"cursor": targets["our_cursor"], "page_size": 20}),
            "/naive/feed-cursor/?" + urlencode({"cursor": naive_cursor(targets["drf_position"])}),
        ),
        ("detail", "detail", f"/api/resources/{resource_id}/detail/", f"/naive/resources/{resource_id}/"),
        ("author", "author", f"/api/authors/{author_id}/", f"/naive/authors/{author_id}/"),
        ("comments", "comments", f"/api/resources/{resource_id}/comments/?page=1&page_size=20", None),
    ]
    # Search has no naive counterpart: its aims are relative to our own feed page 1.
    paths += [
        (f"search: {name}", "feed", "/api/feed/?" + urlencode({**query, "page_size": 20}, doseq=True), None)
        for name, query in targets["searches"].items()
    ]
    common = {**targets["searches"]["common word"], "page_size": 20, "cursor": targets["deep_search_cursor"]}
    paths.append(("search: common word, page 50 (cursor)", "feed", "/api/feed/?" + urlencode(common), None))
    return [{"name": name, "kind": kind, "ours": ours, "naive": naive} for name, kind, ours, naive in paths]


def selected(name: str, wanted: str) -> bool:
    return not wanted or any(part.strip() in name for part in wanted.split(",") if part.strip())


def capture_queries(env, paths: list[dict], floor_spec: Path) -> dict:
    """Our SQL for each path, captured in Django, written where the floor reads it."""
    urls = [path["ours"] for path in paths]
    captures = django_eval(env, f"from bench.read_path_capture import capture\nresult = capture({urls!r})")
    kinds = {path["ours"]: path["kind"] for path in paths}
    floor_spec.write_text(json.dumps({"captures": captures, "kinds": kinds}))
    return captures


def get(url: str) -> tuple[int, dict, object]:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback URL we built
        return response.status, response.headers, json.loads(response.read())


def check_same_bodies(servers: dict, paths: list[dict], captures: dict) -> None:
    """The floor (and a baseline) must answer what we answer, or their rates mean nothing."""
    for path in paths:
        for impl, port in servers.items():
            _, _, body = get(f"http://127.0.0.1:{port}{path['ours']}")
            if body != captures[path["ours"]]["body"]:
                raise RuntimeError(f"{path['name']}: the {impl}'s body differs from ours")


def run_all(servers: dict, masters: dict, paths: list[dict], captures: dict, database_url: str, args) -> list[dict]:
    db_pids = database_backends(database_url)
    servers = {**servers, "naive": servers["ours"]}
    masters = {**masters, "naive": masters["ours"]}
    runs: dict = {(path["name"], impl): [] for path in paths for impl in IMPLEMENTATIONS}
    for rep in range(args.reps):
        for path in paths:
            # Who goes first rotates from rep to rep, so that a drift in load favours no one.
            order = [impl for impl in servers if impl != "naive"]
            order = order[rep % len(order) :] + order[: rep % len(order)]
            if path["naive"] and rep < args.naive_reps:
                order.append("naive")
            for impl in order:
                url = f"http://127.0.0.1:{servers[impl]}{path['naive'] if impl == 'naive' else path['ours']}"
                runs[path["name"], impl].append(
                    measure(
                        url,
                        connections=args.connections,
                        duration=args.duration,
                        app_pids=lambda impl=impl: process_tree(masters[impl]),
                        db_pids=db_pids,
                    )
                )
            rates = ", ".join(f"{impl} {runs[path['name'], impl][-1]['rps']:.0f} req/s" for impl in order)
            print(f"  rep {rep + 1} {path['name']}: {rates}", flush=True)
    rows = []
    for path in paths:
        queries = {"ours": len(captures[path["ours"]]["queries"])}
        queries["floor"] = queries["baseline"] = queries["ours"]
        if path["naive"]:
            _, headers, _ = get(f"http://127.0.0.1:{servers['naive']}{path['naive']}")
            queries["naive"] = int(headers["X-DB-Queries"])
        rows.append(summarize(path, runs, queries))
    return rows


if __name__ == "__main__":
    sys.exit(main())

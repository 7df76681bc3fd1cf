"""Read-path benchmark on PostgreSQL: our read models against a naive DRF implementation.

Run by hand (about 3 minutes once the data exists, plus ~2 minutes to seed it the first time):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ressourcefy_bench .venv/bin/python bench/read_paths.py

1. Migrates and seeds the database with `seed_demo` (bulk inserts) to at least --resources
   resources and --comments comments, then VACUUM ANALYZE.
2. Serves the project with gunicorn on loopback (settings `bench.naive.settings`: the real
   project plus the naive viewsets under /naive/ and an X-DB-Queries response header).
3. Drives each read path with wrk (bounded: fixed duration and connections) — feed page 1,
   a deep page by offset and by cursor, detail, author — for ours and the naive version;
   then the feed's search and filters (a common word, a rare word, a two-word phrase, a tag,
   a tag with q, and page 50 of the common word's results by cursor), ours only.
4. Prints a table (req/s, p50, p99, queries per request, ratio ours/naive), the search aims
   (p99 against feed page 1's, page 50 against page 1) and writes bench/results/read_paths.json.
"""

import argparse
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
RESULTS = ROOT / "bench" / "results" / "read_paths.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resources", type=int, default=50_000)
    parser.add_argument("--comments", type=int, default=200_000)
    parser.add_argument("--port", type=int, default=8601)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=8, help="seconds of load per path and implementation")
    parser.add_argument("--connections", type=int, default=8)
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
        "PYTHONPATH": str(ROOT),
    }
    prepare_data(env, args.resources, args.comments)
    targets = pick_targets(env)

    server = subprocess.Popen(
        [
            GUNICORN,
            "ressourcefy.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--access-logfile",
            "/dev/null",
            "--error-logfile",
            "-",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        wait_until_up(f"{base}/health/live/")
        rows = run_all(base, targets, args)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    print_table(rows)
    aims = search_aims(rows)
    print("\nsearch p99 / feed page 1 p99 (aim <= 3):")
    for path, ratio in aims["search_p99_over_feed_p99"].items():
        print(f"  {path:<40} {ratio:.2f}")
    print(f"search page 50 / page 1 p99 (aim <= 1.2): {aims['search_page_50_over_page_1_p99']:.2f}")
    dataset = {**targets["dataset"], "search_first_page_sizes": targets["search_page_sizes"]}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({"dataset": dataset, "settings": vars(args), "rows": rows, "search_aims": aims}, indent=2)
    )
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")
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


def run_all(base: str, targets: dict, args) -> list[dict]:
    deep = targets["deep_page"]
    paths = [
        ("feed page 1", "/api/feed/?page=1&page_size=20", "/naive/resources/?page=1&page_size=20"),
        (
            f"feed page {deep} (offset)",
            f"/api/feed/?page={deep}&page_size=20",
            f"/naive/resources/?page={deep}&page_size=20",
        ),
        (
            f"feed page {deep} (cursor)",
            "/api/feed/?" + urlencode({"cursor": targets["our_cursor"], "page_size": 20}),
            "/naive/feed-cursor/?" + urlencode({"cursor": naive_cursor(targets["drf_position"])}),
        ),
        ("detail", f"/api/resources/{targets['resource_id']}/detail/", f"/naive/resources/{targets['resource_id']}/"),
        ("author", f"/api/authors/{targets['author_id']}/", f"/naive/authors/{targets['author_id']}/"),
    ]
    # Search has no naive counterpart: its aims are relative to our own feed page 1.
    paths += [
        (f"search: {name}", "/api/feed/?" + urlencode({**query, "page_size": 20}, doseq=True), None)
        for name, query in targets["searches"].items()
    ]
    common = targets["searches"]["common word"]
    paths.append(
        (
            "search: common word, page 50 (cursor)",
            "/api/feed/?" + urlencode({**common, "page_size": 20, "cursor": targets["deep_search_cursor"]}),
            None,
        )
    )
    rows = []
    for name, ours_path, naive_path in paths:
        ours = measure(base, ours_path, args)
        naive = measure(base, naive_path, args) if naive_path else None
        row = {
            "path": name,
            "ours": ours,
            "naive": naive,
            "ratio_rps": round(ours["rps"] / naive["rps"], 2) if naive and naive["rps"] else None,
        }
        print(f"  {name}: ours {ours['rps']:.0f} req/s" + (f", naive {naive['rps']:.0f} req/s" if naive else ""))
        rows.append(row)
    return rows


def search_aims(rows: list[dict]) -> dict:
    """Search p99 within 3x feed page 1's p99; page 50 of a search within 1.2x its page 1."""
    p99 = {row["path"]: row["ours"]["p99_ms"] for row in rows}
    feed_p99 = p99["feed page 1"]
    searches = {path: value for path, value in p99.items() if path.startswith("search: ")}
    deep = searches["search: common word, page 50 (cursor)"] / searches["search: common word"]
    return {
        "search_p99_over_feed_p99": {path: round(value / feed_p99, 2) for path, value in searches.items()},
        "search_page_50_over_page_1_p99": round(deep, 2),
    }


def measure(base: str, path: str, args) -> dict:
    url = base + path
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback URL we built
        queries = int(response.headers["X-DB-Queries"])
        status = response.status
        body_bytes = len(response.read())
    subprocess.run(["wrk", "-t1", "-c2", "-d1s", url], check=True, capture_output=True)  # warm-up
    out = subprocess.run(
        ["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "10s", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "path": path,
        "status": status,
        "bytes": body_bytes,
        "queries": queries,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": latency(out, "50%"),
        "p99_ms": latency(out, "99%"),
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
    }


def latency(wrk_output: str, percentile: str) -> float:
    value, unit = re.search(rf"^\s+{re.escape(percentile)}\s+([\d.]+)(us|ms|s)\s*$", wrk_output, re.M).groups()
    return round(float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit], 2)


def wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback health probe
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server did not answer {url}")


def print_table(rows: list[dict]) -> None:
    header = (
        f"{'path':<40} {'impl':<6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'queries':>8} {'ratio ours/naive':>17}"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for row in rows:
        for impl in ("ours", "naive"):
            m = row[impl]
            if m is None:
                continue
            ratio = f"{row['ratio_rps']:.2f}x" if impl == "ours" and row["ratio_rps"] else ""
            print(
                f"{row['path'] if impl == 'ours' else '':<40} {impl:<6} {m['rps']:>8.0f} {m['p50_ms']:>8.2f} "
                f"{m['p99_ms']:>8.2f} {m['queries']:>8} {ratio:>17}"
            )


if __name__ == "__main__":
    sys.exit(main())

"""Where one read request's time goes: the project's WSGI handler called in a loop under cProfile.

Run by hand against the read-path bench's database (bench/read_paths.py seeds it):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ressourcefy_bench \\
        .venv/bin/python bench/profile_read.py /api/feed/?page_size=20 [--requests 500] [--sort tottime]

The whole request runs as gunicorn runs it (middleware, authentication, DRF, the read model,
serialization, rendering, logging, metrics), minus the socket. The profiler counts this
process's CPU time, not the wall clock: waiting for PostgreSQL (and for other processes on a
shared machine) is left out. Prints CPU and wall time per request, then the top functions.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", help="path and query string, e.g. /api/resources/<id>/detail/")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--batches", type=int, default=5, help="timed batches before profiling; the least is shown")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key: cumulative, tottime, ...")
    parser.add_argument("--top", type=int, default=45)
    args = parser.parse_args()

    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "ressourcefy.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
            "STRIPE_SECRET_KEY": "sk_test_bench_only",
            "STRIPE_PRICE_IDS": "price_bench_only",
            "STRIPE_WEBHOOK_SECRET": "whsec_bench_only",
            "RESEND_API_KEY": "re_bench_only",
            "FRONTEND_URL": "https://frontend.bench.invalid",
        }
    )
    sys.path.insert(0, str(ROOT))
    from ressourcefy.wsgi import application

    url = urlsplit(args.url)
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": url.path,
        "QUERY_STRING": url.query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    def one_request():
        response = application(dict(environ), start_response)
        b"".join(response)
        response.close()  # as gunicorn does: runs request_finished (connection age, health check)

    for _ in range(20):  # warm-up: connection, caches, lazy imports
        one_request()
    if statuses[-1] != "200 OK":
        print(f"{args.url} answered {statuses[-1]}")
        return 1
    # The least CPU of several batches: other processes on the machine only ever add to it.
    cpu = wall = float("inf")
    for _ in range(args.batches):
        started, cpu_started = time.perf_counter(), time.process_time()
        for _ in range(args.requests):
            one_request()
        wall = min(wall, (time.perf_counter() - started) / args.requests)
        cpu = min(cpu, (time.process_time() - cpu_started) / args.requests)
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(args.requests):
        one_request()
    profiler.disable()
    print(
        f"{args.url}, least of {args.batches} x {args.requests} requests: "
        f"{cpu * 1000:.3f} ms CPU, {wall * 1000:.2f} ms wall"
    )
    pstats.Stats(profiler).strip_dirs().sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())

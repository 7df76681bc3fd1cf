"""Hosted-file benchmark: download and upload through gunicorn, and link issuance under wrk.

Run by hand (about a minute; local storage; SQLite in a temporary folder unless DATABASE_URL
points at PostgreSQL):

    .venv/bin/python bench/files.py

1. Migrates a fresh database, creates an author and a public resource, and starts gunicorn on
   a free loopback port with MEDIA_ROOT in a temporary folder.
2. Upload: POSTs a --size-mib file (multipart, curl streams it from disk) --runs times; MiB/s.
3. Download: fetches the version through /files/<token>/ with curl --runs times against `cat`
   of the same stored file (the floor: page cache to /dev/null), and samples the workers' RSS
   before and after (a streamed response keeps it flat).
4. Link issuance: wrk on GET /api/resources/{id}/download/?redirect=0 (signed-in; each request
   checks access, signs a link and writes the resource.downloaded outbox row).
5. Prints a table and writes bench/results/files.json.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: bench/ is a package of the project root

from bench.wrk_tools import latency, wait_until_up  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
RESULTS = ROOT / "bench" / "results" / "files.json"
MIB = 1024 * 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=8, help="seconds of wrk load on link issuance")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    for tool in ("wrk", "curl"):
        if shutil.which(tool) is None:
            print(f"{tool} is required (apt-get install -y {tool})")
            return 2

    with tempfile.TemporaryDirectory(prefix="ressourcefy-bench-files-") as scratch:
        scratch = Path(scratch)
        env = environment(scratch)
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        fixture = django_eval(env, SETUP)
        sample = scratch / "sample.pdf"
        write_sample(sample, args.size_mib * MIB)

        port = free_port()
        server = subprocess.Popen(
            [GUNICORN, "-c", "ressourcefy/gunicorn.conf.py", "ressourcefy.wsgi:application"],
            cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(args.workers)},
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(f"{base}/health/live/")
            upload = measure_upload(base, fixture, sample, args.runs)
            stored = next(path for path in (scratch / "media" / "resources").rglob("*") if path.is_file())
            download = measure_download(base, fixture, stored, server.pid, args.runs)
            links = measure_links(base, fixture, args)
            # The same stack answering a read with no write: what the machine gives any request.
            reference = measure_links(base, fixture, args, path="detail/")
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)

    rows = [upload, download, links, reference]
    print_table(rows)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    settings = {**vars(args), "database": "postgresql" if "postgres" in env.get("DATABASE_URL", "") else "sqlite"}
    RESULTS.write_text(json.dumps({"settings": settings, "rows": rows}, indent=2) + "\n")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    return 0


def environment(scratch: Path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{scratch / 'bench.sqlite3'}",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production"),
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "MEDIA_ROOT": str(scratch / "media"),
        "UPLOAD_MAX_BYTES": str(1024 * MIB),
        "THROTTLE_WRITE_USER": "1000000/min",
        "LOG_LEVEL": "WARNING",
        "PROMETHEUS_MULTIPROC_DIR": "",
        "PYTHONPATH": str(ROOT),
    }


SETUP = """
from rest_framework_simplejwt.tokens import AccessToken
from resources.models import Resource
from users.models import User
author = User.objects.create_user(email="bench-files@example.com", password="bench-files-password-1")
resource = Resource.objects.create(author=author, title="Bench file", visibility="public")
result = {"resource_id": str(resource.pk), "token": str(AccessToken.for_user(author))}
"""


def django_eval(env: dict, code: str) -> dict:
    script = f"import json\nimport django\ndjango.setup()\n{code}\nprint('RESULT=' + json.dumps(result))"
    out = subprocess.run(
        [PYTHON, "-c", script],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "ressourcefy.settings"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(next(line for line in out.splitlines() if line.startswith("RESULT="))[len("RESULT=") :])


def write_sample(path: Path, size: int) -> None:
    block = os.urandom(MIB)
    with path.open("wb") as file:
        file.write(b"%PDF-1.7\n")
        written = 9
        while written < size:
            piece = block[: min(MIB, size - written)]
            file.write(piece)
            written += len(piece)


def curl(*arguments: str) -> dict:
    out = subprocess.run(
        ["curl", "-s", "-S", "-w", "%{http_code} %{time_starttransfer} %{time_total} %{size_download} %{size_upload}"]
        + list(arguments),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    status, first_byte, seconds, downloaded, uploaded = out.strip().split()[-5:]
    return {
        "status": int(status),
        "first_byte": float(first_byte),
        "seconds": float(seconds),
        "down": int(downloaded),
        "up": int(uploaded),
    }


def measure_upload(base: str, fixture: dict, sample: Path, runs: int) -> dict:
    rates = []
    for _ in range(runs):
        result = curl(
            "-o",
            "/dev/null",
            "-H",
            f"Authorization: Bearer {fixture['token']}",
            "-F",
            f"resource_id={fixture['resource_id']}",
            "-F",
            f"file=@{sample};type=application/pdf",
            f"{base}/api/resources/versions/",
        )
        assert result["status"] == 201, result
        rates.append(result["up"] / MIB / result["seconds"])
    return {"case": "upload (multipart, curl)", "mib_per_s": round(statistics.median(rates), 1), "runs": runs}


def measure_download(base: str, fixture: dict, stored: Path, master_pid: int, runs: int) -> dict:
    size = stored.stat().st_size
    floor = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(["cat", str(stored)], stdout=subprocess.DEVNULL, check=True)
        floor.append(size / MIB / (time.perf_counter() - started))
    rss_before = workers_rss_kib(master_pid)
    rates, first_bytes = [], []
    for _ in range(runs):
        link = get_json(f"{base}/api/resources/{fixture['resource_id']}/download/?redirect=0", fixture["token"])
        result = curl("-o", "/dev/null", link["data"]["url"])
        assert result["status"] == 200 and result["down"] == size, result
        rates.append(size / MIB / result["seconds"])
        first_bytes.append(result["first_byte"] * 1000)
    rss_after = workers_rss_kib(master_pid)
    app, cat = statistics.median(rates), statistics.median(floor)
    return {
        "case": f"download {size // MIB} MiB via /files/",
        "mib_per_s": round(app, 1),
        "floor_cat_mib_per_s": round(cat, 1),
        "ratio_to_floor": round(app / cat, 2),
        "first_byte_ms": round(statistics.median(first_bytes), 1),
        "worker_rss_kib_before": rss_before,
        "worker_rss_kib_after": rss_after,
        "runs": runs,
    }


def measure_links(base: str, fixture: dict, args, path: str = "download/?redirect=0") -> dict:
    url = f"{base}/api/resources/{fixture['resource_id']}/{path}"
    header = f"Authorization: Bearer {fixture['token']}"
    subprocess.run(["wrk", "-t1", "-c2", "-d1s", "-H", header, url], check=True, capture_output=True)  # warm-up
    out = subprocess.run(
        ["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--latency", "-H", header, url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "case": f"wrk GET {path}",
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": latency(out, "50%"),
        "p99_ms": latency(out, "99%"),
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
    }


def get_json(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback URL we built
        return json.loads(response.read())


def workers_rss_kib(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1)))
    return sizes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def print_table(rows: list[dict]) -> None:
    upload, download, *loads = rows
    print(f"\n{'case':<36} result")
    print("-" * 100)
    print(f"{upload['case']:<36} {upload['mib_per_s']:.1f} MiB/s")
    print(
        f"{download['case']:<36} {download['mib_per_s']:.1f} MiB/s, first byte {download['first_byte_ms']} ms "
        f"(cat {download['floor_cat_mib_per_s']:.0f} MiB/s: {download['ratio_to_floor']:.2f}x the floor)"
    )
    before, after = download["worker_rss_kib_before"], download["worker_rss_kib_after"]
    print(f"{'  worker RSS KiB before -> after':<36} {before} -> {after}")
    for load in loads:
        print(f"{load['case']:<36} {load['rps']:.0f} req/s, p50 {load['p50_ms']} ms, p99 {load['p99_ms']} ms")


if __name__ == "__main__":
    sys.exit(main())

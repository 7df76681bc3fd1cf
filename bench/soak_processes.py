"""The soak's fleet: the database, PgBouncer, the Stripe simulator, web instances and workers.

Every process of the app runs with DJANGO_DEBUG off and reaches PostgreSQL through PgBouncer
(DATABASE_POOLER=transaction); only the workers' LISTEN, migrations and the checks go direct.
Logs go to a scratch directory, printed at start.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.wrk_tools import wait_until_up

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
DIRECT = "postgres://postgres@127.0.0.1:5432"
WEBHOOK_SECRET = "whsec_soak_only"  # noqa: S105 - signs the local simulator's webhooks
UNLIMITED = "1000000/min"  # every locust user comes from 127.0.0.1: per-IP throttles would refuse them


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Fleet:
    def __init__(self, database: str, redis_url: str) -> None:
        self.database = database
        self.scratch = Path(tempfile.mkdtemp(prefix="ressourcefy-soak-"))
        self.scratch.chmod(0o755)  # PgBouncer runs as postgres when we are root (bin/pooler)
        self.mail_log = self.scratch / "mail.jsonl"
        self.web_ports = [free_port(), free_port()]
        self.web_urls = [f"http://127.0.0.1:{port}" for port in self.web_ports]
        self.sim_port = free_port()
        self.stripe_sim_url = f"http://127.0.0.1:{self.sim_port}"
        self.pooler_port = 0
        self.webs: list[subprocess.Popen | None] = [None, None]
        self.workers: list[subprocess.Popen | None] = [None, None]
        self.others: list[subprocess.Popen] = []
        self.redis_url = redis_url
        print(f"logs in {self.scratch}", flush=True)

    # --- environment -------------------------------------------------------------------
    def env(self, *, pooled: bool = True, **extra: str) -> dict[str, str]:
        direct = f"{DIRECT}/{self.database}"
        return {
            **{key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_"))},
            "DJANGO_ENV_FILE": os.devnull,  # never a developer's .env
            "DJANGO_SETTINGS_MODULE": "ressourcefy.settings",
            "DJANGO_SECRET_KEY": "soak-only-secret-key-not-for-production",
            "DJANGO_DEBUG": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{self.pooler_port}/{self.database}" if pooled else direct,
            "DATABASE_POOLER": "transaction" if pooled else "",
            "DATABASE_LISTEN_URL": direct,
            "REDIS_URL": self.redis_url,
            "STRIPE_SECRET_KEY": "sk_test_soak",
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_PRICE_IDS": "price_sim_premium_monthly",
            "STRIPE_API_BASE": self.stripe_sim_url,
            "EMAIL_BACKEND": "bench.soak_mail.RecordingBackend",
            "SOAK_MAIL_LOG": str(self.mail_log),
            "FRONTEND_URL": "http://localhost:5173",
            "CORS_ALLOWED_ORIGINS": "http://localhost:5173",
            "JWT_ACCESS_MINUTES": "240",
            "LOG_LEVEL": "WARNING",
            "WEB_CONCURRENCY": "2",
            "PYTHONPATH": str(ROOT),
            **{f"THROTTLE_{name}": UNLIMITED for name in ("LOGIN_IP", "LOGIN_EMAIL", "AUTH_IP", "AUTH_EMAIL")},
            **{f"THROTTLE_{name}": UNLIMITED for name in ("WRITE_USER", "ANALYTICS", "TOKEN_IP")},
            **extra,
        }

    def django(self, code: str) -> dict:
        """Run `code` (which sets `result`) in Django, directly connected; `result` as JSON."""
        script = f"import json\n{code}\nprint('RESULT=' + json.dumps(result, default=str))"
        out = subprocess.run(
            [PYTHON, "manage.py", "shell", "-c", script],
            cwd=ROOT,
            env=self.env(pooled=False),
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return json.loads(next(line for line in out.splitlines() if line.startswith("RESULT="))[len("RESULT=") :])

    # --- lifecycle ---------------------------------------------------------------------
    def prepare(self, *, buyers: int) -> dict:
        psql = ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c"]
        subprocess.run([*psql, f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'], check=True)
        subprocess.run([*psql, f'CREATE DATABASE "{self.database}"'], check=True)
        subprocess.run(["redis-cli", "-u", self.redis_url, "FLUSHDB"], check=True, capture_output=True)
        subprocess.run([PYTHON, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=self.env(pooled=False), check=True)
        print("seeding ...", flush=True)
        return self.django(
            "from bench.soak_data import prepare\n"
            f"result = prepare(resources=400, comments=2000, readers=40, buyers={buyers})"
        )

    def start(self) -> None:
        pooler = subprocess.run(
            [str(ROOT / "bin" / "pooler"), str(self.scratch / "pgbouncer")], check=True, capture_output=True, text=True
        )
        self.pooler_port = int(pooler.stdout.strip())
        self.others.append(
            self._spawn(
                "stripe-sim",
                [PYTHON, "manage.py", "stripe_sim", f"--port={self.sim_port}", "--state-file="],
                self.env(DJANGO_DEBUG="1", STRIPE_SIM_WEBHOOK_URL=f"{self.web_urls[1]}/api/billing/webhook/"),
            )
        )
        for index in range(2):
            self.webs[index] = self._start_web(index)
            self.workers[index] = self._start_worker(index)
        for url in [*self.web_urls, self.stripe_sim_url]:
            wait_until_up(url + ("/health/live/" if url != self.stripe_sim_url else "/"), timeout=60)

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.scratch / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    def _start_web(self, index: int) -> subprocess.Popen:
        command = [GUNICORN, "-c", "ressourcefy/gunicorn.conf.py", "ressourcefy.wsgi:application"]
        command += ["--control-socket", str(self.scratch / f"web{index}.ctl")]  # one each, not ~/.gunicorn's
        return self._spawn(f"web{index}", command, self.env(GUNICORN_BIND=f"127.0.0.1:{self.web_ports[index]}"))

    def _start_worker(self, index: int) -> subprocess.Popen:
        return self._spawn(f"worker{index}", [PYTHON, "manage.py", "process_events", "--loop"], self.env())

    # --- faults ------------------------------------------------------------------------
    def kill_worker(self, index: int, *, wait_for_claim: float = 30) -> tuple[str, float]:
        """SIGKILL worker `index`, preferably while it holds claimed events (waiting up to
        `wait_for_claim` s for one), so that its leases expire and another worker redelivers.
        Returns what happened and when (time.time()) the signal was sent."""
        victim = self.workers[index]
        deadline = time.monotonic() + wait_for_claim
        while (held := self._claims_of(victim.pid)) == 0 and time.monotonic() < deadline:
            pass  # each look is a psql round trip, tens of milliseconds
        victim.send_signal(signal.SIGKILL)
        killed_at = time.time()
        victim.wait()
        time.sleep(2)  # systemd's RestartSec, shortened
        self.workers[index] = self._start_worker(index)
        holding = f"holding {held} claimed events" if held else f"idle (no claim within {wait_for_claim:g} s)"
        detail = f"worker {index} (pid {victim.pid}) killed {holding}, restarted as pid {self.workers[index].pid}"
        return detail, killed_at

    def _claims_of(self, pid: int) -> int:
        sql = f"SELECT count(*) FROM core_outboxevent WHERE status = 'PROCESSING' AND locked_by LIKE '%:{pid}'"
        command = ["psql", "-tAq", "-h", "127.0.0.1", "-U", "postgres", "-d", self.database, "-c", sql]
        return int(subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip() or 0)

    def restart_web(self, index: int, balancer) -> str:
        url = self.web_urls[index]
        balancer.drain(url)
        deadline = time.monotonic() + 60
        while balancer.in_flight[url] > 0 and time.monotonic() < deadline:
            time.sleep(0.1)  # requests already sent to it, queued ones too, are answered first
        old = self.webs[index]
        old.send_signal(signal.SIGTERM)
        old.wait(timeout=60)
        self.webs[index] = self._start_web(index)
        wait_until_up(url + "/health/live/", timeout=60)
        balancer.restore(url)
        return f"web {index} drained, stopped (pid {old.pid}), started (pid {self.webs[index].pid})"

    def pooler_command(self, command: str) -> None:
        subprocess.run(
            ["psql", "-q", "-h", "127.0.0.1", "-p", str(self.pooler_port), "-U", "postgres", "-d", "pgbouncer"]
            + ["-c", command],
            check=True,
            capture_output=True,
        )

    # --- afterwards --------------------------------------------------------------------
    def wait_until_settled(self, *, timeout: float) -> dict:
        """Until the outbox is empty and the simulator delivered every webhook (or `timeout`)."""
        started = time.monotonic()
        while True:
            done = self.django("from bench.soak_data import progress\nresult = progress()")
            done["stripe_events"] = self.stripe_event_count()
            done["seconds"] = round(time.monotonic() - started, 1)
            if done["unfinished"] == 0 and done["webhooks"] >= done["stripe_events"]:
                return done
            if done["seconds"] > timeout:
                return done
            time.sleep(5)

    def stripe_event_count(self) -> int:
        """Events the simulator created, each one a webhook to deliver (paged as Stripe pages them)."""
        count, after = 0, ""
        while True:
            request = urllib.request.Request(  # noqa: S310 - the loopback simulator
                f"{self.stripe_sim_url}/v1/events?limit=100" + (f"&starting_after={after}" if after else ""),
                headers={"Authorization": "Bearer sk_test_soak"},
            )
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                page = json.loads(response.read())
            count += len(page["data"])
            if not page["has_more"] or not page["data"]:
                return count
            after = page["data"][-1]["id"]

    def verify(self) -> dict:
        return self.django(f"from bench.soak_data import verify\nresult = verify({str(self.mail_log)!r})")

    def stop(self) -> None:
        for process in [*self.workers, *self.webs, *self.others]:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*self.workers, *self.webs, *self.others]:
            if process is not None:
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
        pid_file = self.scratch / "pgbouncer" / "pgbouncer.pid"
        if pid_file.exists():
            os.kill(int(pid_file.read_text()), signal.SIGTERM)

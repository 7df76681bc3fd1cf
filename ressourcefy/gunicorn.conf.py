"""Gunicorn settings for the web process: `gunicorn -c ressourcefy/gunicorn.conf.py ressourcefy.wsgi`.

Every value can be overridden from the environment (GUNICORN_BIND, WEB_CONCURRENCY, …).
PROMETHEUS_MULTIPROC_DIR must be set before gunicorn starts (bin/run or the systemd unit do
it) so that each worker writes its metrics where /metrics can sum them.
"""

import os

from ressourcefy.env import load_env_file

# Before reading GUNICORN_* below; wsgi.py loads it again, a no-op then.
load_env_file()

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
# The request log line comes from api.middleware.RequestIdMiddleware, in JSON.
accesslog = None
errorlog = "-"
# Only these proxies may set X-Forwarded-Proto (HTTPS detection); see docs/operations.md.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def child_exit(server, worker):
    """Drop the live-gauge files of a dead worker; its counters and histograms stay summed."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

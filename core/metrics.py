"""Prometheus metric objects. Code that moves a metric imports it from here.

Gauges that mirror database state (outbox backlog, open data-quality issues) are computed at
scrape time by the /metrics view, not here, so every process reports the same number.
With PROMETHEUS_MULTIPROC_DIR set before the process starts (bin/run, the gunicorn config),
each process writes its samples there and /metrics sums them: web workers and the outbox
worker report as one.
"""

from prometheus_client import Counter, Gauge, Histogram

payment_success_total = Counter("payment_success_total", "Payments completed through Stripe.")
payment_failure_total = Counter("payment_failure_total", "Stripe payments that failed.")
webhook_processing_latency = Histogram(
    "webhook_processing_latency",
    "Seconds spent handling one Stripe webhook delivery.",
    ["event_type", "outcome"],
)
outbox_dispatch_latency = Histogram(
    "outbox_dispatch_latency",
    "Seconds from an outbox event's emission to its successful dispatch.",
    ["event_type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
read_query_latency = Histogram(
    "read_query_latency",
    "Seconds spent building one read model.",
    ["read_model"],
)
http_requests_total = Counter(
    "http_requests_total",
    "HTTP responses by route pattern (not raw path, to bound cardinality), method and status.",
    ["route", "method", "status"],
)
http_request_duration_seconds = Histogram(
    "http_request_duration_seconds",
    "Seconds from receiving a request to returning its response, by route pattern and method.",
    ["route", "method"],
)
# "max" across processes: the newest verified delivery any web worker saw (absent after a restart
# until one arrives; the `webhook_silence` check reads the database and survives restarts).
stripe_webhook_last_received_timestamp_seconds = Gauge(
    "stripe_webhook_last_received_timestamp_seconds",
    "Unix time of the last Stripe webhook delivery whose signature verified.",
    multiprocess_mode="max",
)
stripe_reconcile_repairs_total = Counter(
    "stripe_reconcile_repairs_total",
    "Changes made by Stripe reconciliation: missed events applied and drifted subscriptions repaired.",
    ["kind"],
)

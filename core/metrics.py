"""Prometheus metric objects. Code that moves a metric imports it from here.

Gauges that mirror database state (outbox backlog) are computed at scrape time by the
/metrics view, not here, so every process reports the same number.
"""

from prometheus_client import Counter, Histogram

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

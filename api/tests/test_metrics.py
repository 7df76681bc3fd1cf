import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from core.metrics import (
    payment_failure_total,
    payment_success_total,
    read_query_latency,
    webhook_processing_latency,
)
from core.models import DataQualityIssue, OutboxEvent
from core.outbox import emit_event, process_outbox
from core.tests.outbox_fixtures import throwaway_handler

pytestmark = pytest.mark.django_db

ALLOWED_ADDRESS = "127.0.0.1"
OUTSIDE_ADDRESS = "203.0.113.50"


def scrape(client, **extra) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics", REMOTE_ADDR=ALLOWED_ADDRESS, **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_payment_counters_count_what_billing_records(client):
    before = scrape(client)
    payment_success_total.inc()
    payment_failure_total.inc(2)
    after = scrape(client)
    assert value(after, "payment_success_total") - value(before, "payment_success_total") == 1
    assert value(after, "payment_failure_total") - value(before, "payment_failure_total") == 2


def test_webhook_latency_histogram_is_labelled_by_event_type_and_outcome(client):
    labels = {"event_type": "checkout.session.completed", "outcome": "processed"}
    before = scrape(client)
    webhook_processing_latency.labels(**labels).observe(0.042)
    after = scrape(client)
    assert (
        value(after, "webhook_processing_latency_count", **labels)
        - value(before, "webhook_processing_latency_count", **labels)
        == 1
    )
    assert value(after, "webhook_processing_latency_bucket", **labels, le="0.05") >= 1


def test_read_query_latency_is_exposed_per_read_model(client):
    before = scrape(client)
    with read_query_latency.labels(read_model="feed").time():
        OutboxEvent.objects.exists()  # a tiny read, timed the way read models time theirs
    after = scrape(client)
    delta = value(after, "read_query_latency_count", read_model="feed") - value(
        before, "read_query_latency_count", read_model="feed"
    )
    assert delta == 1


@pytest.fixture
def metrics_test_handler():
    with throwaway_handler("test.metrics", lambda event: None):
        yield


def test_a_dispatched_event_moves_outbox_dispatch_latency(client, metrics_test_handler):
    before = scrape(client)
    with transaction.atomic():
        emit_event("TEST", 1, "test.metrics", {})
    assert process_outbox(limit=10) == 1
    after = scrape(client)
    delta = value(after, "outbox_dispatch_latency_count", event_type="test.metrics") - value(
        before, "outbox_dispatch_latency_count", event_type="test.metrics"
    )
    assert delta == 1


def test_outbox_gauges_mirror_the_database_at_scrape_time(client):
    assert value(scrape(client), "outbox_pending_count") == 0
    with transaction.atomic():
        events = [emit_event("TEST", i, "test.unhandled", {}) for i in range(3)]
    OutboxEvent.objects.filter(pk=events[0].pk).update(status=OutboxEvent.Status.FAILED)
    OutboxEvent.objects.filter(pk=events[1].pk).update(next_retry_at=timezone.now() - timedelta(minutes=5))
    samples = scrape(client)
    assert value(samples, "outbox_pending_count") == 2
    assert value(samples, "outbox_failed_count") == 1
    assert 290 < value(samples, "outbox_oldest_due_age_seconds") < 400


def test_open_data_quality_issues_are_exposed_by_check(client):
    DataQualityIssue.objects.create(
        check_name="failed_webhook_event", object_type="WebhookEvent", object_id="1", description="x"
    )
    DataQualityIssue.objects.create(
        check_name="failed_webhook_event",
        object_type="WebhookEvent",
        object_id="2",
        description="x",
        resolved_at=timezone.now(),
    )
    assert value(scrape(client), "data_quality_open_issues", check_name="failed_webhook_event") == 1


def test_http_requests_are_counted_by_route_pattern_and_status(client):
    labels = {"route": "health/live/", "method": "GET", "status": "200"}
    before = scrape(client)
    client.get("/health/live/")
    client.get("/health/live/")
    client.get("/no/such/page/")
    after = scrape(client)
    assert value(after, "http_requests_total", **labels) - value(before, "http_requests_total", **labels) == 2
    unmatched = {"route": "<unmatched>", "method": "GET", "status": "404"}
    assert value(after, "http_requests_total", **unmatched) - value(before, "http_requests_total", **unmatched) == 1
    assert value(after, "http_request_duration_seconds_count", route="health/live/", method="GET") >= 2


def test_a_caller_outside_the_allowed_networks_is_refused_without_the_token(client, settings):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    response = client.get("/metrics", REMOTE_ADDR=OUTSIDE_ADDRESS)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    wrong = client.get("/metrics", REMOTE_ADDR=OUTSIDE_ADDRESS, HTTP_AUTHORIZATION="Bearer s3cret-metrics-tokeN")
    assert wrong.status_code == 403


def test_behind_a_trusted_local_proxy_the_real_client_address_is_judged(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    outside = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDE_ADDRESS)
    assert outside.status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 200


def test_the_bearer_token_opens_metrics_from_anywhere(client, settings):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    response = client.get("/metrics", REMOTE_ADDR=OUTSIDE_ADDRESS, HTTP_AUTHORIZATION="Bearer s3cret-metrics-token")
    assert response.status_code == 200 and b"outbox_pending_count" in response.content


def test_no_token_configured_means_no_bearer_access(client, settings):
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics", REMOTE_ADDR=OUTSIDE_ADDRESS, HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 403


def test_allowed_networks_come_from_settings(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.20.0.0/16", "not-a-network"]
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="::ffff:10.20.3.4").status_code == 200


def test_metrics_only_answers_get(client):
    response = client.post("/metrics", REMOTE_ADDR=ALLOWED_ADDRESS)
    assert response.status_code == 405 and response.json()["status"] == "error"


def test_multiprocess_mode_sums_the_samples_of_every_process(tmp_path: Path):
    """Web workers and the outbox worker each write samples; /metrics reports their sum."""
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "ressourcefy.test_settings",
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'unused.sqlite3'}"  # no tables: the DB gauges are skipped
    increment = "from core.metrics import payment_success_total; payment_success_total.inc()"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", increment], cwd=root, env=env, check=True)  # noqa: S603
    render = (
        "import django; django.setup()\n"
        "from api.views.metrics import render_metrics\n"
        "print(render_metrics().decode())\n"
    )
    output = subprocess.run(  # noqa: S603
        [sys.executable, "-c", render], cwd=root, env=env, check=True, capture_output=True, text=True
    ).stdout
    samples = {s.name: s.value for f in text_string_to_metric_families(output) for s in f.samples}
    assert samples["payment_success_total"] == 2


def test_a_scraper_asking_for_text_only_gets_the_metrics(client):
    response = client.get("/metrics", REMOTE_ADDR=ALLOWED_ADDRESS, HTTP_ACCEPT="text/plain")
    assert response.status_code == 200 and b"# TYPE outbox_failed_count gauge" in response.content


def test_a_scrape_costs_the_same_queries_whatever_the_backlog(client, django_assert_num_queries):
    with django_assert_num_queries(3):
        client.get("/metrics", REMOTE_ADDR=ALLOWED_ADDRESS)
    with transaction.atomic():
        for i in range(50):
            emit_event("TEST", i, "test.unhandled", {})
    with django_assert_num_queries(3):
        response = client.get("/metrics", REMOTE_ADDR=ALLOWED_ADDRESS)
    assert b"outbox_pending_count 50.0" in response.content

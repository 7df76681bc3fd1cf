"""GET /metrics: Prometheus text for operators, from allowed networks or with a bearer token.

Process metrics (counters, histograms in core.metrics) come from the default registry, or,
when PROMETHEUS_MULTIPROC_DIR is set, from the files every web and worker process writes
there. Gauges mirroring database state are computed here at scrape time.
"""

import hmac
import ipaddress
import logging
import os

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.views import APIView

from api.request_meta import client_ip
from api.serializers.envelope import ErrorEnvelopeSerializer
from application.exceptions import PermissionDenied
from read_models.metrics import open_data_quality_issues_by_check, outbox_backlog

logger = logging.getLogger(__name__)


class DatabaseStateCollector:
    """Outbox backlog and open data-quality issues, read from the database on every scrape."""

    def collect(self):
        try:
            backlog = outbox_backlog()
            open_issues = open_data_quality_issues_by_check()
        except DatabaseError:
            # The process metrics are still worth serving; the missing gauges themselves alert.
            logger.warning("metrics: database state unavailable", exc_info=True)
            return
        yield GaugeMetricFamily("outbox_pending_count", "Outbox events waiting to be dispatched.", backlog.pending)
        yield GaugeMetricFamily("outbox_failed_count", "Outbox events that gave up after all retries.", backlog.failed)
        age = (timezone.now() - backlog.oldest_due_at).total_seconds() if backlog.oldest_due_at else 0.0
        yield GaugeMetricFamily(
            "outbox_oldest_due_age_seconds", "Seconds the oldest due PENDING outbox event has waited.", max(age, 0.0)
        )
        issues = GaugeMetricFamily(
            "data_quality_open_issues",
            "Open DataQualityIssue rows by check (python manage.py run_checks).",
            labels=["check_name"],
        )
        for check_name, count in sorted(open_issues.items()):
            issues.add_metric([check_name], count)
        yield issues


def render_metrics() -> bytes:
    database_state = CollectorRegistry()
    database_state.register(DatabaseStateCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    return generate_latest(processes) + generate_latest(database_state)


class _ErrorsAsJson(BaseContentNegotiation):
    """Scrapers send varied Accept headers; the metrics body is text, errors are always the JSON envelope."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class MetricsView(APIView):
    # The bearer token is the metrics token, not a JWT: no API authentication here.
    authentication_classes: list = []
    permission_classes: list = []
    content_negotiation_class = _ErrorsAsJson

    @extend_schema(
        tags=["operations"],
        summary="Prometheus metrics",
        description="Served to METRICS_ALLOWED_NETWORKS (by connecting address) or with "
        "`Authorization: Bearer <METRICS_TOKEN>`; everyone else gets 403.",
        auth=[],
        responses={
            (200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="Prometheus text format 0.0.4"),
            403: OpenApiResponse(ErrorEnvelopeSerializer, description="permission_denied"),
        },
    )
    def get(self, request):
        if not _scraper_allowed(request):
            raise PermissionDenied("Metrics are served to allowed networks or with the metrics token.")
        return HttpResponse(render_metrics(), content_type=CONTENT_TYPE_LATEST)


def _scraper_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    if token and authorization.startswith("Bearer "):
        offered = authorization.removeprefix("Bearer ").strip()
        if hmac.compare_digest(offered.encode(), token.encode()):
            return True
    # Behind a proxy on the same host REMOTE_ADDR is always loopback: judge the real client.
    return _address_allowed(client_ip(request) or "")


def _address_allowed(remote_addr: str) -> bool:
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:  # a dual-stack socket reports ::ffff:a.b.c.d
        address = address.ipv4_mapped
    for network in settings.METRICS_ALLOWED_NETWORKS:
        try:
            if address in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            logger.warning("metrics: ignoring invalid METRICS_ALLOWED_NETWORKS entry", extra={"entry": network})
    return False

"""POST /api/analytics/events/: a batch of client-side events, anonymous or signed in."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.views import APIView

from api.request_meta import client_ip, user_agent
from api.responses import ok
from api.serializers.analytics import (
    AnalyticsAcceptedEnvelopeSerializer,
    AnalyticsAcceptedSerializer,
    AnalyticsBatchInputSerializer,
)
from api.throttling import ScopedClientThrottle
from api.views.common import refusal, validated
from application.dto.analytics import AnalyticsEventItem, IngestAnalyticsEventsCommand
from application.use_cases.ingest_analytics_events import ingest_analytics_events


class AnalyticsEventsView(APIView):
    throttle_classes = [ScopedClientThrottle]
    throttle_scope = "analytics"

    @extend_schema(
        tags=["analytics"],
        summary="Record a batch of analytics events",
        description="Up to 100 events per call; anonymous callers allowed. The caller's IP address "
        "and user agent are stored with each event. All events are stored with one INSERT.",
        request=AnalyticsBatchInputSerializer,
        responses={
            202: AnalyticsAcceptedEnvelopeSerializer,
            400: refusal("validation_error, details per item"),
            401: refusal("token_not_valid (a bad JWT)"),
            413: refusal("request_too_large"),
            415: refusal("unsupported_media_type"),
            429: refusal("throttled"),
        },
        examples=[
            OpenApiExample(
                "Two page views",
                request_only=True,
                value={
                    "events": [
                        {"event_type": "page_view", "event_data": {"path": "/feed"}, "session_id": "s-1"},
                        {"event_type": "resource_opened", "event_data": {"resource_id": "…"}},
                    ]
                },
            )
        ],
    )
    def post(self, request):
        batch = validated(AnalyticsBatchInputSerializer, request.data)
        user = request.user
        result = ingest_analytics_events(
            IngestAnalyticsEventsCommand(
                events=tuple(AnalyticsEventItem(**item) for item in batch["events"]),
                user_id=user.pk if user.is_authenticated else None,
                ip_address=client_ip(request),
                user_agent=user_agent(request),
            )
        )
        return ok(AnalyticsAcceptedSerializer(result).data, status=status.HTTP_202_ACCEPTED)

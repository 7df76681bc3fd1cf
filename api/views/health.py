"""Probes for load balancers: liveness (the process answers) and readiness (it can serve)."""

from datetime import timedelta

from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from read_models.operations import database_reachable, stale_pending_outbox_count

_ProbeBody = inline_serializer(
    "ProbeStatus", {"status": serializers.ChoiceField(choices=["ok", "unavailable", "degraded"])}
)


class LivenessView(APIView):
    authentication_classes: list = []

    @extend_schema(tags=["operations"], responses={200: _ProbeBody}, summary="Liveness probe")
    def get(self, request):
        return Response({"status": "ok"})


class ReadinessView(APIView):
    authentication_classes: list = []

    @extend_schema(tags=["operations"], responses={200: _ProbeBody, 503: _ProbeBody}, summary="Readiness probe")
    def get(self, request):
        if not database_reachable():
            return Response({"status": "unavailable"}, status=503)
        threshold = settings.OUTBOX_BACKLOG_THRESHOLD
        backlog = stale_pending_outbox_count(
            older_than=timedelta(minutes=settings.OUTBOX_BACKLOG_AGE_MINUTES), cap=threshold
        )
        if backlog > threshold:
            return Response({"status": "degraded"}, status=503)
        return Response({"status": "ok"})

"""Input and output shapes of POST /api/analytics/events/."""

from django.conf import settings
from rest_framework import serializers


class AnalyticsEventInputSerializer(serializers.Serializer):
    event_type = serializers.CharField(max_length=100)
    event_data = serializers.DictField(required=False, default=dict)
    session_id = serializers.CharField(max_length=100, required=False, allow_null=True, default=None)


class AnalyticsBatchInputSerializer(serializers.Serializer):
    # A ListField reports errors keyed by item index, only for the items that are wrong.
    events = serializers.ListField(
        child=AnalyticsEventInputSerializer(),
        min_length=1,
        max_length=settings.ANALYTICS_MAX_EVENTS_PER_CALL,
    )


class AnalyticsAcceptedSerializer(serializers.Serializer):
    accepted = serializers.IntegerField(min_value=0)


class AnalyticsAcceptedEnvelopeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok"])
    data = AnalyticsAcceptedSerializer()


class AnalyticsErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.DictField()


class AnalyticsErrorEnvelopeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["error"])
    error = AnalyticsErrorDetailSerializer()

"""Input and output shapes of POST /api/analytics/events/."""

from django.conf import settings
from rest_framework import serializers

from api.serializers.strict import StrictInputSerializer

# Deep enough for any real event payload; bounds the work of checking and storing one.
MAX_EVENT_DATA_DEPTH = 10


class AnalyticsEventInputSerializer(StrictInputSerializer):
    event_type = serializers.CharField(max_length=100)
    event_data = serializers.DictField(required=False, default=dict)
    session_id = serializers.CharField(max_length=100, required=False, allow_null=True, default=None)

    def validate_event_data(self, value: dict) -> dict:
        _check_storable(value, depth=0)
        return value


def _check_storable(value, *, depth: int) -> None:
    """PostgreSQL's jsonb refuses NUL characters; refuse them here as a 400, not a 500 later."""
    if depth > MAX_EVENT_DATA_DEPTH:
        raise serializers.ValidationError(f"Nested deeper than {MAX_EVENT_DATA_DEPTH} levels.")
    if isinstance(value, str):
        if "\x00" in value:
            raise serializers.ValidationError("Strings may not contain NUL characters.")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_storable(key, depth=depth + 1)
            _check_storable(item, depth=depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_storable(item, depth=depth + 1)


class AnalyticsBatchInputSerializer(StrictInputSerializer):
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

"""Store a client's batch of analytics events in one INSERT."""

import ipaddress

from django.conf import settings

from analytics.services.client_events import (
    client_event_type,
    encoded_size,
    event_problems,
    max_request_bytes,
)
from analytics.services.track_event import TrackedEvent, track_events
from application.dto.analytics import AnalyticsIngestResult, IngestAnalyticsEventsCommand
from application.exceptions import AnalyticsBatchTooLarge, ValidationFailed


def ingest_analytics_events(command: IngestAnalyticsEventsCommand) -> AnalyticsIngestResult:
    limit = settings.ANALYTICS_MAX_EVENTS_PER_CALL
    if not command.events:
        raise ValidationFailed(details={"events": ["Send at least one event."]})
    if len(command.events) > limit:
        raise ValidationFailed(details={"events": [f"Send at most {limit} events per call."]})
    _check_storable(command)
    ip_address = _valid_ip_or_none(command.ip_address)
    # One INSERT, atomic by itself, with nothing checked against the database before it: no transaction.
    accepted = track_events(
        [
            TrackedEvent(
                event_type=client_event_type(item.event_type),
                event_data=item.event_data,
                session_id=item.session_id,
                user_id=command.user_id,
                ip_address=ip_address,
                user_agent=command.user_agent,
            )
            for item in command.events
        ]
    )
    return AnalyticsIngestResult(accepted=accepted)


def _check_storable(command: IngestAnalyticsEventsCommand) -> None:
    """Per item, as the serializer reports (keyed by index); then the batch's total size."""
    problems = {}
    for index, item in enumerate(command.events):
        found = event_problems(event_type=item.event_type, event_data=item.event_data, session_id=item.session_id)
        if found:
            problems[str(index)] = found
    if problems:
        raise ValidationFailed(details={"events": problems})
    total = sum(
        encoded_size(event_type=item.event_type, event_data=item.event_data, session_id=item.session_id)
        for item in command.events
    )
    if total > max_request_bytes():
        raise AnalyticsBatchTooLarge(f"The events of one call may take at most {max_request_bytes()} bytes as JSON.")


def _valid_ip_or_none(candidate: str | None) -> str | None:
    # A unix-socket deployment has no client address; an unparsable one must not fail the insert.
    if not candidate:
        return None
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None

"""Record user events: one row, or many in a single INSERT."""

from dataclasses import dataclass, field

from analytics.models import UserEvent


@dataclass(frozen=True, kw_only=True)
class TrackedEvent:
    event_type: str
    event_data: dict = field(default_factory=dict)
    user_id: object | None = None
    session_id: str | None = None
    ip_address: str | None = None
    user_agent: str | None = None


def track_event(event: TrackedEvent) -> None:
    track_events([event])


def track_events(events: list[TrackedEvent]) -> int:
    """Insert all `events` in one statement; returns how many were stored."""
    rows = [
        UserEvent(
            user_id=event.user_id,
            event_type=event.event_type,
            event_data=event.event_data,
            session_id=event.session_id,
            ip_address=event.ip_address,
            user_agent=(event.user_agent or "")[:500] or None,
        )
        for event in events
    ]
    UserEvent.objects.bulk_create(rows, batch_size=len(rows) or None)
    return len(rows)

"""Outbox handlers for comment events."""

from analytics.services.track_event import TrackedEvent, track_event
from core.outbox import handles, once_per_event


@handles("comment.created")
def record_comment_created(event) -> None:
    """One analytics row per comment, even when the event is delivered twice."""
    payload = event.payload
    once_per_event(
        event,
        "interactions.record_comment_created",
        lambda: track_event(
            TrackedEvent(
                event_type="comment.created",
                event_data={"comment_id": payload["comment_id"], "resource_id": payload["resource_id"]},
                user_id=payload.get("author_id"),
            )
        ),
    )

"""Business events from the outbox, recorded as UserEvents for analytics.

Delivery is at-least-once; `once_per_event` makes a redelivered event write no second row.
"""

import uuid

from analytics.services.track_event import TrackedEvent, track_event
from core.models import OutboxEvent
from core.outbox import handles, once_per_event
from interactions import events as interactions
from monetization import events as billing
from resources import events as resources
from users import events as users
from users.models import User

TRACKED_BUSINESS_EVENTS = (
    billing.PAYMENT_COMPLETED,
    billing.SUBSCRIPTION_ACTIVATED,
    billing.PAYMENT_FAILED,
    billing.PAYMENT_REFUNDED,
    billing.SUBSCRIPTION_CANCELED,
    billing.SUBSCRIPTION_EXPIRED,
    users.USER_REGISTERED,
    users.USER_ACTIVATED,
    resources.RESOURCE_PUBLISHED,
    resources.RESOURCE_VERSION_CREATED,
    resources.RESOURCE_DOWNLOADED,
    interactions.COMMENT_CREATED,
)


def record_business_event(event: OutboxEvent) -> None:
    once_per_event(event, "analytics.track", lambda: track_event(_tracked_event(event)))


for _event_type in TRACKED_BUSINESS_EVENTS:
    handles(_event_type)(record_business_event)


def _tracked_event(event: OutboxEvent) -> TrackedEvent:
    payload = event.payload if isinstance(event.payload, dict) else {"value": event.payload}
    return TrackedEvent(
        event_type=event.event_type,
        event_data={
            **payload,
            "outbox_event_id": str(event.pk),
            "aggregate_type": event.aggregate_type,
            "aggregate_id": event.aggregate_id,
        },
        user_id=_existing_user_id(event, payload),
    )


def _existing_user_id(event: OutboxEvent, payload: dict) -> uuid.UUID | None:
    """The user the event is about, if they still exist: a dangling id must not fail the insert."""
    candidate = payload.get("user_id") or payload.get("author_id")
    if candidate is None and event.aggregate_type == users.USER:
        candidate = event.aggregate_id
    try:
        user_id = uuid.UUID(str(candidate))
    except ValueError:
        return None
    return user_id if User.objects.filter(pk=user_id).exists() else None

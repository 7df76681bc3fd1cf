"""What a client may put in the events table: its own namespace, bounded sizes, storable text.

Client event types are stored under `client.`, a namespace no outbox event type uses, so a
visitor cannot write rows that read as business facts (`billing.payment_completed`).
"""

import json

from django.conf import settings

from analytics.models import UserEvent

CLIENT_NAMESPACE = "client."
_TYPE_MAX_LENGTH = UserEvent._meta.get_field("event_type").max_length


def client_event_type(sent: str) -> str:
    """The stored type: `page_view` becomes `client.page_view`; `client.page_view` stays."""
    return sent if sent.startswith(CLIENT_NAMESPACE) else CLIENT_NAMESPACE + sent


def encoded_size(*, event_type: str, event_data: dict, session_id: str | None) -> int:
    """Bytes of the event as JSON in UTF-8: what storing it costs, whatever the client sent."""
    text = json.dumps([event_type, event_data, session_id], ensure_ascii=False, separators=(",", ":"))
    return len(text.encode("utf-8", "surrogatepass"))


def event_problems(*, event_type: str, event_data: dict, session_id: str | None) -> dict[str, list[str]]:
    """Field -> reasons this event cannot be stored; empty when it can."""
    problems: dict[str, list[str]] = {}
    if _has_lone_surrogate(event_type):
        problems["event_type"] = [_SURROGATE_MESSAGE]
    elif len(client_event_type(event_type)) > _TYPE_MAX_LENGTH:
        limit = _TYPE_MAX_LENGTH - len(CLIENT_NAMESPACE)
        problems["event_type"] = [f"Ensure this field has no more than {limit} characters."]
    if session_id is not None and _has_lone_surrogate(session_id):
        problems["session_id"] = [_SURROGATE_MESSAGE]
    if _has_lone_surrogate(event_data):
        problems["event_data"] = [_SURROGATE_MESSAGE]
    elif encoded_size(event_type=event_type, event_data=event_data, session_id=session_id) > max_event_bytes():
        problems["event_data"] = [f"An event may take at most {max_event_bytes()} bytes as JSON."]
    return problems


def max_event_bytes() -> int:
    return settings.ANALYTICS_MAX_EVENT_BYTES


def max_request_bytes() -> int:
    return settings.ANALYTICS_MAX_REQUEST_BYTES


# A lone surrogate (JSON "\ud800") is not text: PostgreSQL's jsonb and varchar refuse it.
_SURROGATE_MESSAGE = "Text may not contain lone surrogates (invalid Unicode)."


def _has_lone_surrogate(value) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if any("\ud800" <= character <= "\udfff" for character in item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False

"""Client events are bounded and namespaced: lone surrogates are a 400 on both databases (jsonb
refuses them), one event and one call have byte limits, and a client type never reads as an
outbox-written business event."""

import json

import pytest

from analytics.handlers import TRACKED_BUSINESS_EVENTS
from analytics.models import UserEvent
from analytics.services.client_events import CLIENT_NAMESPACE
from core.outbox import registry

pytestmark = pytest.mark.django_db
URL = "/api/analytics/events/"


def send(client, events: list[dict]):
    # json.dumps writes lone surrogates as \ud800 escapes, as a hostile client would.
    return client.post(URL, data=json.dumps({"events": events}), content_type="application/json")


@pytest.mark.parametrize(
    "event",
    [
        {"event_type": "page_view", "event_data": {"path": "/feed\ud800"}},
        {"event_type": "page_view", "event_data": {"\udfff": 1}},
        {"event_type": "page_view", "event_data": {"nested": [{"deeper": ["\ud83d"]}]}},
        {"event_type": "page_view\ud800"},
        {"event_type": "page_view", "session_id": "s-\udc00"},
    ],
)
def test_a_lone_surrogate_anywhere_in_an_event_is_a_400_and_nothing_is_stored(api_client, event):
    response = send(api_client, [{"event_type": "fine"}, event])
    assert response.status_code == 400
    # Not text at all: the JSON parser refuses the body before any event is read.
    assert response.json()["error"]["code"] == "malformed_json"
    assert not UserEvent.objects.exists()


def test_a_proper_surrogate_pair_is_just_an_emoji(api_client):
    response = send(api_client, [{"event_type": "reacted", "event_data": {"emoji": "\U0001f600"}}])
    assert response.status_code == 202
    assert UserEvent.objects.get().event_data == {"emoji": "\U0001f600"}


def test_one_event_over_the_per_event_limit_is_refused_by_index(api_client, settings):
    settings.ANALYTICS_MAX_EVENT_BYTES = 1000
    events = [
        {"event_type": "ok", "event_data": {"blob": "x" * 100}},
        {"event_type": "big", "event_data": {"blob": "x" * 1000}},
    ]
    response = send(api_client, events)
    assert response.status_code == 400
    assert list(response.json()["error"]["details"]["events"]) == ["1"]
    assert "event_data" in response.json()["error"]["details"]["events"]["1"]
    assert not UserEvent.objects.exists()


def test_a_megabyte_event_is_refused_with_the_default_limits(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
    response = send(api_client, [{"event_type": "huge", "event_data": {"blob": "x" * 1_000_000}}])
    assert response.status_code == 400
    assert not UserEvent.objects.exists()


def test_multibyte_text_counts_in_utf8_bytes(api_client, settings):
    settings.ANALYTICS_MAX_EVENT_BYTES = 1000
    response = send(api_client, [{"event_type": "t", "event_data": {"text": "\u00e9" * 600}}])  # 1,200 bytes
    assert response.status_code == 400


def test_a_call_over_the_per_request_total_is_a_413_and_nothing_is_stored(api_client, settings):
    settings.ANALYTICS_MAX_EVENT_BYTES = 2000
    settings.ANALYTICS_MAX_REQUEST_BYTES = 5000
    events = [{"event_type": "page_view", "event_data": {"blob": "x" * 1500}} for _ in range(4)]
    response = send(api_client, events)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert not UserEvent.objects.exists()
    assert send(api_client, events[:3]).status_code == 202


@pytest.mark.parametrize("sent", ["billing.payment_completed", "user.registered", "comment.created", "page_view"])
def test_client_event_types_are_stored_in_the_client_namespace(api_client, sent):
    assert send(api_client, [{"event_type": sent}]).status_code == 202
    assert UserEvent.objects.get().event_type == f"client.{sent}"


def test_a_type_already_in_the_client_namespace_is_kept(api_client):
    assert send(api_client, [{"event_type": "client.page_view"}]).status_code == 202
    assert UserEvent.objects.get().event_type == "client.page_view"


def test_a_type_too_long_once_namespaced_is_a_400_not_a_database_error(api_client):
    response = send(api_client, [{"event_type": "x" * 100}])
    assert response.status_code == 400
    assert "event_type" in response.json()["error"]["details"]["events"]["0"]


def test_no_outbox_event_type_uses_the_client_namespace():
    registry.autodiscover_handlers()
    outbox_types = {*TRACKED_BUSINESS_EVENTS, *registry._handlers}
    assert outbox_types and not [t for t in outbox_types if t.startswith(CLIENT_NAMESPACE)]

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle
from rest_framework_simplejwt.tokens import AccessToken

from analytics.models import UserEvent
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/analytics/events/"


def batch(size: int) -> dict:
    return {"events": [{"event_type": "page_view", "event_data": {"n": i}, "session_id": "s-1"} for i in range(size)]}


def test_a_batch_of_100_is_stored_with_one_insert(api_client, django_assert_num_queries):
    with django_assert_num_queries(1) as captured:
        response = api_client.post(URL, batch(100), format="json")
    assert response.status_code == 202
    assert response.json() == {"status": "ok", "data": {"accepted": 100}}
    assert captured.captured_queries[0]["sql"].startswith("INSERT INTO")
    assert sorted(UserEvent.objects.values_list("event_data__n", flat=True)) == list(range(100))


def test_a_batch_of_101_is_refused_and_nothing_is_stored(api_client):
    response = api_client.post(URL, batch(101), format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "error" and body["error"]["code"] == "validation_error"
    assert "events" in body["error"]["details"]
    assert not UserEvent.objects.exists()


def test_an_empty_batch_is_refused(api_client):
    response = api_client.post(URL, {"events": []}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "validation_error"


def test_bad_items_are_reported_per_item_in_the_error_envelope(api_client):
    events = [
        {"event_type": "page_view"},
        {"event_data": {"path": "/"}},
        {"event_type": "x" * 101, "event_data": "not an object"},
    ]
    response = api_client.post(URL, {"events": events}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    per_item = error["details"]["events"]
    assert set(per_item) == {"1", "2"}  # the valid first item is not mentioned
    assert "event_type" in per_item["1"]
    assert set(per_item["2"]) == {"event_type", "event_data"}
    assert not UserEvent.objects.exists()


def test_anonymous_events_are_accepted_with_ip_and_user_agent(api_client):
    response = api_client.post(
        URL,
        {"events": [{"event_type": "signup_viewed", "event_data": {"step": 1}}]},
        format="json",
        REMOTE_ADDR="203.0.113.7",
        HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64)",
    )
    assert response.status_code == 202
    event = UserEvent.objects.get()
    assert (event.user_id, event.event_type, event.event_data) == (None, "client.signup_viewed", {"step": 1})
    assert (event.ip_address, event.user_agent, event.session_id) == (
        "203.0.113.7",
        "Mozilla/5.0 (X11; Linux x86_64)",
        None,
    )


def test_a_signed_in_caller_is_recorded_as_the_events_user():
    user = UserFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    response = client.post(URL, batch(2), format="json")
    assert response.status_code == 202
    assert list(UserEvent.objects.values_list("user_id", flat=True)) == [user.pk, user.pk]


def test_x_forwarded_for_is_ignored_unless_proxies_are_trusted(api_client, settings):
    headers = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.1, 203.0.113.9"}
    api_client.post(URL, batch(1), format="json", **headers)
    settings.TRUSTED_PROXY_COUNT = 1
    api_client.post(URL, batch(1), format="json", **headers)
    assert list(UserEvent.objects.order_by("created_at").values_list("ip_address", flat=True)) == [
        "10.0.0.2",
        "203.0.113.9",  # what the one trusted proxy saw; the client-written first hop is not trusted
    ]


def test_an_overlong_user_agent_is_cut_to_fit(api_client):
    api_client.post(URL, batch(1), format="json", HTTP_USER_AGENT="a" * 800)
    assert UserEvent.objects.get().user_agent == "a" * 500


def test_ingestion_is_throttled_per_caller(api_client, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "analytics", "2/min")
    statuses = [api_client.post(URL, batch(1), format="json").status_code for _ in range(3)]
    assert statuses == [202, 202, 429]
    assert UserEvent.objects.count() == 2


def test_a_forged_x_forwarded_for_does_not_dodge_the_anonymous_throttle(api_client, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "analytics", "2/min")
    statuses = [
        api_client.post(URL, batch(1), format="json", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(3)
    ]
    assert statuses == [202, 202, 429]


def test_event_data_that_postgresql_cannot_store_is_refused_as_validation_error(api_client):
    deep: dict = {}
    node = deep
    for _ in range(12):
        node["next"] = {}
        node = node["next"]
    events = [
        {"event_type": "ok", "event_data": {"text": "a\u0000b"}},
        {"event_type": "ok", "event_data": {"list": [{"k\u0000": 1}]}},
        {"event_type": "ok", "event_data": deep},
        {"event_type": "ok", "event_data": {"fine": [1, "two", {"three": None}]}},
    ]
    response = api_client.post(URL, {"events": events}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]["events"]) == {"0", "1", "2"}
    assert not UserEvent.objects.exists()

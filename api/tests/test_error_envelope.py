import pytest
from django.test import Client, override_settings
from rest_framework_simplejwt.tokens import AccessToken

from users.tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("api.tests.envelope_urls")]


def assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)
    return body["error"]


def test_unknown_route_is_a_json_404(client):
    assert_envelope(client.get("/no/such/route/"), 404, "not_found")


def test_unknown_route_is_json_in_debug_mode_too(client, settings):
    settings.DEBUG = True
    assert_envelope(client.get("/api/no-such-thing/"), 404, "not_found")


def test_a_post_without_the_trailing_slash_is_a_json_404_not_a_redirect(client):
    response = client.post("/echo", data={"title": "x", "count": 1}, content_type="application/json")
    assert_envelope(response, 404, "not_found")


def test_wrong_method_is_405(client):
    assert_envelope(client.delete("/health/live/"), 405, "method_not_allowed")


def test_malformed_json_is_400(client):
    response = client.post("/echo/", data="{not json", content_type="application/json")
    assert_envelope(response, 400, "malformed_json")


def test_unsupported_media_type_is_415(client):
    response = client.post("/echo/", data="title=x", content_type="application/x-www-form-urlencoded")
    assert_envelope(response, 415, "unsupported_media_type")


def test_validation_errors_are_listed_per_field(client):
    body = {"title": "far too long a title", "count": 0}
    response = client.post("/echo/", data=body, content_type="application/json")
    error = assert_envelope(response, 400, "validation_error")
    assert set(error["details"]) == {"title", "count"}


def test_application_error_keeps_its_specific_code(client):
    response = client.post("/echo/", data={"title": "taken", "count": 1}, content_type="application/json")
    assert_envelope(response, 409, "title_taken")


def test_success_uses_the_ok_envelope(client):
    response = client.post("/echo/", data={"title": "fine", "count": 2}, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "data": {"title": "fine", "count": 2}}


def test_missing_credentials_are_401(client):
    assert_envelope(client.get("/private/"), 401, "not_authenticated")


def test_garbage_bearer_token_is_401_token_not_valid(client):
    response = client.get("/private/", HTTP_AUTHORIZATION="Bearer not-a-jwt")
    assert_envelope(response, 401, "token_not_valid")


def test_token_of_deactivated_user_stops_working(client):
    user = UserFactory()
    token = str(AccessToken.for_user(user))
    assert client.get("/private/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    user.is_active = False
    user.save()
    assert_envelope(client.get("/private/", HTTP_AUTHORIZATION=f"Bearer {token}"), 401, "token_not_valid")


def test_oversized_body_is_413(client):
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100):
        response = client.post("/echo/", data={"title": "x" * 500, "count": 1}, content_type="application/json")
    assert_envelope(response, 413, "request_too_large")


def test_unexpected_exception_is_a_json_500_not_html():
    response = Client(raise_request_exception=False).get("/crash/")
    assert_envelope(response, 500, "server_error")


def test_lost_database_connection_is_a_503_that_invites_a_retry(client):
    response = client.get("/database-down/")
    assert_envelope(response, 503, "service_unavailable")
    assert response["Retry-After"] == "5"


def test_a_row_deleted_by_a_concurrent_request_is_a_404_not_a_500(client):
    assert_envelope(client.get("/vanished/"), 404, "not_found")


def test_request_id_is_echoed_or_generated(client):
    assert client.get("/health/live/", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    generated = client.get("/health/live/", HTTP_X_REQUEST_ID="bad id\nwith newline")["X-Request-ID"]
    assert generated and "\n" not in generated and generated != "bad id\nwith newline"

"""JSON bodies: a nesting limit and a size limit on every endpoint, never a 500."""

import io
import json

import orjson
import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from api.parsers import MAX_JSON_DEPTH, RequestTooLarge, StrictJSONParser, nested_deeper_than
from api.tests.schema_operations import body_operations
from monetization.tests.stripe_fixtures import stripe_signature
from users.models import User
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OPERATIONS = body_operations()
# Stripe's webhook reads the raw body and checks its signature before anything parses it.
RAW_BODY_PATHS = {"/api/billing/webhook/"}
JSON_OPERATIONS = [op for op in OPERATIONS if "application/json" in op.content_types]


def nested(depth: int) -> str:
    """An array `depth` levels deep."""
    return "[" * depth + "]" * depth


@pytest.fixture
def signed_in() -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(UserFactory(username='parser'))}")
    return client


def send(client: APIClient, operation, body: str):
    return client.generic(operation.method, operation.url, body, content_type="application/json")


def test_ten_thousand_levels_to_register_is_a_400_not_a_recursion_error(client):
    body = '{"email": ' + nested(10_000) + "}"
    response = client.post("/api/auth/register/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"
    assert not User.objects.exists()


def test_sixty_four_levels_parse_and_reach_validation(client):
    # The object is level 1, so 63 arrays inside it make 64 levels.
    body = '{"email": ' + nested(MAX_JSON_DEPTH - 1) + ', "password": "long enough pass"}'
    response = client.post("/api/auth/register/", body, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "email" in error["details"]


def test_sixty_five_levels_are_malformed_json(client):
    body = '{"email": ' + nested(MAX_JSON_DEPTH) + "}"
    response = client.post("/api/auth/register/", body, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "malformed_json"
    assert "64" in error["message"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("{not json", id="syntax"),
        pytest.param('{"email": NaN}', id="nan"),
        pytest.param(b'{"email": "\xff"}', id="invalid-utf8"),
        pytest.param('{"email": "\\ud800"}', id="lone-surrogate"),
        pytest.param('{"email": "a"} trailing', id="trailing-data"),
    ],
)
def test_what_is_not_strict_json_is_malformed_json(client, body):
    response = client.post("/api/auth/register/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"


def test_an_empty_body_is_an_empty_object_as_before(client):
    response = client.post("/api/auth/register/", "", content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"email", "password"}


@pytest.mark.parametrize("operation", [op for op in JSON_OPERATIONS if op.path not in RAW_BODY_PATHS], ids=str)
def test_every_json_endpoint_refuses_deep_nesting_as_malformed_json(signed_in, operation):
    response = send(signed_in, operation, nested(10_000))
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "malformed_json"


@pytest.mark.parametrize("operation", [op for op in JSON_OPERATIONS if op.path in RAW_BODY_PATHS], ids=str)
def test_the_raw_body_endpoint_answers_deep_nesting_with_a_4xx(signed_in, operation):
    response = send(signed_in, operation, nested(10_000))
    assert 400 <= response.status_code < 500, response.content


def test_a_signed_webhook_nested_past_the_stack_is_malformed_event_not_a_500(client, settings):
    body = ('{"id": "evt_deep", "type": "invoice.paid", "data": {"object": ' + nested(10_000) + "}}").encode()
    response = client.post(
        "/api/billing/webhook/",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe_signature(body, settings.STRIPE_WEBHOOK_SECRET),
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_event"


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_every_endpoint_refuses_a_body_over_the_limit_with_413(signed_in, operation):
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        response = send(signed_in, operation, '{"padding": "' + "x" * 2000 + '"}')
    assert response.status_code == 413, response.content
    assert response.json()["error"]["code"] == "request_too_large"


def test_the_parser_bounds_a_body_that_announced_no_length():
    """The middleware judges Content-Length; the parser still reads no more than the limit."""
    stream = io.BytesIO(b'{"padding": "' + b"x" * 5000 + b'"}')
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000), pytest.raises(RequestTooLarge):
        StrictJSONParser().parse(stream)
    assert stream.tell() == 1001


def depth_of(value) -> int:
    """The reference: levels of arrays and objects, walking the parsed value."""
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    return 0


@pytest.mark.parametrize(
    ("value", "deeper"),
    [
        (1, False),
        ({}, False),
        ([[[]]], False),
        ([[[[]]]], True),
        ({"a": [{"b": [1]}]}, True),
        ([[1], [2], [[3]]], False),
        ({"text": "[[[[[[[[ brackets in a string", "list": [[1]]}, False),
        ({"a\\": ["\\", '"[', ["]]]]", {"k": '\\"}'}]]}, True),
    ],
)
def test_nesting_depth_counts_arrays_and_objects_outside_strings(value, deeper):
    assert nested_deeper_than(orjson.dumps(value), 3) is deeper


_TEXT = st.text(alphabet=st.sampled_from('[]{}"\\ab\n'), max_size=6)
_JSON = st.recursive(
    st.none() | st.integers() | _TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_TEXT, children, max_size=3),
    max_leaves=40,
)


@given(value=_JSON, limit=st.integers(min_value=0, max_value=8), indent=st.booleans())
@hypothesis_settings(max_examples=300, deadline=None)
def test_the_byte_level_depth_check_agrees_with_walking_the_value(value, limit, indent):
    raw = json.dumps(value, indent=2 if indent else None, ensure_ascii=False).encode()
    assert nested_deeper_than(raw, limit) is (depth_of(value) > limit)

"""Hostile-text fuzzing of every /api/ operation of the served schema, on both databases.

Schemathesis' generators rarely produce lone surrogates, confusables, bidi or zero-width
marks, NUL or calendar-edge timestamps; this walks the same schema and fills every path,
query, header and body value from `hostile_text` strategies instead. Every answer must be
below 500 and, when it has a body, the envelope: `{"status": "ok", "data": ...}` or
`{"status": "error", "error": {"code", "message", "details"}}` (errors always the latter).

Bodies go out as JSON with \\u escapes and query strings as percent-encoded bytes, exactly as
a hostile HTTP client can send them (a lone surrogate has no UTF-8 form). Deep nesting is not
generated: the parser's depth limit belongs to the strict-input rules and their tests. Lone
surrogates go into JSON bodies only once the JSON parser refuses them (the strict parser does):
before that, any text field on PostgreSQL would fail on them, and the fields where they were
reported (emails, analytics) have their own tests that send them regardless.
"""

import functools
import io
import json
import os
import uuid
from collections import Counter
from urllib.parse import quote

import pytest
import schemathesis
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ParseError
from rest_framework.settings import api_settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from api.tests.hostile_text import calendar_edge_cursors, edge_integers, hostile_email, hostile_text
from interactions.tests.factories import CommentFactory
from resources.tests.factories import ResourceFactory, ResourceVersionFactory
from ressourcefy.wsgi import application
from users.tests.factories import UserFactory

# These tests call the WSGI application itself.
pytestmark = pytest.mark.usefixtures("wsgi_keeps_test_connection")
RAW_SCHEMA = schemathesis.openapi.from_wsgi("/schema/", application).raw_schema
METHODS = ("get", "post", "put", "patch", "delete")
OPERATIONS = [
    (method, path, operation)
    for path, item in RAW_SCHEMA["paths"].items()
    if path.startswith("/api/")
    for method, operation in item.items()
    if method in METHODS
]
# 15 keeps the suite quick; FUZZ_EXAMPLES=200 for a deeper run.
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "15"))
REQUESTS: Counter = Counter()  # (vendor, method path) -> requests sent; printed at the end


@functools.cache
def _json_parser_refuses_lone_surrogates() -> bool:
    parser = next(parser() for parser in api_settings.DEFAULT_PARSER_CLASSES if parser.media_type == "application/json")
    try:
        parser.parse(io.BytesIO(b'"\\ud800"'), "application/json", {})
    except ParseError:
        return True
    return False


def _without_lone_surrogates(value):
    if isinstance(value, str):
        return "".join(character for character in value if not "\ud800" <= character <= "\udfff")
    if isinstance(value, dict):
        return {_without_lone_surrogates(key): _without_lone_surrogates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_lone_surrogates(item) for item in value]
    return value


def _resolve(node: dict) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = RAW_SCHEMA["components"]["schemas"][name]
    return node


def _value(node: dict, known_ids: list[str], depth: int = 0) -> st.SearchStrategy:
    """A hostile value shaped (mostly) like the schema asks, so it reaches the handler."""
    node = _resolve(node or {})
    choices = node.get("oneOf") or node.get("anyOf") or node.get("allOf")
    if choices:
        return st.one_of([_value(choice, known_ids, depth) for choice in choices])
    kind = node.get("type")
    if kind == "string":
        if node.get("format") == "uuid":
            return st.one_of(st.sampled_from(known_ids), hostile_text)
        if node.get("format") == "email":
            return hostile_email
        if node.get("enum"):
            return st.one_of(st.sampled_from([value for value in node["enum"] if value is not None]), hostile_text)
        return hostile_text
    if kind in ("integer", "number"):
        return st.one_of(edge_integers, hostile_text)
    if kind == "boolean":
        return st.one_of(st.booleans(), hostile_text)
    if depth >= 3:
        return hostile_text
    if kind == "array":
        return st.lists(_value(node.get("items", {}), known_ids, depth + 1), max_size=3)
    if kind == "object" or "properties" in node:
        properties = node.get("properties", {})
        fields = {
            name: _value(schema, known_ids, depth + 1)
            for name, schema in properties.items()
            if not _resolve(schema).get("readOnly")
        }
        shaped = st.fixed_dictionaries({}, optional=fields) if fields else st.just({})
        free = st.dictionaries(hostile_text, st.one_of(hostile_text, edge_integers), max_size=3)
        return st.one_of(shaped, shaped, free) if node.get("additionalProperties") else shaped
    return st.one_of(hostile_text, edge_integers)


def _body_schema(operation: dict) -> dict | None:
    content = operation.get("requestBody", {}).get("content", {})
    return content.get("application/json", {}).get("schema") if "application/json" in content else None


def _percent(text: str) -> str:
    # Lone surrogates become the bytes a hostile client can send (invalid UTF-8).
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


@st.composite
def _request(draw, operation: dict, path: str, known_ids: list[str]):
    url, query, headers = path, [], {}
    for parameter in operation.get("parameters", []):
        name, where = parameter["name"], parameter["in"]
        schema = parameter.get("schema", {})
        if where == "path":
            value = draw(st.one_of(st.sampled_from(known_ids), st.sampled_from(known_ids), hostile_text))
            url = url.replace("{" + name + "}", _percent(value))
        elif where == "query" and draw(st.booleans()):
            strategy = calendar_edge_cursors if name == "cursor" else _value(schema, known_ids)
            query.append(f"{_percent(name)}={_percent(str(draw(strategy)))}")
        elif where == "header" and draw(st.booleans()):
            # WSGI headers are latin-1: keep what a client can put on the wire.
            value = draw(hostile_text).encode("utf-8", "surrogatepass").decode("latin-1")
            headers["HTTP_" + name.upper().replace("-", "_")] = value.replace("\r", "").replace("\n", "")
    if draw(st.booleans()):
        headers["HTTP_USER_AGENT"] = draw(hostile_text).encode("utf-8", "surrogatepass").decode("latin-1")
    body_schema = _body_schema(operation)
    body = draw(_value(body_schema, known_ids)) if body_schema is not None else None
    if not (_json_parser_refuses_lone_surrogates() or os.environ.get("FUZZ_BODY_SURROGATES")):
        body = _without_lone_surrogates(body)
    if query:
        url += "?" + "&".join(query)
    return url, body, headers


def _assert_envelope(response, label: str) -> None:
    assert response.status_code < 500, f"{label} -> {response.status_code}: {response.content[:500]!r}"
    if response.status_code in (204, 302) or not response.content:
        return
    assert response["Content-Type"].startswith("application/json"), f"{label}: {response['Content-Type']}"
    body = json.loads(response.content)
    assert body.get("status") in ("ok", "error"), f"{label}: {body!r:.300}"
    if response.status_code >= 400 or body["status"] == "error":
        assert body["status"] == "error", f"{label}: {body!r:.300}"
        error = body["error"]
        assert isinstance(error["code"], str) and isinstance(error["message"], str), f"{label}: {body!r:.300}"
        assert isinstance(error["details"], dict), f"{label}: {body!r:.300}"
    else:
        assert "data" in body, f"{label}: {body!r:.300}"


@pytest.fixture(autouse=True)
def _no_throttling(monkeypatch):
    """Throttling answers 429 by design; the fuzz measures the handlers behind it."""
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "allow_request", lambda self, request, view: True)


@pytest.fixture
def world(db, fake_stripe):
    """A signed-in fuzzer with a resource, a version and a comment, so ids in paths are real."""
    fuzzer = UserFactory(username="fuzzer")
    own = ResourceFactory(author=fuzzer)
    other = ResourceFactory()
    ResourceVersionFactory(resource=other)
    comment = CommentFactory(resource=other)
    known_ids = [str(own.pk), str(other.pk), str(comment.pk), str(fuzzer.pk), str(uuid.uuid4())]
    return {"bearer": f"Bearer {AccessToken.for_user(fuzzer)}", "known_ids": known_ids}


def _fuzz(method: str, path: str, operation: dict, world: dict, *, signed_in: bool, vendor: str) -> None:
    client = APIClient()
    if signed_in:
        client.credentials(HTTP_AUTHORIZATION=world["bearer"])

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(request=_request(operation, path, world["known_ids"]))
    def run(request):
        url, body, headers = request
        data = json.dumps(body) if body is not None else None  # ensure_ascii: \ud800 escapes
        with transaction.atomic():  # a failed statement must not poison the next example's requests
            response = client.generic(method.upper(), url, data=data or "", content_type="application/json", **headers)
        REQUESTS[(vendor, f"{method.upper()} {path}")] += 1
        _assert_envelope(response, f"{method.upper()} {url} body={data!r:.200}")

    run()


CASES = [pytest.param(method, path, operation, id=f"{method.upper()} {path}") for method, path, operation in OPERATIONS]


@pytest.mark.parametrize(("method", "path", "operation"), CASES)
def test_hostile_text_never_gets_a_500_anonymous(method, path, operation, world, on_postgres):
    _fuzz(method, path, operation, world, signed_in=False, vendor="postgresql" if on_postgres else "sqlite")


@pytest.mark.parametrize(("method", "path", "operation"), CASES)
def test_hostile_text_never_gets_a_500_signed_in(method, path, operation, world, on_postgres):
    _fuzz(method, path, operation, world, signed_in=True, vendor="postgresql" if on_postgres else "sqlite")


def _request_totals() -> str:
    totals = Counter()
    for (vendor, _), count in REQUESTS.items():
        totals[vendor] += count
    return ", ".join(f"{vendor}: {count} requests" for vendor, count in sorted(totals.items()))


@pytest.fixture(scope="module", autouse=True)
def _print_request_counts():
    yield
    if REQUESTS:
        print(f"\nhostile-text fuzz: {_request_totals()} over {len(OPERATIONS)} operations")

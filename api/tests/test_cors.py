"""A browser app on a dev server calls the API cross-origin: preflight, then the request."""

import json
import os
import subprocess
import sys

import pytest
import requests
from django.conf import settings

DEV_ORIGINS = [f"http://{host}:{port}" for host in ("localhost", "127.0.0.1") for port in (3000, 5173, 8080)]


def preflight(base_url: str, origin: str) -> requests.Response:
    return requests.options(
        f"{base_url}/api/billing/checkout/",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key, x-request-id",
        },
        timeout=10,
    )


@pytest.mark.parametrize("origin", ["http://localhost:5173", "http://127.0.0.1:8080"])
def test_a_preflight_from_a_dev_server_allows_the_idempotency_and_request_id_headers(live_server, origin):
    response = preflight(live_server.url, origin)

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    allowed = {name.strip() for name in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key", "x-request-id"} <= allowed


def test_an_unknown_origin_gets_no_cors_headers(live_server):
    response = preflight(live_server.url, "http://evil.example")

    assert "Access-Control-Allow-Origin" not in response.headers


def test_the_response_exposes_the_request_id_to_the_browser(live_server):
    response = requests.get(f"{live_server.url}/health/live/", headers={"Origin": "http://localhost:5173"}, timeout=10)

    exposed = {name.strip().lower() for name in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"x-request-id", "idempotency-key"} <= exposed
    assert response.headers["X-Request-ID"]


def origins_allowed_at_start(**variables: str) -> list[str]:
    """CORS_ALLOWED_ORIGINS as settings.py computes it in a fresh process with only `variables` set."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CORS_"))}
    environment.update(variables)
    script = "import json; from ressourcefy import settings; print(json.dumps(settings.CORS_ALLOWED_ORIGINS))"
    run = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", script], cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_debug_mode_allows_the_usual_dev_servers_by_default():
    assert origins_allowed_at_start(DJANGO_DEBUG="1") == DEV_ORIGINS


def test_production_allows_no_origin_unless_configured():
    assert origins_allowed_at_start(DJANGO_SECRET_KEY="a-production-secret-for-this-test") == []
    assert origins_allowed_at_start(
        DJANGO_SECRET_KEY="a-production-secret-for-this-test", CORS_ALLOWED_ORIGINS="https://app.example"
    ) == ["https://app.example"]

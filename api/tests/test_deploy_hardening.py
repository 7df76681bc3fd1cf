"""Production settings: secure by default, driven by the environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "PATH": os.environ.get("PATH", ""),
    "DJANGO_SETTINGS_MODULE": "ressourcefy.settings",
    "DJANGO_SECRET_KEY": "k" * 20 + "-production-secret-key-that-is-long-and-random-9f3a",
    "DJANGO_ALLOWED_HOSTS": "api.ressourcefy.example",
    # A deploy with every feature configured (operations/settings_checks.py), and no .env file.
    "DJANGO_ENV_FILE": os.devnull,
    "FRONTEND_URL": "https://app.ressourcefy.example",
    "STRIPE_SECRET_KEY": "sk_live_production",
    "STRIPE_WEBHOOK_SECRET": "whsec_production",
    "STRIPE_PRICE_IDS": "price_premium_monthly",
    "RESEND_API_KEY": "re_production",
}


def run_manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - fixed argv, our own manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def settings_value(expression: str, env: dict) -> str:
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_deploy_check_passes_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "DJANGO_SECRET_KEY"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_debug_is_off_unless_asked_for():
    assert settings_value("settings.DEBUG", PRODUCTION_ENV) == "False"
    assert settings_value("settings.DEBUG", {**PRODUCTION_ENV, "DJANGO_DEBUG": "1"}) == "True"


def test_jwt_signing_key_is_separate_from_the_secret_key_when_configured():
    env = {**PRODUCTION_ENV, "JWT_SIGNING_KEY": "a-separate-jwt-signing-key"}
    assert settings_value("settings.SIMPLE_JWT['SIGNING_KEY']", env) == "a-separate-jwt-signing-key"


@pytest.mark.django_db
def test_cors_answers_only_configured_origins(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.ressourcefy.example"]
    allowed = client.get("/health/live/", HTTP_ORIGIN="https://app.ressourcefy.example")
    assert allowed["Access-Control-Allow-Origin"] == "https://app.ressourcefy.example"
    refused = client.get("/health/live/", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in refused

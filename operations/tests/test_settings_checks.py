"""Production start-up checks: each setting a feature needs, named in a clear message."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings

from operations.settings_checks import (
    check_billing_settings,
    check_database_settings,
    check_host_settings,
    check_mail_settings,
)

CONFIGURED = {
    "STRIPE_SECRET_KEY": "sk_live_configured",
    "STRIPE_WEBHOOK_SECRET": "whsec_configured",
    "STRIPE_PRICE_IDS": ["price_premium_monthly"],
    "STRIPE_API_BASE": "",
    "RESEND_API_KEY": "re_configured",
    "ALLOWED_HOSTS": ["api.example.com"],
    "FRONTEND_URL": "https://app.example.com",
    "DATABASE_POOLER": "",
    "DATABASE_LISTEN_URL": "",
}


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.TESTING = False
    for name, value in CONFIGURED.items():
        setattr(settings, name, value)
    return settings


def ids(problems) -> list[str]:
    return [problem.id for problem in problems]


def all_checks() -> list:
    return check_billing_settings() + check_mail_settings() + check_host_settings() + check_database_settings()


def test_a_fully_configured_production_passes(production):
    assert all_checks() == []


@pytest.mark.parametrize(
    ("name", "check_id"),
    [
        ("STRIPE_SECRET_KEY", "ressourcefy.E001"),
        ("STRIPE_PRICE_IDS", "ressourcefy.E002"),
        ("STRIPE_WEBHOOK_SECRET", "ressourcefy.E003"),
    ],
)
def test_each_missing_stripe_setting_is_an_error_naming_it(production, name, check_id):
    setattr(production, name, [] if name == "STRIPE_PRICE_IDS" else "")

    (problem,) = check_billing_settings()

    assert problem.id == check_id and problem.is_serious()
    assert problem.msg == f"{name} is not set."
    assert name in problem.hint


def test_a_stripe_api_base_in_production_is_a_warning(production):
    production.STRIPE_API_BASE = "http://127.0.0.1:12111"

    (problem,) = check_billing_settings()

    assert problem.id == "ressourcefy.W001" and not problem.is_serious()
    assert "127.0.0.1:12111" in problem.msg


def test_mail_that_goes_nowhere_is_an_error(production):
    production.RESEND_API_KEY = ""
    production.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

    (problem,) = check_mail_settings()

    assert problem.id == "ressourcefy.E004"
    assert "RESEND_API_KEY" in problem.msg and "console" in problem.msg


def test_an_smtp_backend_is_mail_that_is_delivered(production):
    production.RESEND_API_KEY = ""
    production.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

    assert check_mail_settings() == []


def test_no_allowed_hosts_is_an_error(production):
    production.ALLOWED_HOSTS = []

    assert ids(check_host_settings()) == ["ressourcefy.E005"]


def test_a_localhost_frontend_url_is_a_warning(production):
    production.FRONTEND_URL = "http://localhost:3000"

    assert ids(check_host_settings()) == ["ressourcefy.W002"]


def test_debug_mode_checks_nothing(production):
    production.DEBUG = True
    for name in CONFIGURED:
        setattr(production, name, [] if name in ("STRIPE_PRICE_IDS", "ALLOWED_HOSTS") else "")

    assert all_checks() == []


def production_process(*args: str) -> subprocess.CompletedProcess:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_ENV_FILE": os.devnull,
        "DJANGO_SETTINGS_MODULE": "ressourcefy.settings",
        "DJANGO_SECRET_KEY": "a-production-secret-key-for-this-test-only-0123456789",
        "DJANGO_ALLOWED_HOSTS": "api.example.com",
        "FRONTEND_URL": "https://app.example.com",
        "RESEND_API_KEY": "re_configured",
    }
    return subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, *args], cwd=django_settings.BASE_DIR, env=environment, capture_output=True, text=True
    )


def test_manage_py_refuses_to_start_in_production_without_stripe_keys():
    result = production_process("manage.py", "check")

    assert result.returncode != 0
    for name in ("STRIPE_SECRET_KEY", "STRIPE_PRICE_IDS", "STRIPE_WEBHOOK_SECRET"):
        assert f"{name} is not set." in result.stderr


def test_the_wsgi_application_refuses_to_load_in_production_without_stripe_keys():
    result = production_process("-c", "import ressourcefy.wsgi")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "STRIPE_SECRET_KEY is not set." in result.stderr


def test_behind_a_transaction_pooler_without_a_direct_listen_address_warns(production):
    production.DATABASE_POOLER = "transaction"
    assert ids(all_checks()) == ["ressourcefy.W003"]
    production.DATABASE_LISTEN_URL = "postgres://ressourcefy_worker@10.0.0.5:5432/ressourcefy"
    assert all_checks() == []

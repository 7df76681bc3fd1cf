"""Start-up checks for production: every setting a feature needs, as Django system checks.

They run with every management command (migrate, the worker) and when wsgi.py loads, so a
deploy missing a Stripe key fails at start with a message naming it, instead of failing each
checkout or webhook later. Debug mode and the test suite skip them: there a missing setting
turns its feature off with a 503 that names it.
"""

from django.conf import settings
from django.core.checks import Error, Warning, register

TAG = "configuration"
# Backends that never deliver a message to its recipient.
UNDELIVERED_MAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}
STRIPE_SETTINGS = {
    "STRIPE_SECRET_KEY": ("E001", "the Stripe API key (sk_live_… or sk_test_…): checkout cannot start without it"),
    "STRIPE_PRICE_IDS": ("E002", "a comma list of the Stripe price ids users may buy: checkout refuses every price"),
    "STRIPE_WEBHOOK_SECRET": (
        "E003",
        "the webhook endpoint's signing secret (whsec_…): every Stripe webhook is refused and no payment is applied",
    ),
}


def _in_production() -> bool:
    return not (settings.DEBUG or getattr(settings, "TESTING", False))


@register(TAG)
def check_billing_settings(app_configs=None, **kwargs) -> list:
    if not _in_production():
        return []
    problems = [
        Error(f"{name} is not set.", hint=f"Set {name}: {why}.", id=f"ressourcefy.{code}")
        for name, (code, why) in STRIPE_SETTINGS.items()
        if not getattr(settings, name)
    ]
    if settings.STRIPE_API_BASE:
        problems.append(
            Warning(
                f"STRIPE_API_BASE sends every Stripe call to {settings.STRIPE_API_BASE}, not to Stripe.",
                hint="Unset STRIPE_API_BASE in production (it is for the local simulator).",
                id="ressourcefy.W001",
            )
        )
    return problems


@register(TAG)
def check_mail_settings(app_configs=None, **kwargs) -> list:
    if not _in_production() or settings.RESEND_API_KEY or settings.EMAIL_BACKEND not in UNDELIVERED_MAIL_BACKENDS:
        return []
    return [
        Error(
            f"Mail is not delivered: RESEND_API_KEY is not set and EMAIL_BACKEND is {settings.EMAIL_BACKEND}.",
            hint="Set RESEND_API_KEY (or an EMAIL_BACKEND that sends): activation and password-reset "
            "emails would never reach users.",
            id="ressourcefy.E004",
        )
    ]


@register(TAG)
def check_host_settings(app_configs=None, **kwargs) -> list:
    if not _in_production():
        return []
    problems = []
    if not settings.ALLOWED_HOSTS:
        problems.append(
            Error(
                "DJANGO_ALLOWED_HOSTS is not set: every request would be refused with 400.",
                hint="Set DJANGO_ALLOWED_HOSTS to the host names the API answers, e.g. api.example.com.",
                id="ressourcefy.E005",
            )
        )
    if "localhost" in settings.FRONTEND_URL or "127.0.0.1" in settings.FRONTEND_URL:
        problems.append(
            Warning(
                f"FRONTEND_URL is {settings.FRONTEND_URL}: links in emails and checkout redirects point there.",
                hint="Set FRONTEND_URL to the public address of the front end.",
                id="ressourcefy.W002",
            )
        )
    return problems


@register(TAG)
def check_database_settings(app_configs=None, **kwargs) -> list:
    if not _in_production() or settings.DATABASE_POOLER != "transaction" or settings.DATABASE_LISTEN_URL:
        return []
    return [
        Warning(
            "DATABASE_POOLER is transaction but DATABASE_LISTEN_URL is not set: the outbox worker's LISTEN "
            "goes through the pooler, which hands its session to other clients, so no wake-up reaches it.",
            hint="Set DATABASE_LISTEN_URL to PostgreSQL's direct address (docs/operations.md §2.1).",
            id="ressourcefy.W003",
        )
    ]

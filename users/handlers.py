"""Mails for account events. Each runs once per event (`once_per_event`): a redelivered
event does not mail twice. Tokens are signed here, at sending time, so none is stored."""

from urllib.parse import quote

from django.conf import settings
from django.template.loader import render_to_string

from core.models import OutboxEvent
from core.outbox import handles, send_once_per_event
from core.services.email_service import send_email
from users.events import USER_ACTIVATED, USER_ACTIVATION_REQUESTED, USER_PASSWORD_RESET_REQUESTED, USER_REGISTERED
from users.models import User
from users.tokens import make_activation_token, make_password_reset_token


def _send_templated(*, to: str, subject: str, template: str, context: dict) -> None:
    context = {"frontend_url": settings.FRONTEND_URL, **context}
    send_email(
        to=to,
        subject=subject,
        message=render_to_string(f"users/emails/{template}.txt", context),
        html_message=render_to_string(f"users/emails/{template}.html", context),
    )


def _user_of(event: OutboxEvent) -> User | None:
    """The active account the event is about; None for a request naming an unknown email."""
    user_id = event.payload.get("user_id")
    if not user_id:
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


def _link(path: str, token: str) -> str:
    return f"{settings.FRONTEND_URL}/{path}?token={quote(token, safe='')}"


@handles(USER_REGISTERED)
@handles(USER_ACTIVATION_REQUESTED)
def send_activation_mail(event: OutboxEvent) -> None:
    user = _user_of(event)
    if user is None or user.is_activated:
        return  # unknown email, already activated, or gone: no link to send

    def effect() -> None:
        _send_templated(
            to=user.email,
            subject="Activate your Ressourcefy account",
            template="activation",
            context={"activation_url": _link("activate", make_activation_token(user)), "email": user.email},
        )

    send_once_per_event(event, "users.send_activation_mail", effect)


@handles(USER_ACTIVATED)
def send_welcome_mail(event: OutboxEvent) -> None:
    user = _user_of(event)
    if user is None:
        return

    def effect() -> None:
        _send_templated(
            to=user.email, subject="Welcome to Ressourcefy", template="welcome", context={"email": user.email}
        )

    send_once_per_event(event, "users.send_welcome_mail", effect)


@handles(USER_PASSWORD_RESET_REQUESTED)
def send_password_reset_mail(event: OutboxEvent) -> None:
    user = _user_of(event)
    if user is None:
        return

    def effect() -> None:
        _send_templated(
            to=user.email,
            subject="Reset your Ressourcefy password",
            template="password_reset",
            context={
                "reset_url": _link("reset-password", make_password_reset_token(user)),
                "email": user.email,
                "valid_minutes": settings.PASSWORD_RESET_TOKEN_MAX_AGE_SECONDS // 60,
            },
        )

    send_once_per_event(event, "users.send_password_reset_mail", effect)

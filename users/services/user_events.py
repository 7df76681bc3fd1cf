"""Emitting users' outbox events: every one carries who it is about and the normalized email."""

from core.outbox import emit_event
from users.emails import normalize_email
from users.events import USER
from users.models import User


def emit_user_event(event_type: str, *, user: User | None, email: str) -> None:
    """`user` is None for a mail request about an email no account has: the request path emits
    the same event either way, so its timing does not reveal accounts."""
    emit_event(
        USER,
        user.pk if user is not None else "",
        event_type,
        {"user_id": str(user.pk) if user is not None else None, "email": normalize_email(email)},
    )

"""Password reset requests and password changes."""

from audit.models import AuditLog
from core.services.audit import audit_change
from core.transactions import require_transaction
from users.events import USER_PASSWORD_RESET_REQUESTED
from users.models import User
from users.services.user_events import emit_user_event
from users.tokens import fingerprint_matches


def request_password_reset_mail(*, email: str, user: User | None) -> None:
    """Queue a reset mail request, for a known or an unknown email alike.

    Same work either way (this one insert), so the response time does not reveal accounts;
    the handler mails only an existing, active account and signs the token when it sends, so
    no token is stored. No state changes, so no audit row.
    """
    require_transaction()
    emit_user_event(USER_PASSWORD_RESET_REQUESTED, user=user, email=email)


def find_resettable_user(*, user_id, fingerprint: str) -> User | None:
    """The active account a reset token names, if the token still matches it."""
    return _matching_user(User.objects.all(), user_id=user_id, fingerprint=fingerprint)


def reset_password(*, user_id, fingerprint: str, new_password: str) -> User | None:
    """Set a new password if `fingerprint` still matches the account; None otherwise.

    The row lock makes two concurrent uses of one token succeed at most once: the second
    sees the new password hash and no longer matches.
    """
    require_transaction()
    user = _matching_user(User.objects.select_for_update(), user_id=user_id, fingerprint=fingerprint)
    if user is None:
        return None
    user.set_password(new_password)
    user.save(update_fields=["password", "updated_at"])
    # Never the hashes: the audit trail records that it changed, not what to.
    audit_change(instance=user, action=AuditLog.Action.UPDATE, after={"password": "changed"})
    return user


def _matching_user(users, *, user_id, fingerprint: str) -> User | None:
    user = users.filter(pk=user_id, is_active=True).first()
    return user if user is not None and fingerprint_matches(user, fingerprint) else None

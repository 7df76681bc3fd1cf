"""Creating local accounts and activating them."""

from django.db import IntegrityError, transaction

from audit.models import AuditLog
from core.services.audit import audit_change
from core.transactions import require_transaction
from users.emails import normalize_email
from users.events import USER_ACTIVATED, USER_ACTIVATION_REQUESTED, USER_REGISTERED
from users.models import Profile, User
from users.services.user_events import emit_user_event


class EmailTaken(Exception):
    """Another account already uses this email (compared in its normalized form)."""


class UsernameTaken(Exception):
    """Another profile already uses this username (compared case-insensitively)."""


def email_in_use(email: str) -> bool:
    return User.objects.filter(email=normalize_email(email)).exists()


def username_in_use(username: str, *, excluding_user_id=None) -> bool:
    profiles = Profile.objects.filter(username__iexact=username)
    if excluding_user_id is not None:
        profiles = profiles.exclude(user_id=excluding_user_id)
    return profiles.exists()


def register_local_user(*, email: str, password: str, username: str | None = None) -> User:
    """Create a not-yet-activated LOCAL user and its profile; emits `user.registered`.

    The pre-checks give a clean answer in the common case; the unique constraints decide
    when two registrations race, and the loser gets the same EmailTaken / UsernameTaken.
    """
    require_transaction()
    email = normalize_email(email)
    if email_in_use(email):
        raise EmailTaken(email)
    if username and username_in_use(username):
        raise UsernameTaken(username)
    try:
        # A savepoint: a lost race for the unique email rolls back alone, and is then named.
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, auth_provider=User.AuthProvider.LOCAL)
            Profile.objects.create(user=user, username=username or None)
            audit_change(
                instance=user,
                action=AuditLog.Action.CREATE,
                after={"email": email, "auth_provider": user.auth_provider, "username": username or None},
            )
            emit_user_event(USER_REGISTERED, user=user, email=email)
    except IntegrityError as error:
        if email_in_use(email):
            raise EmailTaken(email) from error
        if username and username_in_use(username):
            raise UsernameTaken(username) from error
        raise
    return user


def activate_user(*, user_id, email: str) -> User | None:
    """Mark the account activated and emit `user.activated`; None when no such account.

    Idempotent: an already activated account is returned unchanged and emits nothing. The row
    lock makes two concurrent activations emit one event.
    """
    require_transaction()
    user = User.objects.select_for_update().filter(pk=user_id, email=normalize_email(email)).first()
    if user is None:
        return None
    if user.is_activated:
        return user
    user.is_activated = True
    user.save(update_fields=["is_activated", "updated_at"])
    audit_change(
        instance=user, action=AuditLog.Action.UPDATE, before={"is_activated": False}, after={"is_activated": True}
    )
    emit_user_event(USER_ACTIVATED, user=user, email=user.email)
    return user


def find_user_by_email(email: str) -> User | None:
    return User.objects.filter(email=normalize_email(email)).first()


def request_activation_mail(*, email: str, user: User | None) -> None:
    """Queue an activation mail request, for a known or an unknown email alike.

    The request path does the same work either way (this one insert), so its timing does
    not reveal accounts; the mail handler decides whether anyone gets a mail (an existing,
    active, not yet activated account). No state changes, so no audit row.
    """
    require_transaction()
    emit_user_event(USER_ACTIVATION_REQUESTED, user=user, email=email)

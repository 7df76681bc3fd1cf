"""Accounts that sign in with Google."""

from django.db import IntegrityError, transaction

from audit.models import AuditLog
from core.services.audit import audit_change
from core.transactions import require_transaction
from users.emails import normalize_email
from users.events import USER_ACTIVATED
from users.models import Profile, User
from users.services.user_events import emit_user_event


def sign_in_google_account(*, email: str) -> User:
    """Return the account for a Google-verified email, creating or linking it.

    - no account: create an activated GOOGLE user (emits `user.activated`, the welcome mail);
    - an activated LOCAL account: linked as it is, its password keeps working;
    - a not yet activated LOCAL account: Google has just proved the email, so it is activated
      and its password is voided, since whoever chose that password never proved the email
      (otherwise a squatter could pre-register a victim's address and wait).
    The caller checks `is_active`.
    """
    require_transaction()
    email = normalize_email(email)
    try:
        return _sign_in(email)
    except IntegrityError:
        # A concurrent first sign-in (or registration) created the account: link to it.
        return _sign_in(email)


def _sign_in(email: str) -> User:
    # A savepoint: losing the race to create the account rolls back this attempt alone, then links.
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email, password=None, auth_provider=User.AuthProvider.GOOGLE, is_activated=True
            )
            Profile.objects.create(user=user)
            audit_change(
                instance=user,
                action=AuditLog.Action.CREATE,
                after={"email": email, "auth_provider": user.auth_provider, "is_activated": True},
            )
            emit_user_event(USER_ACTIVATED, user=user, email=email)
            return user
        if user.is_activated:
            return user
        user.is_activated = True
        user.auth_provider = User.AuthProvider.GOOGLE
        user.set_unusable_password()
        user.save(update_fields=["is_activated", "auth_provider", "password", "updated_at"])
        audit_change(
            instance=user,
            action=AuditLog.Action.UPDATE,
            before={"is_activated": False, "auth_provider": User.AuthProvider.LOCAL},
            after={"is_activated": True, "auth_provider": user.auth_provider, "password": "voided"},
        )
        emit_user_event(USER_ACTIVATED, user=user, email=email)
        return user

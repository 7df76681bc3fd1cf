"""Sign in with email and password and receive a JWT pair."""

from django.contrib.auth import authenticate
from django.db import transaction

from application.adapters.jwt_tokens import sign_in
from application.dto.auth import LoginResult, SessionUser
from application.dto.commands import AuthenticateUserCommand
from application.exceptions import AccountNotActivated, InvalidCredentials
from users.models import User


def authenticate_user(command: AuthenticateUserCommand) -> LoginResult:
    """401 for a wrong email or password (and for a disabled account), 403 when the
    password is right but the email was never confirmed."""
    # ModelBackend hashes the password for unknown emails too: timing does not reveal accounts.
    user = authenticate(None, email=command.email.strip(), password=command.password)
    if user is None:
        raise InvalidCredentials()
    if not user.is_activated:
        raise AccountNotActivated("Activate your account with the link we emailed you, then sign in.")
    with transaction.atomic():
        return login_result(user)


def login_result(user: User) -> LoginResult:
    """Issue tokens for an authenticated, activated user and describe them (shared with Google).

    Writes `last_login` and the outstanding refresh token: the caller holds the transaction.
    """
    tokens = sign_in(user)
    return LoginResult(access_token=tokens.access_token, refresh_token=tokens.refresh_token, user=session_user(user))


def session_user(user: User) -> SessionUser:
    profile = getattr(user, "profile", None)  # a missing one-to-one raises AttributeError
    return SessionUser(
        id=user.pk,
        email=user.email,
        username=profile.username if profile is not None else None,
        activated=user.is_activated,
        onboarding_step=user.get_onboarding_step(),
    )

"""Sign in with a Google ID token: create, link or log in the account with that email."""

from django.db import transaction

from application.adapters.google_identity import verify_google_id_token
from application.dto.auth import LoginResult
from application.dto.commands import GoogleSignInCommand
from application.exceptions import InvalidCredentials
from application.use_cases.auth.authenticate_user import login_result
from users.services.google_accounts import sign_in_google_account


def google_sign_in(command: GoogleSignInCommand, *, http=None) -> LoginResult:
    """`http` is the google-auth transport for fetching certificates (tests inject a fake).

    Verification (a network call) happens before any transaction opens.
    """
    identity = verify_google_id_token(command.id_token, http=http)
    with transaction.atomic():
        user = sign_in_google_account(email=identity.email)
        # A disabled account gets no tokens, but what Google proved about its email stays recorded.
        result = login_result(user) if user.is_active else None
    if result is None:
        raise InvalidCredentials("This account is disabled.")
    return result

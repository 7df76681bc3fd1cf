"""Activate an account with the token from its activation mail."""

from django.db import transaction

from application.dto.commands import ActivateUserCommand
from application.exceptions import TokenInvalid
from users.services import registration
from users.tokens import BadToken, read_activation_token


def activate_user(command: ActivateUserCommand) -> bool:
    """Return True once the account is active; activating twice is harmless."""
    try:
        claims = read_activation_token(command.token)
    except BadToken as error:
        raise TokenInvalid("The activation link is invalid or has expired.") from error
    with transaction.atomic():
        user = registration.activate_user(user_id=claims["uid"], email=claims["email"])
    if user is None:
        raise TokenInvalid("The activation link is invalid or has expired.")
    return True

"""Sign out: the refresh token is blacklisted."""

from django.db import transaction

from application.adapters.jwt_tokens import revoke_refresh_token
from application.dto.commands import LogoutCommand


def logout(command: LogoutCommand) -> None:
    with transaction.atomic():
        revoke_refresh_token(command.refresh_token)

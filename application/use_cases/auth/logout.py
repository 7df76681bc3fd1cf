"""Sign out: the refresh token is blacklisted."""

from application.dto.commands import LogoutCommand
from application.services.jwt_tokens import revoke_refresh_token


def logout(command: LogoutCommand) -> None:
    revoke_refresh_token(command.refresh_token)

"""Exchange a refresh token for a new pair (rotation: the old refresh token stops working)."""

from application.adapters.jwt_tokens import rotate_tokens
from application.dto.auth import TokenPair
from application.dto.commands import RefreshTokensCommand


def refresh_tokens(command: RefreshTokensCommand) -> TokenPair:
    return rotate_tokens(command.refresh_token)

"""Exchange a refresh token for a new pair (rotation: the old refresh token stops working)."""

from django.db import transaction

from application.adapters.jwt_tokens import rotate_tokens
from application.dto.auth import TokenPair
from application.dto.commands import RefreshTokensCommand


def refresh_tokens(command: RefreshTokensCommand) -> TokenPair:
    with transaction.atomic():
        return rotate_tokens(command.refresh_token)

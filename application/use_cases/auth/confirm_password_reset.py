"""Choose a new password with the token from the reset mail. Each token works once."""

from django.db import transaction

from application.dto.commands import ConfirmPasswordResetCommand
from application.exceptions import TokenInvalid
from application.use_cases.auth._passwords import check_password_strength
from users.services.passwords import find_resettable_user, reset_password
from users.tokens import BadToken, read_password_reset_token

_INVALID = "The reset link is invalid, has expired or was already used."


def confirm_password_reset(command: ConfirmPasswordResetCommand) -> None:
    try:
        claims = read_password_reset_token(command.token)
    except BadToken as error:
        raise TokenInvalid(_INVALID) from error
    user = find_resettable_user(user_id=claims["uid"], fingerprint=claims["fp"])
    if user is None:
        raise TokenInvalid(_INVALID)
    check_password_strength(command.new_password, user=user, field="new_password")
    with transaction.atomic():
        changed = reset_password(user_id=user.pk, fingerprint=claims["fp"], new_password=command.new_password)
    if changed is None:
        raise TokenInvalid(_INVALID)  # used by a concurrent request a moment ago

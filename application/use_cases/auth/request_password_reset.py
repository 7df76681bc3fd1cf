"""Ask for a password reset mail. The answer never reveals whether the email has an account."""

from application.dto.commands import RequestPasswordResetCommand
from users.services.passwords import request_password_reset_mail
from users.services.registration import find_user_by_email
from users.tokens import password_fingerprint


def request_password_reset(command: RequestPasswordResetCommand) -> None:
    """Queue a reset mail for an existing, active account; do the same lookup and hashing
    for unknown emails so the response time does not tell them apart."""
    user = find_user_by_email(command.email)
    eligible = user is not None and user.is_active
    password_fingerprint(user if eligible else _Placeholder())
    if eligible:
        request_password_reset_mail(user)


class _Placeholder:
    pk = "00000000-0000-0000-0000-000000000000"
    password = ""
    last_login = None

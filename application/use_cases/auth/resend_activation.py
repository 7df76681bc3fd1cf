"""Ask for another activation mail. The answer never reveals whether the email has an account."""

from application.dto.commands import ResendActivationCommand
from users.services.registration import find_user_by_email, request_activation_mail
from users.tokens import make_activation_token


def resend_activation(command: ResendActivationCommand) -> None:
    """Queue a mail only for an existing, active, not yet activated account.

    Known and unknown emails run the same lookup and the same signing work; only the two
    inserts of a real request differ, well inside network jitter.
    """
    user = find_user_by_email(command.email)
    eligible = user is not None and user.is_active and not user.is_activated
    # Constant work: sign a token either way (the mail handler signs the real one later).
    make_activation_token(user if eligible else _Placeholder(command.email))
    if eligible:
        request_activation_mail(user)


class _Placeholder:
    pk = "00000000-0000-0000-0000-000000000000"

    def __init__(self, email: str):
        self.email = email

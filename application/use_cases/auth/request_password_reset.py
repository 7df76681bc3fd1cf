"""Ask for a password reset mail. The answer never reveals whether the email has an account."""

from django.db import transaction

from application.dto.commands import RequestPasswordResetCommand
from users.services.passwords import request_password_reset_mail
from users.services.registration import find_user_by_email


def request_password_reset(command: RequestPasswordResetCommand) -> None:
    """One lookup and one outbox insert whatever the email; the worker's handler mails only
    an existing, active account."""
    with transaction.atomic():
        request_password_reset_mail(email=command.email, user=find_user_by_email(command.email))

"""Ask for another activation mail. The answer never reveals whether the email has an account."""

from django.db import transaction

from application.dto.commands import ResendActivationCommand
from users.services.registration import find_user_by_email, request_activation_mail


def resend_activation(command: ResendActivationCommand) -> None:
    """One lookup and one outbox insert whatever the email; the worker's handler mails only
    an existing, active, not yet activated account."""
    with transaction.atomic():
        request_activation_mail(email=command.email, user=find_user_by_email(command.email))

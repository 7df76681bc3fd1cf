"""Outgoing mail: Resend when RESEND_API_KEY is set, otherwise Django's mail backend."""

import logging

from django.conf import settings
from django.core.mail import send_mail

logger = logging.getLogger(__name__)


class EmailDeliveryError(Exception):
    """The provider refused or failed; the caller (an outbox handler) lets the event retry."""


def send_email(to: str, subject: str, message: str, html_message: str | None = None) -> None:
    if settings.RESEND_API_KEY:
        _send_with_resend(to, subject, message, html_message)
    else:
        send_mail(subject, message, settings.DEFAULT_FROM_EMAIL, [to], html_message=html_message)
    logger.info("email sent", extra={"subject": subject})


def _send_with_resend(to: str, subject: str, message: str, html_message: str | None) -> None:
    import resend

    resend.api_key = settings.RESEND_API_KEY
    resend.api_url = settings.RESEND_API_URL
    params = {"from": settings.DEFAULT_FROM_EMAIL, "to": [to], "subject": subject, "text": message}
    if html_message:
        params["html"] = html_message
    try:
        resend.Emails.send(params)
    except Exception as error:  # resend raises several unrelated types; all mean "not sent"
        raise EmailDeliveryError(str(error)) from error

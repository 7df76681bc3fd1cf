import pytest
from django.core import mail
from django.db import transaction

from core.models import OutboxEvent
from core.outbox import emit_event
from users.handlers import send_activation_mail, send_password_reset_mail, send_welcome_mail
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def emitted(event_type: str, user) -> OutboxEvent:
    with transaction.atomic():
        return emit_event("User", user.pk, event_type, {"user_id": str(user.pk), "email": user.email})


@pytest.mark.parametrize(
    ("handler", "event_type", "activated", "subject"),
    [
        (send_activation_mail, "user.registered", False, "Activate your Ressourcefy account"),
        (send_welcome_mail, "user.activated", True, "Welcome to Ressourcefy"),
        (send_password_reset_mail, "user.password_reset_requested", True, "Reset your Ressourcefy password"),
    ],
)
def test_a_redispatched_event_mails_once_in_text_and_html(handler, event_type, activated, subject):
    user = UserFactory(is_activated=activated)
    event = emitted(event_type, user)
    handler(event)
    handler(event)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert (message.subject, message.to) == (subject, [user.email])
    assert message.alternatives[0][1] == "text/html"


def test_no_activation_mail_once_the_account_is_already_active():
    user = UserFactory(is_activated=False)
    event = emitted("user.registered", user)
    user.is_activated = True
    user.save()
    send_activation_mail(event)
    assert mail.outbox == []

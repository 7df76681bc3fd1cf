import uuid

import pytest
from django.db import transaction

from analytics.handlers import TRACKED_BUSINESS_EVENTS, record_business_event
from analytics.models import UserEvent
from core.models import OutboxEvent
from core.outbox import emit_event, registered_handlers
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Other apps' handlers react to the same event types; calling ours directly keeps these tests
# about analytics alone. Registration is checked separately.


def emit(event_type: str, aggregate_type: str, aggregate_id, payload: dict) -> OutboxEvent:
    with transaction.atomic():
        return emit_event(aggregate_type, aggregate_id, event_type, payload)


def test_every_business_event_has_the_analytics_handler():
    for event_type in TRACKED_BUSINESS_EVENTS:
        assert any(handler.__module__ == "analytics.handlers" for handler in registered_handlers(event_type))


def test_a_completed_payment_is_recorded_as_a_user_event():
    user = UserFactory()
    event = emit("billing.payment_completed", "Payment", uuid.uuid4(), {"user_id": str(user.pk), "amount_cents": 900})
    record_business_event(event)
    recorded = UserEvent.objects.get()
    assert recorded.user_id == user.pk and recorded.event_type == "billing.payment_completed"
    assert recorded.event_data["amount_cents"] == 900
    assert recorded.event_data["outbox_event_id"] == str(event.pk)


def test_a_redelivered_event_writes_one_row():
    user = UserFactory()
    event = emit("user.registered", "User", user.pk, {})
    record_business_event(event)
    # At-least-once: the worker died before marking the event done, so it is delivered again.
    record_business_event(OutboxEvent.objects.get(pk=event.pk))
    recorded = UserEvent.objects.get()
    assert recorded.user_id == user.pk  # user events name their user by aggregate id


def test_an_event_about_a_deleted_user_is_recorded_without_a_user():
    record_business_event(
        emit("billing.subscription_canceled", "Subscription", uuid.uuid4(), {"user_id": str(uuid.uuid4())})
    )
    record_business_event(emit("user.activated", "User", "not-a-uuid", {}))
    assert sorted(UserEvent.objects.values_list("event_type", "user_id")) == [
        ("billing.subscription_canceled", None),
        ("user.activated", None),
    ]

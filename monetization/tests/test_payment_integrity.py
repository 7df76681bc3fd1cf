"""Money rows never change amount or currency and move only along legal status transitions."""

import pytest

from core.immutability import ImmutableFieldError
from monetization.models import IllegalTransitionError, Payment
from monetization.tests.factories import PaymentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field,value", [("amount_cents", 1), ("currency", "EUR"), ("provider_reference", "x")])
def test_a_written_payment_cannot_change_its_amount_currency_or_reference(field, value):
    payment = PaymentFactory()
    setattr(payment, field, value)

    with pytest.raises(ImmutableFieldError):
        payment.save()
    with pytest.raises(ImmutableFieldError):
        Payment.objects.filter(pk=payment.pk).update(**{field: value})
    payment.refresh_from_db()
    assert (payment.amount_cents, payment.currency) == (2000, "USD")


@pytest.mark.parametrize(
    "start,target",
    [("REFUNDED", "COMPLETED"), ("COMPLETED", "PENDING"), ("COMPLETED", "FAILED"), ("PENDING", "REFUNDED")],
)
def test_illegal_status_transitions_raise(start, target):
    payment = PaymentFactory(status=start)

    with pytest.raises(IllegalTransitionError):
        payment.transition_to(target)
    payment.status = target
    with pytest.raises(IllegalTransitionError):
        payment.save()
    payment.refresh_from_db()
    assert payment.status == start


@pytest.mark.parametrize("start,target", [("PENDING", "COMPLETED"), ("FAILED", "COMPLETED"), ("COMPLETED", "REFUNDED")])
def test_legal_status_transitions_are_saved(start, target):
    payment = PaymentFactory(status=start)

    payment.transition_to(target)
    payment.save()

    payment.refresh_from_db()
    assert payment.status == target

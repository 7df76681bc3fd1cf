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


def loaded(payment: Payment) -> Payment:
    return Payment.objects.get(pk=payment.pk)


@pytest.mark.parametrize("source", [loaded, lambda created: created], ids=["loaded", "just created"])
def test_saving_a_payment_is_one_update_with_no_re_read(source, django_assert_num_queries):
    payment = source(PaymentFactory(status="PENDING"))
    payment.transition_to("COMPLETED")
    with django_assert_num_queries(1) as captured:
        payment.save()
    assert captured.captured_queries[0]["sql"].startswith("UPDATE")
    payment.refresh_from_db()
    assert payment.status == "COMPLETED"


def test_the_guards_compare_with_what_the_last_save_wrote():
    payment = loaded(PaymentFactory(status="PENDING"))
    payment.transition_to("COMPLETED")
    payment.save()
    # A no-op from the status it was loaded with, but illegal from COMPLETED, the one saved since.
    payment.status = "PENDING"
    with pytest.raises(IllegalTransitionError):
        payment.save()


def test_a_field_deferred_at_load_then_changed_is_still_refused():
    payment = Payment.objects.only("id", "status").get(pk=PaymentFactory().pk)
    payment.amount_cents = 1
    with pytest.raises(ImmutableFieldError):
        payment.save()
    payment.refresh_from_db()
    assert payment.amount_cents == 2000


def test_a_payment_changed_by_refresh_from_db_is_guarded_from_its_new_state():
    payment = loaded(PaymentFactory(status="PENDING"))
    Payment.objects.filter(pk=payment.pk).update(status="COMPLETED")
    payment.refresh_from_db()
    payment.status = "REFUNDED"  # legal from COMPLETED, illegal from PENDING
    payment.save()
    payment.refresh_from_db()
    assert payment.status == "REFUNDED"


def test_a_save_of_some_fields_leaves_the_others_as_stored():
    payment = loaded(PaymentFactory(status="PENDING"))
    payment.status = "COMPLETED"  # legal, but not written by this save
    payment.refunded_cents = 0
    payment.save(update_fields=["refunded_cents"])
    payment.status = "FAILED"  # legal from PENDING, where the row still is; illegal from COMPLETED
    payment.save()
    payment.refresh_from_db()
    assert payment.status == "FAILED"

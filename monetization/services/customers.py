"""The user's Stripe customer: created once, then reused by every checkout."""

from django.db import IntegrityError, transaction

from core.transactions import require_transaction
from monetization.models import StripeCustomer


def stripe_customer_id_for(user) -> str | None:
    return StripeCustomer.objects.filter(user=user).values_list("stripe_customer_id", flat=True).first()


def remember_stripe_customer(*, user, stripe_customer_id: str) -> str:
    """Store the customer unless the user already has one; returns the id to use from now on."""
    require_transaction()
    try:
        # A savepoint: the id already linked to someone else must not abort the caller's transaction.
        with transaction.atomic():
            customer, _ = StripeCustomer.objects.get_or_create(
                user=user, defaults={"stripe_customer_id": stripe_customer_id}
            )
    except IntegrityError:  # the id is linked to someone else already: keep the user without one
        return stripe_customer_id
    return customer.stripe_customer_id

"""POST /api/billing/checkout/confirm/: the success page asks; the same fulfilment as the webhook runs."""

from django.db import transaction
from django.utils import timezone

from application.adapters import stripe_service
from application.dto.billing import CheckoutConfirmation, ConfirmCheckoutCommand
from application.exceptions import CheckoutIncomplete, NotFound
from monetization.services import checkout, subscriptions
from monetization.services.stripe_payloads import session_user_id
from monetization.summaries import summarize


def confirm_checkout(command: ConfirmCheckoutCommand) -> CheckoutConfirmation:
    user = command.user
    owner_id = checkout.session_owner_id(command.session_id)
    if owner_id is not None and str(owner_id) != str(user.pk):
        raise NotFound()  # someone else's session: as if it did not exist
    session = stripe_service.retrieve_checkout_session(command.session_id)
    if str(session_user_id(session) or "") != str(user.pk):
        raise NotFound()
    if session.get("status") != "complete":
        raise CheckoutIncomplete()
    stripe_subscription = session.get("subscription")
    if isinstance(stripe_subscription, str):
        stripe_subscription = stripe_service.retrieve_subscription(stripe_subscription)
    # What we applied is Stripe's state as of this read: a webhook created before it is older.
    read_at = timezone.now()
    with transaction.atomic():
        result = checkout.fulfil_checkout_session(
            session=session, stripe_subscription=stripe_subscription, event_created=read_at
        )
    subscription = result.subscription or subscriptions.current_subscription(user)
    return CheckoutConfirmation(subscription=summarize(subscription))

"""Who holds premium access."""

from monetization.models import Subscription


def has_active_subscription(user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return Subscription.objects.granting_premium().filter(user_id=user.pk).exists()

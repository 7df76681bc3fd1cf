"""Who holds premium access."""

from monetization.access import holds_premium


def has_active_subscription(user) -> bool:
    return holds_premium(user)

"""Who may open a resource's files: the one rule behind policies and read models alike."""

from monetization.models import Subscription
from resources.models import Visibility


def holds_premium(user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return Subscription.objects.granting_premium().filter(user_id=user.pk).exists()


def may_open_files(viewer, *, author_id, visibility: str) -> bool:
    """Public to all, the author always, premium to premium holders; private to no one else.

    Precondition: the resource is not deleted. Costs a query only for a premium resource
    opened by a signed-in non-author.
    """
    if visibility == Visibility.PUBLIC:
        return True
    if viewer is None or not viewer.is_authenticated:
        return False
    if author_id == viewer.pk:
        return True
    return visibility == Visibility.PREMIUM and holds_premium(viewer)

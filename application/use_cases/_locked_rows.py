"""Rows a use case locks, inside its transaction, before it checks a policy that reads them.

The lock is the same SELECT the check needs, so locking costs no extra query; a write that
committed first is what the check sees, one that comes later waits for this transaction.
"""

from application.exceptions import NotAuthenticated
from application.policies.resource_policy import authored_resource_or_refuse
from resources.models import Resource
from resources.services.locks import lock_resource
from users.models import User
from users.services.profiles import lock_active_user


def lock_authored_resource(user, resource_id) -> Resource:
    """The live resource, locked, if `user` wrote it; 404 when unknown, deleted or hidden, else 403."""
    return authored_resource_or_refuse(user, lock_resource(resource_id))


def lock_signed_in_user(user_id) -> User:
    """The signed-in user's account, locked, while it is active; 401 once it is gone or disabled."""
    user = lock_active_user(user_id)
    if user is None:
        raise NotAuthenticated()
    return user

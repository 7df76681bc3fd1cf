"""Rows a use case locks, inside its transaction, before it checks a policy that reads them.

The lock is the same SELECT the check needs, so locking costs no extra query; a write that
committed first is what the check sees, one that comes later waits for this transaction.
"""

from application.policies.resource_policy import authored_resource_or_refuse
from resources.models import Resource


def lock_authored_resource(user, resource_id) -> Resource:
    """The live resource, locked, if `user` wrote it; 404 when unknown, deleted or hidden, else 403."""
    return authored_resource_or_refuse(user, Resource.objects.select_for_update().filter(pk=resource_id).first())


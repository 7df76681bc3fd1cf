"""Rows a use case locks, inside its transaction, before it checks a policy that reads them.

The lock is the same SELECT the check needs, so locking costs no extra query; a write that
committed first is what the check sees, one that comes later waits for this transaction.
"""

from application.exceptions import NotAuthenticated
from application.policies.resource_policy import authored_resource_or_refuse
from interactions.models import Comment
from resources.models import Resource
from users.models import User
from users.services.profiles import lock_active_user


def lock_authored_resource(user, resource_id) -> Resource:
    """The live resource, locked, if `user` wrote it; 404 when unknown, deleted or hidden, else 403."""
    return authored_resource_or_refuse(user, Resource.objects.select_for_update().filter(pk=resource_id).first())


def lock_comment(comment_id) -> Comment | None:
    """The comment (deleted or not) with its resource, both locked; None when either is unknown.

    Resource first, then comment: the order every comment write takes them in, so two never
    wait on each other. Two statements, the first locking the resource row alone.
    """
    resource = Resource.all_objects.select_for_update(of=("self",)).filter(comments=comment_id).first()
    comment = Comment.all_objects.select_for_update().filter(pk=comment_id).first()
    if resource is None or comment is None:
        return None
    comment.resource = resource
    return comment


def lock_signed_in_user(user_id) -> User:
    """The signed-in user's account, locked, while it is active; 401 once it is gone or disabled."""
    user = lock_active_user(user_id)
    if user is None:
        raise NotAuthenticated()
    return user

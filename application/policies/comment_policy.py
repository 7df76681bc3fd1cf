"""Who may comment, vote and delete comments."""

from application.exceptions import NotFound, PermissionDenied
from application.policies.resource_policy import can_view_resource
from interactions.models import Comment


def can_comment_on_resource(user, resource) -> bool:
    return user is not None and user.is_authenticated and can_view_resource(user, resource)


def can_vote_on_comment(user, comment: Comment) -> bool:
    """A live comment on a resource the voter may see; a deleted comment takes no votes."""
    if user is None or not user.is_authenticated or comment.is_deleted:
        return False
    return can_view_resource(user, comment.resource)


def authored_comment_or_refuse(user, comment: Comment | None) -> Comment:
    """The comment if `user` wrote it; 404 when unknown, deleted or hidden, else 403."""
    if comment is None or comment.is_deleted or not can_view_resource(user, comment.resource):
        raise NotFound("Comment not found.")
    if not (user.is_authenticated and comment.author_id == user.pk):
        raise PermissionDenied("Only the author can delete this comment.")
    return comment

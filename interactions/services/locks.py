"""Row locks the comment writes take inside the caller's transaction, before a policy reads the rows."""

from interactions.models import Comment
from resources.models import Resource


def lock_comment_with_resource(comment_id) -> Comment | None:
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

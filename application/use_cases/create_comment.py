"""CreateComment: comment or reply on a resource the author of the comment may see."""

from django.db import transaction

from application.dto.resources import CommentCreated, CreateCommentCommand
from application.exceptions import NotFound, ValidationFailed
from application.policies.comment_policy import can_comment_on_resource
from interactions.services.create_comment import ForeignParentError
from interactions.services.create_comment import create_comment as create_comment_service
from resources.services.locks import lock_resource


def create_comment(command: CreateCommentCommand) -> CommentCreated:
    """The policy is checked on the locked resource row, inside the write's transaction: a
    delete or a change to private that commits first refuses the comment (and emits nothing),
    one that comes later waits for it. The service locks the parent comment the same way."""
    with transaction.atomic():
        resource = lock_resource(command.resource_id)
        if resource is None or not can_comment_on_resource(command.user, resource):
            raise NotFound("Resource not found.")
        try:
            comment = create_comment_service(
                resource_id=resource.pk, author=command.user, content=command.content, parent_id=command.parent_id
            )
        except ForeignParentError as error:
            raise ValidationFailed(details={"parent_id": [str(error)]}) from None
    return CommentCreated(comment_id=comment.pk)

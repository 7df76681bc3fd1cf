"""DeleteComment: the author soft-deletes their comment; replies stay in the thread."""

from application.dto.resources import DeleteCommentCommand
from application.policies.comment_policy import authored_comment_or_refuse
from interactions.models import Comment
from interactions.services.delete_comment import delete_comment as delete_comment_service


def delete_comment(command: DeleteCommentCommand) -> None:
    comment = Comment.all_objects.select_related("resource").filter(pk=command.comment_id).first()
    authored_comment_or_refuse(command.user, comment)
    delete_comment_service(comment_id=comment.pk, actor=command.user)

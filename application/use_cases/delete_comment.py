"""DeleteComment: the author soft-deletes their comment; replies stay in the thread."""

from django.db import transaction

from application.dto.resources import DeleteCommentCommand
from application.policies.comment_policy import authored_comment_or_refuse
from interactions.services.delete_comment import delete_comment as delete_comment_service
from interactions.services.locks import lock_comment_with_resource


def delete_comment(command: DeleteCommentCommand) -> None:
    """Checked on the locked rows: of two deletes at once, the second finds it deleted (404)."""
    with transaction.atomic():
        comment = authored_comment_or_refuse(command.user, lock_comment_with_resource(command.comment_id))
        delete_comment_service(comment=comment, actor=command.user)

"""VoteOnComment: one vote per user and comment; voting again changes the value."""

from django.db import transaction

from application.dto.resources import VoteOnCommentCommand, VoteRecorded
from application.exceptions import NotFound
from application.policies.comment_policy import can_vote_on_comment
from interactions.services.locks import lock_comment_with_resource
from interactions.services.vote_comment import vote_comment


def vote_on_comment(command: VoteOnCommentCommand) -> VoteRecorded:
    """The policy is checked on the locked resource and comment rows, inside the vote's
    transaction, so a vote never lands after the comment's (or the resource's) delete."""
    with transaction.atomic():
        comment = lock_comment_with_resource(command.comment_id)
        if comment is None or not can_vote_on_comment(command.user, comment):
            # Deleted comments and comments on hidden resources vanish from every read path.
            raise NotFound("Comment not found.")
        vote = vote_comment(comment_id=comment.pk, user=command.user, value=command.vote_value)
    return VoteRecorded(vote_id=vote.pk, value=vote.value)

"""VoteOnComment: one vote per user and comment; voting again changes the value."""

from application.dto.resources import VoteOnCommentCommand, VoteRecorded
from application.exceptions import NotFound
from application.policies.comment_policy import can_vote_on_comment
from interactions.models import Comment
from interactions.services.vote_comment import vote_comment


def vote_on_comment(command: VoteOnCommentCommand) -> VoteRecorded:
    comment = Comment.all_objects.select_related("resource").filter(pk=command.comment_id).first()
    if comment is None or not can_vote_on_comment(command.user, comment):
        # Deleted comments and comments on hidden resources vanish from every read path.
        raise NotFound("Comment not found.")
    vote = vote_comment(comment_id=comment.pk, user=command.user, value=command.vote_value)
    return VoteRecorded(vote_id=vote.pk, value=vote.value)

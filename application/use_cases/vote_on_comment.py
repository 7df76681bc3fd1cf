"""VoteOnComment: one vote per user and comment; voting again changes the value."""

from django.db import transaction

from application.dto.resources import VoteOnCommentCommand, VoteRecorded
from application.exceptions import NotFound
from application.policies.comment_policy import can_vote_on_comment
from interactions.models import Comment
from interactions.services.vote_comment import vote_comment
from resources.models import Resource


def vote_on_comment(command: VoteOnCommentCommand) -> VoteRecorded:
    """The policy is checked on the locked resource and comment rows, inside the vote's
    transaction, so a vote never lands after the comment's (or the resource's) delete.
    Locks are taken resource first, then comment, the order create_comment uses."""
    resource_id = Comment.all_objects.filter(pk=command.comment_id).values_list("resource_id", flat=True).first()
    with transaction.atomic():
        resource = Resource.all_objects.select_for_update().filter(pk=resource_id).first()
        comment = Comment.all_objects.select_for_update().filter(pk=command.comment_id).first()
        if resource is None or comment is None or comment.resource_id != resource.pk:
            raise NotFound("Comment not found.")
        comment.resource = resource
        if not can_vote_on_comment(command.user, comment):
            # Deleted comments and comments on hidden resources vanish from every read path.
            raise NotFound("Comment not found.")
        vote = vote_comment(comment_id=comment.pk, user=command.user, value=command.vote_value)
    return VoteRecorded(vote_id=vote.pk, value=vote.value)

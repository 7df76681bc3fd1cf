"""One vote per user and comment; voting again changes the value, the last call wins."""

from django.db import IntegrityError, transaction

from audit.models import AuditLog
from core.services.audit import audit_change
from core.transactions import require_transaction
from interactions.models import CommentVote


def vote_comment(*, comment_id, user, value: int) -> CommentVote:
    """Create or change the user's vote; safe under concurrent calls by the same user.

    The unique (user, comment) constraint decides the race for the insert; the losers find
    the winner's row, lock it and overwrite the value, so one row remains and the last
    writer's value sticks.
    """
    require_transaction()
    if value not in CommentVote.Value.values:
        raise ValueError(f"vote value must be one of {CommentVote.Value.values}")
    for attempt in range(3):
        try:
            return _vote_once(comment_id=comment_id, user=user, value=value)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _vote_once(*, comment_id, user, value: int) -> CommentVote:
    # A savepoint: a lost race for the insert rolls back this attempt alone, not the caller's transaction.
    with transaction.atomic():
        vote = CommentVote.objects.select_for_update().filter(comment_id=comment_id, user=user).first()
        if vote is None:
            # Two first votes race here; the loser's IntegrityError rolls back and retries.
            vote = CommentVote.objects.create(comment_id=comment_id, user=user, value=value)
            audit_change(instance=vote, action=AuditLog.Action.CREATE, actor=user, after={"value": value})
            return vote
        if vote.value != value:
            before = {"value": vote.value}
            vote.value = value
            vote.save(update_fields=["value", "updated_at"])
            audit_change(
                instance=vote, action=AuditLog.Action.UPDATE, actor=user, before=before, after={"value": value}
            )
        return vote

"""Post a comment (or a reply) on a resource."""

from audit.models import AuditLog
from core.outbox import emit_event
from core.services.audit import audit_change
from core.transactions import require_transaction
from interactions import events
from interactions.models import Comment


class ForeignParentError(ValueError):
    """The parent comment belongs to another resource (or is gone)."""


def create_comment(*, resource_id, author, content: str, parent_id=None) -> Comment:
    """Caller holds the resource row lock. The parent is locked here and must be live: a reply
    racing the parent's delete either commits first or is refused."""
    require_transaction()
    if parent_id is not None:
        parent_resource = (
            Comment.objects.select_for_update().filter(pk=parent_id).values_list("resource_id", flat=True).first()
        )
        if parent_resource != resource_id:
            raise ForeignParentError("The parent comment does not exist on this resource.")
    comment = Comment.objects.create(resource_id=resource_id, author=author, content=content, parent_id=parent_id)
    audit_change(
        instance=comment,
        action=AuditLog.Action.CREATE,
        actor=author,
        after={"resource_id": str(resource_id), "parent_id": str(parent_id) if parent_id else None},
    )
    emit_event(
        events.COMMENT,
        comment.pk,
        events.COMMENT_CREATED,
        {
            "comment_id": str(comment.pk),
            "resource_id": str(resource_id),
            "author_id": str(author.pk),
            "parent_id": str(parent_id) if parent_id else None,
        },
    )
    return comment

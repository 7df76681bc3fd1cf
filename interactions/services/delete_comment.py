"""Soft-delete a comment: its replies stay, the thread shows it as deleted."""

from audit.models import AuditLog
from core.services.audit import audit_change
from core.transactions import require_transaction
from interactions.models import Comment


def delete_comment(*, comment: Comment, actor) -> None:
    """Precondition: the caller holds the comment row lock."""
    require_transaction()
    comment.delete()
    audit_change(
        instance=comment,
        action=AuditLog.Action.DELETE,
        actor=actor,
        before={"deleted_at": None},
        after={"deleted_at": comment.deleted_at.isoformat()},
    )

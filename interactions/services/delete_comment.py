"""Soft-delete a comment: its replies stay, the thread shows it as deleted."""

from django.db import transaction

from audit.models import AuditLog
from core.services.audit import audit_change
from interactions.models import Comment


def delete_comment(*, comment_id, actor) -> None:
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment_id)
        comment.delete()
        audit_change(
            instance=comment,
            action=AuditLog.Action.DELETE,
            actor=actor,
            before={"deleted_at": None},
            after={"deleted_at": comment.deleted_at.isoformat()},
        )

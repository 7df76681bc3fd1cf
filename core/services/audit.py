"""The only writer of AuditLog rows."""

from django.contrib.contenttypes.models import ContentType
from django.db import models

from audit.models import AuditLog


def audit_change(
    *,
    instance: models.Model,
    action: str,
    actor=None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditLog:
    """Record a change to `instance`; call it inside the transaction that makes the change."""
    return AuditLog.objects.create(
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_id=str(instance.pk),
        entity_name=instance._meta.verbose_name.title(),
        action=action,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        before_state=before,
        after_state=after,
    )

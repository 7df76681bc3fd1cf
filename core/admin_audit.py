"""Admin changes leave audit rows: staff edits and admin actions are attributed to the operator."""

import json

from django.contrib import admin
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from audit.models import AuditLog
from core.services.audit import audit_change

# Never copied into an audit row.
_SECRET_FIELDS = frozenset({"password"})


def snapshot(instance: models.Model) -> dict:
    """The instance's stored column values as JSON-safe data (secrets left out)."""
    values = {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.name not in _SECRET_FIELDS
    }
    return json.loads(json.dumps(values, cls=DjangoJSONEncoder))


def audit_admin_action(request, *, instance: models.Model, action: str, before: dict | None, after: dict | None):
    """Record an admin action on `instance` by the signed-in operator; call it in the action's transaction."""
    return audit_change(instance=instance, action=action, actor=request.user, before=before, after=after)


class AuditedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose add, change and delete each write an AuditLog row naming the operator."""

    def save_model(self, request, obj, form, change):
        before = snapshot(type(obj)._base_manager.get(pk=obj.pk)) if change else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            action = AuditLog.Action.UPDATE if change else AuditLog.Action.CREATE
            audit_admin_action(request, instance=obj, action=action, before=before, after=snapshot(obj))

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_admin_action(request, instance=obj, action=AuditLog.Action.DELETE, before=snapshot(obj), after=None)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # One object at a time, through the model's own delete(): a queryset delete would
        # hard-delete soft-delete models and skip their rules.
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)

"""Every model registered in the admin: its changelist, search and change page load for staff.

Iterates admin.site._registry, so models other apps register later are covered without edits.
"""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditLog
from core.models import DataQualityIssue, Tag
from core.services.audit import audit_change
from resources.models import ResourceVersion
from resources.tests.factories import ResourceVersionFactory
from users.models import User
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    operator = User.objects.create_superuser("operator@example.com", "operator-password-123")
    client.force_login(operator)
    client.operator = operator
    return client


def build(model: type[models.Model]) -> models.Model:
    """One saved instance of `model`, with a plausible value for every required field."""
    if model is User:
        return UserFactory()
    if model is AuditLog:
        return audit_change(instance=build(Tag), action=AuditLog.Action.CREATE, after={"name": "x"})
    if model is ContentType:
        return ContentType.objects.get_for_model(Tag)
    if model is ResourceVersion:  # a check constraint: either a file_url or a hosted file
        return ResourceVersionFactory()
    values = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.null or field.has_default() or getattr(field, "auto_now", False):
            continue
        if getattr(field, "auto_now_add", False) or field.generated:  # the database computes those
            continue
        values[field.attname if field.is_relation else field.name] = _value_for(field)
    return model._base_manager.create(**values)


def _value_for(field: models.Field):
    unique = uuid.uuid4().hex
    if field.is_relation:
        return build(field.related_model).pk
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.EmailField):
        return f"{unique}@example.com"
    if isinstance(field, models.URLField):
        return f"https://example.com/{unique}"
    if isinstance(field, models.GenericIPAddressField):
        return "192.0.2.1"
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.CharField | models.TextField):
        return unique[: field.max_length or 32]
    if isinstance(field, models.JSONField):
        return {"example": True}
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.DateTimeField):
        return timezone.now() + timedelta(days=1)
    if isinstance(field, models.DateField):
        return timezone.now().date()
    if isinstance(field, models.DecimalField):
        return Decimal("1")
    if isinstance(field, models.IntegerField | models.FloatField):
        return 1
    raise NotImplementedError(f"No test value for {field!r}; add a branch or a special case in build()")


REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_admin_pages_of_every_model_load_for_staff(staff_client, model):
    obj = build(model)
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert staff_client.get(changelist).status_code == 200
    assert staff_client.get(changelist, {"q": "example"}).status_code == 200  # search_fields are valid lookups
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)])
    page = staff_client.get(change)
    assert page.status_code == 200, f"{opts.label} change page answered {page.status_code}"


def test_admin_refuses_users_who_are_not_staff(client):
    client.force_login(UserFactory())
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert client.get(reverse("admin:core_dataqualityissue_changelist")).status_code == 302


def test_admin_refuses_anonymous_visitors(client):
    response = client.get(reverse("admin:core_dataqualityissue_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_resolving_issues_from_the_admin_is_audited(staff_client):
    issues = [
        DataQualityIssue.objects.create(
            check_name="failed_webhook_event", object_type="WebhookEvent", object_id=str(n), description="FAILED"
        )
        for n in range(2)
    ]
    untouched = DataQualityIssue.objects.create(
        check_name="failed_webhook_event", object_type="WebhookEvent", object_id="9", description="FAILED"
    )
    response = staff_client.post(
        reverse("admin:core_dataqualityissue_changelist"),
        {"action": "resolve_issues", "_selected_action": [str(issue.pk) for issue in issues]},
        follow=True,
    )
    assert response.status_code == 200 and b"Resolved 2 issue(s)" in response.content
    assert DataQualityIssue.objects.filter(resolved_at__isnull=True).get() == untouched
    entries = AuditLog.objects.filter(object_id__in=[str(issue.pk) for issue in issues])
    assert entries.count() == 2
    for entry in entries:
        assert entry.actor == staff_client.operator and entry.action == AuditLog.Action.UPDATE
        assert entry.before_state["resolved_at"] is None and entry.after_state["resolved_at"] is not None


def test_data_quality_issues_cannot_be_added_edited_or_deleted_in_the_admin(staff_client):
    issue = DataQualityIssue.objects.create(check_name="c", object_type="T", object_id="1", description="d")
    assert staff_client.get(reverse("admin:core_dataqualityissue_add")).status_code == 403
    change = reverse("admin:core_dataqualityissue_change", args=[issue.pk])
    staff_client.post(change, {"description": "edited"})
    issue.refresh_from_db()
    assert issue.description == "d"
    assert staff_client.post(reverse("admin:core_dataqualityissue_delete", args=[issue.pk])).status_code == 403


def test_audit_log_is_read_only_in_the_admin(staff_client):
    entry = build(AuditLog)
    assert staff_client.get(reverse("admin:audit_auditlog_add")).status_code == 403
    assert staff_client.post(reverse("admin:audit_auditlog_delete", args=[entry.pk])).status_code == 403
    page = staff_client.get(reverse("admin:audit_auditlog_change", args=[entry.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content


def test_tag_changes_in_the_admin_are_audited_with_the_operator(staff_client):
    staff_client.post(reverse("admin:core_tag_add"), {"name": "Algebra", "slug": "algebra"})
    tag = Tag.objects.get(slug="algebra")
    staff_client.post(reverse("admin:core_tag_change", args=[tag.pk]), {"name": "Linear algebra", "slug": "algebra"})
    entries = list(AuditLog.objects.filter(object_id=str(tag.pk)).order_by("created_at"))
    assert [entry.action for entry in entries] == [AuditLog.Action.CREATE, AuditLog.Action.UPDATE]
    assert all(entry.actor == staff_client.operator for entry in entries)
    assert (entries[1].before_state["name"], entries[1].after_state["name"]) == ("Algebra", "Linear algebra")

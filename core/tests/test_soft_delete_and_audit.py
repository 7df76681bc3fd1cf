import pytest

from audit.models import AppendOnlyError, AuditLog
from core.services.audit import audit_change
from resources.models import Resource
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def make_resource(**fields) -> Resource:
    return Resource.objects.create(title="Intro to SQL", author=fields.pop("author", None) or UserFactory(), **fields)


def test_soft_deleted_rows_vanish_from_default_reads_and_restore_brings_them_back():
    kept, removed = make_resource(), make_resource()
    removed.delete()
    assert list(Resource.objects.all()) == [kept]
    assert list(Resource.objects.deleted()) == [removed]
    assert Resource.all_objects.count() == 2
    removed.restore()
    assert Resource.objects.count() == 2


def test_queryset_active_excludes_deleted_rows():
    kept = make_resource()
    make_resource().delete()
    # all_objects starts from every row, so only `active()` itself can leave the deleted one out.
    assert list(Resource.all_objects.active()) == [kept]
    assert list(Resource.objects.active()) == [kept]


def test_audit_change_records_actor_and_states():
    actor = UserFactory()
    resource = make_resource(author=actor)
    entry = audit_change(
        instance=resource, action=AuditLog.Action.UPDATE, actor=actor, before={"title": "a"}, after={"title": "b"}
    )
    assert entry.object_id == str(resource.pk) and entry.content_object == resource
    assert (entry.actor, entry.before_state, entry.after_state) == (actor, {"title": "a"}, {"title": "b"})


def test_audit_rows_cannot_be_changed_or_deleted():
    resource = make_resource()
    entry = audit_change(instance=resource, action=AuditLog.Action.CREATE)
    entry.entity_name = "tampered"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(pk=entry.pk).update(entity_name="tampered")
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.all().delete()
    assert AuditLog.objects.get(pk=entry.pk).entity_name != "tampered"


def test_user_email_is_unique_whatever_its_case():
    from django.db import IntegrityError

    UserFactory(email="Ada@Example.com")
    with pytest.raises(IntegrityError):
        UserFactory(email="ada@example.COM")

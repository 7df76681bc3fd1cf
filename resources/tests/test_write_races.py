"""An author's writes to one resource, one arriving while the other holds the row: the policy
check of the second runs on the row as the first left it (PostgreSQL)."""

import pytest

from application.dto.resources import DeleteResourceCommand
from application.use_cases.delete_resource import delete_resource
from audit.models import AuditLog
from core.models import OutboxEvent
from core.tests.lock_races import second_arrives_during_first
from resources.models import Resource, Visibility
from resources.tests.factories import ResourceFactory
from resources.tests.uploads import bearer_client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _audited_actions(resource) -> list[str]:
    return list(
        AuditLog.objects.filter(object_id=str(resource.pk)).order_by("created_at").values_list("action", flat=True)
    )


def test_an_edit_arriving_during_the_delete_is_refused_and_changes_nothing():
    resource = ResourceFactory(title="Before", visibility=Visibility.PRIVATE)
    author = resource.author

    response = second_arrives_during_first(
        lambda: delete_resource(DeleteResourceCommand(user=author, resource_id=resource.pk)),
        lambda: bearer_client(author).patch(
            f"/api/resources/{resource.pk}/", {"title": "After", "visibility": "public"}, format="json"
        ),
    )

    assert response.status_code == 404
    stored = Resource.all_objects.get(pk=resource.pk)
    assert stored.is_deleted
    assert (stored.title, stored.visibility) == ("Before", Visibility.PRIVATE)
    assert _audited_actions(resource) == [AuditLog.Action.DELETE]
    assert not OutboxEvent.objects.filter(event_type="resource.published").exists()


def test_a_second_delete_arriving_during_the_first_is_a_404_and_audited_once():
    resource = ResourceFactory()
    author = resource.author

    response = second_arrives_during_first(
        lambda: delete_resource(DeleteResourceCommand(user=author, resource_id=resource.pk)),
        lambda: bearer_client(author).delete(f"/api/resources/{resource.pk}/"),
    )

    assert response.status_code == 404
    assert _audited_actions(resource) == [AuditLog.Action.DELETE]

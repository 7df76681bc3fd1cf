import hashlib

import pytest
from django.urls import reverse

from audit.models import AuditLog
from interactions.tests.factories import CommentFactory, CommentVoteFactory
from resources.models import Resource
from resources.tests.factories import ResourceFactory, ResourceVersionFactory
from resources.tests.uploads import PDF, bearer_client, upload_version
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_lists_and_opens_every_resources_and_interactions_model(staff_client):
    resource = ResourceFactory()
    version = ResourceVersionFactory(resource=resource, version_number=1)
    vote = CommentVoteFactory(comment=CommentFactory(resource=resource))
    gone = ResourceFactory(title="soft deleted one")
    gone.delete()
    pages = [
        "/admin/resources/resource/",
        f"/admin/resources/resource/{resource.pk}/change/",
        f"/admin/resources/resource/{gone.pk}/change/",
        "/admin/resources/resourceversion/",
        f"/admin/resources/resourceversion/{version.pk}/change/",
        "/admin/interactions/comment/",
        f"/admin/interactions/comment/{vote.comment_id}/change/",
        "/admin/interactions/commentvote/",
    ]
    for page in pages:
        assert staff_client.get(page).status_code == 200, page
    assert "soft deleted one" in staff_client.get("/admin/resources/resource/").content.decode()


def test_delete_selected_in_the_admin_soft_deletes_and_audits(staff_client):
    doomed, kept = ResourceFactory(), ResourceFactory()
    response = staff_client.post(
        reverse("admin:resources_resource_changelist"),
        {"action": "delete_selected", "_selected_action": [str(doomed.pk)], "post": "yes"},
    )
    assert response.status_code == 302
    assert list(Resource.objects.all()) == [kept]
    assert Resource.all_objects.get(pk=doomed.pk).deleted_at is not None  # still there, soft-deleted
    (entry,) = AuditLog.objects.filter(object_id=str(doomed.pk), action=AuditLog.Action.DELETE)
    assert entry.actor is not None and entry.actor.is_staff


def test_versions_cannot_be_added_or_deleted_in_the_admin(staff_client):
    version = ResourceVersionFactory()
    assert staff_client.get(reverse("admin:resources_resourceversion_add")).status_code == 403
    assert staff_client.get(reverse("admin:resources_resourceversion_delete", args=[version.pk])).status_code == 403


def test_the_admin_shows_a_hosted_version_size_type_and_sha256(staff_client):
    resource = ResourceFactory()
    upload_version(bearer_client(resource.author), resource.pk, filename="handout.pdf")
    version = resource.versions.get()

    page = staff_client.get(f"/admin/resources/resourceversion/{version.pk}/change/").content.decode()

    assert "handout.pdf" in page
    assert "application/pdf" in page
    assert hashlib.sha256(PDF).hexdigest() in page
    assert str(len(PDF)) in page
    listing = staff_client.get("/admin/resources/resourceversion/").content.decode()
    assert "handout.pdf" in listing

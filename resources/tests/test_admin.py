import pytest

from interactions.tests.factories import CommentFactory, CommentVoteFactory
from resources.tests.factories import ResourceFactory, ResourceVersionFactory
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

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from api.views.resources import WriteRateThrottle
from audit.models import AuditLog
from core.models import OutboxEvent
from core.outbox import registered_handlers
from core.tests.factories import TagFactory
from resources.models import Resource, ResourceVersion, Visibility
from resources.tests.factories import ResourceFactory, ResourceVersionFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(api_client):
    user = UserFactory(username="writer")
    api_client.force_authenticate(user)
    return user


def new_resource_body(**overrides) -> dict:
    body = {
        "title": "Async Django",
        "description": "Views, ORM and the event loop.",
        "visibility": "premium",
        "price_cents": 900,
        "tags": ["python"],
        "file_url": "https://files.example.com/async.pdf",
    }
    body.update(overrides)
    return body


def test_creating_a_resource_with_a_file_makes_version_one(api_client):
    TagFactory(name="Python", slug="python")
    user = UserFactory(username="writer")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")

    response = api_client.post("/api/resources/", new_resource_body(), format="json")

    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["title"] == "Async Django" and data["visibility"] == "premium" and data["price_cents"] == 900
    assert data["author"] == {"id": str(user.pk), "username": "writer"}
    assert data["tags"] == ["Python"]
    # The author always sees their own premium file.
    assert data["versions"] == [{"version_number": 1, "file_url": "https://files.example.com/async.pdf"}]
    events = set(OutboxEvent.objects.values_list("event_type", flat=True))
    assert events == {"resource.published", "resource.version_created"}
    assert AuditLog.objects.filter(object_id=data["id"], action=AuditLog.Action.CREATE).exists()


def test_private_resource_is_not_announced(api_client, author):
    api_client.post("/api/resources/", new_resource_body(visibility="private", tags=[], file_url=None), format="json")
    assert not OutboxEvent.objects.filter(event_type="resource.published").exists()


def test_every_emitted_resource_event_has_a_handler():
    assert registered_handlers("resource.published")
    assert registered_handlers("resource.version_created")
    assert registered_handlers("comment.created")


def test_unknown_tag_is_a_validation_error(api_client, author):
    response = api_client.post("/api/resources/", new_resource_body(tags=["nope"]), format="json")
    assert response.status_code == 400
    assert "tags" in response.json()["error"]["details"]
    assert not Resource.objects.exists()


@pytest.mark.parametrize("field", ["title", "visibility"])
def test_missing_required_field_is_a_validation_error(api_client, author, field):
    body = new_resource_body(tags=[])
    del body[field]
    response = api_client.post("/api/resources/", body, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["details"]


def test_anonymous_cannot_write(api_client):
    response = api_client.post("/api/resources/", new_resource_body(tags=[]), format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_author_edits_their_resource(api_client, author):
    TagFactory(name="Django", slug="django")
    resource = ResourceFactory(author=author, visibility=Visibility.PRIVATE)
    response = api_client.patch(
        f"/api/resources/{resource.pk}/",
        {"title": "Renamed", "visibility": "public", "tags": ["django"]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["data"]["title"] == "Renamed" and response.json()["data"]["tags"] == ["Django"]
    resource.refresh_from_db()
    assert resource.visibility == Visibility.PUBLIC and resource.description == "A resource worth reading."
    # Going from private to listed is a publication.
    assert OutboxEvent.objects.filter(event_type="resource.published", aggregate_id=str(resource.pk)).exists()


def test_other_user_cannot_edit_or_delete(api_client):
    resource = ResourceFactory()
    api_client.force_authenticate(UserFactory())
    for response in (
        api_client.patch(f"/api/resources/{resource.pk}/", {"title": "Mine now"}, format="json"),
        api_client.delete(f"/api/resources/{resource.pk}/"),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
    resource.refresh_from_db()
    assert resource.title != "Mine now" and not resource.is_deleted


def test_someone_elses_private_resource_is_404_not_403(api_client):
    resource = ResourceFactory(visibility=Visibility.PRIVATE)
    api_client.force_authenticate(UserFactory())
    assert api_client.delete(f"/api/resources/{resource.pk}/").status_code == 404


def test_unknown_resource_is_404(api_client, author):
    response = api_client.patch("/api/resources/00000000-0000-0000-0000-000000000000/", {"title": "x"}, format="json")
    assert response.status_code == 404


def test_delete_is_soft_and_the_resource_vanishes(api_client, author):
    resource = ResourceFactory(author=author)
    assert api_client.delete(f"/api/resources/{resource.pk}/").status_code == 204
    assert Resource.all_objects.get(pk=resource.pk).is_deleted
    assert api_client.get(f"/api/resources/{resource.pk}/detail/").status_code == 404
    assert api_client.delete(f"/api/resources/{resource.pk}/").status_code == 404


def test_new_versions_are_numbered_after_the_last(api_client, author):
    resource = ResourceFactory(author=author)
    ResourceVersionFactory(resource=resource, version_number=1)
    response = api_client.post(
        "/api/resources/versions/",
        {"resource_id": str(resource.pk), "file_url": "https://files.example.com/v2.pdf"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["data"] == {"version": 2, "url": "https://files.example.com/v2.pdf"}


def test_only_the_author_adds_versions(api_client):
    resource = ResourceFactory()
    api_client.force_authenticate(UserFactory())
    response = api_client.post(
        "/api/resources/versions/",
        {"resource_id": str(resource.pk), "file_url": "https://x.example.com/f"},
        format="json",
    )
    assert response.status_code == 403
    assert not ResourceVersion.objects.exists()


def test_version_needs_a_url(api_client, author):
    resource = ResourceFactory(author=author)
    response = api_client.post(
        "/api/resources/versions/", {"resource_id": str(resource.pk), "file_url": "not a url"}, format="json"
    )
    assert response.status_code == 400 and "file_url" in response.json()["error"]["details"]


def test_writes_are_throttled_per_user_but_reads_are_not(api_client, author, monkeypatch):
    monkeypatch.setattr(WriteRateThrottle, "THROTTLE_RATES", {"write_user": "2/min"})
    statuses = [
        api_client.post("/api/resources/", new_resource_body(tags=[], file_url=None), format="json").status_code
        for _ in range(3)
    ]
    assert statuses == [201, 201, 429]
    assert api_client.get("/api/feed/").status_code == 200

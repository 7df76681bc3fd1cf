"""Write endpoints refuse body fields they do not take, and name read-only ones as such."""

import json

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from api.serializers.strict import READ_ONLY_FIELD, UNKNOWN_FIELD
from api.tests.schema_operations import body_operations
from resources.models import Resource
from resources.tests.factories import ResourceFactory, ResourceVersionFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OPERATIONS = body_operations()
# Stripe's webhook takes whatever event Stripe sends; its signature is the check.
FREE_FORM_PATHS = {"/api/billing/webhook/"}


@pytest.fixture
def author() -> APIClient:
    client = APIClient()
    client.user = UserFactory(username="strict")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(client.user)}")
    return client


def test_every_request_body_except_the_webhook_is_strict_in_the_schema():
    loose = [str(op) for op in OPERATIONS if not op.is_strict and op.path not in FREE_FORM_PATHS]
    assert loose == [], "request serializers must inherit api.serializers.strict.StrictInputSerializer"


@pytest.mark.parametrize("operation", [op for op in OPERATIONS if op.is_strict], ids=str)
def test_every_write_endpoint_names_an_unknown_field(author, operation):
    body = {"unexpected_field": 1}
    if operation.content_type == "application/json":
        response = author.generic(operation.method, operation.url, json.dumps(body), content_type="application/json")
    else:
        response = author.generic(operation.method, operation.url, body, format="multipart")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"]["unexpected_field"] == [UNKNOWN_FIELD]


def test_patching_file_url_is_refused_as_read_only_and_changes_nothing(author):
    resource = ResourceFactory(author=author.user, title="Before")
    ResourceVersionFactory(resource=resource, version_number=1, file_url="https://files.example.com/v1.pdf")
    response = author.patch(
        f"/api/resources/{resource.pk}/",
        {"title": "After", "file_url": "https://files.example.com/v2.pdf"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"file_url": [READ_ONLY_FIELD]}
    resource.refresh_from_db()
    assert resource.title == "Before"
    assert list(resource.versions.values_list("file_url", flat=True)) == ["https://files.example.com/v1.pdf"]


def test_a_typo_in_a_patch_is_refused_instead_of_ignored(author):
    resource = ResourceFactory(author=author.user, title="Before")
    response = author.patch(f"/api/resources/{resource.pk}/", {"titel": "After"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"titel": [UNKNOWN_FIELD]}
    assert Resource.objects.get(pk=resource.pk).title == "Before"


def test_unknown_fields_are_listed_with_the_other_field_errors(author):
    response = author.post("/api/resources/", {"title": "", "colour": "red", "size": 3}, format="json")
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert details["colour"] == [UNKNOWN_FIELD]
    assert details["size"] == [UNKNOWN_FIELD]
    assert {"title", "visibility"} <= set(details)
    assert not Resource.objects.exists()


def test_an_unknown_field_inside_a_nested_item_is_named_at_its_place(author):
    events = [{"event_type": "page_view"}, {"event_type": "click", "colour": "red"}]
    response = author.post("/api/analytics/events/", {"events": events}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"events": {"1": {"colour": [UNKNOWN_FIELD]}}}


def test_a_body_that_is_not_an_object_is_still_a_plain_validation_error(author):
    response = author.post("/api/comments/vote/", [1, 2], format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_a_body_with_only_known_fields_still_succeeds(author):
    resource = ResourceFactory(author=author.user, title="Before")
    response = author.patch(f"/api/resources/{resource.pk}/", {"title": "After"}, format="json")
    assert response.status_code == 200
    assert response.json()["data"]["title"] == "After"

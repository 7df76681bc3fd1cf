"""Hosted files on local disk: upload, link, the same bytes back; tampered, expired, rotated links."""

import hashlib
import time
from datetime import timedelta
from unittest import mock
from urllib.parse import urlparse

import pytest
from django.core.files.storage import storages
from django.utils import timezone
from rest_framework.test import APIClient

from analytics.handlers import record_business_event
from analytics.models import UserEvent
from core.models import OutboxEvent
from monetization.models import Subscription
from resources.models import ResourceVersion, Visibility
from resources.tests.factories import ResourceFactory
from resources.tests.uploads import PDF, PNG, bearer_client, body_of, download, fetch_link, multipart, upload_version
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    return UserFactory(username="uploader")


@pytest.fixture
def resource(author):
    return ResourceFactory(author=author, visibility=Visibility.PUBLIC)


def link_path(client, resource_id, version_number=None) -> str:
    response = download(client, resource_id, version_number, redirect="0")
    assert response.status_code == 200, response.content
    return urlparse(response.json()["data"]["url"]).path


def test_upload_stores_size_sha256_type_and_name_under_a_random_key(author, resource):
    response = upload_version(bearer_client(author), resource.pk, filename="Chapter 1.pdf")

    assert response.status_code == 201, response.content
    assert response.json()["data"] == {
        "version": 1,
        "url": f"/api/resources/{resource.pk}/versions/1/download/",
    }
    version = ResourceVersion.objects.get(resource=resource)
    assert version.file_url is None
    assert version.size_bytes == len(PDF)
    assert version.sha256 == hashlib.sha256(PDF).hexdigest()
    assert version.content_type == "application/pdf"
    assert version.original_name == "Chapter 1.pdf"
    assert "Chapter" not in version.storage_key
    assert storages["resources"].open(version.storage_key).read() == PDF


def test_upload_through_the_resource_create_endpoint_makes_version_one(author):
    body, content_type = multipart(
        {"title": "Hosted", "visibility": "premium", "tags": []}, filename="cover.png", content=PNG
    )
    response = bearer_client(author).generic("POST", "/api/resources/", body, content_type=content_type)

    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["versions"] == [{"version_number": 1, "file_url": f"/api/resources/{data['id']}/versions/1/download/"}]
    assert ResourceVersion.objects.get(resource_id=data["id"]).content_type == "image/png"


def test_upload_then_link_returns_the_same_bytes_as_an_attachment(author, resource):
    upload_version(bearer_client(author), resource.pk, filename="Résumé été.pdf")

    redirect = download(bearer_client(UserFactory()), resource.pk)
    assert redirect.status_code == 302
    assert redirect["Cache-Control"] == "private, no-store"
    served = fetch_link(redirect["Location"])

    assert served.status_code == 200
    assert body_of(served) == PDF
    assert served["Content-Type"] == "application/pdf"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"] == "attachment; filename*=utf-8''R%C3%A9sum%C3%A9%20%C3%A9t%C3%A9.pdf"


def test_redirect_zero_answers_the_link_and_its_expiry(author, resource, settings):
    settings.DOWNLOAD_URL_TTL_SECONDS = 120
    upload_version(bearer_client(author), resource.pk)

    response = download(bearer_client(author), resource.pk, redirect="0")

    data = response.json()["data"]
    assert data["url"].startswith("http://testserver/files/")
    assert data["expires_at"] is not None


def test_each_issued_link_emits_resource_downloaded_for_analytics(author, resource):
    upload_version(bearer_client(author), resource.pk)
    reader = UserFactory()

    download(bearer_client(reader), resource.pk)
    download(bearer_client(reader), resource.pk, 1, redirect="0")

    events = OutboxEvent.objects.filter(event_type="resource.downloaded")
    assert events.count() == 2
    for event in events:
        record_business_event(event)
    tracked = UserEvent.objects.filter(event_type="resource.downloaded")
    assert [row.user_id for row in tracked] == [reader.pk, reader.pk]
    assert {row.event_data["version_number"] for row in tracked} == {1}


def test_an_anonymous_download_is_not_counted_as_the_author(resource, author):
    upload_version(bearer_client(author), resource.pk)
    download(APIClient(), resource.pk)

    event = OutboxEvent.objects.get(event_type="resource.downloaded")
    record_business_event(event)
    assert UserEvent.objects.get(event_type="resource.downloaded").user_id is None


def test_a_tampered_link_is_refused_with_link_invalid(author, resource):
    upload_version(bearer_client(author), resource.pk)
    path = link_path(bearer_client(author), resource.pk)
    token = path.split("/")[2]

    for forged in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x" + token, "not-a-token"):
        response = fetch_link(f"/files/{forged}/")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "link_invalid"


def test_an_expired_link_is_refused_with_link_expired(author, resource, settings):
    settings.DOWNLOAD_URL_TTL_SECONDS = 300
    upload_version(bearer_client(author), resource.pk)
    path = link_path(bearer_client(author), resource.pk)

    with mock.patch("django.core.signing.time.time", return_value=time.time() + 301):
        response = fetch_link(path)

    assert response.status_code == 410
    assert response.json()["error"]["code"] == "link_expired"
    assert fetch_link(path).status_code == 200  # within the lifetime it worked


def test_links_survive_a_secret_key_rotation_through_the_fallbacks(author, resource, settings):
    upload_version(bearer_client(author), resource.pk)
    path = link_path(bearer_client(author), resource.pk)
    old_key = settings.SECRET_KEY

    settings.SECRET_KEY = "a-brand-new-secret-key-for-the-rotation-test-0123456789"
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert fetch_link(path).status_code == 200

    settings.SECRET_KEY_FALLBACKS = []
    assert fetch_link(path).status_code == 403


def test_a_link_for_version_one_never_serves_version_two(author, resource):
    client = bearer_client(author)
    upload_version(client, resource.pk, filename="one.txt", content=b"version one\n")
    upload_version(client, resource.pk, filename="two.txt", content=b"version two\n")

    first, latest = link_path(client, resource.pk, 1), link_path(client, resource.pk)

    assert body_of(fetch_link(first)) == b"version one\n"
    assert body_of(fetch_link(latest)) == b"version two\n"
    assert body_of(fetch_link(link_path(client, resource.pk, 2))) == b"version two\n"


def test_an_unknown_version_number_is_not_found(author, resource):
    upload_version(bearer_client(author), resource.pk)

    response = download(bearer_client(author), resource.pk, 7)

    assert response.status_code == 404


def test_an_external_version_redirects_to_its_url_without_expiry(author, resource):
    bearer_client(author).post(
        "/api/resources/versions/",
        {"resource_id": str(resource.pk), "file_url": "https://files.example.com/a.pdf"},
        format="json",
    )

    assert download(bearer_client(author), resource.pk)["Location"] == "https://files.example.com/a.pdf"
    assert download(bearer_client(author), resource.pk, redirect="0").json()["data"]["expires_at"] is None


def test_a_deleted_resource_stops_serving_links_already_issued(author, resource):
    upload_version(bearer_client(author), resource.pk)
    path = link_path(bearer_client(author), resource.pk)

    bearer_client(author).delete(f"/api/resources/{resource.pk}/")

    assert fetch_link(path).status_code == 404
    assert download(bearer_client(author), resource.pk).status_code == 404


def test_x_accel_redirect_hands_the_bytes_to_nginx(author, resource, settings):
    settings.FILES_X_ACCEL_REDIRECT_PREFIX = "/protected-files/"
    upload_version(bearer_client(author), resource.pk, filename="book.pdf")
    key = ResourceVersion.objects.get(resource=resource).storage_key

    served = fetch_link(link_path(bearer_client(author), resource.pk))

    assert served.status_code == 200
    assert served["X-Accel-Redirect"] == f"/protected-files/{key}"
    assert served["Content-Disposition"] == 'attachment; filename="book.pdf"'
    assert served.content == b""


def test_a_download_link_answers_any_accept_header(author, resource):
    upload_version(bearer_client(author), resource.pk)
    path = link_path(bearer_client(author), resource.pk)

    assert APIClient().get(path, HTTP_ACCEPT="application/pdf").status_code == 200
    assert APIClient().get("/files/bad/", HTTP_ACCEPT="application/pdf").status_code == 403


def test_losing_access_refuses_new_links_at_once_while_issued_ones_run_out(author):
    premium = ResourceFactory(author=author, visibility=Visibility.PREMIUM)
    upload_version(bearer_client(author), premium.pk)
    reader = UserFactory()
    subscription = Subscription.objects.create(
        user=reader,
        plan=Subscription.Plan.PREMIUM,
        status=Subscription.Status.ACTIVE,
        started_at=timezone.now() - timedelta(days=3),
        ends_at=timezone.now() + timedelta(days=27),
        paid_through=timezone.now() + timedelta(days=27),
    )
    issued = link_path(bearer_client(reader), premium.pk)

    subscription.status = Subscription.Status.EXPIRED
    subscription.save()

    refused = download(bearer_client(reader), premium.pk)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "access_denied"
    assert fetch_link(issued).status_code == 200  # dies within DOWNLOAD_URL_TTL_SECONDS

    bearer_client(author).patch(f"/api/resources/{premium.pk}/", {"visibility": "private"}, format="json")
    assert download(bearer_client(reader), premium.pk).status_code == 404
    assert download(bearer_client(author), premium.pk).status_code == 302

"""The S3 backend against a real S3 API (moto's server): uploads, presigned links, the orphan sweep."""

from datetime import timedelta
from urllib.parse import urlparse

import pytest
import requests
from django.core.management import call_command

from resources.models import ResourceVersion, Visibility
from resources.services.purge_orphan_files import purge_orphan_files
from resources.tests.conftest import BUCKET, bucket_keys
from resources.tests.factories import ResourceFactory
from resources.tests.uploads import PDF, bearer_client, download, upload_version
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def resource():
    return ResourceFactory(visibility=Visibility.PREMIUM)


def test_an_upload_lands_in_the_bucket_under_its_random_key(s3_bucket, resource):
    response = upload_version(bearer_client(resource.author), resource.pk, filename="Guide complet.pdf")

    assert response.status_code == 201, response.content
    version = ResourceVersion.objects.get(resource=resource)
    assert bucket_keys(s3_bucket) == [version.storage_key]
    stored = s3_bucket.get_object(Bucket=BUCKET, Key=version.storage_key)["Body"].read()
    assert stored == PDF


def test_a_presigned_link_fetched_over_http_returns_the_exact_bytes_and_name(s3_bucket, resource, settings):
    upload_version(bearer_client(resource.author), resource.pk, filename="Guide complet.pdf")

    link = download(bearer_client(resource.author), resource.pk, redirect="0").json()["data"]

    assert urlparse(link["url"]).netloc == urlparse(settings.STORAGES["resources"]["OPTIONS"]["endpoint_url"]).netloc
    assert "X-Amz-Expires=300" in link["url"]
    fetched = requests.get(link["url"], timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == PDF
    assert fetched.headers["Content-Disposition"] == 'attachment; filename="Guide complet.pdf"'
    assert fetched.headers["Content-Type"] == "application/pdf"


def test_the_redirect_points_at_the_store_and_never_at_a_public_object(s3_bucket, resource):
    upload_version(bearer_client(resource.author), resource.pk)

    location = download(bearer_client(resource.author), resource.pk)["Location"]
    unsigned = location.split("?", 1)[0]

    assert requests.get(location, timeout=10).status_code == 200
    assert requests.get(unsigned, timeout=10).status_code == 403


def test_a_premium_file_gets_no_link_without_access(s3_bucket, resource):
    upload_version(bearer_client(resource.author), resource.pk)

    assert download(bearer_client(UserFactory()), resource.pk).status_code == 403


def test_a_version_that_fails_to_commit_leaves_nothing_in_the_bucket(s3_bucket, failed_version_upload):
    assert bucket_keys(s3_bucket) == []


def test_the_orphan_sweep_removes_what_it_should_and_nothing_else(s3_bucket, resource, capsys):
    upload_version(bearer_client(resource.author), resource.pk)
    kept = ResourceVersion.objects.get(resource=resource).storage_key
    s3_bucket.put_object(Bucket=BUCKET, Key="7f/7f00orphan", Body=b"left behind by a crash")

    dry = purge_orphan_files(delete=False, grace=timedelta(0))
    assert dry.orphans == ["7f/7f00orphan"]
    assert dry.referenced == 1
    assert bucket_keys(s3_bucket) == sorted([kept, "7f/7f00orphan"])

    assert purge_orphan_files(delete=False, grace=timedelta(hours=1)).too_recent == 1  # maybe still committing

    call_command("purge_orphan_files", "--delete", "--grace-minutes=0")
    assert "1 orphan(s) deleted" in capsys.readouterr().out
    assert bucket_keys(s3_bucket) == [kept]

"""An S3-compatible store for tests: moto's server mode on a free loopback port, through real HTTP."""

import socket

import boto3
import pytest

from resources.tests.uploads import bearer_client, upload_version

BUCKET = "ressourcefy-test-files"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(moto_endpoint, settings):
    """A fresh private bucket, and STORAGES["resources"] pointed at it with django-storages' S3 backend."""
    client = boto3.client("s3", endpoint_url=moto_endpoint, **CREDENTIALS)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "resources": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": moto_endpoint,
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "region_name": CREDENTIALS["region_name"],
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": settings.DOWNLOAD_URL_TTL_SECONDS,
                "file_overwrite": False,
                "signature_version": "s3v4",
            },
        },
    }
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def bucket_keys(client) -> list[str]:
    listed = client.list_objects_v2(Bucket=BUCKET)
    return sorted(item["Key"] for item in listed.get("Contents", []))


@pytest.fixture
def failed_version_upload(resource, monkeypatch):
    """Upload a version whose row fails to commit after its file was stored: what is left?"""

    def broken(**kwargs):
        raise RuntimeError("database went away mid-insert")

    monkeypatch.setattr("resources.services.create_resource_version.append_version_locked", broken)
    with pytest.raises(RuntimeError):
        upload_version(bearer_client(resource.author), resource.pk)

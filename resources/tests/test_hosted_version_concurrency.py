"""Two authors' uploads to one resource at once: versions n and n+1, each with its own object."""

import hashlib
import threading

import pytest
from django.core.files.storage import storages
from django.db import connection

from application.dto.resources import CreateResourceVersionCommand, FileUpload
from application.use_cases.create_resource_version import create_resource_version
from resources.models import ResourceVersion
from resources.tests.factories import ResourceFactory, ResourceVersionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_uploads_get_consecutive_versions_each_with_its_own_object(tmp_path):
    resource = ResourceFactory()
    ResourceVersionFactory(resource=resource, version_number=1)
    contents = {n: f"upload number {n}\n".encode() * 100 for n in (1, 2)}
    start = threading.Barrier(2)
    results, errors = {}, []

    def upload(n: int) -> None:
        try:
            path = tmp_path / f"{n}.txt"
            path.write_bytes(contents[n])
            with path.open("rb") as file:
                command = CreateResourceVersionCommand(
                    user=resource.author,
                    resource_id=resource.pk,
                    upload=FileUpload(
                        file=file,
                        name=f"{n}.txt",
                        size=len(contents[n]),
                        sha256=hashlib.sha256(contents[n]).hexdigest(),
                    ),
                )
                start.wait()
                results[n] = create_resource_version(command).version
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results.values()) == [2, 3]
    for n, number in results.items():
        version = ResourceVersion.objects.get(resource=resource, version_number=number)
        assert version.original_name == f"{n}.txt"
        assert storages["resources"].open(version.storage_key).read() == contents[n]
    keys = ResourceVersion.objects.filter(resource=resource, storage_key__isnull=False).values_list("storage_key")
    assert len(set(keys)) == 2

import threading

import pytest
from django.db import connection

from application.dto.resources import CreateResourceVersionCommand
from application.use_cases.create_resource_version import create_resource_version
from resources.models import ResourceVersion
from resources.tests.factories import ResourceFactory, ResourceVersionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_concurrent_versions_are_numbered_two_to_twenty_one():
    resource = ResourceFactory()
    ResourceVersionFactory(resource=resource, version_number=1)
    start = threading.Barrier(20)
    results, errors = [], []

    def upload(n: int) -> None:
        try:
            start.wait()
            command = CreateResourceVersionCommand(
                user=resource.author, resource_id=resource.pk, file_url=f"https://files.example.com/{n}.pdf"
            )
            results.append(create_resource_version(command).version)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results) == list(range(2, 22))
    stored = ResourceVersion.objects.filter(resource=resource).values_list("version_number", flat=True)
    assert sorted(stored) == list(range(1, 22))

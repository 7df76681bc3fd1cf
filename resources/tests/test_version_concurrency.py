import pytest

from application.dto.resources import CreateResourceVersionCommand
from application.use_cases.create_resource_version import create_resource_version
from core.tests.at_once import at_once, raised
from resources.models import ResourceVersion
from resources.tests.factories import ResourceFactory, ResourceVersionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_concurrent_versions_are_numbered_two_to_twenty_one():
    resource = ResourceFactory()
    ResourceVersionFactory(resource=resource, version_number=1)

    def upload(n: int) -> int:
        command = CreateResourceVersionCommand(
            user=resource.author, resource_id=resource.pk, file_url=f"https://files.example.com/{n}.pdf"
        )
        return create_resource_version(command).version

    results = at_once(20, upload)

    errors = raised(results)
    assert errors == []
    assert sorted(results) == list(range(2, 22))
    stored = ResourceVersion.objects.filter(resource=resource).values_list("version_number", flat=True)
    assert sorted(stored) == list(range(1, 22))

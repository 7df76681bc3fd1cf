import pytest
from django.db import IntegrityError

from core.immutability import ImmutableFieldError
from resources.models import ResourceVersion
from resources.tests.factories import ResourceFactory, ResourceVersionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("field", "value"), [("file_url", "https://evil.example.com/x"), ("version_number", 9)])
def test_a_saved_version_cannot_change(field, value):
    version = ResourceVersionFactory(version_number=1)
    setattr(version, field, value)
    with pytest.raises(ImmutableFieldError):
        version.save()


def test_a_queryset_update_cannot_rewrite_versions():
    ResourceVersionFactory(version_number=1)
    with pytest.raises(ImmutableFieldError):
        ResourceVersion.objects.update(file_url="https://evil.example.com/x")


def test_two_versions_cannot_share_a_number():
    resource = ResourceFactory()
    ResourceVersionFactory(resource=resource, version_number=1)
    with pytest.raises(IntegrityError):
        ResourceVersion.objects.create(resource=resource, version_number=1, file_url="https://x.example.com/f")


def test_saving_a_loaded_version_is_one_update_with_no_re_read(django_assert_num_queries):
    version = ResourceVersion.objects.get(pk=ResourceVersionFactory(version_number=1).pk)
    with django_assert_num_queries(1) as captured:
        version.save()
    assert captured.captured_queries[0]["sql"].startswith("UPDATE")

"""The orphan sweep on local disk: dry run by default, deletes only unreferenced, old objects."""

import os
import time

import pytest
from django.core.management import call_command

from resources.models import ResourceVersion
from resources.tests.factories import ResourceFactory
from resources.tests.uploads import bearer_client, upload_version

pytestmark = pytest.mark.django_db


def test_a_dry_run_lists_old_orphans_and_deletes_nothing(_resource_storage, capsys):
    resource = ResourceFactory()
    upload_version(bearer_client(resource.author), resource.pk)
    kept = _resource_storage / ResourceVersion.objects.get().storage_key
    orphan = _resource_storage / "ab" / "ab00orphan"
    orphan.parent.mkdir(exist_ok=True)
    orphan.write_bytes(b"stray")
    two_hours_ago = time.time() - 7200
    os.utime(orphan, (two_hours_ago, two_hours_ago))
    fresh = _resource_storage / "cd" / "cd00inflight"
    fresh.parent.mkdir(exist_ok=True)
    fresh.write_bytes(b"an upload still committing")

    call_command("purge_orphan_files")
    out = capsys.readouterr().out
    assert "orphan ab/ab00orphan" in out
    assert "1 orphan(s) would delete (dry run; pass --delete); 1 referenced; 1 too recent to judge" in out
    assert orphan.exists() and fresh.exists() and kept.exists()

    call_command("purge_orphan_files", "--delete")
    assert not orphan.exists()
    assert fresh.exists() and kept.exists()


def test_files_of_soft_deleted_resources_are_not_orphans(_resource_storage):
    resource = ResourceFactory()
    upload_version(bearer_client(resource.author), resource.pk)
    resource.delete()

    call_command("purge_orphan_files", "--delete", "--grace-minutes=0")

    assert (_resource_storage / ResourceVersion.objects.get().storage_key).exists()

"""The object store behind hosted files: Django's STORAGES["resources"], local disk or S3.

Keys are random (never derived from the uploaded name), spread over 256 folders so a local
directory never grows huge.
"""

import secrets
from collections.abc import Iterator

from django.core.files.storage import FileSystemStorage, Storage, storages


def resource_storage() -> Storage:
    return storages["resources"]


def app_serves_files() -> bool:
    """Local disk: the app signs its own /files/ links. Otherwise the store presigns them."""
    return isinstance(resource_storage(), FileSystemStorage)


def new_storage_key() -> str:
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token}"


def save_object(file) -> str:
    """Store `file` under a fresh random key and return the key the storage used."""
    return resource_storage().save(new_storage_key(), file)


def delete_object(key: str) -> None:
    resource_storage().delete(key)


def iter_keys(storage: Storage | None = None, prefix: str = "") -> Iterator[str]:
    """Every key in the store, walking folders (S3 prefixes) depth first."""
    storage = storage or resource_storage()
    folders, files = storage.listdir(prefix)
    for name in files:
        yield f"{prefix}{name}"
    for folder in folders:
        yield from iter_keys(storage, f"{prefix}{folder}/")

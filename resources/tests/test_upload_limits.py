"""Upload limits: size (refused early), type by content, empty and missing files, hostile names, memory."""

import hashlib
import tracemalloc

import pytest
from django.test import RequestFactory
from django.test.client import ClientHandler
from rest_framework_simplejwt.tokens import AccessToken

from resources.files.names import sanitize_file_name
from resources.models import ResourceVersion, Visibility
from resources.tests.factories import ResourceFactory
from resources.tests.uploads import ELF, PDF, bearer_client, body_of, download, fetch_link, multipart, upload_version
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
MIB = 1024 * 1024
VERSIONS = "/api/resources/versions/"


@pytest.fixture
def resource():
    return ResourceFactory(visibility=Visibility.PUBLIC)


class CountingStream:
    """A wsgi.input that counts what the app reads; the body may be generated lazily."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buffer = b""
        self.bytes_read = 0

    def read(self, size=-1):
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            size = len(self._buffer)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        self.bytes_read += len(data)
        return data

    def readline(self, size=-1):
        return self.read(size)


def post_through_wsgi(user, path: str, chunks, length: int, content_type: str):
    """The whole stack (middleware included) on a body we control, as a WSGI server would pass it."""
    request = RequestFactory().generic(
        "POST", path, b"", content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}"
    )
    stream = CountingStream(chunks)
    environ = {**request.environ, "wsgi.input": stream, "CONTENT_LENGTH": str(length), "CONTENT_TYPE": content_type}
    return ClientHandler()(environ), stream


def test_a_body_announcing_more_than_the_limit_is_refused_before_it_is_read(resource, settings):
    settings.UPLOAD_MAX_BYTES = 1 * MIB
    body, content_type = multipart({"resource_id": str(resource.pk)}, filename="big.pdf", content=PDF + bytes(3 * MIB))

    response, stream = post_through_wsgi(resource.author, "/api/resources/versions/", [body], len(body), content_type)

    assert response.status_code == 413
    assert b'"file_too_large"' in response.content
    assert stream.bytes_read == 0
    assert not ResourceVersion.objects.exists()


def test_a_file_over_the_limit_is_refused_while_streaming_without_reading_the_rest(resource, settings):
    settings.UPLOAD_MAX_BYTES = 64 * 1024  # the body (300 KiB) fits the announced-length slack
    body, content_type = multipart(
        {"resource_id": str(resource.pk)}, filename="big.pdf", content=PDF + bytes(300 * 1024)
    )

    response, stream = post_through_wsgi(
        resource.author,
        "/api/resources/versions/",
        [body[i : i + 8192] for i in range(0, len(body), 8192)],
        len(body),
        content_type,
    )

    assert response.status_code == 413
    assert b'"file_too_large"' in response.content
    assert stream.bytes_read < len(body)
    assert not ResourceVersion.objects.exists()


def test_a_hundred_mib_upload_raises_peak_memory_by_less_than_twenty_mib(resource):
    size = 100 * MIB
    body, content_type = multipart({"resource_id": str(resource.pk)}, filename="big.pdf", content=b"@@FILE@@")
    before, after = body.split(b"@@FILE@@")
    block = (b"%PDF-1.7\n" + bytes(range(256)) * 256)[: 64 * 1024]
    digest = hashlib.sha256()

    def chunks():
        yield before
        sent = 0
        while sent < size:
            piece = block[: min(len(block), size - sent)]
            digest.update(piece)
            sent += len(piece)
            yield piece
        yield after

    tracemalloc.start()
    try:
        baseline, _ = tracemalloc.get_traced_memory()
        response, _ = post_through_wsgi(
            resource.author, "/api/resources/versions/", chunks(), len(before) + size + len(after), content_type
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert response.status_code == 201, response.content
    version = ResourceVersion.objects.get(resource=resource)
    assert version.size_bytes == size
    assert version.sha256 == digest.hexdigest()
    assert peak - baseline < 20 * MIB, f"peak rose by {(peak - baseline) / MIB:.1f} MiB"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.pdf", ELF),
        ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(50)),
        ("page.txt", b"\x00\x01\x02binary\xff\xfe"),
        ("movie.pdf", b"\x1aE\xdf\xa3" + bytes(60)),  # Matroska video: not an accepted type
    ],
)
def test_a_file_whose_content_is_not_an_accepted_type_is_refused_with_415(resource, name, content):
    response = upload_version(bearer_client(resource.author), resource.pk, filename=name, content=content)

    assert response.status_code == 415, response.content
    assert response.json()["error"]["code"] == "unsupported_file_type"
    assert not ResourceVersion.objects.exists()


def test_an_empty_file_is_refused_with_400(resource):
    response = upload_version(bearer_client(resource.author), resource.pk, filename="empty.pdf", content=b"")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "file" in response.json()["error"]["details"]


def test_a_multipart_body_without_a_file_part_is_refused_with_400(resource):
    body, content_type = multipart({"resource_id": str(resource.pk)}, filename=None, content=b"")

    response = bearer_client(resource.author).generic(
        "POST", "/api/resources/versions/", body, content_type=content_type
    )

    assert response.status_code == 400
    assert "file" in response.json()["error"]["details"]


def test_a_file_part_under_another_name_is_ignored_and_the_file_is_missing(resource):
    body, content_type = multipart({"resource_id": str(resource.pk)}, filename="a.pdf", content=PDF, file_field="doc")

    response = bearer_client(resource.author).generic(
        "POST", "/api/resources/versions/", body, content_type=content_type
    )

    assert response.status_code == 400


def test_only_the_author_may_upload_and_nothing_is_stored_otherwise(resource, _resource_storage):
    response = upload_version(bearer_client(UserFactory()), resource.pk)

    assert response.status_code == 403
    assert not any(path.is_file() for path in _resource_storage.rglob("*"))


def test_a_version_row_that_fails_to_commit_leaves_no_stored_object(_resource_storage, failed_version_upload):
    assert not any(path.is_file() for path in _resource_storage.rglob("*"))


HOSTILE_NAMES = [
    "../../etc/passwd",
    "..\\..\\windows\\system32\\evil.pdf",
    "report\x00.exe.pdf",
    "\u202egpj.exe.pdf",
    "invoice\u200f\u200b.pdf",
    "é" * 300 + ".pdf",
    "  ...hidden.pdf",
    'quote"and;semicolon.pdf',
    "line\r\nbreak.pdf",
]


@pytest.mark.parametrize("hostile", HOSTILE_NAMES)
def test_hostile_names_are_made_safe_by_the_sanitizer(hostile):
    safe = sanitize_file_name(hostile)

    assert safe
    assert len(safe) <= 200
    assert not any(char in safe for char in '/\\\x00\r\n\u202e\u200f\u200b";')
    assert not safe.startswith(".")
    assert safe.endswith(".pdf") or safe == "passwd"


@pytest.mark.parametrize("hostile", HOSTILE_NAMES)
def test_hostile_names_are_stored_and_served_safely(resource, hostile, _resource_storage):
    response = upload_version(bearer_client(resource.author), resource.pk, filename=hostile)
    assert response.status_code == 201, response.content
    version = ResourceVersion.objects.get(resource=resource)
    served = fetch_link(download(bearer_client(resource.author), resource.pk)["Location"])

    assert body_of(served) == PDF
    assert version.original_name == sanitize_file_name(version.original_name)
    disposition = served["Content-Disposition"]
    assert disposition.startswith("attachment; filename")
    assert not any(char in disposition for char in "\r\n\x00/\\\u202e")
    stored = [path for path in _resource_storage.rglob("*") if path.is_file()]
    assert [path.relative_to(_resource_storage).as_posix() for path in stored] == [version.storage_key]


def test_a_file_of_exactly_the_limit_is_accepted(resource, settings):
    settings.UPLOAD_MAX_BYTES = 2 * MIB
    response = upload_version(bearer_client(resource.author), resource.pk, content=PDF + bytes(2 * MIB - len(PDF)))

    assert response.status_code == 201, response.content
    assert ResourceVersion.objects.get(resource=resource).size_bytes == 2 * MIB

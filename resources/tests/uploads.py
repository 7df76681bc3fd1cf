"""Helpers for upload tests: sample files, hand-built multipart bodies, a bearer client."""

import uuid

from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(56)


def bearer_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


def multipart(fields: dict, *, filename: str | None, content: bytes, file_field: str = "file") -> tuple[bytes, str]:
    """A multipart/form-data body built by hand, so file names reach the server unaltered."""
    boundary = f"----ressourcefy{uuid.uuid4().hex}"
    parts = []
    for name, value in fields.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{item}\r\n'.encode())
    if filename is not None:
        quoted = filename.replace("\\", "\\\\").replace('"', '\\"')
        header = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{quoted}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(header.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def upload_version(client, resource_id, *, filename="notes.pdf", content=PDF, **fields):
    body, content_type = multipart({"resource_id": str(resource_id), **fields}, filename=filename, content=content)
    return client.generic("POST", "/api/resources/versions/", body, content_type=content_type)


def download(client, resource_id, version_number=None, **query):
    base = f"/api/resources/{resource_id}/"
    path = f"{base}versions/{version_number}/download/" if version_number else f"{base}download/"
    return client.get(path, query)


def fetch_link(url: str):
    """GET a /files/ link as anybody would: no credentials."""
    return APIClient().get(url)


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content

"""Multipart uploads streamed to a temporary file, hashed and size-checked chunk by chunk.

Only the `file` part is accepted as a file; it never sits whole in memory (Django's in-memory
handler is not used), and a body announcing more than the limit is refused before it is read.
"""

import hashlib

from django.conf import settings
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler
from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser
from django.http.multipartparser import MultiPartParserError
from django.urls import Resolver404, resolve
from rest_framework.exceptions import ParseError
from rest_framework.parsers import DataAndFiles, MultiPartParser

from application.dto.resources import FileUpload
from application.exceptions import FileTooLarge

FILE_FIELD = "file"
# Room for the form fields and multipart headers around the file itself.
FORM_OVERHEAD_BYTES = 256 * 1024


def _too_large() -> FileTooLarge:
    limit = settings.UPLOAD_MAX_BYTES
    return FileTooLarge(f"The file is larger than {limit} bytes.", details={"max_bytes": limit})


class HashingUploadHandler(TemporaryFileUploadHandler):
    """Writes the `file` part to disk, counting its size and sha256 as the chunks arrive."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.UPLOAD_MAX_BYTES + FORM_OVERHEAD_BYTES:
            raise _too_large()
        self.files_seen = 0

    def new_file(self, field_name, *args, **kwargs):
        self.files_seen += 1
        if field_name != FILE_FIELD or self.files_seen > 1:
            raise SkipFile
        super().new_file(field_name, *args, **kwargs)
        self.digest = hashlib.sha256()
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            self.file.close()
            raise _too_large()
        self.digest.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        uploaded = super().file_complete(file_size)
        uploaded.sha256 = self.digest.hexdigest()
        return uploaded


class StreamingMultiPartParser(MultiPartParser):
    """DRF's multipart parser with our handler instead of the request's default handlers."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        request = parser_context["request"]
        meta = request.META.copy()
        meta["CONTENT_TYPE"] = media_type
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            parser = DjangoMultiPartParser(meta, stream, [HashingUploadHandler(request)], encoding)
            data, files = parser.parse()
        except MultiPartParserError as error:
            raise ParseError(f"Multipart form parse error - {error}") from None
        return DataAndFiles(data, files)


def file_upload(uploaded) -> FileUpload:
    """The command-side view of a validated `file` part."""
    return FileUpload(file=uploaded, name=uploaded.name, size=uploaded.size, sha256=uploaded.sha256)


def is_file_upload(request) -> bool:
    """A multipart POST to a view that takes files: it checks its own, larger, limit."""
    if request.method != "POST" or request.content_type != "multipart/form-data":
        return False
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return getattr(getattr(match.func, "view_class", None), "accepts_file_uploads", False)

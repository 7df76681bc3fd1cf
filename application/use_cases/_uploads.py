"""Turn an uploaded file into a checked HostedFile: not empty, an allowed type, a safe name."""

from application.dto.resources import FileUpload
from application.exceptions import UnsupportedFileType, ValidationFailed
from resources.files.content_types import HEAD_BYTES, detect_content_type
from resources.files.names import sanitize_file_name
from resources.services.hosted_files import HostedFile


def release_upload(upload: FileUpload | None) -> None:
    """Close the temporary file now: once stored it may have been moved into the storage folder."""
    if upload is not None:
        upload.file.close()


def checked_upload(upload: FileUpload) -> HostedFile:
    if upload.size == 0:
        raise ValidationFailed(details={"file": ["The submitted file is empty."]})
    upload.file.seek(0)
    head = upload.file.read(HEAD_BYTES)
    upload.file.seek(0)
    name = sanitize_file_name(upload.name)
    content_type = detect_content_type(head, name)
    if content_type is None:
        raise UnsupportedFileType(
            "The file's content is not one of the accepted types.",
            details={"file": ["Accepted: PDF, EPUB, ZIP, PNG, JPEG, GIF, WebP, MP3, MP4, plain text, Markdown."]},
        )
    return HostedFile(
        file=upload.file, original_name=name, content_type=content_type, size_bytes=upload.size, sha256=upload.sha256
    )

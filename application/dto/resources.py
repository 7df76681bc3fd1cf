"""Commands and results for resources, comments and votes (api -> use cases -> api)."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


class _Unset:
    """Marks a PATCH field the client did not send (distinct from an explicit null)."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()


@dataclass(frozen=True, kw_only=True)
class FileUpload:
    """A file part streamed to a temporary file; size and sha256 were counted on the way."""

    file: object  # readable and seekable
    name: str  # as the client sent it: not yet safe
    size: int
    sha256: str


@dataclass(frozen=True, kw_only=True)
class CreateResourceCommand:
    user: object
    title: str
    description: str = ""
    visibility: str
    price_cents: int | None = None
    tags: tuple[str, ...] = ()
    file_url: str | None = None
    upload: FileUpload | None = None


@dataclass(frozen=True, kw_only=True)
class UpdateResourceCommand:
    """Only the fields the client sent are set; the others stay UNSET."""

    user: object
    resource_id: UUID
    title: "str | _Unset" = UNSET
    description: "str | _Unset" = UNSET
    visibility: "str | _Unset" = UNSET
    price_cents: "int | None | _Unset" = UNSET
    tags: "tuple[str, ...] | _Unset" = UNSET

    def changes(self) -> dict:
        names = ("title", "description", "visibility", "price_cents", "tags")
        return {name: getattr(self, name) for name in names if getattr(self, name) is not UNSET}


@dataclass(frozen=True, kw_only=True)
class DeleteResourceCommand:
    user: object
    resource_id: UUID


@dataclass(frozen=True, kw_only=True)
class CreateResourceVersionCommand:
    user: object
    resource_id: UUID
    file_url: str | None = None
    upload: FileUpload | None = None


@dataclass(frozen=True, kw_only=True)
class AccessResourceCommand:
    user: object
    resource_id: UUID
    ip_address: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True, kw_only=True)
class IssueDownloadLinkCommand:
    """`version_number` None: the latest version."""

    user: object
    resource_id: UUID
    version_number: int | None = None


@dataclass(frozen=True, kw_only=True)
class OpenDownloadCommand:
    token: str


@dataclass(frozen=True, kw_only=True)
class CreateCommentCommand:
    user: object
    resource_id: UUID
    content: str
    parent_id: UUID | None = None


@dataclass(frozen=True, kw_only=True)
class DeleteCommentCommand:
    user: object
    comment_id: UUID


@dataclass(frozen=True, kw_only=True)
class VoteOnCommentCommand:
    user: object
    comment_id: UUID
    vote_value: int


@dataclass(frozen=True, kw_only=True)
class ResourceWritten:
    resource_id: UUID


@dataclass(frozen=True, kw_only=True)
class VersionCreated:
    version: int
    url: str


@dataclass(frozen=True, kw_only=True)
class ResourceAccess:
    version_number: int
    file_url: str


@dataclass(frozen=True, kw_only=True)
class DownloadLink:
    url: str
    expires_at: datetime | None


@dataclass(frozen=True, kw_only=True)
class DownloadToServe:
    """An opened hosted file, or (with `x_accel_path`) the path nginx should send instead."""

    file: object | None
    x_accel_path: str | None
    name: str
    content_type: str
    size: int


@dataclass(frozen=True, kw_only=True)
class CommentCreated:
    comment_id: UUID


@dataclass(frozen=True, kw_only=True)
class VoteRecorded:
    vote_id: UUID
    value: int

"""Commands: frozen, keyword-only requests to change state. Each area keeps its own block."""

from dataclasses import dataclass, field
from uuid import UUID

# --- Auth and user -------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RegisterUserCommand:
    email: str
    password: str
    username: str | None = None


@dataclass(frozen=True, kw_only=True)
class ActivateUserCommand:
    token: str


@dataclass(frozen=True, kw_only=True)
class ResendActivationCommand:
    email: str


@dataclass(frozen=True, kw_only=True)
class AuthenticateUserCommand:
    email: str
    password: str


@dataclass(frozen=True, kw_only=True)
class RefreshTokensCommand:
    refresh_token: str


@dataclass(frozen=True, kw_only=True)
class LogoutCommand:
    refresh_token: str


@dataclass(frozen=True, kw_only=True)
class RequestPasswordResetCommand:
    email: str


@dataclass(frozen=True, kw_only=True)
class ConfirmPasswordResetCommand:
    token: str
    new_password: str


@dataclass(frozen=True, kw_only=True)
class GoogleSignInCommand:
    id_token: str


@dataclass(frozen=True, kw_only=True)
class UpdateProfileCommand:
    """`changes` holds only the fields the client sent (username, bio, avatar_url)."""

    user_id: UUID
    changes: dict = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class SetInterestsCommand:
    user_id: UUID
    tag_slugs: tuple[str, ...]


# --- end auth and user -------------------------------------------------------------------

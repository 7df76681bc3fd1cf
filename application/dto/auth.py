"""Results of the auth and user use cases, serialized by api/ as they are."""

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True, kw_only=True)
class RegisteredUser:
    id: UUID
    email: str
    activated: bool


@dataclass(frozen=True, kw_only=True)
class SessionUser:
    id: UUID
    email: str
    username: str | None
    activated: bool
    onboarding_step: str


@dataclass(frozen=True, kw_only=True)
class TokenPair:
    access_token: str
    refresh_token: str


@dataclass(frozen=True, kw_only=True)
class LoginResult:
    access_token: str
    refresh_token: str
    user: SessionUser


@dataclass(frozen=True, kw_only=True)
class ProfileResult:
    username: str | None
    bio: str
    avatar_url: str | None
    onboarding_step: str


@dataclass(frozen=True, kw_only=True)
class InterestTag:
    name: str
    slug: str


@dataclass(frozen=True, kw_only=True)
class InterestsResult:
    tags: list[InterestTag]
    onboarding_step: str

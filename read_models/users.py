"""The signed-in user as the frontend sees it (GET /api/user/me/)."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import Exists, OuterRef

from users.models import User, UserInterest, onboarding_step_for


@dataclass(frozen=True, kw_only=True)
class CurrentUser:
    id: UUID
    email: str
    username: str | None
    activated: bool
    onboarding_step: str
    created_at: datetime


def get_current_user(*, user_id) -> CurrentUser | None:
    """One query: the user, its profile's username and whether it has any interest."""
    row = (
        User.objects.filter(pk=user_id)
        .annotate(has_interest=Exists(UserInterest.objects.filter(user_id=OuterRef("pk"))))
        .values("id", "email", "is_activated", "created_at", "profile__username", "has_interest")
        .first()
    )
    if row is None:
        return None
    return CurrentUser(
        id=row["id"],
        email=row["email"],
        username=row["profile__username"],
        activated=row["is_activated"],
        onboarding_step=onboarding_step_for(
            is_activated=row["is_activated"], username=row["profile__username"], has_interest=row["has_interest"]
        ),
        created_at=row["created_at"],
    )

"""Edit the signed-in user's profile (username, bio, avatar_url): onboarding's second step."""

from django.db import transaction

from application.dto.auth import ProfileResult
from application.dto.commands import UpdateProfileCommand
from application.exceptions import UsernameTaken
from application.use_cases._locked_rows import lock_signed_in_user
from users.services import registration
from users.services.profiles import update_profile as update_profile_fields


def update_profile(command: UpdateProfileCommand) -> ProfileResult:
    with transaction.atomic():
        user = lock_signed_in_user(command.user_id)
        try:
            profile = update_profile_fields(user=user, changes=dict(command.changes))
        except registration.UsernameTaken as error:
            raise UsernameTaken() from error
    return ProfileResult(
        username=profile.username,
        bio=profile.bio,
        avatar_url=profile.avatar_url,
        onboarding_step=user.get_onboarding_step(),
    )

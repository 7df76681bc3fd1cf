"""Edit the signed-in user's profile (username, bio, avatar_url): onboarding's second step."""

from application.dto.auth import ProfileResult
from application.dto.commands import UpdateProfileCommand
from application.exceptions import Conflict, NotAuthenticated
from users.services.profiles import find_active_user
from users.services.profiles import update_profile as update_profile_fields
from users.services.registration import UsernameTaken


def update_profile(command: UpdateProfileCommand) -> ProfileResult:
    user = find_active_user(command.user_id)
    if user is None:
        raise NotAuthenticated()
    try:
        profile = update_profile_fields(user=user, changes=dict(command.changes))
    except UsernameTaken as error:
        raise Conflict("This username is taken.", code="username_taken") from error
    return ProfileResult(
        username=profile.username,
        bio=profile.bio,
        avatar_url=profile.avatar_url,
        onboarding_step=user.get_onboarding_step(),
    )

"""Replace the signed-in user's interests with a list of tag slugs: onboarding's third step."""

from application.dto.auth import InterestsResult, InterestTag
from application.dto.commands import SetInterestsCommand
from application.exceptions import NotAuthenticated
from application.use_cases._tags import tags_or_refuse
from users.services.profiles import find_active_user
from users.services.profiles import set_interests as replace_interests


def set_interests(command: SetInterestsCommand) -> InterestsResult:
    user = find_active_user(command.user_id)
    if user is None:
        raise NotAuthenticated()
    tags = replace_interests(user=user, tags=tags_or_refuse(command.tag_slugs))
    return InterestsResult(
        tags=[InterestTag(name=tag.name, slug=tag.slug) for tag in tags],
        onboarding_step=user.get_onboarding_step(),
    )

"""Replace the signed-in user's interests with a list of tag slugs: onboarding's third step."""

from django.db import transaction

from application.dto.auth import InterestsResult, InterestTag
from application.dto.commands import SetInterestsCommand
from application.use_cases._locked_rows import lock_signed_in_user
from application.use_cases._tags import tags_or_refuse
from users.services.profiles import set_interests as replace_interests


def set_interests(command: SetInterestsCommand) -> InterestsResult:
    with transaction.atomic():
        user = lock_signed_in_user(command.user_id)
        tags = replace_interests(user=user, tags=tags_or_refuse(command.tag_slugs))
    return InterestsResult(
        tags=[InterestTag(name=tag.name, slug=tag.slug) for tag in tags],
        onboarding_step=user.get_onboarding_step(),
    )

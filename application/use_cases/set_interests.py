"""Replace the signed-in user's interests with a list of tag slugs: onboarding's third step."""

from django.db import transaction

from application.dto.auth import InterestsResult, InterestTag
from application.dto.commands import SetInterestsCommand
from application.exceptions import ValidationFailed
from application.use_cases._locked_rows import lock_signed_in_user
from users.services.profiles import UnknownTags
from users.services.profiles import set_interests as replace_interests


def set_interests(command: SetInterestsCommand) -> InterestsResult:
    with transaction.atomic():
        user = lock_signed_in_user(command.user_id)
        try:
            tags = replace_interests(user=user, tag_slugs=list(command.tag_slugs))
        except UnknownTags as error:
            raise ValidationFailed(
                "Some tags do not exist.", details={"tags": [f"Unknown tag: {slug}" for slug in error.slugs]}
            ) from error
    return InterestsResult(
        tags=[InterestTag(name=tag.name, slug=tag.slug) for tag in tags],
        onboarding_step=user.get_onboarding_step(),
    )

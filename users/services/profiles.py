"""Profile fields and interests: the second and third steps of onboarding."""

from django.db import IntegrityError, transaction

from audit.models import AuditLog
from core.models import Tag
from core.services.audit import audit_change
from core.transactions import require_transaction
from users.models import Profile, User, UserInterest
from users.services.registration import UsernameTaken, username_in_use

_EDITABLE = ("username", "bio", "avatar_url")


def lock_active_user(user_id) -> User | None:
    """The active account, its row locked for the caller's transaction (its profile and interests change under it)."""
    return User.objects.select_for_update().filter(pk=user_id, is_active=True).first()


def update_profile(*, user: User, changes: dict) -> Profile:
    """Apply `changes` (a subset of username, bio, avatar_url) to the user's profile."""
    require_transaction()
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    username = changes.get("username")
    if username and username_in_use(username, excluding_user_id=user.pk):
        raise UsernameTaken(username)
    try:
        # A savepoint: a lost race for the unique username rolls back alone, and is then named.
        with transaction.atomic():
            profile, _ = Profile.objects.select_for_update().get_or_create(user=user)
            before = {field: getattr(profile, field) for field in changes}
            for field, value in changes.items():
                setattr(profile, field, value)
            profile.save()
            after = {field: getattr(profile, field) for field in changes}
            if before != after:
                audit_change(instance=profile, action=AuditLog.Action.UPDATE, actor=user, before=before, after=after)
    except IntegrityError as error:
        if username and username_in_use(username, excluding_user_id=user.pk):
            raise UsernameTaken(username) from error
        raise
    return profile


def set_interests(*, user: User, tags: list[Tag]) -> list[Tag]:
    """Replace the user's interests with exactly these tags.

    Precondition: the caller holds the user row lock (`lock_active_user`), which serialises two
    concurrent replacements of the same set.
    """
    require_transaction()
    current = dict(UserInterest.objects.filter(user=user).values_list("tag__slug", "tag_id"))
    wanted = {tag.slug: tag for tag in tags}
    removed = set(current) - set(wanted)
    added = [tag for tag in tags if tag.slug not in current]
    if removed:
        UserInterest.objects.filter(user=user, tag_id__in=[current[slug] for slug in removed]).delete()
    if added:
        UserInterest.objects.bulk_create([UserInterest(user=user, tag=tag) for tag in added])
    if removed or added:
        audit_change(
            instance=user,
            action=AuditLog.Action.UPDATE,
            actor=user,
            before={"interests": sorted(current)},
            after={"interests": sorted(wanted)},
        )
    return sorted(tags, key=lambda tag: tag.name)

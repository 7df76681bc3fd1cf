"""Accounts: email is the login (stored normalized), profiles and interests drive onboarding."""

import contextlib

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower

from core.models import BaseModel, Tag
from users.emails import UnreadableEmail, normalize_email, validate_readable_email


class OnboardingStep(models.TextChoices):
    NOT_STARTED = "not_started"
    PROFILE = "profile"
    INTERESTS = "interests"
    COMPLETED = "completed"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        # Exact on the stored normalized form: the database's own case folding never decides.
        try:
            normalized = normalize_email(email)
        except UnreadableEmail:
            raise self.model.DoesNotExist("No account has this email.") from None
        return self.get(email=normalized)

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("An email is required")
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True, is_activated=True)
        return self._create(email, password, **fields)


class User(BaseModel, AbstractBaseUser, PermissionsMixin):
    class AuthProvider(models.TextChoices):
        LOCAL = "LOCAL"
        GOOGLE = "GOOGLE"

    email = models.EmailField(max_length=254, unique=True, validators=[validate_readable_email])
    auth_provider = models.CharField(max_length=10, choices=AuthProvider.choices, default=AuthProvider.LOCAL)
    is_activated = models.BooleanField(default=False)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs):
        # A legacy address the migration could not fold is kept; forms and the API refuse new ones.
        with contextlib.suppress(UnreadableEmail):
            self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    def get_onboarding_step(self) -> str:
        """Derived from state, never stored: activation, then a username, then an interest."""
        if not self.is_activated:
            return OnboardingStep.NOT_STARTED
        profile = getattr(self, "profile", None)  # a missing one-to-one raises AttributeError
        return onboarding_step_for(
            is_activated=True,
            username=profile.username if profile is not None else None,
            has_interest=bool(profile is not None and profile.username) and self.interests.exists(),
        )


def onboarding_step_for(*, is_activated: bool, username: str | None, has_interest: bool) -> str:
    """The onboarding rule in one place, for callers that already hold the three facts."""
    if not is_activated:
        return OnboardingStep.NOT_STARTED
    if not username:
        return OnboardingStep.PROFILE
    if not has_interest:
        return OnboardingStep.INTERESTS
    return OnboardingStep.COMPLETED


class Profile(BaseModel):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    username = models.CharField(max_length=50, unique=True, null=True, blank=True)
    bio = models.TextField(blank=True, default="")
    avatar_url = models.URLField(max_length=500, null=True, blank=True)

    class Meta:
        # "Ada" and "ada" would be two people who look the same: usernames are unique case-insensitively.
        constraints = [models.UniqueConstraint(Lower("username"), name="profile_username_ci_unique")]

    def __str__(self) -> str:
        return self.username or str(self.user_id)


class UserInterest(BaseModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="interests")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="interested_users")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tag"], name="user_interest_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} -> {self.tag_id}"

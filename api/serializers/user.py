"""Request and response shapes of /api/user/."""

from rest_framework import serializers

from api.serializers.auth import USERNAME_PATTERN
from api.serializers.strict import StrictInputSerializer

_STEPS = ["not_started", "profile", "interests", "completed"]


class MeOutput(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    username = serializers.CharField(allow_null=True)
    activated = serializers.BooleanField()
    onboarding_step = serializers.ChoiceField(choices=_STEPS)
    createdAt = serializers.DateTimeField(source="created_at")


class ProfileInput(StrictInputSerializer):
    username = serializers.RegexField(USERNAME_PATTERN, required=False)
    bio = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    avatar_url = serializers.URLField(max_length=500, required=False, allow_null=True)

    def validate_avatar_url(self, value):
        if value is not None and not value.lower().startswith(("https://", "http://")):
            raise serializers.ValidationError("Use an http(s) address.")
        return value


class ProfileOutput(serializers.Serializer):
    username = serializers.CharField(allow_null=True)
    bio = serializers.CharField()
    avatar_url = serializers.URLField(allow_null=True)
    onboarding_step = serializers.ChoiceField(choices=_STEPS)


class InterestsInput(StrictInputSerializer):
    tags = serializers.ListField(child=serializers.SlugField(max_length=60), max_length=50, allow_empty=True)


class InterestTagOutput(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.SlugField()


class InterestsOutput(serializers.Serializer):
    tags = InterestTagOutput(many=True)
    onboarding_step = serializers.ChoiceField(choices=_STEPS)

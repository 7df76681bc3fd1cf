"""Request and response shapes of /api/auth/ (and the envelope wrappers for the schema)."""

from rest_framework import serializers

from api.serializers.strict import StrictInputSerializer
from users.emails import UnreadableEmail, normalize_email

USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,50}$"
_PASSWORD_MAX_LENGTH = 128  # bounds hashing work; validators judge the content


class NormalizedEmailField(serializers.EmailField):
    """An email in the one normalized form every lookup and throttle uses, validated after
    normalizing (a fullwidth address is valid once folded; a dotless "ı" never is)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return super().to_internal_value(normalize_email(data))
        except UnreadableEmail as error:
            raise serializers.ValidationError(str(error), code="unreadable_email") from None


class RegisterInput(StrictInputSerializer):
    email = NormalizedEmailField(max_length=254)
    password = serializers.CharField(max_length=_PASSWORD_MAX_LENGTH, trim_whitespace=False)
    username = serializers.RegexField(USERNAME_PATTERN, required=False, allow_null=True)


class RegisteredOutput(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    activated = serializers.BooleanField()


class TokenInput(StrictInputSerializer):
    token = serializers.CharField(max_length=1000, help_text="Also accepted as the `token` query parameter.")


class ActivatedOutput(serializers.Serializer):
    activated = serializers.BooleanField()


class EmailInput(StrictInputSerializer):
    email = NormalizedEmailField(max_length=254)


class MessageOutput(serializers.Serializer):
    message = serializers.CharField()


class LoginInput(StrictInputSerializer):
    email = NormalizedEmailField(max_length=254)
    password = serializers.CharField(max_length=_PASSWORD_MAX_LENGTH, trim_whitespace=False)


class SessionUserOutput(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    username = serializers.CharField(allow_null=True)
    activated = serializers.BooleanField()
    onboarding_step = serializers.ChoiceField(choices=["not_started", "profile", "interests", "completed"])


class LoginOutput(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    user = SessionUserOutput()


class RefreshInput(StrictInputSerializer):
    refresh_token = serializers.CharField(max_length=2000)


class TokenPairOutput(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()


class LoggedOutOutput(serializers.Serializer):
    logged_out = serializers.BooleanField()


class PasswordResetConfirmInput(StrictInputSerializer):
    token = serializers.CharField(max_length=1000, help_text="Also accepted as the `token` query parameter.")
    new_password = serializers.CharField(max_length=_PASSWORD_MAX_LENGTH, trim_whitespace=False)


class PasswordResetDoneOutput(serializers.Serializer):
    password_reset = serializers.BooleanField()


class GoogleSignInInput(StrictInputSerializer):
    id_token = serializers.CharField(max_length=4096)

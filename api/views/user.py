"""/api/user/: the signed-in user, their profile and interests."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from api.responses import ok
from api.serializers.envelope import ok_envelope
from api.serializers.user import InterestsInput, InterestsOutput, MeOutput, ProfileInput, ProfileOutput
from api.views.common import refusal, validated
from application.dto.commands import SetInterestsCommand, UpdateProfileCommand
from application.exceptions import NotAuthenticated
from application.use_cases.set_interests import set_interests
from application.use_cases.update_profile import update_profile
from read_models.users import get_current_user

_TAGS = ["user"]
_UNAUTHENTICATED = refusal("not_authenticated / token_not_valid")


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=_TAGS,
        summary="The signed-in user",
        responses={200: ok_envelope("MeEnvelope", MeOutput()), 401: _UNAUTHENTICATED},
    )
    def get(self, request):
        current = get_current_user(user_id=request.user.pk)
        if current is None:
            raise NotAuthenticated()
        return ok(MeOutput(current).data)


class ProfileView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=_TAGS,
        summary="Edit username, bio and avatar",
        request=ProfileInput,
        responses={
            200: ok_envelope("ProfileEnvelope", ProfileOutput()),
            400: refusal("validation_error"),
            401: _UNAUTHENTICATED,
            409: refusal("username_taken"),
        },
    )
    def patch(self, request):
        data = validated(ProfileInput, request.data)
        result = update_profile(UpdateProfileCommand(user_id=request.user.pk, changes=dict(data)))
        return ok(ProfileOutput(result).data)


class InterestsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=_TAGS,
        summary="Replace the user's interests with these tags",
        request=InterestsInput,
        responses={
            200: ok_envelope("InterestsEnvelope", InterestsOutput()),
            400: refusal("validation_error (unknown tag slugs)"),
            401: _UNAUTHENTICATED,
        },
    )
    def put(self, request):
        data = validated(InterestsInput, request.data)
        result = set_interests(SetInterestsCommand(user_id=request.user.pk, tag_slugs=tuple(data["tags"])))
        return ok(InterestsOutput(result).data)

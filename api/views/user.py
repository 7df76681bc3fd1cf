"""/api/user/: the signed-in user, their profile and interests."""

from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from api.responses import ok
from api.serializers.user import InterestsInput, InterestsOutput, MeOutput, ProfileInput, ProfileOutput
from api.views.common import documented, refusal, validated
from application.dto.commands import SetInterestsCommand, UpdateProfileCommand
from application.exceptions import NotAuthenticated
from application.use_cases.set_interests import set_interests
from application.use_cases.update_profile import update_profile
from read_models.users import get_current_user

_TAGS = ["user"]
_UNAUTHENTICATED = refusal("not_authenticated / token_not_valid")


def _documented(summary: str, answer: tuple, *, request=None, refusals: dict | None = None):
    """`extend_schema` for an endpoint of the signed-in user: its answer `(envelope name, serializer)` with
    a 200, the 401 they all have, plus its own refusals."""
    refusals = {401: _UNAUTHENTICATED, **(refusals or {})}
    return documented(tags=_TAGS, summary=summary, request=request, answer=(200, *answer), refusals=refusals)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @_documented("The signed-in user", ("MeEnvelope", MeOutput))
    def get(self, request):
        current = get_current_user(user_id=request.user.pk)
        if current is None:
            raise NotAuthenticated()
        return ok(MeOutput(current).data)


class ProfileView(APIView):
    permission_classes = [IsAuthenticated]

    @_documented(
        "Edit username, bio and avatar",
        ("ProfileEnvelope", ProfileOutput),
        request=ProfileInput,
        refusals={400: refusal("validation_error"), 409: refusal("username_taken")},
    )
    def patch(self, request):
        data = validated(ProfileInput, request.data)
        result = update_profile(UpdateProfileCommand(user_id=request.user.pk, changes=dict(data)))
        return ok(ProfileOutput(result).data)


class InterestsView(APIView):
    permission_classes = [IsAuthenticated]

    @_documented(
        "Replace the user's interests with these tags",
        ("InterestsEnvelope", InterestsOutput),
        request=InterestsInput,
        refusals={400: refusal("validation_error (unknown tag slugs)")},
    )
    def put(self, request):
        data = validated(InterestsInput, request.data)
        result = set_interests(SetInterestsCommand(user_id=request.user.pk, tag_slugs=tuple(data["tags"])))
        return ok(InterestsOutput(result).data)

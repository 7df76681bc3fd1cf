"""/api/auth/: sign-up, activation, sign-in, tokens, password reset, Google sign-in."""

from drf_spectacular.utils import OpenApiParameter
from rest_framework.views import APIView

from api.responses import created, ok
from api.serializers.auth import (
    ActivatedOutput,
    EmailInput,
    GoogleSignInInput,
    LoggedOutOutput,
    LoginInput,
    LoginOutput,
    MessageOutput,
    PasswordResetConfirmInput,
    PasswordResetDoneOutput,
    RefreshInput,
    RegisteredOutput,
    RegisterInput,
    TokenInput,
    TokenPairOutput,
)
from api.throttling import AuthEmailThrottle, AuthIPThrottle, LoginEmailThrottle, LoginIPThrottle, TokenIPThrottle
from api.views.common import documented, refusal, validated
from application.dto.commands import (
    ActivateUserCommand,
    AuthenticateUserCommand,
    ConfirmPasswordResetCommand,
    GoogleSignInCommand,
    LogoutCommand,
    RefreshTokensCommand,
    RegisterUserCommand,
    RequestPasswordResetCommand,
    ResendActivationCommand,
)
from application.use_cases.auth.activate_user import activate_user
from application.use_cases.auth.authenticate_user import authenticate_user
from application.use_cases.auth.confirm_password_reset import confirm_password_reset
from application.use_cases.auth.google_sign_in import google_sign_in
from application.use_cases.auth.logout import logout
from application.use_cases.auth.refresh_tokens import refresh_tokens
from application.use_cases.auth.register_user import register_user
from application.use_cases.auth.request_password_reset import request_password_reset
from application.use_cases.auth.resend_activation import resend_activation

_TAGS = ["auth"]
_TOKEN_QUERY = OpenApiParameter(
    "token", str, OpenApiParameter.QUERY, required=False, description="The token, instead of the body's `token`."
)
_VALIDATION = refusal("validation_error (details per field)")
_THROTTLED = refusal("throttled")
_RESEND_MESSAGE = "If this email belongs to an account that still needs activating, we have sent a new link."
_RESET_MESSAGE = "If this email belongs to an account, we have sent a link to reset its password."


def _body_with_query_token(request) -> dict:
    """The JSON body, with `token` taken from the query string when the body has none."""
    body = dict(request.data) if isinstance(request.data, dict) else {}
    if not body.get("token") and request.query_params.get("token"):
        body["token"] = request.query_params["token"]
    return body


def _documented(summary: str, request, answer: tuple, *, refusals: dict | None = None, token_in_query=False):
    """`extend_schema` for an auth endpoint: its answer `(status, envelope name, serializer)`,
    the validation and throttling refusals they all have, plus its own (which may replace the 400)."""
    return documented(
        tags=_TAGS,
        summary=summary,
        request=request,
        answer=answer,
        refusals={400: _VALIDATION, 429: _THROTTLED, **(refusals or {})},
        parameters=[_TOKEN_QUERY] if token_in_query else None,
    )


class _PublicView(APIView):
    # A stale Authorization header must not stop anyone from signing in again.
    authentication_classes: list = []


class RegisterView(_PublicView):
    throttle_classes = [AuthIPThrottle, AuthEmailThrottle]

    @_documented(
        "Create an account (activation mail follows)",
        RegisterInput,
        (201, "RegisteredEnvelope", RegisteredOutput),
        refusals={409: refusal("email_taken / username_taken")},
    )
    def post(self, request):
        result = register_user(RegisterUserCommand(**validated(RegisterInput, request.data)))
        return created(RegisteredOutput(result).data)


class ActivateView(_PublicView):
    throttle_classes = [AuthIPThrottle]

    @_documented(
        "Activate an account with the mailed token",
        TokenInput,
        (200, "ActivatedEnvelope", ActivatedOutput),
        refusals={400: refusal("token_invalid / validation_error")},
        token_in_query=True,
    )
    def post(self, request):
        data = validated(TokenInput, _body_with_query_token(request))
        activated = activate_user(ActivateUserCommand(token=data["token"]))
        return ok(ActivatedOutput({"activated": activated}).data)


class ResendActivationView(_PublicView):
    throttle_classes = [AuthIPThrottle, AuthEmailThrottle]

    @_documented(
        "Send the activation mail again (same answer for every email)",
        EmailInput,
        (200, "ResendEnvelope", MessageOutput),
    )
    def post(self, request):
        resend_activation(ResendActivationCommand(email=validated(EmailInput, request.data)["email"]))
        return ok(MessageOutput({"message": _RESEND_MESSAGE}).data)


class LoginView(_PublicView):
    throttle_classes = [LoginIPThrottle, LoginEmailThrottle]

    @_documented(
        "Sign in with email and password",
        LoginInput,
        (200, "LoginEnvelope", LoginOutput),
        refusals={401: refusal("invalid_credentials"), 403: refusal("account_not_activated")},
    )
    def post(self, request):
        result = authenticate_user(AuthenticateUserCommand(**validated(LoginInput, request.data)))
        return ok(LoginOutput(result).data)


class RefreshTokenView(_PublicView):
    throttle_classes = [TokenIPThrottle]

    @_documented(
        "Exchange a refresh token for a new pair (the old one stops working)",
        RefreshInput,
        (200, "TokenPairEnvelope", TokenPairOutput),
        refusals={401: refusal("token_not_valid")},
    )
    def post(self, request):
        refresh_token = validated(RefreshInput, request.data)["refresh_token"]
        return ok(TokenPairOutput(refresh_tokens(RefreshTokensCommand(refresh_token=refresh_token))).data)


class LogoutView(_PublicView):
    throttle_classes = [TokenIPThrottle]

    @_documented(
        "Sign out: blacklist the refresh token",
        RefreshInput,
        (200, "LoggedOutEnvelope", LoggedOutOutput),
        refusals={401: refusal("token_not_valid")},
    )
    def post(self, request):
        logout(LogoutCommand(refresh_token=validated(RefreshInput, request.data)["refresh_token"]))
        return ok(LoggedOutOutput({"logged_out": True}).data)


class PasswordResetView(_PublicView):
    throttle_classes = [AuthIPThrottle, AuthEmailThrottle]

    @_documented(
        "Mail a password reset link (same answer for every email)",
        EmailInput,
        (200, "PasswordResetEnvelope", MessageOutput),
    )
    def post(self, request):
        request_password_reset(RequestPasswordResetCommand(email=validated(EmailInput, request.data)["email"]))
        return ok(MessageOutput({"message": _RESET_MESSAGE}).data)


class PasswordResetConfirmView(_PublicView):
    throttle_classes = [AuthIPThrottle]

    @_documented(
        "Set a new password with the mailed token (works once)",
        PasswordResetConfirmInput,
        (200, "PasswordResetDoneEnvelope", PasswordResetDoneOutput),
        refusals={400: refusal("token_invalid / validation_error (weak new_password)")},
        token_in_query=True,
    )
    def post(self, request):
        data = validated(PasswordResetConfirmInput, _body_with_query_token(request))
        confirm_password_reset(ConfirmPasswordResetCommand(**data))
        return ok(PasswordResetDoneOutput({"password_reset": True}).data)


class GoogleSignInView(_PublicView):
    throttle_classes = [AuthIPThrottle]

    @_documented(
        "Sign in with a Google ID token (creates or links the account)",
        GoogleSignInInput,
        (200, "GoogleLoginEnvelope", LoginOutput),
        refusals={
            401: refusal("invalid_credentials: the ID token did not verify"),
            502: refusal("upstream_unavailable: Google's keys could not be fetched"),
            503: refusal("google_sign_in_unavailable: GOOGLE_CLIENT_ID not set"),
        },
    )
    def post(self, request):
        id_token = validated(GoogleSignInInput, request.data)["id_token"]
        return ok(LoginOutput(google_sign_in(GoogleSignInCommand(id_token=id_token))).data)

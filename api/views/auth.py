"""/api/auth/: sign-up, activation, sign-in, tokens, password reset, Google sign-in."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
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
from api.serializers.envelope import ok_envelope
from api.throttling import AuthEmailThrottle, AuthIPThrottle, LoginEmailThrottle, LoginIPThrottle, TokenIPThrottle
from api.views.common import refusal, validated
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


class _PublicView(APIView):
    # A stale Authorization header must not stop anyone from signing in again.
    authentication_classes: list = []


class RegisterView(_PublicView):
    throttle_classes = [AuthIPThrottle, AuthEmailThrottle]

    @extend_schema(
        tags=_TAGS,
        summary="Create an account (activation mail follows)",
        request=RegisterInput,
        responses={
            201: ok_envelope("RegisteredEnvelope", RegisteredOutput()),
            400: _VALIDATION,
            409: refusal("email_taken / username_taken"),
            429: _THROTTLED,
        },
    )
    def post(self, request):
        data = validated(RegisterInput, request.data)
        result = register_user(RegisterUserCommand(**data))
        return created(RegisteredOutput(result).data)


class ActivateView(_PublicView):
    throttle_classes = [AuthIPThrottle]

    @extend_schema(
        tags=_TAGS,
        summary="Activate an account with the mailed token",
        request=TokenInput,
        parameters=[_TOKEN_QUERY],
        responses={
            200: ok_envelope("ActivatedEnvelope", ActivatedOutput()),
            400: refusal("token_invalid / validation_error"),
            429: _THROTTLED,
        },
    )
    def post(self, request):
        data = validated(TokenInput, _body_with_query_token(request))
        activated = activate_user(ActivateUserCommand(token=data["token"]))
        return ok(ActivatedOutput({"activated": activated}).data)


class ResendActivationView(_PublicView):
    throttle_classes = [AuthIPThrottle, AuthEmailThrottle]

    @extend_schema(
        tags=_TAGS,
        summary="Send the activation mail again (same answer for every email)",
        request=EmailInput,
        responses={200: ok_envelope("ResendEnvelope", MessageOutput()), 400: _VALIDATION, 429: _THROTTLED},
    )
    def post(self, request):
        data = validated(EmailInput, request.data)
        resend_activation(ResendActivationCommand(email=data["email"]))
        return ok(MessageOutput({"message": _RESEND_MESSAGE}).data)


class LoginView(_PublicView):
    throttle_classes = [LoginIPThrottle, LoginEmailThrottle]

    @extend_schema(
        tags=_TAGS,
        summary="Sign in with email and password",
        request=LoginInput,
        responses={
            200: ok_envelope("LoginEnvelope", LoginOutput()),
            400: _VALIDATION,
            401: refusal("invalid_credentials"),
            403: refusal("account_not_activated"),
            429: _THROTTLED,
        },
    )
    def post(self, request):
        data = validated(LoginInput, request.data)
        result = authenticate_user(AuthenticateUserCommand(**data))
        return ok(LoginOutput(result).data)


class RefreshTokenView(_PublicView):
    throttle_classes = [TokenIPThrottle]

    @extend_schema(
        tags=_TAGS,
        summary="Exchange a refresh token for a new pair (the old one stops working)",
        request=RefreshInput,
        responses={
            200: ok_envelope("TokenPairEnvelope", TokenPairOutput()),
            400: _VALIDATION,
            401: refusal("token_not_valid"),
            429: _THROTTLED,
        },
    )
    def post(self, request):
        data = validated(RefreshInput, request.data)
        pair = refresh_tokens(RefreshTokensCommand(refresh_token=data["refresh_token"]))
        return ok(TokenPairOutput(pair).data)


class LogoutView(_PublicView):
    throttle_classes = [TokenIPThrottle]

    @extend_schema(
        tags=_TAGS,
        summary="Sign out: blacklist the refresh token",
        request=RefreshInput,
        responses={
            200: ok_envelope("LoggedOutEnvelope", LoggedOutOutput()),
            400: _VALIDATION,
            401: refusal("token_not_valid"),
            429: _THROTTLED,
        },
    )
    def post(self, request):
        data = validated(RefreshInput, request.data)
        logout(LogoutCommand(refresh_token=data["refresh_token"]))
        return ok(LoggedOutOutput({"logged_out": True}).data)


class PasswordResetView(_PublicView):
    throttle_classes = [AuthIPThrottle, AuthEmailThrottle]

    @extend_schema(
        tags=_TAGS,
        summary="Mail a password reset link (same answer for every email)",
        request=EmailInput,
        responses={200: ok_envelope("PasswordResetEnvelope", MessageOutput()), 400: _VALIDATION, 429: _THROTTLED},
    )
    def post(self, request):
        data = validated(EmailInput, request.data)
        request_password_reset(RequestPasswordResetCommand(email=data["email"]))
        return ok(MessageOutput({"message": _RESET_MESSAGE}).data)


class PasswordResetConfirmView(_PublicView):
    throttle_classes = [AuthIPThrottle]

    @extend_schema(
        tags=_TAGS,
        summary="Set a new password with the mailed token (works once)",
        request=PasswordResetConfirmInput,
        parameters=[_TOKEN_QUERY],
        responses={
            200: ok_envelope("PasswordResetDoneEnvelope", PasswordResetDoneOutput()),
            400: refusal("token_invalid / validation_error (weak new_password)"),
            429: _THROTTLED,
        },
    )
    def post(self, request):
        data = validated(PasswordResetConfirmInput, _body_with_query_token(request))
        confirm_password_reset(ConfirmPasswordResetCommand(**data))
        return ok(PasswordResetDoneOutput({"password_reset": True}).data)


class GoogleSignInView(_PublicView):
    throttle_classes = [AuthIPThrottle]

    @extend_schema(
        tags=_TAGS,
        summary="Sign in with a Google ID token (creates or links the account)",
        request=GoogleSignInInput,
        responses={
            200: ok_envelope("GoogleLoginEnvelope", LoginOutput()),
            400: _VALIDATION,
            401: refusal("invalid_credentials: the ID token did not verify"),
            429: _THROTTLED,
            502: refusal("upstream_unavailable: Google's keys could not be fetched"),
            503: refusal("google_sign_in_unavailable: GOOGLE_CLIENT_ID not set"),
        },
    )
    def post(self, request):
        data = validated(GoogleSignInInput, request.data)
        result = google_sign_in(GoogleSignInCommand(id_token=data["id_token"]))
        return ok(LoginOutput(result).data)

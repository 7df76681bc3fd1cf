"""One place that turns every failure into the error envelope."""

import logging

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from api.responses import error_body
from application.exceptions import ApplicationError

logger = logging.getLogger(__name__)

# DRF's codes where the contract names them differently.
_CODE_RENAMES = {
    "authentication_failed": "token_not_valid",
    "user_inactive": "token_not_valid",
    "user_not_found": "token_not_valid",
    "password_changed": "token_not_valid",  # auth: a token issued before a password change
    "parse_error": "malformed_request",
}


def envelope_exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.http_status)
    if isinstance(exc, OperationalError | InterfaceError):
        # The database went away: the transaction rolled back, so a retry is safe.
        logger.error("database unavailable", exc_info=exc)
        message = "The service is temporarily unavailable. Please retry."
        return Response(error_body("service_unavailable", message), status=503, headers={"Retry-After": "5"})
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        # A row that vanished between a check and its lock (a concurrent delete) is a 404.
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # Unexpected: Django's handler500 renders the envelope and logs it.
    if isinstance(exc, drf_exceptions.ValidationError):
        details = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body("validation_error", "The request is not valid.", details)
        return response
    code = _error_code(exc)
    detail = exc.detail if isinstance(exc, drf_exceptions.APIException) else str(exc)
    message = str(detail.get("detail", detail)) if isinstance(detail, dict) else str(detail)
    details = {"wait_seconds": exc.wait} if isinstance(exc, drf_exceptions.Throttled) and exc.wait else {}
    response.data = error_body(code, message, details)
    return response


def _error_code(exc: drf_exceptions.APIException) -> str:
    codes = exc.get_codes()
    code = codes.get("code", codes.get("detail")) if isinstance(codes, dict) else codes
    if not isinstance(code, str):
        code = exc.default_code
    return _CODE_RENAMES.get(code, code)


def _json_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status)


def bad_request(request, exception=None):
    return _json_error(400, "bad_request", "The request could not be understood.")


def permission_denied(request, exception=None):
    return _json_error(403, "permission_denied", "You do not have permission to do this.")


def not_found(request, exception=None):
    return _json_error(404, "not_found", "Not found.")


def server_error(request):
    return _json_error(500, "server_error", "An unexpected error occurred. It has been logged.")


def csrf_failure(request, reason=""):
    return _json_error(403, "csrf_failed", "CSRF verification failed.")

"""What every view module shares: input validation, the schema's error answers, plain JSON GETs."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.settings import api_settings

from api.serializers.envelope import ErrorEnvelopeSerializer, ok_envelope


def validated(serializer_class, data) -> dict:
    """The serializer's validated data; invalid input raises, and becomes a 400 validation_error."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def refusal(description: str) -> OpenApiResponse:
    """An error envelope in the schema; `description` names its codes."""
    return OpenApiResponse(ErrorEnvelopeSerializer, description=description)


ERRORS = {
    400: refusal("validation_error"),
    401: refusal("not_authenticated / token_not_valid"),
    403: refusal("permission_denied"),
    404: refusal("not_found"),
    413: refusal("file_too_large: over UPLOAD_MAX_BYTES"),
    415: refusal("unsupported_file_type (content), or unsupported_media_type (body)"),
    429: refusal("throttled"),
}


def documented(*, tags: list[str], summary: str, answer: tuple, request=None, refusals: dict, parameters=None):
    """`extend_schema` with the answer `(status, envelope name, serializer class)` and the refusals, by status."""
    status, name, output = answer
    responses = {status: ok_envelope(name, output()), **refusals}
    return extend_schema(
        tags=tags, summary=summary, request=request, parameters=parameters, responses=dict(sorted(responses.items()))
    )


def errors(*statuses: int) -> dict:
    """The usual answer of each status, for `extend_schema(responses=...)`."""
    return {status: ERRORS[status] for status in statuses}


# A mixin for public read views: a GET that asks for JSON as it is skips content negotiation.
# DRF negotiates every request: it parses Accept into media types, orders them by precedence
# and matches each against the renderers. With the one JSON renderer, a GET with no `format`
# parameter whose Accept is absent, `*/*` or `application/json` always ends with that renderer
# and `application/json`, so such a request gets them directly. Any other Accept (parameters
# such as `indent`, a list, a type we cannot answer: 406) and every other method are DRF's to
# negotiate. Authentication, permissions, throttles, errors and headers are DRF's own. (No
# docstring: the schema would take it as the description of every view using the mixin.)
class PlainJsonReads:
    PLAIN_ACCEPTS = frozenset({None, "*/*", "application/json"})

    def perform_content_negotiation(self, request, force=False):
        renderers = self.renderer_classes
        if (
            request.method == "GET"
            and request.META.get("HTTP_ACCEPT") in self.PLAIN_ACCEPTS
            and len(renderers) == 1
            and renderers[0].media_type == "application/json"
            and api_settings.URL_FORMAT_OVERRIDE not in request.query_params
            and not getattr(self, "format_kwarg", None)
        ):
            return renderers[0](), "application/json"
        return super().perform_content_negotiation(request, force)

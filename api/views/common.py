"""What every view module shares: input validation and the schema's error answers."""

from drf_spectacular.utils import OpenApiResponse, extend_schema

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

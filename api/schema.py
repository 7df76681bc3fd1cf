"""OpenAPI: every operation documents the error envelope it can answer with, and request
bodies say that they take no fields beyond those listed."""

from drf_spectacular.extensions import OpenApiSerializerExtension

ERROR_ENVELOPE = {
    "type": "object",
    "required": ["status", "error"],
    "properties": {
        "status": {"type": "string", "enum": ["error"]},
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string", "example": "validation_error"},
                "message": {"type": "string"},
                "details": {"type": "object", "additionalProperties": True},
            },
        },
    },
}

# Statuses any operation can answer with, whatever its own logic: bad input, a bad bearer
# token, refusal, unknown ids, oversized or non-JSON bodies, throttling, database outage.
_GENERIC_ERRORS = {
    "400": "Invalid input (`validation_error`, `malformed_json`, `malformed_request`).",
    "401": "Missing or invalid credentials (`not_authenticated`, `token_not_valid`).",
    "403": "Not allowed (`permission_denied`, `access_denied`, …).",
    "404": "Not found (`not_found`).",
    "405": "Method not allowed (`method_not_allowed`).",
    "413": "Request body too large (`request_too_large`).",
    "429": "Too many requests (`throttled`).",
    "503": "Temporarily unavailable (`service_unavailable`).",
}
_BODY_ERRORS = {"415": "Unsupported media type (`unsupported_media_type`)."}
# Appended to an operation's own 400 description when it takes a body.
_BODY_400 = (
    "A body that is not JSON, or nests arrays and objects deeper than 64 levels, is `malformed_json`; "
    "an unknown or read-only field is a `validation_error` naming it."
)
_HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def add_error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorEnvelope", ERROR_ENVELOPE)
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in _HTTP_METHODS:
                continue
            errors = dict(_GENERIC_ERRORS)
            if "requestBody" in operation:
                errors.update(_BODY_ERRORS)
            responses = operation.setdefault("responses", {})
            for status, description in errors.items():
                responses.setdefault(status, {"description": description, "content": reference})
            if "requestBody" in operation and "malformed_json" not in responses["400"].get("description", ""):
                own = responses["400"].get("description", "")
                responses["400"]["description"] = f"{own}; {_BODY_400}" if own else _BODY_400
    return result


class StrictInputSchema(OpenApiSerializerExtension):
    """A StrictInputSerializer refuses unknown keys: its request schema forbids them too."""

    target_class = "api.serializers.strict.StrictInputSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["additionalProperties"] = False
        return schema

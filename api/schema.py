"""OpenAPI post-processing: every operation documents the error envelope it can answer with."""

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
    "400": "Invalid input (`validation_error`, `malformed_request`).",
    "401": "Missing or invalid credentials (`not_authenticated`, `token_not_valid`).",
    "403": "Not allowed (`permission_denied`, `access_denied`, …).",
    "404": "Not found (`not_found`).",
    "405": "Method not allowed (`method_not_allowed`).",
    "413": "Request body too large (`payload_too_large`).",
    "429": "Too many requests (`throttled`).",
    "503": "Temporarily unavailable (`service_unavailable`).",
}
_BODY_ERRORS = {"415": "Unsupported media type (`unsupported_media_type`)."}
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
    return result

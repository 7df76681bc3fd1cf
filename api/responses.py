"""The success half of the envelope: every view answers through these."""

from rest_framework import status as http_status
from rest_framework.response import Response


def ok(data, *, status: int = http_status.HTTP_200_OK, meta: dict | None = None, headers=None) -> Response:
    body = {"status": "ok", "data": data}
    if meta is not None:
        body["meta"] = meta
    return Response(body, status=status, headers=headers)


def created(data) -> Response:
    return ok(data, status=http_status.HTTP_201_CREATED)


def no_content() -> Response:
    return Response(status=http_status.HTTP_204_NO_CONTENT)


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    return {"status": "error", "error": {"code": code, "message": message, "details": details or {}}}

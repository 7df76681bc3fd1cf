"""Request ids, one JSON log line per request, and a body size limit that DRF's parsers honour."""

import logging
import re
import time
import uuid
from contextvars import ContextVar

from django.conf import settings
from django.http import JsonResponse

from api.responses import error_body
from api.uploads import is_file_upload
from core.metrics import http_request_duration_seconds, http_requests_total

logger = logging.getLogger("ressourcefy.request")
current_request_id: ContextVar[str] = ContextVar("request_id", default="")
# Honour a caller's id only when it is short and plain, so it cannot forge log content.
_ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get("X-Request-ID", "")
        request_id = offered if _ACCEPTABLE_REQUEST_ID.match(offered) else uuid.uuid4().hex
        request.request_id = request_id
        token = current_request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            user = getattr(request, "user", None)
            logger.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "user_id": str(user.pk) if user is not None and user.is_authenticated else None,
                },
            )
            return response
        finally:
            current_request_id.reset(token)


class BodySizeLimitMiddleware:
    """413 before any parser reads a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_file_upload(request):
            return self.get_response(request)  # streamed to disk; the upload handler enforces UPLOAD_MAX_BYTES
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse(error_body("bad_request", "Content-Length is not a number."), status=400)
        if limit is not None and length > limit:
            message = f"The request body is larger than {limit} bytes."
            return JsonResponse(error_body("request_too_large", message), status=413)
        return self.get_response(request)


class HttpMetricsMiddleware:
    """Counts responses and times requests by URL route pattern, method and status.

    The route is the matched pattern (`api/resources/<uuid:pk>/detail/`), never the raw path,
    so ids and scanners' random URLs cannot blow up the number of time series.
    """

    _KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = (match.route or match.view_name or "") if match is not None and match.url_name != "unmatched" else ""
        route = route or "<unmatched>"
        method = request.method if request.method in self._KNOWN_METHODS else "OTHER"
        http_requests_total.labels(route=route, method=method, status=str(response.status_code)).inc()
        http_request_duration_seconds.labels(route=route, method=method).observe(time.perf_counter() - started)
        return response

"""Request guards that answer before Django reads a body or resolves a URL.

Both sit right after the health middleware (config/health.py), which answers
the load balancer's probes before any host validation.

UnknownHostMiddleware
    A request for a host outside ALLOWED_HOSTS (scanners, the task IP as
    Host) gets a JSON 400 here, logged once at WARNING on the
    ``django.security.DisallowedHost`` logger without a traceback. Left to
    Django, the same request is logged at ERROR from deep in the request
    handler, so alarms on ERROR fire for internet noise. The load balancer can
    drop such requests before they reach a task (a listener rule on the
    configured hosts); this middleware is the app's own floor.

RequestSizeMiddleware
    Refuses a body by its declared Content-Length before any of it is read:
    413 above DATA_UPLOAD_MAX_MEMORY_SIZE for bodies Django reads into memory
    (JSON), 413 above API_MAX_REQUEST_BYTES for multipart uploads (their files
    stream to FILE_UPLOAD_TEMP_DIR above FILE_UPLOAD_MAX_MEMORY_SIZE). A body
    sent without a Content-Length (chunked) gets 411: Django would read it as
    empty.
"""
import logging

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import JsonResponse

host_logger = logging.getLogger("django.security.DisallowedHost")

_BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def json_error(status, message, field="__all__"):
    """The API's one error shape: {"errors": {field: [message]}}."""
    return JsonResponse({"errors": {field: [message]}}, status=status)


class UnknownHostMiddleware:
    """400 JSON for a Host outside ALLOWED_HOSTS, logged at WARNING without a traceback."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            request.get_host()
        except DisallowedHost:
            raw = request.META.get("HTTP_HOST", "")
            host_logger.warning(
                "request for a host this service does not serve: %r", raw[:255], extra={"status_code": 400}
            )
            return json_error(400, "unknown host")
        return self.get_response(request)


class RequestSizeMiddleware:
    """413/411/400 JSON from the declared Content-Length, before the body is read."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.json_limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        self.upload_limit = settings.API_MAX_REQUEST_BYTES

    def __call__(self, request):
        raw = request.META.get("CONTENT_LENGTH", "").strip()
        if raw:
            try:
                length = int(raw)
            except ValueError:
                return json_error(400, "Content-Length must be an integer")
            multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data")
            limit = self.upload_limit if multipart else self.json_limit
            if length > limit:
                return json_error(413, f"request body too large: {length} bytes, the limit is {limit}")
        elif request.method in _BODY_METHODS and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            return json_error(411, "a request body needs a Content-Length")
        return self.get_response(request)

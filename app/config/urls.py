"""URLs: the JSON API under /api/. The health check is middleware (config/health.py).

Every error Django itself answers is JSON in the API's shape
{"errors": {"__all__": [message]}}: 400, 403, 404, 500 and CSRF failures
(settings.CSRF_FAILURE_VIEW), never Django's HTML pages.
"""
from django.http import JsonResponse
from django.urls import include, path

urlpatterns = [
    path("api/", include("notes.urls")),
]


def not_found(request, exception=None):
    return JsonResponse({"errors": {"__all__": ["not found"]}}, status=404)


def server_error(request):
    return JsonResponse({"errors": {"__all__": ["internal server error"]}}, status=500)


def bad_request(request, exception=None):
    return JsonResponse({"errors": {"__all__": ["bad request"]}}, status=400)


def permission_denied(request, exception=None):
    return JsonResponse({"errors": {"__all__": ["forbidden"]}}, status=403)


def csrf_failure(request, reason=""):
    """settings.CSRF_FAILURE_VIEW: the reason, as JSON (no secrets in it)."""
    return JsonResponse({"errors": {"__all__": [f"CSRF verification failed: {reason}"]}}, status=403)


handler404 = not_found
handler500 = server_error
handler400 = bad_request
handler403 = permission_denied

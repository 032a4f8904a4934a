"""URLs: the JSON API under /api/. The health checks are middleware (config/health.py).

Every error Django itself answers is JSON in the API's shape
{"errors": {"__all__": [message]}}: 400, 403, 404, 500 and CSRF failures
(settings.CSRF_FAILURE_VIEW), never Django's HTML pages.
"""
import hashlib

from django.conf import settings
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

urlpatterns = [
    path("api/", include("notes.urls")),
]


@csrf_exempt
def upload_probe(request):
    """Test-only (DJANGO_TEST_UPLOAD_VIEW=1): parse a multipart upload, report what Django received."""
    upload = request.FILES.get("file") if request.method == "POST" else None
    if upload is None:
        return JsonResponse({"errors": {"file": ["POST a multipart field named file"]}}, status=400)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    return JsonResponse({"size": upload.size, "sha256": digest.hexdigest(),
                         "spooled_to_disk": hasattr(upload, "temporary_file_path")})


if getattr(settings, "TEST_UPLOAD_VIEW", False):  # test-only, never set by the service
    urlpatterns.append(path("api/_test/upload/", upload_probe))


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

"""URLs: the JSON API under /api/. The health checks are middleware (config/health.py)."""
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


handler404 = not_found
handler500 = server_error
handler400 = bad_request

"""URLs: the JSON API under /api/. The health check is middleware (config/health.py)."""
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


handler404 = not_found
handler500 = server_error
handler400 = bad_request

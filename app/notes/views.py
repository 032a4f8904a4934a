"""JSON views for notes: plain Django views and JsonResponse, no DRF.

CSRF: these views are csrf_exempt on purpose. This is a token-less JSON API
for non-browser clients; it sets no cookies and uses no session or cookie
authentication, so there is no ambient credential a cross-site request could
ride on. If cookie/session authentication is ever added, remove csrf_exempt
and require the X-CSRFToken header instead.
"""
import json
import logging
import time

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .forms import NoteForm
from .models import Note

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

logger = logging.getLogger(__name__)


def _error(status, errors):
    return JsonResponse({"errors": errors}, status=status)


def _page_size(request):
    raw = request.GET.get("page_size", "")
    if raw == "":
        return DEFAULT_PAGE_SIZE
    try:
        size = int(raw)
    except ValueError:
        return None
    return size if 1 <= size <= MAX_PAGE_SIZE else None


def _list(request):
    size = _page_size(request)
    if size is None:
        return _error(400, {"page_size": [f"must be an integer from 1 to {MAX_PAGE_SIZE}"]})
    paginator = Paginator(Note.objects.all(), size)
    try:
        page = paginator.page(request.GET.get("page", 1))
    except PageNotAnInteger:
        return _error(400, {"page": ["must be a positive integer"]})
    except EmptyPage:
        return _error(404, {"page": ["no such page"]})
    return JsonResponse(
        {
            "count": paginator.count,
            "page": page.number,
            "num_pages": paginator.num_pages,
            "next": page.next_page_number() if page.has_next() else None,
            "previous": page.previous_page_number() if page.has_previous() else None,
            "results": [note.as_dict() for note in page.object_list],
        }
    )


def _create(request):
    try:
        data = json.loads(request.body.decode("utf-8") or "null")
    except (UnicodeDecodeError, ValueError):
        return _error(400, {"__all__": ["request body is not valid JSON"]})
    if not isinstance(data, dict):
        return _error(400, {"__all__": ["request body must be a JSON object"]})
    for field in ("title", "body"):
        if field in data and not isinstance(data[field], str):
            return _error(400, {field: ["must be a string"]})
    form = NoteForm(data=data)
    if not form.is_valid():
        return _error(
            400,
            {field: [e["message"] for e in errs] for field, errs in form.errors.get_json_data().items()},
        )
    note = form.save()
    response = JsonResponse(note.as_dict(), status=201)
    response["Location"] = f"/api/notes/{note.pk}/"
    return response


@csrf_exempt  # token-less JSON API, see the module docstring
@require_http_methods(["GET", "HEAD", "POST"])
def note_collection(request):
    """GET: paginated list (?page=, ?page_size=); POST: create from a JSON object."""
    if request.method == "POST":
        return _create(request)
    return _list(request)


@require_http_methods(["GET", "HEAD"])
def note_detail(request, note_id):
    """GET one note, 404 when it does not exist."""
    try:
        note = Note.objects.get(pk=note_id)
    except Note.DoesNotExist:
        raise Http404("note not found") from None
    return JsonResponse(note.as_dict())


def slow(request):
    """Test-only (DJANGO_TEST_SLOW_VIEW=1): sleep ?seconds= (max 10), then 200."""
    if not settings.TEST_SLOW_VIEW:
        raise Http404()
    seconds = min(float(request.GET.get("seconds", "3")), 10.0)
    logger.info("test slow view: sleeping %s s", seconds)
    time.sleep(seconds)
    return JsonResponse({"slept": seconds})

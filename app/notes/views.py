"""JSON views for notes: plain Django views and JsonResponse, no DRF.

Every answer is JSON, errors included: {"errors": {field: [message, ...]}}.

Writes need a credential: ``Authorization: Bearer <API_TOKEN>``, compared in
constant time with settings.API_TOKEN (injected from Secrets Manager through
the task definition's ``secrets``). Without API_TOKEN the API is read-only:
writes answer 403, never open. The check runs before the body is read.

Sizes are bounded, so no caller can make a worker buffer much (issue 20):
the body of a request by RequestSizeMiddleware (config/middleware.py), a note's
body by NOTES_BODY_MAX_CHARS, an attachment by NOTES_ATTACHMENT_MAX_BYTES (it
streams to the temp dir above FILE_UPLOAD_MAX_MEMORY_SIZE), a page by
NOTES_PAGE_SIZE_MAX, and lists return
summaries (title and an excerpt of NOTES_EXCERPT_CHARS characters, cut in the
database), never whole bodies; GET /api/notes/<id>/ returns one whole note.

CSRF: these views are csrf_exempt on purpose. The credential is a header that
a browser never attaches on its own (no cookie, no session), so a cross-site
request cannot carry it. If cookie/session authentication is ever added,
remove csrf_exempt and require the X-CSRFToken header instead.
"""
import functools
import hmac
import json
import logging
import time

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.paginator import EmptyPage, Paginator
from django.db.models.functions import Length, Substr
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .forms import NoteForm
from .models import Note

SAFE_METHODS = ("GET", "HEAD")

logger = logging.getLogger(__name__)


def _error(status, errors):
    return JsonResponse({"errors": errors}, status=status)


def allow(*methods):
    """Like require_http_methods, but the 405 is JSON (with the Allow header)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method not in methods:
                response = _error(405, {"__all__": [f"method {request.method} not allowed"]})
                response["Allow"] = ", ".join(methods)
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def writes_need_token(view):
    """Unsafe methods need "Authorization: Bearer <settings.API_TOKEN>"."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method in SAFE_METHODS:
            return view(request, *args, **kwargs)
        expected = settings.API_TOKEN
        if not expected:
            return _error(403, {"__all__": ["writes are disabled: the service has no API_TOKEN"]})
        scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
            response = _error(401, {"__all__": ["a write needs the header Authorization: Bearer <token>"]})
            response["WWW-Authenticate"] = "Bearer"
            return response
        return view(request, *args, **kwargs)

    return wrapped


def _page_size(request):
    raw = request.GET.get("page_size", "")
    if raw == "":
        return settings.NOTES_PAGE_SIZE_DEFAULT
    try:
        size = int(raw)
    except ValueError:
        return None
    return size if 1 <= size <= settings.NOTES_PAGE_SIZE_MAX else None


def _summary(note):
    return {
        "id": note.pk,
        "title": note.title,
        "excerpt": note.excerpt,
        "truncated": note.body_chars > len(note.excerpt),
        "created_at": note.created_at.isoformat(),
        "has_attachment": bool(note.attachment),
        "url": f"/api/notes/{note.pk}/",
    }


def _list(request):
    size = _page_size(request)
    if size is None:
        return _error(400, {"page_size": [f"must be an integer from 1 to {settings.NOTES_PAGE_SIZE_MAX}"]})
    # The excerpt is cut by the database: whole bodies never reach the worker.
    notes = Note.objects.only("id", "title", "created_at", "attachment").annotate(
        excerpt=Substr("body", 1, settings.NOTES_EXCERPT_CHARS), body_chars=Length("body")
    )
    paginator = Paginator(notes, size)
    try:
        number = int(request.GET.get("page", "1"))
        page = paginator.page(number)
    except (ValueError, EmptyPage):
        return _error(400, {"page": [f"must be an integer from 1 to {paginator.num_pages}"]})
    return JsonResponse(
        {
            "count": paginator.count,
            "page": page.number,
            "num_pages": paginator.num_pages,
            "next": page.next_page_number() if page.has_next() else None,
            "previous": page.previous_page_number() if page.has_previous() else None,
            "results": [_summary(note) for note in page.object_list],
        }
    )


def _create(request):
    try:
        raw = request.body
    except RequestDataTooBig:  # RequestSizeMiddleware refuses these first
        return _error(413, {"__all__": ["request body too large"]})
    try:
        data = json.loads(raw.decode("utf-8") or "null")
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


@csrf_exempt  # bearer-token JSON API, see the module docstring
@allow("GET", "HEAD", "POST")
@writes_need_token
def note_collection(request):
    """GET: paginated summaries (?page=, ?page_size=); POST: create from a JSON object."""
    if request.method == "POST":
        return _create(request)
    return _list(request)


@csrf_exempt  # so PUT/PATCH/DELETE answer a JSON 405, not a CSRF 403
@allow("GET", "HEAD")
def note_detail(request, note_id):
    """GET one whole note, 404 when it does not exist."""
    try:
        note = Note.objects.get(pk=note_id)
    except Note.DoesNotExist:
        raise Http404("note not found") from None
    return JsonResponse(note.as_dict())


@csrf_exempt  # bearer-token JSON API, see the module docstring
@allow("POST")
@writes_need_token
def note_attachment(request, note_id):
    """POST multipart/form-data with one file field "file": store it as the
    note's attachment (replacing and deleting any previous one) in Django's
    default storage; 201 with the note, whose attachment URL is short-lived."""
    try:
        note = Note.objects.get(pk=note_id)
    except Note.DoesNotExist:
        raise Http404("note not found") from None
    upload = request.FILES.get("file")
    if upload is None:
        return _error(400, {"file": ["send the file as multipart/form-data in a field named file"]})
    limit = settings.NOTES_ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        return _error(413, {"file": [f"{upload.size} bytes is above the limit of {limit}"]})
    previous = note.attachment.name
    note.attachment.save(upload.name, upload, save=False)
    note.attachment_size = upload.size
    note.save(update_fields=["attachment", "attachment_size"])
    if previous and previous != note.attachment.name:
        note.attachment.storage.delete(previous)
    response = JsonResponse(note.as_dict(), status=201)
    response["Location"] = f"/api/notes/{note.pk}/"
    return response


@csrf_exempt  # bearer-token JSON API, see the module docstring
@allow("POST")
@writes_need_token
def note_word_count(request, note_id):
    """POST: enqueue the background task that counts the note's words
    (notes.tasks.count_words); 202, and the note's word_count is set once a
    worker has run it. Without a broker (CELERY_BROKER_URL unset) 503 with a
    JSON error saying so: the task never runs inline in a web worker. A
    broker that does not answer is a 503 too, after a bounded wait."""
    if not Note.objects.filter(pk=note_id).exists():
        raise Http404("note not found")
    if not settings.CELERY_BROKER_URL:
        return _error(503, {"__all__": ["background tasks are off: no task queue is configured (CELERY_BROKER_URL)"]})
    from .tasks import count_words  # imports Celery only where it is used

    try:
        result = count_words.delay(note_id)
    except Exception:  # kombu's OperationalError, botocore's errors: the broker failed
        logger.exception("could not enqueue notes.count_words for note %s", note_id)
        response = _error(503, {"__all__": ["the task queue is unavailable, retry later"]})
        response["Retry-After"] = "5"
        return response
    logger.info("enqueued notes.count_words for note %s as %s", note_id, result.id)
    response = JsonResponse({"task": "notes.count_words", "id": result.id, "note": f"/api/notes/{note_id}/"}, status=202)
    response["Location"] = f"/api/notes/{note_id}/"
    return response


def slow(request):
    """Test-only (DJANGO_TEST_SLOW_VIEW=1): sleep ?seconds= (max 10), then 200."""
    if not settings.TEST_SLOW_VIEW:
        raise Http404()
    seconds = min(float(request.GET.get("seconds", "3")), 10.0)
    logger.info("test slow view: sleeping %s s", seconds)
    time.sleep(seconds)
    return JsonResponse({"slept": seconds})

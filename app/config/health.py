"""Health endpoints, and JSON 503s when the database is unavailable.

Two questions, two paths (CONTROLS.md ECS-15; AWS Builders' Library,
"Implementing health checks": a shallow check decides replacement, a deep
check is for alarms and people):

    GET /livez     liveness: this process can serve requests. Never touches
                   the database, so a database failover or outage does not make
                   ECS replace every task at once. The container health check
                   and the load balancer's target group probe this path.
                   HEALTH_CHECK_PATH (default /healthz) is the same check under
                   the name the service configures.
    GET /readyz    readiness: the database answers, on a fresh connection with
                   the current credentials. For alarms and people, never for
                   replacement. Bounded: the answer comes within
                   READINESS_TIMEOUT seconds whatever the database does
                   (a server that accepts TCP and never answers included).

Both are answered by the FIRST middleware, before host validation: the ALB
sends the task's private IP as the Host header, which is (rightly) not in
ALLOWED_HOSTS. Every other path keeps strict host validation.

DatabaseUnavailableMiddleware turns a database connection failure in any view
into a JSON 503 with Retry-After instead of a 500 traceback.
"""
import logging
import threading

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.http import JsonResponse

logger = logging.getLogger(__name__)

LIVENESS_PATH = "/livez"
READINESS_PATH = "/readyz"
# Well inside the 5 s timeouts of the ECS container health check and the ALB
# health check; libpq's own connect_timeout cannot go below 2 s.
READINESS_TIMEOUT = 2.0
# At most this many readiness checks in flight per process: against a
# database that never answers, each holds a thread until connect_timeout.
_READINESS_SLOTS = threading.BoundedSemaphore(2)


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


def _check_database(result, alias):
    """SELECT 1 on a fresh connection (not the thread's pooled one), closed after."""
    connection = None
    try:
        connection = connections.create_connection(alias)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        result["ok"] = True
    except Exception as exc:  # any failure means "not ready"; the class name is logged
        result["error"] = exc.__class__.__name__
    finally:
        if connection is not None:
            try:
                connection.close()
            except Exception:
                pass
        _READINESS_SLOTS.release()


def database_ready(alias=DEFAULT_DB_ALIAS, timeout=READINESS_TIMEOUT):
    """(True, "") when the database answers SELECT 1 within ``timeout``; else (False, why)."""
    if not _READINESS_SLOTS.acquire(blocking=False):
        return False, "check already in progress"
    result = {}
    thread = threading.Thread(target=_check_database, args=(result, alias), name="readiness", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return False, "timeout"
    if result.get("ok"):
        return True, ""
    return False, result.get("error", "unknown")


class HealthCheckMiddleware:
    """Answers GET/HEAD on the liveness and readiness paths before host validation."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.liveness_paths = {LIVENESS_PATH, getattr(settings, "HEALTH_CHECK_PATH", "/healthz")}

    def __call__(self, request):
        path = request.path_info
        if request.method in ("GET", "HEAD"):
            if path in self.liveness_paths:
                return _no_store(JsonResponse({"status": "ok"}))
            if path == READINESS_PATH:
                ok, why = database_ready()
                if ok:
                    return _no_store(JsonResponse({"status": "ok", "checks": {"database": "ok"}}))
                logger.warning("readiness: database unavailable: %s", why)
                return _no_store(
                    JsonResponse({"status": "unavailable", "checks": {"database": "unavailable"}}, status=503)
                )
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers JSON 503, not an HTML 500.

    OperationalError covers a refused or timed-out connection, unavailable
    credentials and a query cancelled by statement_timeout; InterfaceError a
    connection that died under us. Logged as a WARNING with the class name,
    without a traceback or the query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.warning("database unavailable for %s %s: %s", request.method, request.path,
                       exception.__class__.__name__)
        # The broken connection must not be reused by the next request.
        try:
            connections[DEFAULT_DB_ALIAS].close()
        except Exception:
            pass
        response = JsonResponse({"errors": {"__all__": ["database unavailable, retry later"]}}, status=503)
        response["Retry-After"] = "5"
        return _no_store(response)

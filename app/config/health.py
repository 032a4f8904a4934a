"""Health check middleware for the load balancer.

It must be the FIRST entry in MIDDLEWARE: the ALB health check connects to the
task's private IP and sends that IP as the Host header, which is (rightly) not
in ALLOWED_HOSTS. Answering here, before SecurityMiddleware and
CommonMiddleware call request.get_host(), keeps host validation strict for
every other path while the health check still works.

The check runs ``SELECT 1`` on the default database: 200 {"status": "ok"}
when it works, 503 when it does not. DB OPTIONS carry a short connect_timeout
so an unreachable database fails the check quickly instead of hanging the
worker until the ALB's own timeout.
"""
import logging

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import JsonResponse

logger = logging.getLogger(__name__)


def _select_one(connection):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def database_ok(alias="default"):
    """Return True when ``SELECT 1`` succeeds on the database ``alias``.

    A persistent connection (CONN_MAX_AGE) may have died under us, e.g. after
    an RDS Multi-AZ failover; one failure closes it and retries once on a
    fresh connection, so a stale socket does not take the task out of service.
    """
    connection = connections[alias]
    try:
        _select_one(connection)
        return True
    except DatabaseError:
        try:
            connection.close()
        except DatabaseError:
            pass
    try:
        _select_one(connection)
        return True
    except DatabaseError as exc:
        logger.warning("health check: database unavailable: %s", exc.__class__.__name__)
        try:
            connection.close()
        except DatabaseError:
            pass
        return False


class HealthCheckMiddleware:
    """Answers GET/HEAD on settings.HEALTH_CHECK_PATH before host validation."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.path = getattr(settings, "HEALTH_CHECK_PATH", "/healthz")

    def __call__(self, request):
        if request.path_info == self.path and request.method in ("GET", "HEAD"):
            if database_ok():
                response = JsonResponse({"status": "ok"})
            else:
                response = JsonResponse(
                    {"status": "unavailable", "checks": {"database": "unreachable"}},
                    status=503,
                )
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)

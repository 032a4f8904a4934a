"""WSGI entry point: gunicorn serves ``config.wsgi:application``.

At import (each gunicorn worker's boot) it checks that a temporary file can be
written, and reads the database secret once (see the functions below).
"""
import os
import tempfile

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _require_writable_tempdir():
    """Refuse to serve when no temporary file can be created.

    Uploads above FILE_UPLOAD_MAX_MEMORY_SIZE spool to the temp dir (/tmp, the
    task's volume; everything else is read-only). Without it every such upload
    would be a 500; failing the worker's boot instead fails the deployment
    (ECS's circuit breaker rolls back) with this message in the logs.
    """
    try:
        with tempfile.TemporaryFile():
            pass
    except OSError as exc:
        raise ImproperlyConfigured(
            f"no writable temporary directory for uid {os.getuid()} ({exc}). The app writes only to /tmp: "
            "mount a volume there; on Fargate the image must declare VOLUME [\"/tmp\"] with mode 1777 "
            "(app/Dockerfile), or the bind mount is root-owned 0755"
        ) from None


_require_writable_tempdir()
application = get_wsgi_application()


def _prime_database_credentials():
    """Read the database secret once per worker at boot (see dbcredentials.SecretCredentials.prime)."""
    from django.db import connections

    from config import dbcredentials

    settings_dict = connections["default"].settings_dict
    if settings_dict.get("SECRET_ARN"):
        dbcredentials.provider_for(
            settings_dict["SECRET_ARN"], settings_dict.get("SECRET_REGION"), settings_dict.get("SECRET_ENDPOINT")
        ).prime()


_prime_database_credentials()

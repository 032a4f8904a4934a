"""WSGI entry point: gunicorn serves ``config.wsgi:application``."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

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

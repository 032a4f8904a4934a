"""PostgreSQL backend whose credentials come from AWS Secrets Manager.

ENGINE "config.postgresql" is django.db.backends.postgresql (psycopg2 on
Django 3.2, psycopg 3 or psycopg2 on Django 4.2 and 5.2) with one change: when
the database settings carry SECRET_ARN, the user and password of every new
connection come from that secret (config/dbcredentials.py), read when the
connection is opened and cached in the process. When the server refuses the
password, the secret is read again once (AWSCURRENT, AWSPENDING, AWSPREVIOUS)
and the first value that logs in is kept: a rotation never fails a request
and never needs a restart.

Settings keys (beside Django's own):
    SECRET_ARN        the secret; without it, USER and PASSWORD are used as is
                      (settings.py allows that only for local development)
    SECRET_REGION     its region (AWS_REGION)
    SECRET_ENDPOINT   optional endpoint override (tests: a local stand-in)

Django's connection pool (OPTIONS "pool", Django 5.1+) is refused: the pool
would open connections with the password it was created with.
"""
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.postgresql import base

from config import dbcredentials

Database = base.Database


class DatabaseWrapper(base.DatabaseWrapper):
    def _credentials_provider(self):
        arn = self.settings_dict.get("SECRET_ARN")
        if not arn:
            return None
        if self.settings_dict.get("OPTIONS", {}).get("pool"):
            raise ImproperlyConfigured(
                "DATABASES OPTIONS 'pool' cannot be used with SECRET_ARN: pooled connections "
                "would keep the password they were created with"
            )
        return dbcredentials.provider_for(
            arn,
            self.settings_dict.get("SECRET_REGION"),
            self.settings_dict.get("SECRET_ENDPOINT"),
        )

    def _connect_as(self, conn_params, creds):
        # A copy per attempt: Django's get_new_connection pops keys from it.
        params = dict(conn_params, user=creds.username, password=creds.password)
        return super().get_new_connection(params)

    def get_new_connection(self, conn_params):
        provider = self._credentials_provider()
        if provider is None:
            if self.settings_dict.get("REQUIRE_SECRET"):
                raise ImproperlyConfigured(
                    "DB_SECRET_ARN is not set: the app reads its database credentials from Secrets "
                    "Manager. DB_USER/DB_PASSWORD are honoured only with DJANGO_DEBUG=1 (local development)."
                )
            return super().get_new_connection(conn_params)
        try:
            creds = provider.current()
        except dbcredentials.CredentialsError as exc:
            raise Database.OperationalError(f"database credentials unavailable: {exc}") from None
        try:
            return self._connect_as(conn_params, creds)
        except Database.OperationalError as exc:
            if not dbcredentials.is_authentication_failure(exc):
                raise
            first_error = exc
        # The password was refused: the secret may have rotated. Try the
        # other candidates once, each on a fresh connection.
        try:
            for candidate in provider.candidates_after_failure(creds):
                try:
                    connection = self._connect_as(conn_params, candidate)
                except Database.OperationalError as exc:
                    if not dbcredentials.is_authentication_failure(exc):
                        raise
                    continue
                provider.accept(candidate)
                return connection
        except dbcredentials.CredentialsError as exc:
            raise Database.OperationalError(f"database credentials unavailable: {exc}") from first_error
        raise first_error

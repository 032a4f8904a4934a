"""Database credentials read from AWS Secrets Manager, rotation-safe.

The secret's SecretString is a JSON object with "username" and "password"
(more keys are allowed and ignored): the shape of an RDS-managed master secret
and of the app and owner secrets the stack creates.

``SecretCredentials`` keeps the last value it read (one read per process, not
one per connection) and, when the database refuses that password, is asked
for the other candidates once, in this order:

    AWSCURRENT, read again   a rotation finished (or a new value was put)
                             since this process read the secret
    AWSPENDING               a rotation is between "setSecret" (the database
                             already has the new password) and "finishSecret"
                             (AWSCURRENT not yet moved to it)
    AWSPREVIOUS              a new value was put as AWSCURRENT before the
                             database was changed

Single-user rotation of RDS and Secrets Manager sets the database password to
the AWSPENDING value and only then moves AWSCURRENT to it, so for a while only
AWSPENDING works (AWS docs: "Rotation by Lambda function", steps createSecret,
setSecret, testSecret, finishSecret). A candidate that works is kept for the
next connections; a value equal to one already refused is not tried again.

Standard library plus boto3 only: no Django, so it is testable on its own.
The Secrets Manager client is created once per process and honours
AWS_ENDPOINT_URL_SECRETS_MANAGER explicitly (newer SDKs read that variable
themselves; Debian's boto3 1.26 does not), with short timeouts so that an
unreachable endpoint fails a connection attempt instead of hanging a worker.
"""
import json
import logging
import threading

logger = logging.getLogger(__name__)

STAGES_AFTER_FAILURE = ("AWSCURRENT", "AWSPENDING", "AWSPREVIOUS")


class CredentialsError(Exception):
    """The secret cannot be read or does not hold a username and a password."""


class Credentials:
    """A username and a password; repr never shows the password."""

    __slots__ = ("username", "password", "stage")

    def __init__(self, username, password, stage=""):
        self.username = username
        self.password = password
        self.stage = stage

    def same_login(self, other):
        return other is not None and (self.username, self.password) == (other.username, other.password)

    def __repr__(self):
        return f"Credentials(username={self.username!r}, stage={self.stage!r})"


def parse_secret_string(secret_id, secret_string, stage=""):
    """Credentials from a SecretString; CredentialsError names what is wrong (never the value)."""
    try:
        doc = json.loads(secret_string)
    except (TypeError, ValueError):
        raise CredentialsError(f"secret {secret_id} ({stage or 'AWSCURRENT'}): SecretString is not JSON") from None
    if not isinstance(doc, dict):
        raise CredentialsError(f"secret {secret_id} ({stage or 'AWSCURRENT'}): SecretString is not a JSON object")
    username, password = doc.get("username"), doc.get("password")
    for key, value in (("username", username), ("password", password)):
        if not isinstance(value, str) or not value:
            raise CredentialsError(
                f"secret {secret_id} ({stage or 'AWSCURRENT'}): key {key!r} is missing or not a non-empty string"
            )
    return Credentials(username, password, stage)


def secretsmanager_client(region, endpoint_url=None):
    """A boto3 Secrets Manager client with bounded timeouts and retries."""
    import boto3
    from botocore.config import Config

    if not region:
        raise CredentialsError("AWS_REGION is not set: the region of the database secret is required")
    config = Config(
        connect_timeout=2,
        read_timeout=3,
        retries={"max_attempts": 3, "mode": "standard"},
    )
    session = boto3.session.Session()
    return session.client("secretsmanager", region_name=region, endpoint_url=endpoint_url or None, config=config)


class SecretCredentials:
    """Credentials from one secret, cached for the process, thread-safe.

    ``client`` is anything with boto3's ``get_secret_value``; it is created
    lazily from ``region`` and ``endpoint_url`` when not given.
    """

    def __init__(self, secret_id, region=None, endpoint_url=None, client=None):
        if not secret_id:
            raise CredentialsError("no secret ARN given")
        self.secret_id = secret_id
        self._region = region
        self._endpoint_url = endpoint_url
        self._client = client
        self._lock = threading.Lock()
        self._cached = None
        self.reads = 0  # GetSecretValue calls made, for tests and logs

    def _client_locked(self):
        if self._client is None:
            self._client = secretsmanager_client(self._region, self._endpoint_url)
        return self._client

    def _read(self, stage):
        """The value labelled ``stage``, or None when no version carries the label."""
        from botocore.exceptions import BotoCoreError, ClientError

        client = self._client_locked()
        self.reads += 1
        try:
            response = client.get_secret_value(SecretId=self.secret_id, VersionStage=stage)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "ResourceNotFoundException" and stage != "AWSCURRENT":
                return None
            raise CredentialsError(f"secret {self.secret_id} ({stage}): GetSecretValue failed: {code or exc}") from None
        except BotoCoreError as exc:
            raise CredentialsError(
                f"secret {self.secret_id} ({stage}): GetSecretValue failed: {exc.__class__.__name__}"
            ) from None
        return parse_secret_string(self.secret_id, response.get("SecretString"), stage)

    def prime(self):
        """Create the client and read AWSCURRENT now (at worker boot), so the
        first request or readiness check does not pay for loading boto3's
        service model. Errors are left for the first connection to report."""
        try:
            self.current()
        except CredentialsError as exc:
            logger.warning("database credentials not read at start: %s", exc)

    def current(self):
        """The cached credentials, reading AWSCURRENT on first use."""
        with self._lock:
            if self._cached is None:
                self._cached = self._read("AWSCURRENT")
            return self._cached

    def candidates_after_failure(self, refused):
        """Yield fresh AWSCURRENT, AWSPENDING, AWSPREVIOUS, skipping logins already refused.

        If another thread replaced the cache since ``refused`` was handed out,
        its value is tried first, without a read.
        """
        tried = [refused]
        with self._lock:
            cached = self._cached
        if cached is not None and not cached.same_login(refused):
            tried.append(cached)
            yield cached
        for stage in STAGES_AFTER_FAILURE:
            with self._lock:
                creds = self._read(stage)
            if creds is None or any(creds.same_login(t) for t in tried):
                continue
            tried.append(creds)
            yield creds

    def accept(self, creds):
        """Keep ``creds`` (they just logged in) for the next connections."""
        with self._lock:
            if not creds.same_login(self._cached):
                logger.info(
                    "database credentials from secret %s: now using the %s value",
                    self.secret_id,
                    creds.stage or "AWSCURRENT",
                )
            self._cached = creds


_PROVIDERS = {}
_PROVIDERS_LOCK = threading.Lock()


def provider_for(secret_id, region=None, endpoint_url=None):
    """The process-wide SecretCredentials for this secret (one cache per secret)."""
    key = (secret_id, region, endpoint_url)
    with _PROVIDERS_LOCK:
        provider = _PROVIDERS.get(key)
        if provider is None:
            provider = _PROVIDERS[key] = SecretCredentials(secret_id, region, endpoint_url)
        return provider


def is_authentication_failure(exc):
    """True when a driver's connect error says the password (or user) was refused.

    SQLSTATE 28P01 (invalid_password) when the driver exposes it; else the
    server's message, which for SCRAM and md5 is the same for a wrong
    password and an unknown user.
    """
    for attr in ("pgcode", "sqlstate"):
        code = getattr(exc, attr, None)
        if code == "28P01":
            return True
    diag = getattr(exc, "diag", None)
    if diag is not None and getattr(diag, "sqlstate", None) == "28P01":
        return True
    return "password authentication failed" in str(exc)

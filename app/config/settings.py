"""Settings for the djangofargate reference API, read entirely from the environment.

The ECS task definition sets these variables (secrets through the task
definition's ``secrets``, never ``environment``):

    DJANGO_SECRET_KEY            required unless DJANGO_DEBUG is on
    DJANGO_DEBUG                 off by default
    DJANGO_ALLOWED_HOSTS         comma separated, e.g. "api.example.com"
    DJANGO_CSRF_TRUSTED_ORIGINS  comma separated origins WITH scheme
    DB_HOST DB_PORT DB_NAME
    DB_SECRET_ARN                the Secrets Manager secret {"username","password"}
                                 the process connects with (app/README.md)
    AWS_REGION                   its region (default: the ARN's)
    DB_SSLMODE                   default "verify-full" against DB_SSLROOTCERT
    AWS_STORAGE_BUCKET_NAME      media bucket; when set, media goes to S3
    AWS_S3_REGION_NAME           the bucket's region
    HEALTH_CHECK_PATH            default "/healthz": liveness, like /livez

Optional: DJANGO_LOG_LEVEL (INFO), DB_CONN_MAX_AGE (60), DB_CONNECT_TIMEOUT (2),
DB_STATEMENT_TIMEOUT_MS (30000, below GUNICORN_TIMEOUT), DB_SSLROOTCERT (default
the RDS CA bundle in the image, /etc/ssl/rds/global-bundle.pem),
AWS_ENDPOINT_URL_SECRETS_MANAGER (tests only: the Secrets Manager stand-in),
DB_USER/DB_PASSWORD (local development only, with DJANGO_DEBUG=1),
DJANGO_STATIC_ROOT, DJANGO_MEDIA_ROOT, DJANGO_SECURE_HSTS_SECONDS (86400),
DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS (off), DJANGO_SECURE_HSTS_PRELOAD (off),
API_TOKEN (the write credential, from Secrets Manager; unset = read-only API),
AWS_S3_ENDPOINT_URL (tests only: a local fake S3).

Production (DJANGO_DEBUG off) refuses to start when DJANGO_ALLOWED_HOSTS is
empty or contains "*".

These settings run on Django 3.2 (Debian bookworm, which the tests use) and on
the Django 5.2 LTS pinned in requirements.txt.

``manage.py check --deploy`` under the production environment reports exactly
one warning, security.W008 (SECURE_SSL_REDIRECT off): the ALB listener redirects
HTTP to HTTPS, and the ALB health check reaches the task over plain HTTP.
"""
import os
from pathlib import Path

import django
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


from config.env import env_bool, env_int, env_list  # noqa: E402  (raise EnvError, a ValueError)

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it (the service injects it from Secrets "
            "Manager), or set DJANGO_DEBUG=1 for local development only."
        )
    from django.core.management.utils import get_random_secret_key

    # Development only: a fresh key per process (sessions do not survive restarts).
    SECRET_KEY = "django-insecure-dev-" + get_random_secret_key()

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if not DEBUG and (not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS):
    # Refuse to start: an empty list deploys "healthy" (the health check
    # answers before host validation) and answers 400 to every request; "*"
    # turns host validation off.
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS must list the host names this service answers "
        f"(comma separated, e.g. api.example.com), without '*'; got {os.environ.get('DJANGO_ALLOWED_HOSTS', '')!r}"
    )

CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
for _origin in CSRF_TRUSTED_ORIGINS:
    # Django >= 4.0 requires the scheme; fail here, on every version, rather
    # than at the first POST after an upgrade.
    if "://" not in _origin:
        raise ImproperlyConfigured(
            f"DJANGO_CSRF_TRUSTED_ORIGINS entries need a scheme, e.g. https://{_origin}; got {_origin!r}"
        )

# Liveness is /livez; HEALTH_CHECK_PATH names the same check under the path the
# service's probes use (config/health.py). Readiness (/readyz) is never it.
HEALTH_CHECK_PATH = os.environ.get("HEALTH_CHECK_PATH", "").strip() or "/healthz"
if not HEALTH_CHECK_PATH.startswith("/") or HEALTH_CHECK_PATH.rstrip("/") == "/readyz":
    raise ImproperlyConfigured(
        f"HEALTH_CHECK_PATH must start with '/' and must not be the readiness path /readyz "
        f"(probes that decide replacement must not depend on the database), got {HEALTH_CHECK_PATH!r}"
    )

INSTALLED_APPS = [
    "django.contrib.staticfiles",
    "notes",
    "ops",  # deployment commands: provision_db_roles
]

MIDDLEWARE = [
    # First, so the ALB health check (Host: the task IP) is answered before
    # any middleware validates the Host header. See config/health.py.
    "config.health.HealthCheckMiddleware",
    # Then the API guards (config/middleware.py): unknown hosts and oversized
    # bodies are answered before any body is read or URL resolved.
    "config.middleware.UnknownHostMiddleware",
    "config.middleware.RequestSizeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it sees a view's exception first: database down -> JSON 503.
    "config.health.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
TEMPLATES = []

# Database. Credentials: from the Secrets Manager secret DB_SECRET_ARN, read
# when a connection is opened and re-read when the password is refused (a
# rotation), by the backend in config/postgresql. DB_USER/DB_PASSWORD are a
# local-development fallback only (DJANGO_DEBUG=1); production refuses them.
DB_SECRET_ARN = os.environ.get("DB_SECRET_ARN", "").strip()
if DB_SECRET_ARN:
    for _name in ("DB_USER", "DB_PASSWORD"):
        if os.environ.get(_name):
            raise ImproperlyConfigured(
                f"{_name} is set together with DB_SECRET_ARN: the credentials come from the secret; "
                f"remove {_name} from the environment"
            )
elif os.environ.get("DB_PASSWORD") and not DEBUG:
    raise ImproperlyConfigured(
        "DB_PASSWORD is set but DB_SECRET_ARN is not: production reads the database credentials from "
        "Secrets Manager (DB_SECRET_ARN); DB_USER/DB_PASSWORD are for local development with DJANGO_DEBUG=1"
    )
_db_region = os.environ.get("AWS_REGION", "").strip()
if DB_SECRET_ARN and not _db_region:
    # arn:aws:secretsmanager:<region>:<account>:secret:<name>
    _parts = DB_SECRET_ARN.split(":")
    _db_region = _parts[3] if len(_parts) > 6 and _parts[2] == "secretsmanager" else ""
    if not _db_region:
        raise ImproperlyConfigured(
            f"AWS_REGION is not set and DB_SECRET_ARN {DB_SECRET_ARN!r} is not a Secrets Manager ARN with a region"
        )

# Every query stops at DB_STATEMENT_TIMEOUT_MS (server side), below gunicorn's
# worker timeout, so a slow query fails the request instead of getting the
# worker killed. 0 turns the limit off: for the migration task only, whose
# migrations (an index build on a big table) may need longer; never the web
# service.
DB_STATEMENT_TIMEOUT_MS = env_int("DB_STATEMENT_TIMEOUT_MS", 30000)
_gunicorn_timeout_ms = env_int("GUNICORN_TIMEOUT", 60) * 1000
if not 0 <= DB_STATEMENT_TIMEOUT_MS < _gunicorn_timeout_ms:
    raise ImproperlyConfigured(
        f"DB_STATEMENT_TIMEOUT_MS must be 0 (no limit, migration task only) or below GUNICORN_TIMEOUT in ms "
        f"({_gunicorn_timeout_ms}), got {DB_STATEMENT_TIMEOUT_MS}"
    )
DB_CONNECT_TIMEOUT = env_int("DB_CONNECT_TIMEOUT", 2)
if not 1 <= DB_CONNECT_TIMEOUT <= 10:
    raise ImproperlyConfigured(f"DB_CONNECT_TIMEOUT must be 1..10 seconds, got {DB_CONNECT_TIMEOUT}")

# TLS that verifies the server: verify-full (the certificate chains to the RDS
# CA bundle the image carries, and names DB_HOST). RDS forces TLS
# (rds.force_ssl); "require" alone would encrypt without knowing who answers.
RDS_CA_BUNDLE = "/etc/ssl/rds/global-bundle.pem"  # app/Dockerfile installs it
_db_options = {
    "sslmode": os.environ.get("DB_SSLMODE", "").strip() or "verify-full",
    "sslrootcert": os.environ.get("DB_SSLROOTCERT", "").strip() or RDS_CA_BUNDLE,
    # Seconds, for the whole connection set-up (libpq rounds 1 up to 2): an
    # unreachable database fails a request fast instead of holding a worker.
    "connect_timeout": DB_CONNECT_TIMEOUT,
    "options": f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS}",  # 0: PostgreSQL's "no limit"
    # A peer that vanished (a Multi-AZ failover) is noticed in about 20 s,
    # not after the kernel's 15-minute retransmission timeout.
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 2,
    "tcp_user_timeout": 20000,
}

DATABASES = {
    "default": {
        "ENGINE": "config.postgresql",
        "HOST": os.environ.get("DB_HOST", "localhost"),
        "PORT": os.environ.get("DB_PORT", "5432"),
        "NAME": os.environ.get("DB_NAME", "django"),
        "USER": "" if DB_SECRET_ARN else os.environ.get("DB_USER", "django"),
        "PASSWORD": "" if DB_SECRET_ARN else os.environ.get("DB_PASSWORD", ""),
        "SECRET_ARN": DB_SECRET_ARN,
        "SECRET_REGION": _db_region,
        "SECRET_ENDPOINT": os.environ.get("AWS_ENDPOINT_URL_SECRETS_MANAGER", "").strip() or None,
        # Without a secret, connecting is an error unless DEBUG (local development).
        "REQUIRE_SECRET": not DEBUG,
        "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
        # Django >= 4.1 re-checks a persistent connection before reuse; older
        # versions ignore the key (the health check retries once instead).
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": _db_options,
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

# Static files: collected into the image at build time, served by WhiteNoise
# with hashed names (far-future, immutable caching).
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT") or BASE_DIR / "media")

# Media: S3 through django-storages when a bucket is configured. Credentials
# come from boto3's default chain, which on ECS is the task role. Access keys
# never belong in settings.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME", "").strip() or None
AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL", "").strip() or None  # tests only
AWS_S3_SIGNATURE_VERSION = "s3v4"
AWS_DEFAULT_ACL = None  # the bucket owns its objects; no ACLs
AWS_QUERYSTRING_AUTH = True  # private bucket: presigned URLs
AWS_QUERYSTRING_EXPIRE = 300  # seconds a presigned attachment URL stays valid
AWS_S3_FILE_OVERWRITE = False

_default_storage = (
    "storages.backends.s3.S3Storage"
    if AWS_STORAGE_BUCKET_NAME
    else "django.core.files.storage.FileSystemStorage"
)
_static_storage = "whitenoise.storage.CompressedManifestStaticFilesStorage"
if django.VERSION >= (4, 2):
    STORAGES = {
        "default": {"BACKEND": _default_storage},
        "staticfiles": {"BACKEND": _static_storage},
    }
else:  # Django 3.2 (Debian bookworm)
    DEFAULT_FILE_STORAGE = _default_storage
    STATICFILES_STORAGE = _static_storage

# Security. TLS ends at the ALB, which forwards X-Forwarded-Proto; gunicorn
# trusts it because only the ALB can reach the tasks (gunicorn.conf.py).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The ALB's HTTP listener redirects to HTTPS and its health check speaks HTTP
# to the task, so Django does not redirect (accepted check: security.W008).
SECURE_SSL_REDIRECT = False
# HSTS: one day by default, for this host only. includeSubDomains pins every
# subdomain of the domain to HTTPS and preload asks browsers to ship the pin:
# both outlive a rollback, so they are the stack's explicit opt-in
# (DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS, DJANGO_SECURE_HSTS_PRELOAD), and
# preload needs what https://hstspreload.org/ requires (includeSubDomains and
# a max-age of at least a year). Raise DJANGO_SECURE_HSTS_SECONDS once HTTPS
# works everywhere the domain is used.
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 86400)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
if SECURE_HSTS_SECONDS < 0:
    raise ImproperlyConfigured(f"DJANGO_SECURE_HSTS_SECONDS must be 0 or more, got {SECURE_HSTS_SECONDS}")
if SECURE_HSTS_PRELOAD and not SECURE_HSTS_INCLUDE_SUBDOMAINS:
    raise ImproperlyConfigured("DJANGO_SECURE_HSTS_PRELOAD needs DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS=1 (hstspreload.org)")
if SECURE_HSTS_PRELOAD and SECURE_HSTS_SECONDS < 31536000:
    raise ImproperlyConfigured(
        f"DJANGO_SECURE_HSTS_PRELOAD needs DJANGO_SECURE_HSTS_SECONDS >= 31536000 (hstspreload.org), got {SECURE_HSTS_SECONDS}"
    )
# check --deploy warns when includeSubDomains (W005) or preload (W021) is off:
# here that is the documented default, not an oversight.
SILENCED_SYSTEM_CHECKS = [
    check
    for check, opted_in in (("security.W005", SECURE_HSTS_INCLUDE_SUBDOMAINS), ("security.W021", SECURE_HSTS_PRELOAD))
    if not opted_in
]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
# A JSON API: CSRF failures answer JSON too (config/urls.py), like 400/403/404/500.
CSRF_FAILURE_VIEW = "config.urls.csrf_failure"

# Nothing is written to the image at run time (read-only root filesystem):
# large uploads spool to the system temp dir (/tmp, FILE_UPLOAD_TEMP_DIR unset).

# Structured logs: one JSON object per line on stdout (CloudWatch via awslogs).
LOG_LEVEL = os.environ.get("DJANGO_LOG_LEVEL", "").strip().upper() or "INFO"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "config.jsonlog.JsonFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
    },
}

# --- API: write credential and size limits (issue 20) -----------------------
# Writes need "Authorization: Bearer <API_TOKEN>". The service injects
# API_TOKEN from Secrets Manager through the task definition's ``secrets``.
# Unset, the API is read-only (writes answer 403): it never fails open.
API_TOKEN = os.environ.get("API_TOKEN", "").strip()
if API_TOKEN and len(API_TOKEN) < 32:
    raise ImproperlyConfigured(
        f"API_TOKEN must be at least 32 characters (a random secret), got {len(API_TOKEN)}"
    )
# A note's body, in characters; lists return an excerpt, never whole bodies.
NOTES_BODY_MAX_CHARS = 10_000
NOTES_EXCERPT_CHARS = 200
NOTES_PAGE_SIZE_DEFAULT = 20
NOTES_PAGE_SIZE_MAX = 100
# Bodies Django reads into memory (JSON). The largest valid note is about
# 122 KiB on the wire: 10,000 + 200 characters of a 4-byte UTF-8 character,
# JSON-escaped as two \uXXXX (12 bytes each). Django's default is 2.5 MiB.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 100
# Multipart requests (attachments) may be larger; their files stream to the
# temp dir above FILE_UPLOAD_MAX_MEMORY_SIZE instead of staying in memory.
NOTES_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 1  # Django >= 3.2.18; older versions ignore it
API_MAX_REQUEST_BYTES = NOTES_ATTACHMENT_MAX_BYTES + 64 * 1024
# --- end API ------------------------------------------------------------------

# --- Background tasks: Celery (config/celery.py) ---------------------------------
# The broker is CELERY_BROKER_URL; unset, background tasks are off (the
# endpoints that enqueue answer 503, the web service runs as before). On AWS
# the stack sets "sqs://" (credentials from the task role, never keys in the
# URL), CELERY_QUEUE_NAME and CELERY_QUEUE_URL (the one queue, predefined, so
# kombu never lists or creates queues: the task role may use that queue
# only) and CELERY_VISIBILITY_TIMEOUT (the queue's own, which kombu sends on
# every receive). Locally and in the tests: redis://.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "").strip()
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE_NAME", "").strip() or "celery"
TASK_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 900)
if CELERY_BROKER_URL.startswith("sqs://"):
    _queue_url = os.environ.get("CELERY_QUEUE_URL", "").strip()
    if not _queue_url or not os.environ.get("CELERY_QUEUE_NAME", "").strip():
        raise ImproperlyConfigured(
            "CELERY_BROKER_URL is sqs:// but CELERY_QUEUE_NAME or CELERY_QUEUE_URL is not set: the worker "
            "consumes one predefined queue (the stack sets all three)"
        )
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "region": os.environ.get("AWS_REGION", "").strip() or None,
        "predefined_queues": {CELERY_TASK_DEFAULT_QUEUE: {"url": _queue_url}},
        "visibility_timeout": TASK_VISIBILITY_TIMEOUT,
        "wait_time_seconds": 20,  # long polling, as the queue's ReceiveWaitTimeSeconds
    }
    # SQS has no fanout: no remote control (celery inspect) and no events.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
    CELERY_WORKER_SEND_TASK_EVENTS = False
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Redis redelivers an unacknowledged task after this long, as SQS does.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": TASK_VISIBILITY_TIMEOUT}
# A task is acknowledged when it has run, not when it starts: a worker that
# stops mid-task (a deploy, Fargate Spot) leaves it to another. Tasks must
# therefore be safe to run twice. One task at a time per process.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True  # no result backend: effects are in the database
# A request that enqueues never hangs on a broker that does not answer.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Logs stay the JSON lines of LOGGING below, not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# --- end background tasks --------------------------------------------------------

# Test-only: a slow view for the graceful-shutdown test. The service never
# sets this variable.
TEST_SLOW_VIEW = env_bool("DJANGO_TEST_SLOW_VIEW", False)
# Test-only: a multipart upload probe (tests/test_tmpmount.py).
TEST_UPLOAD_VIEW = env_bool("DJANGO_TEST_UPLOAD_VIEW", False)

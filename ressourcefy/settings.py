"""Settings for Ressourcefy, driven entirely by environment variables (see .env.example).

One section per concern, each setting once: core Django, database and cache, HTTP and security,
API (DRF and the schema), auth and tokens, mail, billing (Stripe), outbox and worker, files,
search, analytics, observability (logging and metrics).
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers as default_cors_headers
from django.core.exceptions import ImproperlyConfigured

from ressourcefy.env import env_bool, env_int, env_list, env_str

# --- Core Django

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG")
TESTING = env_bool("DJANGO_TESTING")

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105
# Old secrets still verify signatures (download links, activation tokens) during a key rotation.
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "corsheaders",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "users",
    "audit",
    "resources",
    "interactions",
    "monetization",
    "analytics",
    "api",
    "operations",
]

MIDDLEWARE = [
    # Count every response, including the 413s and redirects later middleware returns: outermost.
    "api.middleware.HttpMetricsMiddleware",
    "api.middleware.RequestIdMiddleware",
    "api.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ressourcefy.urls"
# Paths are exact, trailing slash included: a redirect would drop a POST body.
APPEND_SLASH = False
WSGI_APPLICATION = "ressourcefy.wsgi.application"

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
            ],
        },
    },
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Database and cache

# Database: a SQLite file by default (zero set-up); PostgreSQL through DATABASE_URL.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
# "transaction" when DATABASE_URL leads through a transaction-pooling PgBouncer; "" when direct.
DATABASE_POOLER = env_str("DATABASE_POOLER")
DATABASE_LISTEN_URL = env_str("DATABASE_LISTEN_URL")  # the outbox worker's LISTEN: a direct address
if DATABASE_POOLER not in ("", "transaction"):
    raise ImproperlyConfigured(f'DATABASE_POOLER must be "transaction" or unset, got {DATABASE_POOLER!r}')
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers (web + worker) wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5))
    # Behind a transaction pooler (PgBouncer pool_mode=transaction) each transaction may run on
    # another server session: nothing may outlive one, so no named cursors, no prepared statements.
    if DATABASE_POOLER == "transaction":
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None
    # The outbox worker's LISTEN needs a session of its own: a direct connection, never the pooler.
    # Only its connection parameters are used; in tests it names the test database (a mirror).
    DATABASES["listen"] = {
        **dj_database_url.parse(DATABASE_LISTEN_URL or DATABASE_URL),
        "OPTIONS": {"connect_timeout": DATABASES["default"]["OPTIONS"]["connect_timeout"]},
        "TEST": {"MIRROR": "default"},
    }
    # Django's backend, its per-request health check a poll of the idle socket, not a SELECT 1.
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "ressourcefy.database.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- HTTP and security

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG or TESTING else "")
# Request bodies: a JSON API has no business with large uploads.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)
# Number of reverse proxies in front of the app that append to X-Forwarded-For. 0 (the default)
# trusts REMOTE_ADDR only, so a client cannot forge its address; also sets DRF's throttle identity.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Production defaults, each overridable from the environment.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not (DEBUG or TESTING))
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG or TESTING else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", SECURE_HSTS_SECONDS > 0)
SESSION_COOKIE_SECURE = not (DEBUG or TESTING)
CSRF_COOKIE_SECURE = not (DEBUG or TESTING)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "api.exception_handlers.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# CORS: only the configured front-end origins; in debug, the usual dev servers (CRA/Next 3000,
# Vite 5173, Vue CLI/webpack 8080) on localhost and 127.0.0.1.
DEV_ORIGINS = ",".join(f"http://{host}:{port}" for host in ("localhost", "127.0.0.1") for port in (3000, 5173, 8080))
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", DEV_ORIGINS if DEBUG or TESTING else "")
CORS_ALLOW_CREDENTIALS = True
# A browser app may send these (docs/api.md) and read them back.
CORS_ALLOW_HEADERS = (*default_cors_headers, "idempotency-key", "x-request-id")
CORS_EXPOSE_HEADERS = ["Idempotency-Key", "X-Request-ID", "Retry-After"]
# The front end: links in emails and the allowed host of checkout redirects.
FRONTEND_URL = env_str("FRONTEND_URL", "http://localhost:3000").rstrip("/")

# --- API: DRF and the OpenAPI schema

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.StrictJSONParser"],
    # DRF's JSONRenderer output, encoded by orjson (api/renderers.py).
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.OrjsonRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exception_handlers.envelope_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_RATES": {
        "login_ip": env_str("THROTTLE_LOGIN_IP", "30/min"),
        "login_email": env_str("THROTTLE_LOGIN_EMAIL", "10/min"),
        "auth_ip": env_str("THROTTLE_AUTH_IP", "20/min"),
        "auth_email": env_str("THROTTLE_AUTH_EMAIL", "5/min"),
        "write_user": env_str("THROTTLE_WRITE_USER", "120/min"),
        "analytics": env_str("THROTTLE_ANALYTICS", "120/min"),
        "token_ip": env_str("THROTTLE_TOKEN_IP", "60/min"),
    },
}
if TRUSTED_PROXY_COUNT:
    REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT

SPECTACULAR_SETTINGS = {
    "TITLE": "Ressourcefy API",
    "DESCRIPTION": "Educational resources, comments and votes, and Stripe-backed premium access.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
    ],
    # Stable schema names for the billing status enums and the envelope's status.
    "ENUM_NAME_OVERRIDES": {
        "SubscriptionStatusEnum": ["ACTIVE", "PAST_DUE", "CANCELED", "EXPIRED"],
        "PaymentStatusEnum": ["PENDING", "COMPLETED", "FAILED", "REFUNDED"],
        "WebhookReceivedStatusEnum": ["received"],
        "EnvelopeOkStatusEnum": ["ok"],
        "EnvelopeErrorStatusEnum": ["error"],
    },
}

# --- Auth and tokens

AUTH_USER_MODEL = "users.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Hashing cost is not under test; a fast hasher keeps the suite quick.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "SIGNING_KEY": env_str("JWT_SIGNING_KEY") or SECRET_KEY,
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    # Tokens carry a hash of the password: a password change revokes every earlier token.
    "CHECK_REVOKE_TOKEN": True,
}
ACTIVATION_TOKEN_MAX_AGE_SECONDS = env_int("ACTIVATION_TOKEN_MAX_AGE_SECONDS", 3 * 24 * 3600)
PASSWORD_RESET_TOKEN_MAX_AGE_SECONDS = env_int("PASSWORD_RESET_TOKEN_MAX_AGE_SECONDS", 3600)

GOOGLE_CLIENT_ID = env_str("GOOGLE_CLIENT_ID")
# Where Google publishes the certificates that sign its ID tokens ({key id: PEM}).
GOOGLE_CERTS_URL = env_str("GOOGLE_CERTS_URL", "https://www.googleapis.com/oauth2/v1/certs")

# --- Mail

RESEND_API_KEY = env_str("RESEND_API_KEY")
RESEND_API_URL = env_str("RESEND_API_URL", "https://api.resend.com")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "no-reply@ressourcefy.dev")
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "sent_emails"))

# --- Billing: Stripe

STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
STRIPE_PRICE_IDS = env_list("STRIPE_PRICE_IDS")
STRIPE_API_BASE = env_str("STRIPE_API_BASE")
STRIPE_WEBHOOK_TOLERANCE_SECONDS = env_int("STRIPE_WEBHOOK_TOLERANCE_SECONDS", 300)
# Client limits: calls that take longer fail as 503, never hang a worker.
STRIPE_TIMEOUT_SECONDS = env_int("STRIPE_TIMEOUT_SECONDS", 10)
STRIPE_MAX_NETWORK_RETRIES = env_int("STRIPE_MAX_NETWORK_RETRIES", 2)
# run_checks' webhook_silence: no delivery for this long while subscriptions are open (0 = off).
STRIPE_WEBHOOK_SILENCE_HOURS = env_int("STRIPE_WEBHOOK_SILENCE_HOURS", 24)
# Looping outbox workers run reconcile_stripe this often (0 = off; docs/operations.md §4.4).
STRIPE_RECONCILE_INTERVAL_MINUTES = env_int("STRIPE_RECONCILE_INTERVAL_MINUTES", 60)
# Premium stays open this long past the paid period while a renewal is charged or retried.
BILLING_RENEWAL_GRACE_HOURS = env_int("BILLING_RENEWAL_GRACE_HOURS", 72)
# The local Stripe simulator (`manage.py stripe_sim`, debug only): its port and where it sends webhooks.
STRIPE_SIM_PORT = env_int("STRIPE_SIM_PORT", 12111)
STRIPE_SIM_WEBHOOK_URL = env_str("STRIPE_SIM_WEBHOOK_URL", "http://127.0.0.1:8000/api/billing/webhook/")

# --- Outbox and worker

OUTBOX_MAX_RETRIES = env_int("OUTBOX_MAX_RETRIES", 5)
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 60)
# One handler call longer than this fails (and is retried); workers renew leases until then.
OUTBOX_HANDLER_TIME_LIMIT_SECONDS = env_int("OUTBOX_HANDLER_TIME_LIMIT_SECONDS", 300)
OUTBOX_BATCH_SIZE = env_int("OUTBOX_BATCH_SIZE", 100)
OUTBOX_POLL_INTERVAL_SECONDS = env_int("OUTBOX_POLL_INTERVAL_SECONDS", 5)
OUTBOX_BACKLOG_THRESHOLD = env_int("OUTBOX_BACKLOG_THRESHOLD", 100)
OUTBOX_BACKLOG_AGE_MINUTES = env_int("OUTBOX_BACKLOG_AGE_MINUTES", 10)

# --- Files: static assets and hosted resource files

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# WhiteNoise serves the admin and ReDoc assets from the app itself: no CDN, no extra server.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Uploaded files live under MEDIA_ROOT; no MEDIA_URL: they are never served as static files.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 100 * 1024 * 1024)
UPLOAD_ALLOWED_TYPES = env_list("UPLOAD_ALLOWED_TYPES", "pdf,epub,zip,png,jpeg,gif,webp,mp3,mp4,txt,md")
DOWNLOAD_URL_TTL_SECONDS = env_int("DOWNLOAD_URL_TTL_SECONDS", 300)
# Set (e.g. /protected-files/) to let nginx send the bytes: an `internal` location aliasing MEDIA_ROOT/resources.
FILES_X_ACCEL_REDIRECT_PREFIX = env_str("FILES_X_ACCEL_REDIRECT_PREFIX")
RESOURCE_STORAGE = env_str("RESOURCE_STORAGE", "local")
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL") or None
AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME") or None
AWS_ACCESS_KEY_ID = env_str("AWS_ACCESS_KEY_ID") or None
AWS_SECRET_ACCESS_KEY = env_str("AWS_SECRET_ACCESS_KEY") or None
if RESOURCE_STORAGE == "s3":
    if not AWS_STORAGE_BUCKET_NAME:
        raise ImproperlyConfigured("RESOURCE_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME")
    STORAGES["resources"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": AWS_S3_ENDPOINT_URL,
            "region_name": AWS_S3_REGION_NAME,
            "access_key": AWS_ACCESS_KEY_ID,
            "secret_key": AWS_SECRET_ACCESS_KEY,
            # Private objects, reachable only through presigned GETs that expire with our links.
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": DOWNLOAD_URL_TTL_SECONDS,
            "file_overwrite": False,
            "addressing_style": env_str("AWS_S3_ADDRESSING_STYLE") or None,
            "signature_version": env_str("AWS_S3_SIGNATURE_VERSION", "s3v4"),
        },
    }
elif RESOURCE_STORAGE == "local":
    STORAGES["resources"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT / "resources", "base_url": None},
    }
else:
    raise ImproperlyConfigured(f"RESOURCE_STORAGE must be local or s3, got {RESOURCE_STORAGE!r}")

# --- Search

# PostgreSQL text search configuration of the stored search vector and of `q`. Not an environment
# variable: a generated column's expression is fixed by its migration, so a change here is a schema
# change (makemigrations resources, then migrate rebuilds the column). See docs/operations.md.
SEARCH_TEXT_CONFIG = "english"

# --- Analytics events

ANALYTICS_MAX_EVENTS_PER_CALL = 100
# One event, and all events of one call, as JSON in UTF-8: bounds what an anonymous caller stores.
ANALYTICS_MAX_EVENT_BYTES = env_int("ANALYTICS_MAX_EVENT_BYTES", 8192)
ANALYTICS_MAX_REQUEST_BYTES = env_int("ANALYTICS_MAX_REQUEST_BYTES", 65536)

# --- Observability: logging and metrics

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(name)s %(levelname)s %(message)s",
            "rename_fields": {"asctime": "timestamp", "levelname": "level"},
        }
    },
    "filters": {"request_id": {"()": "api.middleware.RequestIdLogFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # The request log line comes from our middleware; Django's own would repeat it.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}

METRICS_TOKEN = env_str("METRICS_TOKEN")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")

"""One settings module for every profile, read from the environment.

Embedded default (nothing set): SQLite in ``var/`` with WAL, media in ``var/media``, background jobs kept in
the database outbox and run in-process right after commit, a secret key and an audit key generated into
``var/`` on first run. Production: ``DATABASE_URL`` (PostgreSQL through psycopg 3 with its connection pool)
and ``REDIS_URL`` (cache; jobs stay in the outbox for ``jingzhi worker``). Nothing here reads a setting at
import time of an app module.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF

from jingzhi.config.profile import (
    REPLICA_ALIAS,
    audit_key,
    cache_config,
    database_config,
    ensure_secret_key,
    https_config,
    replica_config,
    session_engine,
    storage_config,
    tasks_config,
    var_dir,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

VAR_DIR = var_dir(env, BASE_DIR)
SECRET_KEY = env.str("SECRET_KEY", default="") or ensure_secret_key(VAR_DIR)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "chartkick.django",
    "csp",
    "axes",
    "jingzhi.config",
    "jingzhi.core",
    "jingzhi.accounts",
    "jingzhi.geo",
    "jingzhi.taxonomy",
    "jingzhi.duties",
    "jingzhi.cases",
    "jingzhi.rectification",
    "jingzhi.projects",
    "jingzhi.councils",
    "jingzhi.spaces",
    "jingzhi.assessment",
    "jingzhi.api",
    "jingzhi.open311",
    "jingzhi.web",
    "jingzhi.demo",
]
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    INSTALLED_APPS.append("django_rq")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "jingzhi.web.csp.PolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jingzhi.web.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "jingzhi.config.middleware.RejectNulBytes",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "jingzhi.core.middleware.RateLimitedLoginMiddleware",
]

ROOT_URLCONF = "jingzhi.config.urls"
WSGI_APPLICATION = "jingzhi.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jingzhi.web.context_processors.shell",
                "jingzhi.web.inbox.inbox_context",
            ],
        },
    },
]

DATABASES = {"default": database_config(env, VAR_DIR)}
# A read replica (DATABASE_REPLICA_URL): lists, dashboards and exports read from it, everything else and
# anyone who has just written reads the primary (jingzhi.config.replica; docs/scale-out.md).
_replica = replica_config(env, DATABASES["default"])
JINGZHI_READ_REPLICA = False
JINGZHI_REPLICA_PIN_SECONDS = env.float("JINGZHI_REPLICA_PIN_SECONDS", default=5.0)
if _replica is not None:
    DATABASES[REPLICA_ALIAS] = _replica
    DATABASE_ROUTERS = ["jingzhi.config.replica.ReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.common.CommonMiddleware"),
        "jingzhi.config.replica.ReplicaMiddleware",
    )
    # JINGZHI_READ_REPLICA=0 sends every read to the primary again (a lagging replica) without a redeploy.
    JINGZHI_READ_REPLICA = env.bool(
        "JINGZHI_READ_REPLICA", default=bool(env.str("DATABASE_REPLICA_URL", default=""))
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared by every process and node (profile.cache_config): Redis, else the database, else (embedded) memory.
CACHES = cache_config(env, REDIS_URL)
SESSION_ENGINE = session_engine(REDIS_URL)
if REDIS_URL:
    _redis_cache = CACHES["default"]["BACKEND"] == "jingzhi.core.cache.RedisCache"
    RQ_QUEUES = {"default": {"USE_REDIS_CACHE": "default"} if _redis_cache else {"URL": REDIS_URL}}
TASKS = tasks_config(REDIS_URL, env)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["jingzhi.accounts.backends.LockoutModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if env.bool("JINGZHI_FAST_HASHER", default=False):
    # Tests only: Argon2 costs ~50 ms a hash, which dominates a suite that logs many users in.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "web:login"
CSRF_FAILURE_VIEW = "jingzhi.web.errors.csrf_failure"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
# Login lockout (django-axes; accounts.lockout explains the rules): this many failures for one username (or
# LOCKOUT_IP_FAILURES from one client address) lock it for LOCKOUT_MINUTES after the latest failure.
JINGZHI_LOCKOUT_FAILURES = env.int("JINGZHI_LOCKOUT_FAILURES", default=5)
JINGZHI_LOCKOUT_MINUTES = env.int("JINGZHI_LOCKOUT_MINUTES", default=15)
# Reverse proxies in front of the app that append the peer address to X-Forwarded-For (core.clientip).
JINGZHI_TRUSTED_PROXIES = env.int("JINGZHI_TRUSTED_PROXIES", default=0)
AXES_HANDLER = "jingzhi.accounts.lockout.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = "jingzhi.accounts.lockout.failure_limit"
AXES_COOLOFF_TIME = "jingzhi.accounts.lockout.cool_off"
AXES_CLIENT_IP_CALLABLE = "jingzhi.core.clientip.client_ip"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a refused attempt neither counts nor extends the lock
AXES_RESET_ON_SUCCESS = False  # the backend clears the username's failures, never the address's
AXES_DISABLE_ACCESS_LOG = True  # successful logins are not kept; only failures matter here
AXES_VERBOSE = False
# The login forms say "locked, try again in N minutes" themselves, so axes' middleware (which would replace
# the page with its own response) is not installed.
_ALWAYS_SILENCED = ["axes.W002"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "jingzhi" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start when it is missing
STATICFILES_DIRS = []
try:
    import xstatic.pkg.leaflet as _leaflet

    STATICFILES_DIRS.append(("leaflet", _leaflet.BASE_DIR))
except ImportError:  # pragma: no cover - reported by the web app's system check
    pass
# Photos: the media root, or private S3-compatible object storage with JINGZHI_S3_BUCKET (profile.storage_config).
STORAGES = storage_config(env)
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("JINGZHI_MEDIA_ROOT", default=str(VAR_DIR / "media"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "jingzhi.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "jingzhi.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "jingzhi.api.errors.exception_handler",
    # DRF's parsers, refusing NUL characters and JSON nested deeper than JINGZHI_API_JSON_MAX_DEPTH.
    "DEFAULT_PARSER_CLASSES": [
        "jingzhi.api.parsers.JSONParser",
        "jingzhi.api.parsers.FormParser",
        "jingzhi.api.parsers.MultiPartParser",
    ],
}
JINGZHI_API_JSON_MAX_DEPTH = env.int("JINGZHI_API_JSON_MAX_DEPTH", default=32)
SPECTACULAR_SETTINGS = {
    "TITLE": "Jingzhi 精治 API",
    "DESCRIPTION": "城市精细化治理平台 REST API。坐标一律为 WGS84 经纬度；来自高德/腾讯地图的 GCJ-02 坐标须声明后换算。",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Map: base tiles are optional; with none the map still draws our own grids and streets.
JINGZHI_MAP_TILES = env.str("JINGZHI_MAP_TILES", default="none")  # none | osm | tianditu
JINGZHI_MAP_TILE_URL = env.str("JINGZHI_MAP_TILE_URL", default="")
JINGZHI_TIANDITU_KEY = env.str("JINGZHI_TIANDITU_KEY", default="")
# locate(): how far (metres) the nearest street may be from a point to be reported.
JINGZHI_STREET_SNAP_METRES = env.float("JINGZHI_STREET_SNAP_METRES", default=50.0)
JINGZHI_DEMO = env.bool("JINGZHI_DEMO", default=False)
JINGZHI_DEMO_CASES = env.int("JINGZHI_DEMO_CASES", default=300)
JINGZHI_DEMO_STREET_MONTHS = env.int("JINGZHI_DEMO_STREET_MONTHS", default=6)

# Tunables read by the apps (each app reads them with a default; the environment overrides here).
JINGZHI_LOCKOUT_IP_FAILURES = env.int("JINGZHI_LOCKOUT_IP_FAILURES", default=JINGZHI_LOCKOUT_FAILURES * 4)
JINGZHI_CALENDAR_RECHECK_SECONDS = env.float("JINGZHI_CALENDAR_RECHECK_SECONDS", default=30.0)
JINGZHI_GEO_SLIVER_M2 = env.float("JINGZHI_GEO_SLIVER_M2", default=1.0)
JINGZHI_LOCATE_RECHECK_SECONDS = env.float("JINGZHI_LOCATE_RECHECK_SECONDS", default=2.0)
JINGZHI_CASE_DESCRIPTION_MAX = env.int("JINGZHI_CASE_DESCRIPTION_MAX", default=4000)
JINGZHI_CASE_YELLOW_FRACTION = env.float("JINGZHI_CASE_YELLOW_FRACTION", default=0.8)
JINGZHI_CASE_MAX_EXTENSION_DAYS = env.int("JINGZHI_CASE_MAX_EXTENSION_DAYS", default=10)
JINGZHI_CASE_ESCALATE_RETURNS = env.int("JINGZHI_CASE_ESCALATE_RETURNS", default=2)
JINGZHI_CASE_MAX_REOPENS = env.int("JINGZHI_CASE_MAX_REOPENS", default=1)
JINGZHI_WHISTLE_LIMIT_MINUTES = env.int("JINGZHI_WHISTLE_LIMIT_MINUTES", default=30)
JINGZHI_OUTSIDE_FALLBACK_DISTRICT = env.str("JINGZHI_OUTSIDE_FALLBACK_DISTRICT", default="")
JINGZHI_MAX_UPLOAD_MB = env.float("JINGZHI_MAX_UPLOAD_MB", default=10)
JINGZHI_MAX_IMAGE_PIXELS = env.int("JINGZHI_MAX_IMAGE_PIXELS", default=40_000_000)
# What one request may upload in all (core.attachments.prepare_images), checked before any picture is decoded.
JINGZHI_MAX_REQUEST_UPLOAD_MB = env.float("JINGZHI_MAX_REQUEST_UPLOAD_MB", default=30)
JINGZHI_MAX_REQUEST_IMAGE_PIXELS = env.int("JINGZHI_MAX_REQUEST_IMAGE_PIXELS", default=120_000_000)
JINGZHI_SMS_BACKEND = env.str("JINGZHI_SMS_BACKEND", default="jingzhi.core.sms.ConsoleSmsBackend")
JINGZHI_NOTIFICATION_CHANNELS = tuple(
    env.list("JINGZHI_NOTIFICATION_CHANNELS", default=["inbox", "email", "sms"])
)
JINGZHI_SITE_URL = env.str("JINGZHI_SITE_URL", default="")
JINGZHI_SUGGEST_MIN_CASES = env.int("JINGZHI_SUGGEST_MIN_CASES", default=200)
JINGZHI_SUGGEST_MIN_PER_CATEGORY = env.int("JINGZHI_SUGGEST_MIN_PER_CATEGORY", default=20)
JINGZHI_SUGGEST_RETRAIN_EVERY = env.int("JINGZHI_SUGGEST_RETRAIN_EVERY", default=100)
JINGZHI_SUGGEST_MIN_PROBABILITY = env.float("JINGZHI_SUGGEST_MIN_PROBABILITY", default=0.15)
JINGZHI_OPEN311_JURISDICTION = env.str("JINGZHI_OPEN311_JURISDICTION", default="")
JINGZHI_OPEN311_RATE_LIMIT = env.int("JINGZHI_OPEN311_RATE_LIMIT", default=30)
# Rate limits per minute (core.ratelimit; 0 turns one off): reports from the web, the API and Open311 per user
# and per client address, login attempts per username and per client address.
JINGZHI_RATE_REPORTS_PER_USER = env.int("JINGZHI_RATE_REPORTS_PER_USER", default=10)
JINGZHI_RATE_REPORTS_PER_IP = env.int("JINGZHI_RATE_REPORTS_PER_IP", default=30)
JINGZHI_RATE_LOGINS_PER_USER = env.int("JINGZHI_RATE_LOGINS_PER_USER", default=10)
JINGZHI_RATE_LOGINS_PER_IP = env.int("JINGZHI_RATE_LOGINS_PER_IP", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="jingzhi@localhost")
# Background jobs (jingzhi.core.jobs): retries with exponential backoff, then "dead" for an administrator.
JINGZHI_JOB_MAX_ATTEMPTS = env.int("JINGZHI_JOB_MAX_ATTEMPTS", default=8)
JINGZHI_JOB_BACKOFF_SECONDS = env.float("JINGZHI_JOB_BACKOFF_SECONDS", default=30)
JINGZHI_JOB_BACKOFF_MAX_SECONDS = env.float("JINGZHI_JOB_BACKOFF_MAX_SECONDS", default=3600)
JINGZHI_JOBS_INLINE_GRACE_SECONDS = env.float("JINGZHI_JOBS_INLINE_GRACE_SECONDS", default=60)
# Audit chain (jingzhi.core.audit): HMAC key outside the database, old keys for rows sealed before a
# rotation, and the directory of signed head checkpoints written by `jingzhi audit anchor`.
JINGZHI_AUDIT_KEY = audit_key(env, VAR_DIR)
JINGZHI_AUDIT_OLD_KEYS = env.list("JINGZHI_AUDIT_OLD_KEYS", default=[])
JINGZHI_AUDIT_ANCHOR_DIR = env.str("JINGZHI_AUDIT_ANCHOR_DIR", default=str(VAR_DIR / "audit-anchors"))

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# HTTPS switch (JINGZHI_HTTPS=1): SSL redirect, HSTS, Secure cookies; JINGZHI_PROXY_SSL_HEADER behind a proxy.
# profile.https_config says which settings and why; docs/security.md says how each is tested.
_https = https_config(env)
JINGZHI_HTTPS = _https["JINGZHI_HTTPS"]
SECURE_PROXY_SSL_HEADER = _https["SECURE_PROXY_SSL_HEADER"]
SECURE_SSL_REDIRECT = _https["SECURE_SSL_REDIRECT"]
SECURE_HSTS_SECONDS = _https["SECURE_HSTS_SECONDS"]
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
SECURE_HSTS_PRELOAD = _https["SECURE_HSTS_PRELOAD"]
SESSION_COOKIE_SECURE = _https["SESSION_COOKIE_SECURE"]
CSRF_COOKIE_SECURE = _https["CSRF_COOKIE_SECURE"]
LANGUAGE_COOKIE_SECURE = _https["LANGUAGE_COOKIE_SECURE"]
# A deploy warning the operator has weighed and accepted (e.g. jingzhi.W001 before the holiday notice is out).
SILENCED_SYSTEM_CHECKS = [
    *_ALWAYS_SILENCED,
    *_https["SILENCED_SYSTEM_CHECKS"],
    *env.list("JINGZHI_SILENCED_CHECKS", default=[]),
]

# Content-Security-Policy on every response (django-csp 4): scripts and styles only from our own static
# files, no inline script, no external host. jingzhi.web.csp adds the configured map tile server to img-src
# and loosens the two API documentation pages, whose third-party viewers need inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "upgrade-insecure-requests": JINGZHI_HTTPS,
    }
}
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

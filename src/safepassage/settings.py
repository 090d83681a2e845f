"""Django settings: SQLite (WAL) by default, PostgreSQL through DATABASE_URL."""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("SAFEPASSAGE_DATA_DIR", Path.cwd() / "var")).resolve()

# --- Debug, keys, HTTPS (README "Configuration" and "Production settings") ---
# Debug pages show settings, tracebacks and every URL pattern: only when asked for.
DEBUG = os.environ.get("SAFEPASSAGE_DEBUG", "0") == "1"
SECRET_KEY_FILE = DATA_DIR / "secret_key"
FIELD_KEY_FILE = DATA_DIR / "field_key"


def _key(env: str, path: Path) -> str:
    """A key from the environment, else from its file in the data directory (`safepassage init_keys`)."""
    value = os.environ.get(env, "").strip()
    if value:
        return value
    try:
        return path.read_text().strip()
    except OSError:
        return ""


# Without either, a known development key, which `safepassage check --deploy` refuses.
SECRET_KEY = _key("SAFEPASSAGE_SECRET_KEY", SECRET_KEY_FILE) or "dev-only-insecure-key-change-me-in-production"
# safepassage.crossings.crypto reads SAFEPASSAGE_FIELD_KEY (comma-separated: the first encrypts, all decrypt).
if _field_key := _key("SAFEPASSAGE_FIELD_KEY", FIELD_KEY_FILE):
    os.environ.setdefault("SAFEPASSAGE_FIELD_KEY", _field_key)
ALLOWED_HOSTS = os.environ.get("SAFEPASSAGE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

# Behind HTTPS: Secure cookies and a redirect of plain HTTP; HSTS for that many seconds (0: none).
HTTPS = os.environ.get("SAFEPASSAGE_HTTPS", "0") == "1"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("SAFEPASSAGE_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
# A reverse proxy that ends TLS says so in X-Forwarded-Proto; trust it only behind such a proxy.
if os.environ.get("SAFEPASSAGE_PROXY_SSL_HEADER", "0") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Joining the browsers' HSTS preload list is the domain owner's decision, not a setting of this product.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Request bodies: the JSON API's limit (413 above it); a route may have its own (by its URL name).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("SAFEPASSAGE_API_MAX_BODY", str(2_621_440)))
SAFEPASSAGE_ROUTE_MAX_BODY: dict[str, int] = {}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # /api/docs from ninja's own copy of Swagger UI, not a CDN
    "safepassage.core",
    "safepassage.accounts",
    "safepassage.audit",
    "safepassage.places",
    "safepassage.corridors",
    "safepassage.pauses",
    "safepassage.incidents",
    "safepassage.deconfliction",
    "safepassage.convoys",
    "safepassage.crossings",
    "safepassage.servicepoints",
    "safepassage.plans",
    "safepassage.agreements",
    "safepassage.reports",
    "safepassage.web",
    # Sign-in controls (see "Sign-in controls" below): second factors and login throttling.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",  # after safepassage.accounts, whose audited axes_reset* commands replace axes' own
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): a second factor in this session
    "safepassage.accounts.middleware.SecondFactorRequiredMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: answers locked-out sign-ins
]

ROOT_URLCONF = "safepassage.urls"
WSGI_APPLICATION = "safepassage.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"

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
                "safepassage.web.context.principal",
            ],
        },
    },
]


def _database_config() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_max_age=60)
        # One test database per checkout, so two checkouts on one server never drop each other's.
        checkout = hashlib.sha256(str(PACKAGE_DIR).encode()).hexdigest()[:8]
        config["TEST"] = {"NAME": f"test_safepassage_{checkout}"}
        return config
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SAFEPASSAGE_SQLITE", str(DATA_DIR / "safepassage.sqlite3")),
        # WAL lets readers go on while one writer commits; IMMEDIATE avoids
        # the deadlock of two readers upgrading to writers at once.
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        },
        # A file, not Django's default in-memory database, so that tests with threads (concurrent
        # acknowledgements, retries) see one database, as the real server does.
        # One per test process, so that two runs in one checkout never share it.
        "TEST": {"NAME": str(DATA_DIR / f"test-safepassage-{os.getpid()}.sqlite3")},
        # Keep each server thread's connection, as for PostgreSQL: opening one runs the PRAGMAs again.
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
    }


DATABASES = {"default": _database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ar", _("Arabic")), ("fr", _("French")), ("ru", _("Russian"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# Per-language number formats that differ from Django's (Arabic: Western digits, decimal point).
FORMAT_MODULE_PATH = ["safepassage.formats"]
USE_I18N = True
TIME_ZONE = "UTC"
# the operation's local time zone: its days, opening hours and letters (times are stored in UTC)
OPERATION_TIME_ZONE = os.environ.get("SAFEPASSAGE_TIME_ZONE", "Asia/Damascus")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise serves from it (and the finders)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Sign-in controls (OWASP ASVS 4.0 level 2, chapters 2 and 3).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes checks every password sign-in first (the login page and the admin's): after
# SAFEPASSAGE_LOGIN_FAILURE_LIMIT failures for one account, or from one address, further tries are
# refused until SAFEPASSAGE_LOGIN_LOCKOUT_MINUTES pass (0: until an admin unlocks). API tokens are
# not password sign-ins and are not counted.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("SAFEPASSAGE_LOGIN_FAILURE_LIMIT", "5"))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own: per account and per address
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("SAFEPASSAGE_LOGIN_LOCKOUT_MINUTES", "30"))) or None
AXES_LOCKOUT_TEMPLATE = "web/login_locked.html"
# Behind reverse proxies, the client's address is read from X-Forwarded-For, trusting this many of them.
SAFEPASSAGE_PROXY_COUNT = int(os.environ.get("SAFEPASSAGE_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "safepassage.accounts.addresses.client_address"
AXES_VERBOSE = False
# A signed-in session ends after SAFEPASSAGE_SESSION_MINUTES without a request (default 30).
SESSION_COOKIE_AGE = int(os.environ.get("SAFEPASSAGE_SESSION_MINUTES", "30")) * 60
SESSION_SAVE_EVERY_REQUEST = True
# Roles that must confirm a second factor (TOTP or a recovery code) in every signed-in session.
SAFEPASSAGE_SECOND_FACTOR_ROLES = ("admin", "coordinator", "medical_officer")
OTP_TOTP_ISSUER = "Safe Passage"
# API tokens expire after this many days unless their issuer says otherwise.
SAFEPASSAGE_TOKEN_DAYS = int(os.environ.get("SAFEPASSAGE_TOKEN_DAYS", "90"))

NINJA_PAGINATION_MAX_LIMIT = 1000

# Content-Security-Policy (django-csp): scripts, styles, images and calls only from this site; no inline
# script or style, no eval, no plugins, not framed. Stored text is escaped everywhere; this stops the next slip.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# Evidence files (incidents): stored by SHA-256 through the default storage (local disk under the data
# dir; an S3-compatible store with django-storages: set STORAGES["default"]). Larger uploads get a 413.
MEDIA_ROOT = DATA_DIR / "media"
SAFEPASSAGE_EVIDENCE_MAX_BYTES = int(os.environ.get("SAFEPASSAGE_EVIDENCE_MAX_BYTES", 1 << 30))
SAFEPASSAGE_ROUTE_MAX_BODY["upload_evidence"] = SAFEPASSAGE_EVIDENCE_MAX_BYTES  # streamed, hashed as it arrives
# Hazards warn the corridors within this distance while in one of these statuses (issue 18 item 5).
SAFEPASSAGE_HAZARDS_IN_FORCE = tuple(os.environ.get("SAFEPASSAGE_HAZARDS_IN_FORCE", "reported,confirmed").split(","))
SAFEPASSAGE_HAZARD_BUFFER_M = float(os.environ.get("SAFEPASSAGE_HAZARD_BUFFER_M", "200"))
# The map page checks the pauses this often, and redraws its layers when they changed (no reload).
SAFEPASSAGE_MAP_REFRESH_SECONDS = int(os.environ.get("SAFEPASSAGE_MAP_REFRESH_SECONDS", "30"))

# Road network for planning: an .osm.pbf, a GeoJSON of lines, or a cached network file.
# Without it, plans run on the district graph built from the areas in the database.
SAFEPASSAGE_ROAD_NETWORK = os.environ.get("SAFEPASSAGE_ROAD_NETWORK", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SAFEPASSAGE_LOG_LEVEL", "WARNING")},
}

# Background work (django-tasks). The database backend is the default: `safepassage worker` runs it
# beside the server. SAFEPASSAGE_TASKS_BACKEND=rq puts the queue on Redis (SAFEPASSAGE_REDIS_URL) for
# deployments with workers on several machines; the worker command is the same.
SAFEPASSAGE_TASKS_BACKEND = os.environ.get("SAFEPASSAGE_TASKS_BACKEND", "db")
SAFEPASSAGE_REDIS_URL = os.environ.get("SAFEPASSAGE_REDIS_URL", "redis://127.0.0.1:6379/0")
INSTALLED_APPS += ["django_tasks", "django_tasks_db", "django_rq", "django_tasks_rq", "safepassage.jobs"]
TASKS = {
    "default": {
        "BACKEND": {"db": "django_tasks_db.DatabaseBackend", "rq": "django_tasks_rq.RQBackend"}[
            SAFEPASSAGE_TASKS_BACKEND],
        "QUEUES": ["default"],
    }
}
RQ_QUEUES = {"default": {"URL": SAFEPASSAGE_REDIS_URL}}
# Periodic jobs, enqueued by `safepassage worker` once per due time (safepassage.jobs.schedules):
# "every_minutes": N, or "daily_at": "HH:MM" in the operation's time zone; optional "kwargs".
SAFEPASSAGE_SCHEDULES = {
    "deadline_sweep": {"task": "safepassage.deconfliction.tasks.record_no_answers", "every_minutes": 5},
    "medevac_purge": {"task": "safepassage.crossings.tasks.purge_medevac_identifying", "daily_at": "03:30"},
    "driver_names_purge": {"task": "safepassage.convoys.tasks.purge_driver_names", "daily_at": "03:40"},
    "source_identity_purge": {"task": "safepassage.incidents.tasks.purge_source_identities", "daily_at": "03:45"},
    "account_purge": {"task": "safepassage.accounts.tasks.purge_deactivated_accounts", "daily_at": "03:50"},
    "sign_in_records": {"task": "safepassage.accounts.tasks.clear_sign_in_records", "daily_at": "03:55"},
    "daily_bulletin": {"task": "safepassage.reports.tasks.publish_bulletin", "daily_at": "06:00"},
}

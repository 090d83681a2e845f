"""Django settings: SQLite (WAL) by default, PostgreSQL through DATABASE_URL."""

from __future__ import annotations

import hashlib
import os
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
    "safepassage.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "safepassage.core.middleware.PageMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
        # Parameters bound by the server (psycopg 3), and statements prepared once they have run
        # five times on a connection (Django turns psycopg's preparing off unless told): the count
        # intake's statements are planned once rather than on every run, which halved the server's
        # time per statement in benchmarks/bench_ingest.py. Behind a pooler in transaction mode,
        # use PgBouncer 1.21 or later (it tracks prepared statements), or SAFEPASSAGE_PG_PREPARE=off.
        options = config.setdefault("OPTIONS", {})
        options["server_side_binding"] = True
        options["prepare_threshold"] = None if os.environ.get("SAFEPASSAGE_PG_PREPARE") == "off" else 5
        # ...but each run planned for its own values (custom plans). PostgreSQL otherwise settles on a
        # generic plan after five runs of a prepared statement, chosen for the table as it was then: a
        # sequential scan while the counts table was small, kept as it grew (the intake's look-up of
        # stored twins read 12-15 million rows in 20 s of benchmarks/bench_ingest.py's load, and the
        # database's CPU per submission rose from 0.42 to 0.63-0.74 ms). Statements are still parsed once.
        # PgBouncer refuses this startup option unless told to ignore it: behind it, set
        # SAFEPASSAGE_PG_PREPARE=off (then nothing is prepared, and every run is planned anyway).
        if options["prepare_threshold"] is not None:
            options["options"] = " ".join(filter(None, [options.get("options"), "-c plan_cache_mode=force_custom_plan"]))
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
        # Keep each server thread's connection (as for PostgreSQL): opening one and running the
        # PRAGMAs cost more than a whole count submission.
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
    }


DATABASES = {"default": _database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ar", _("Arabic")), ("fr", _("French")), ("ru", _("Russian"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
]

NINJA_PAGINATION_MAX_LIMIT = 1000

# Road network for planning: an .osm.pbf, a GeoJSON of lines, or a cached network file.
# Without it, plans run on the district graph built from the areas in the database.
SAFEPASSAGE_ROAD_NETWORK = os.environ.get("SAFEPASSAGE_ROAD_NETWORK", "")

# The intake lane answers plain single count submissions without Django's per-request work
# (safepassage.crossings.lane); "off" sends them through Django like every other request.
SAFEPASSAGE_INTAKE_LANE = os.environ.get("SAFEPASSAGE_INTAKE_LANE", "on") != "off"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SAFEPASSAGE_LOG_LEVEL", "WARNING")},
}

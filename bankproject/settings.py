"""Settings for the bank, read from environment variables with safe defaults.

DATABASE_URL        where events and read models live (default: a SQLite file in var/)
DJANGO_SECRET_KEY   required when DJANGO_DEBUG is off
DJANGO_DEBUG        "1" for development pages with tracebacks (default: off)
DJANGO_ALLOWED_HOSTS  comma-separated host names (default: localhost names)
BANK_IDLE_MINUTES   a login ends after this many minutes without a page (default: 30)
BANK_STATIC_ROOT    where collectstatic puts the static files (default: var/static)
BANK_TIME_ZONE      the bank's time zone, for every date shown (default: Europe/London)
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for development).")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if host.strip()
]


INSTALLED_APPS = [
    "bankproject.apps.BankAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: runserver then serves files as the deployed site does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "eventsourcing_django",
    "django_prometheus",
    "infrastructure",
    "bankproject",
    "accounts",
    "sagas",
    "audit",
    "axes",
    "csp",
]

# The system the worker's commands (runsystem, rebuild_read_models, systemstatus) run:
# a callable taking read_models that returns an eventsourcing System. (The partitioned
# prototype, bankproject.partitions.PartitionedBankAccountSystem, is for benchmarks.)
BANK_SYSTEM = os.environ.get("BANK_SYSTEM", "bankproject.system.BankAccountSystem")

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The site serves its own static files (gunicorn serves none): compressed, under
    # content-hashed names cached for good.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Around every response but axes' lockout page, so that it is counted as sent.
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: it refuses a locked-out username before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Password guessing: ten failures for one username from one address lock that
# pair for 15 minutes (or until `manage.py axes_reset_username NAME`), on the
# teller login and the admin login alike. Every failure and every login is kept
# for staff to read in the admin.
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_RESET_ON_SUCCESS = True

# Pages run only the site's own scripts and styles (no inline ones), and no other
# site may frame them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
    }
}

# A login ends after this long without a page: every page moves its expiry on.
SESSION_COOKIE_AGE = int(os.environ.get("BANK_IDLE_MINUTES", "30")) * 60
SESSION_SAVE_EVERY_REQUEST = True

ROOT_URLCONF = "bankproject.urls"

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
                "accounts.roles.role",
            ],
        },
    },
]

WSGI_APPLICATION = "bankproject.wsgi.application"


def database_from_url(url: str) -> dict:
    database = dj_database_url.parse(url)
    engine = database["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        # IMMEDIATE: a writer takes the lock when its transaction begins, so
        # concurrent writers wait for each other instead of failing mid-way.
        database["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 30}
        # A file, not Django's default in-memory test database, so that
        # worker processes and threads share the test database.
        name = Path(database["NAME"])
        database["TEST"] = {"NAME": str(name.with_name("test_" + name.name))}
    elif engine == "django.db.backends.mysql":
        database["OPTIONS"] = {
            "charset": "utf8mb4",
            "isolation_level": "read committed",
        }
        database["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
    return database


DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    VAR_DIR.mkdir(exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'bank.sqlite3'}"
DATABASES = {"default": database_from_url(DATABASE_URL)}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("BANK_TIME_ZONE", "Europe/London")
FORMAT_MODULE_PATH = ["bankproject.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Filled by `manage.py collectstatic`, which the run command and the production steps run.
STATIC_ROOT = Path(os.environ.get("BANK_STATIC_ROOT", VAR_DIR / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BANK_LOG_LEVEL", "INFO")},
    # django-axes logs every login at INFO; failures and lockouts come at WARNING.
    "loggers": {"axes": {"level": "WARNING"}},
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env_flag("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_flag("DJANGO_SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_SSL_REDIRECT = env_flag("DJANGO_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

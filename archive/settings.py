"""Settings for the news archive: the one module that reads the environment.

Every value comes from an environment variable (or a ``.env`` file beside
manage.py); production differs from development only by those values. See the
README's "Configuration" table and ``.env.example``.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv
from psycopg.conninfo import conninfo_to_dict

BASE_DIR = Path(__file__).resolve().parent.parent

# Real environment variables win over .env, so CI and production can override it.
load_dotenv(BASE_DIR / ".env", override=False)

import os  # noqa: E402  (read after .env is loaded)


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=False)

# A development key is only acceptable while DEBUG is explicitly on.
SECRET_KEY = env("DJANGO_SECRET_KEY")
if SECRET_KEY is None:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required unless DJANGO_DEBUG=1; `make run` writes one to .env."
        )
    SECRET_KEY = "django-insecure-development-only-key"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "archive.apps.ArchiveAdminConfig",  # Django's admin, with sign-ins throttled (archive.admin_site)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django_filters",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "archive.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "archive.middleware.DatabaseUnavailableMiddleware",  # 503 + Retry-After while the database is down
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "articles.paths.RoutesPerRequestMiddleware",  # pages' links without asking Django's request state each time
]

ROOT_URLCONF = "archive.urls"
WSGI_APPLICATION = "archive.wsgi.application"

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


# Database: DATABASE_URL when set, otherwise the embedded PostgreSQL in .pgdata/.
def database_settings(url: str) -> dict:
    params = conninfo_to_dict(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": params.pop("dbname", ""),
        "USER": params.pop("user", ""),
        "PASSWORD": params.pop("password", ""),
        "HOST": params.pop("host", ""),
        "PORT": params.pop("port", ""),
        "OPTIONS": params,  # anything else in the URL, e.g. sslmode
        # Persistent connections, checked before reuse so a restarted server is survived.
        "CONN_MAX_AGE": int(env("DATABASE_CONN_MAX_AGE", "60")),
        "CONN_HEALTH_CHECKS": True,
    }


DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL is None:
    from archive.embedded_db import embedded_database_url

    # Unset: a quarter of this machine's memory (archive.embedded_db.server_settings).
    shared_buffers_mb = env("EMBEDDED_SHARED_BUFFERS_MB")
    DATABASE_URL = embedded_database_url(
        Path(env("EMBEDDED_PGDATA", str(BASE_DIR / ".pgdata"))),
        shared_buffers_mb=int(shared_buffers_mb) if shared_buffers_mb else None,
    )

DATABASES = {"default": database_settings(DATABASE_URL)}
# Lets two test runs share one server without dropping each other's test database.
if test_database_name := env("DJANGO_TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": test_database_name}

# Read replicas: streaming standbys of DATABASE_URL, comma-separated. Public pages, search and the
# API read from one of them per request; writes, the admin and commands use the primary
# (archive.routers). A replica that does not answer within its connect timeout (the URL's
# connect_timeout, else the one below) is left out for DATABASE_REPLICA_RETRY_SECONDS.
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS", "")
DATABASE_REPLICA_CONNECT_TIMEOUT_SECONDS = 2  # libpq's shortest: it takes 1 as 2
DATABASE_REPLICA_RETRY_SECONDS = int(env("DATABASE_REPLICA_RETRY_SECONDS", "10"))
for number, replica_url in enumerate(DATABASE_REPLICA_URLS, start=1):
    replica = database_settings(replica_url)
    replica["OPTIONS"].setdefault("connect_timeout", DATABASE_REPLICA_CONNECT_TIMEOUT_SECONDS)
    # Tests use the primary's test database alone: a standby can create none, and holds the same rows.
    replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica_{number}"] = replica
DATABASE_ROUTERS = ["archive.routers.ReplicaRouter"]
# What a 503 answered while the database cannot be reached tells clients to wait (archive.middleware).
DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS = int(env("DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS", "30"))
# Innermost, to cover the view and its template; it removes itself when there are no replicas.
MIDDLEWARE.append("archive.routers.ReplicaReadsMiddleware")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# The archive's name wherever it names itself to machines: citations, feeds, link previews.
ARCHIVE_NAME = "News archive"

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Security: safe by default; HTTPS-only settings switch on with DJANGO_HTTPS=1.
HTTPS = env_bool("DJANGO_HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# Behind a proxy, the scheme and the client's address come from the headers it sets.
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (archive.csp; Django 6.0's setting, in its shape). The pages load
# nothing from elsewhere and have no inline script or style, so the policy allows only the site.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "upgrade-insecure-requests": HTTPS,
}

# The admin: where it lives (not secret, but moving it off /admin/ keeps most scanners away),
# and how many failed sign-ins from one address lock a user name out, and for how long
# (archive.admin_site). Ten times as many, for any user names, lock the address out.
ADMIN_PATH = env("DJANGO_ADMIN_PATH", "admin/").strip("/") + "/"
if ADMIN_PATH == "/":
    raise ImproperlyConfigured("DJANGO_ADMIN_PATH must not be empty: the site's pages live at /.")
ADMIN_LOGIN_FAILURE_LIMIT = int(env("DJANGO_ADMIN_LOGIN_FAILURE_LIMIT", "5"))
ADMIN_LOGIN_LOCKOUT_SECONDS = int(env("DJANGO_ADMIN_LOGIN_LOCKOUT_SECONDS", "900"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "WARNING")},
}

# Public pages and the search page's counts, cached until the archive changes (articles.caching);
# 0 turns the cache off. In files, so the server's worker processes share one cache: a page is
# built once, not once per worker (archive.filecache).
ARCHIVE_CACHE_SECONDS = int(env("ARCHIVE_CACHE_SECONDS", "3600"))
# How long a search's counts kept by segment last unread (articles.caching.by_segment): they stay
# right as the archive changes, each reader after a change counting again only what changed, so
# they outlive the pages. Each reading that finds them current starts this time again.
ARCHIVE_COUNTS_KEPT_SECONDS = int(env("ARCHIVE_COUNTS_KEPT_SECONDS", str(7 * 24 * 3600)))
CACHES = {
    "default": {
        "BACKEND": "archive.filecache.ArchiveFileCache",
        "LOCATION": env("ARCHIVE_CACHE_DIR", str(BASE_DIR / ".cache")),
        "OPTIONS": {"MAX_ENTRIES": int(env("ARCHIVE_CACHE_ENTRIES", "2000"))},
    }
}

# How many articles the import command writes per transaction (see articles.services).
ARCHIVE_IMPORT_BATCH_SIZE = int(env("ARCHIVE_IMPORT_BATCH_SIZE", "500"))

"""Django settings, read from the environment (see .env.example for every variable)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from minsheng.lib.env import env_bool, env_int, env_list, env_str, env_url, load_env_file

BASE_DIR = Path(__file__).resolve().parent.parent
load_env_file(BASE_DIR / ".env")

DEBUG = env_bool("MINSHENG_DEBUG", False)
SECRET_KEY = env_str("MINSHENG_SECRET_KEY", "dev-insecure-key-change-me" if DEBUG else None)
# Field encryption keys (Fernet, urlsafe base64 of 32 bytes). The first encrypts; all decrypt, so a
# key can be rotated by prepending a new one and re-saving rows.
FIELD_ENCRYPTION_KEYS = env_list("MINSHENG_FIELD_KEYS", [])
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "MINSHENG_FIELD_KEYS is required: run `make setup` to generate .env, or see .env.example"
    )
# Links sent to citizens by SMS (return visits) start with this.
PUBLIC_BASE_URL = env_str("MINSHENG_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env_list("MINSHENG_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("MINSHENG_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "huey.contrib.djhuey",
    "captcha",
    "minsheng.core",
    "minsheng.sites",
    "minsheng.accounts",
    "minsheng.cases",
    "minsheng.notifications",
    "minsheng.portal",
    "minsheng.workbench",
    "minsheng.reports",
    "minsheng.metrics",
    "minsheng.opinion",
    "minsheng.routing",
    "minsheng.knowledge",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "minsheng.core.middleware.PortalLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "minsheng.core.middleware.RatelimitedMiddleware",
]

ROOT_URLCONF = "minsheng.urls"
WSGI_APPLICATION = "minsheng.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "workbench:login"
LOGIN_REDIRECT_URL = "workbench:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "minsheng" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "minsheng.workbench.context.staff_notices",
            ],
        },
    },
]

DATA_DIR = Path(env_str("MINSHENG_DATA_DIR", str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'minsheng.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker write while web requests read; IMMEDIATE avoids "database is locked"
    # upgrades from read to write transactions under concurrency. SQLite has one writer at a time:
    # a writer waits up to `timeout` seconds for the lock, then fails. The worker's longest writes
    # (a topic refit, a report) take seconds on a busy machine, and failing would cost a citizen's
    # submission a 500 or a periodic task its run: wait longer (docs/operations.md).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("MINSHENG_SQLITE_TIMEOUT", 20, minimum=1),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles the queue counts on every request and costs more than the query
    # itself (0.5–1.6 s measured on 1M cases, docs/performance.md); these are short OLTP queries.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    HUEY = {"huey_class": "huey.PriorityRedisHuey", "name": "minsheng", "url": REDIS_URL, "immediate": False}
else:
    # The database cache is shared by every web process and the worker, unlike locmem: rate limits
    # and the worker heartbeat must agree across processes.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "minsheng_cache"}
    }
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "minsheng",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": False,
    }
HUEY["consumer"] = {"workers": env_int("MINSHENG_WORKERS", 2, minimum=1), "worker_type": "thread"}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "minsheng" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "minsheng" / "static"]
MEDIA_ROOT = Path(env_str("MINSHENG_MEDIA_ROOT", str(DATA_DIR / "media")))
MEDIA_URL = "/media/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("MINSHENG_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

EMAIL_BACKEND = env_str("MINSHENG_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = DATA_DIR / "outbox" / "email"
EMAIL_HOST = env_str("MINSHENG_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("MINSHENG_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("MINSHENG_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("MINSHENG_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("MINSHENG_EMAIL_TLS", False)
# A hung mail server must not hold a worker thread (and its database transaction) for ever.
EMAIL_TIMEOUT = env_int("MINSHENG_EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("MINSHENG_FROM_EMAIL", "minsheng@localhost")
# "console", "file" or "http" (see minsheng/notifications/sms.py)
SMS_BACKEND = env_str("MINSHENG_SMS_BACKEND", "file")
SMS_FILE_PATH = DATA_DIR / "outbox" / "sms"
SMS_HTTP_URL = env_str("MINSHENG_SMS_HTTP_URL", "")
SMS_HTTP_TOKEN = env_str("MINSHENG_SMS_HTTP_TOKEN", "")
# The gateway is reached directly unless a proxy is named here: the process's http_proxy/https_proxy
# variables are ignored for it (see minsheng/notifications/sms.py).
SMS_HTTP_PROXY = env_url("MINSHENG_SMS_HTTP_PROXY", "")

# Public intake limits
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = env_int("MINSHENG_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 60 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
RATE_SUBMIT = env_str("MINSHENG_RATE_SUBMIT", "10/h")
RATE_TRACK = env_str("MINSHENG_RATE_TRACK", "20/h")
RATE_LOGIN = env_str("MINSHENG_RATE_LOGIN", "20/h")
RATELIMIT_VIEW = "minsheng.core.views.ratelimited"
CAPTCHA_IMAGE_SIZE = (120, 40)
CAPTCHA_LENGTH = 4
CAPTCHA_TEST_MODE = env_bool("MINSHENG_CAPTCHA_TEST_MODE", False)
SILENCED_SYSTEM_CHECKS: list[str] = []

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("MINSHENG_LOG_LEVEL", "INFO")},
    "loggers": {"jieba": {"level": "WARNING"}},
}

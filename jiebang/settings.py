"""One settings module; every deployment difference comes from the environment."""

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from jiebang.env import database_from_url, env_bool, env_int, env_str, uploads_storage

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me")
# Off unless asked for: `make run` turns it on for the demo, production never does.
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_str("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "audit",
    "regions",
    "accounts",
    "jobs",
    "proposals",
    "merging",
    "review",
    "lists",
    "claims",
    "tasks",
    "evaluation",
    "promotion",
    "overview",
    "api",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "notifications",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "jiebang.urls"
WSGI_APPLICATION = "jiebang.wsgi.application"

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
                "django.template.context_processors.i18n",
                "jiebang.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed logins allowed per account within the window before it is locked for that window.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW_MINUTES = env_int("LOGIN_FAILURE_WINDOW_MINUTES", 15)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# `collectstatic` gathers the files here; `make run-prod` serves them from here with WhiteNoise.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
# On once `collectstatic` has filled STATIC_ROOT (`make run-prod` does both): WhiteNoise serves
# the files from the app servers themselves, under names carrying a hash of their content,
# compressed, with a far-future Cache-Control. Off (the default: tests, `make run`, runserver
# --insecure) the files keep their plain names and need no collectstatic.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", False)
if STATIC_MANIFEST:
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

# Uploads (attachments, job inputs and results) on shared storage when several app servers run
# (README.md, "Several machines"): an S3-compatible bucket when S3_BUCKET is set (AWS, MinIO,
# Ceph...; S3_ENDPOINT_URL for a server other than AWS's, S3_REGION, S3_PREFIX; the keys are
# boto3's own AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, read from the environment).
# The bucket stays private: every download is streamed by a view that checks the user's
# rights first (jiebang/urls.py), so no bucket URL is ever handed out. Else MEDIA_ROOT, which
# must then be one shared folder (NFS) for more than one machine.
UPLOADS_STORAGE = uploads_storage(
    bucket=env_str("S3_BUCKET", ""),
    endpoint_url=env_str("S3_ENDPOINT_URL", ""),
    region=env_str("S3_REGION", ""),
    prefix=env_str("S3_PREFIX", ""),
)
STORAGES = {
    "default": UPLOADS_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# The cache, shared by every gunicorn worker and every app server: Redis when REDIS_URL is
# set (`make run-prod` sets it when Redis answers), else a table of the database when
# CACHE_IN_DATABASE is on (`make run-prod` without Redis; `manage.py createcachetable` makes
# it). Without either (development, tests) each process has its own memory cache.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "jiebang"),
        }
    }
elif env_bool("CACHE_IN_DATABASE", False):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "jiebang_cache",
        }
    }

# Uploaded attachments: size cap and the types an official file may have.
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024

# Background jobs run on django-tasks: its database backend keeps the queue in the app's own
# database (SQLite or PostgreSQL), and any number of `manage.py run_jobs` workers, on any number
# of machines, take tasks from it. Tests run jobs inline once the transaction commits.
TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
JOBS_RUN_INLINE = env_bool("JOBS_RUN_INLINE", False)
# A running job's worker shows it is alive this often; a job silent for JOBS_ABANDONED_AFTER
# seconds is taken for abandoned (its worker died) and queued again or failed (jobs.services).
# Longer than any one write transaction on SQLite, which holds the heartbeat back meanwhile.
JOBS_HEARTBEAT_SECONDS = env_int("JOBS_HEARTBEAT_SECONDS", 20)
JOBS_ABANDONED_AFTER = env_int("JOBS_ABANDONED_AFTER", 300)

PAGE_SIZE = env_int("PAGE_SIZE", 20)

# Sessions live in the database (Django's default, stated here because production relies on
# it): an app server keeps no state, so any of several behind a load balancer can answer.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
# Behind a load balancer that terminates HTTPS (README.md, "Production on one machine"): trust
# its X-Forwarded-Proto, so that requests count as secure (CSRF's origin check passes) and the
# cookies are sent over HTTPS only.
BEHIND_HTTPS_PROXY = env_bool("BEHIND_HTTPS_PROXY", False)
if BEHIND_HTTPS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = False
# A form posted from an expired page gets the site's own page saying to reload and resend.
CSRF_FAILURE_VIEW = "jiebang.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"

# Reminders go out by e-mail as well as in the app. Without a mail server (the default on a
# developer's machine) messages are written as files under var/mail.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "jiebang@localhost")
# Remind implementers this many days before a report or milestone falls due.
REMINDER_DAYS_AHEAD = env_int("REMINDER_DAYS_AHEAD", 7)

# A mail server that accepts the connection and then stalls must not hold the worker: give up
# on a message after this many seconds (it is tried again later).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# The address users reach the site at, for the links in e-mails (pages use paths only).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

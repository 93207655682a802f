"""One settings module; every deployment difference comes from the environment."""

from pathlib import Path

from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

from jiebang.env import (
    DEVELOPMENT_SECRET_KEY,
    database_from_url,
    env_bool,
    env_int,
    env_str,
    refuse_insecure_production,
    uploads_storage,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# Production mode (PRODUCTION=1, which `make run-prod` sets): the app refuses to start with
# DEBUG on or without a secret key of its own, and its defaults are those of a site served over
# HTTPS behind a proxy (BEHIND_HTTPS_PROXY below). Off (`make run`, the tests) it signs with the
# public development key.
PRODUCTION = env_bool("PRODUCTION", False)
SECRET_KEY = env_str("SECRET_KEY", "" if PRODUCTION else DEVELOPMENT_SECRET_KEY)
# Off unless asked for: `make run` turns it on for the demo, production never does.
DEBUG = env_bool("DEBUG", False)
if PRODUCTION:
    refuse_insecure_production(debug=DEBUG, secret_key=SECRET_KEY)
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
    "ops",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
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
    # A full disk met by an upload answers a page that says so, not a 500 (kernel.uploads).
    "kernel.uploads.StorageFailedMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
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

# DB_CONN_MAX_AGE: seconds a connection serves further requests; each is tested before reuse,
# so a restarted database costs no request beyond those in flight. In production 60: a new
# PostgreSQL connection costs a request about 5 ms and a backend whose catalogue caches start
# cold, for every page of every user (docs/benchmarks.md). Else 0, one per request, because
# the development server's threads would leave theirs open.
DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60 if PRODUCTION else 0),
    )
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
# Account names that may fail to log in from one client address within the window before every
# login from that address is refused for the window (平台规则; accounts.services).
LOGIN_ADDRESS_NAME_LIMIT = env_int("LOGIN_ADDRESS_NAME_LIMIT", 10)
# The client address is REMOTE_ADDR. Behind reverse proxies that append to X-Forwarded-For (the
# HTTPS proxy of "Several machines" in README.md), set how many there are: the address is then
# read from the header, that many entries from its right end. 0 (the default) ignores the
# header, which any client can write; behind a proxy that leaves every visitor with the
# proxy's address, so one person trying names would lock everyone out.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

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
# Platform rule (平台规则): a finished job's uploaded input (an imported workbook) is deleted
# this many days after the job ended; the job and its row errors stay (jobs.retention).
JOBS_INPUT_RETENTION_DAYS = env_int("JOBS_INPUT_RETENTION_DAYS", 30)

PAGE_SIZE = env_int("PAGE_SIZE", 20)

# Sessions live in the database: an app server keeps no state, so any of several behind a load
# balancer can answer. With Redis as the one shared cache, each session is also read from it
# (cached_db: written to both, read from the database only when the cache lost it), saving
# every request a query. Never with a memory cache of each process: a logout in one worker
# would leave the session alive in the others' caches.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)
SESSION_COOKIE_HTTPONLY = True
# Behind a load balancer that terminates HTTPS (README.md, "Several machines"), the default in
# production: trust its X-Forwarded-Proto (the proxy must set it, replacing any the client
# sent), so that requests count as secure (CSRF's origin check passes); send plain HTTP on to
# HTTPS; send the session and CSRF cookies over HTTPS only; and tell browsers to come back over
# HTTPS only (HSTS, a year by default). BEHIND_HTTPS_PROXY=0 serves plain HTTP, for `make
# run-prod` on loopback or a test on an intranet; never for a site reached from outside.
BEHIND_HTTPS_PROXY = env_bool("BEHIND_HTTPS_PROXY", PRODUCTION)
if BEHIND_HTTPS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
    # On, as check --deploy asks (security.W021); an installation whose subdomains are not all
    # on HTTPS sets HSTS_PRELOAD=0 before its first deployment: preloading is hard to undo.
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)
CSRF_COOKIE_HTTPONLY = False
# A form posted from an expired page gets the site's own page saying to reload and resend.
CSRF_FAILURE_VIEW = "jiebang.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): everything from this site only. No inline or eval'd
# script (the pages' scripts are files under static/; data for them sits in JSON blocks, which
# do not run), no plugins, no framing by any page, forms posted here only. Style sheets come
# from this site only too, but style *attributes* are allowed: ECharts writes its tooltips
# with them and the progress bars take their width from one; an attribute can neither run
# script nor load anything from outside (img-src and font-src stay 'self').
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

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

# The public API (api/): a token in `Authorization: Token <key>` (or the site's session, for
# the docs page), the UI's permissions, JSON, 50 rows a page (up to 200 with ?page_size=), an
# OpenAPI schema at /api/schema/ and its docs at /api/docs/, served from this site only.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.auth.ActiveTokenAuthentication",
        # The site's session, for the docs page trying requests; DRF enforces CSRF on its writes.
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.ApiPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.base.exception_handler",
    # The client address as the login lock reads it (accounts.services.client_address): without
    # this, DRF keys anonymous callers on the whole X-Forwarded-For header, which they write.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    # 平台规则: generous for a province's system filing a quarter's reports, low for strangers.
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "60/minute"),
        "user": env_str("API_THROTTLE_USER", "2000/minute"),
        "token": env_str("API_THROTTLE_TOKEN", "10/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": _("Jiebang API"),
    "DESCRIPTION": _(
        "The resources of the platform, with the permissions of its pages. Send your token in "
        "every request as the header Authorization: Token <token>. Your token is on your token "
        "page (/api/tokens/), or from POST /api/token/ with your account name and password."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs are public (they describe, they hold no data); every operation
    # they list still asks for a token.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge from validator.swagger.io: nothing is loaded from outside this site.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/",
    # Fields named alike ("state") on different models: one named enum each, not a hash.
    "ENUM_NAME_OVERRIDES": {
        "ProposalStateEnum": "proposals.models.Proposal.State",
        "ListVersionStateEnum": "lists.models.ListVersion.State",
        "ProgrammeStateEnum": "claims.models.Programme.State",
        "ReviewStateEnum": "review.models.Review.State",
        "RecommendationEnum": "review.models.Review.Recommendation",
        "PromotionBatchStateEnum": "promotion.models.PromotionBatch.State",
        "MilestoneStatusEnum": "tasks.models.Status",
        "AdoptionStatusEnum": "promotion.models.AdoptionStatus",
    },
}

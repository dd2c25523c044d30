"""Settings shared by every environment.

Every value that differs between machines is read from the environment here; `dev.py` and
`test.py` only supply defaults (with `os.environ.setdefault`) before importing this module, and
`production.py` only hardens. Required variables have no default, so a production process
without them refuses to start instead of running with a guess.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env(name, default=None, *, required=False):
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"The environment variable {name} must be set.")
        return default
    return value


def env_bool(name, default=False):
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=()):
    value = env(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


SECRET_KEY = env("SECRET_KEY", required=True)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    "portal",
    "procedures",
    "dossiers",
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
    # Staff sessions: end at browser close and after STAFF_SESSION_IDLE_MINUTES without a request.
    "portal.middleware.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.middleware.SecurityHeadersMiddleware",
    # Cache-Control: no-store, private on authenticated pages and on every download.
    "portal.middleware.PrivateCacheMiddleware",
    # Axes must come last: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL", required=True), conn_max_age=60)}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("CACHE_URL"),
    }
    if env("CACHE_URL", "").startswith("redis")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    # Axes first so a locked-out account is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    "portal.auth.EmailOrPhoneBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:after_login"
LOGOUT_REDIRECT_URL = "portal:home"

# Login lockout (django-axes): five failures for one username from one address lock it for
# fifteen minutes; a success resets the counter.
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# One lockout counter per account however its e-mail or phone number was typed.
AXES_USERNAME_CALLABLE = "portal.auth.axes_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# --- Client address and throttles (begin) ------------------------------------------------------
# The number of reverse proxies in front of the portal that append to X-Forwarded-For (1 behind
# one nginx). 0: the header is ignored and REMOTE_ADDR is the client. portal.client_ip.client_ip
# takes the client from the header only through these proxies; every throttle uses it.
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
# django-axes counts failures per (account, client address) with the same function, so five
# wrong passwords lock that account from that address only. The AXES_IPWARE_* values describe
# the same rule but are inert: axes prefers AXES_CLIENT_IP_CALLABLE (django-ipware is not used).
AXES_CLIENT_IP_CALLABLE = "portal.client_ip.client_ip"
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT or None
AXES_IPWARE_PROXY_ORDER = "right-most"
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if TRUSTED_PROXY_COUNT else ("REMOTE_ADDR",)
)
# The lockout page says when the lock ends.
AXES_LOCKOUT_CALLABLE = "portal.auth.lockout_response"
# Password spraying: this many failed logins from one address, whichever accounts, refuse every
# login from that address for the window (portal.throttles, in the shared cache).
LOGIN_ADDRESS_FAILURE_LIMIT = int(env("LOGIN_ADDRESS_FAILURE_LIMIT", "20"))
LOGIN_ADDRESS_WINDOW_MINUTES = int(env("LOGIN_ADDRESS_WINDOW_MINUTES", "15"))
# Tracking by code and phone (/track/): failed look-ups allowed per address and per dossier
# code (whatever the address) within the window, which is also how long a block lasts.
TRACK_ADDRESS_FAILURE_LIMIT = int(env("TRACK_ADDRESS_FAILURE_LIMIT", "10"))
TRACK_CODE_FAILURE_LIMIT = int(env("TRACK_CODE_FAILURE_LIMIT", "10"))
TRACK_WINDOW_MINUTES = int(env("TRACK_WINDOW_MINUTES", "15"))
# --- Client address and throttles (end) --------------------------------------------------------

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True
# Dates are written dd/mm/yyyy in both languages; the locale formats in portal/formats win.
FORMAT_MODULE_PATH = ["portal.formats"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", VAR_DIR / "staticfiles"))
# Uploaded files live outside the web root and are served only through permission-checked views.
MEDIA_ROOT = Path(env("MEDIA_ROOT", VAR_DIR / "media"))
# No route or web server serves this prefix: it only exists because Django requires a value.
MEDIA_URL = "/_unserved_media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# --- Upload limits and quotas (begin) -----------------------------------------------------------
UPLOAD_MAX_FILE_SIZE = int(env("UPLOAD_MAX_FILE_SIZE", str(20 * 1024 * 1024)))
# Word and Excel files are zip archives, judged from their central directory before anything is
# unpacked (dossiers.filetypes): at most this many parts, this many bytes once unpacked (Office's
# embedded packages included), and no part over 1 MB compressed more than this many times.
UPLOAD_ARCHIVE_MAX_ENTRIES = int(env("UPLOAD_ARCHIVE_MAX_ENTRIES", "1000"))
UPLOAD_ARCHIVE_MAX_UNCOMPRESSED_SIZE = int(
    env("UPLOAD_ARCHIVE_MAX_UNCOMPRESSED_SIZE", str(100 * 1024 * 1024))
)
UPLOAD_ARCHIVE_MAX_RATIO = int(env("UPLOAD_ARCHIVE_MAX_RATIO", "100"))
# Quotas on uploads by citizens and organisations (staff uploads are not checked): the files of
# one dossier, and what one account stores in a local calendar day.
UPLOAD_DOSSIER_MAX_FILES = int(env("UPLOAD_DOSSIER_MAX_FILES", "50"))
UPLOAD_DOSSIER_MAX_BYTES = int(env("UPLOAD_DOSSIER_MAX_BYTES", str(100 * 1024 * 1024)))
UPLOAD_USER_DAILY_MAX_FILES = int(env("UPLOAD_USER_DAILY_MAX_FILES", "200"))
UPLOAD_USER_DAILY_MAX_BYTES = int(env("UPLOAD_USER_DAILY_MAX_BYTES", str(300 * 1024 * 1024)))
# --- Upload limits and quotas (end) -------------------------------------------------------------

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "motcua <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security headers that hold in every environment; production.py adds the HTTPS-only ones.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
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
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=()"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: the broker is Redis in production and CI; `make run` uses kombu's filesystem transport,
# which needs no server.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", required=True)
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # An unacknowledged message (acks late) goes back to the queue after this many seconds:
    # longer than any task runs (CELERY_TASK_TIME_LIMIT), or a slow task would run twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND")
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Tasks are acknowledged after they run, so a worker that dies mid-task has it redelivered:
# every task must therefore be idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
# A worker started before the broker keeps trying to connect instead of exiting.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Beat, callers and a worker without -Q all use this queue.
CELERY_TASK_DEFAULT_QUEUE = "motcua"
# Tasks that fail for good are recorded as dossiers.models.TaskFailure (dossiers.celery_signals).
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # Every 5 minutes: flag dossiers and steps that became due soon or overdue (idempotent).
    "dossiers-flag-deadlines": {
        "task": "dossiers.tasks.flag_deadlines_task",
        "schedule": timedelta(minutes=5),
    },
    # Every day at 07:00 Asia/Ho_Chi_Minh (CELERY_TIMEZONE): the leaders' digest e-mail.
    "dossiers-leader-digest": {
        "task": "dossiers.tasks.send_leader_digest_task",
        "schedule": crontab(hour=7, minute=0),
    },
    # Every day at 01:00 Asia/Ho_Chi_Minh: freeze the month that just closed (idempotent).
    "dossiers-freeze-months": {
        "task": "dossiers.tasks.freeze_closed_months_task",
        "schedule": crontab(hour=1, minute=0),
    },
    # Every minute: deliver the notifications that are due (the outbox).
    "dossiers-deliver-notifications": {
        "task": "dossiers.tasks.deliver_notifications_task",
        "schedule": 60.0,
    },
    # Every 2 minutes: publish again the document jobs (register, Biểu 06) still queued because
    # the broker was down when they were requested, and fail those whose worker died.
    "dossiers-sweep-document-jobs": {
        "task": "dossiers.tasks.sweep_document_jobs_task",
        "schedule": timedelta(minutes=2),
    },
    # Every minute: render the documents issued since (forms 01–05, stop notice) and store them.
    "dossiers-render-pending-documents": {
        "task": "dossiers.tasks.render_pending_documents_task",
        "schedule": 60.0,
    },
    # Every minute: rebuild the statistics' rollup days touched by the dossiers changed since.
    "dossiers-refresh-rollups": {
        "task": "dossiers.tasks.refresh_rollups_task",
        "schedule": 60.0,
    },
    # Every day at 00:30 Asia/Ho_Chi_Minh: rebuild and verify the last two months of rollups
    # (before the 01:00 freeze, which counts from the dossiers).
    "dossiers-verify-rollups": {
        "task": "dossiers.tasks.verify_rollups_task",
        "schedule": crontab(hour=0, minute=30),
    },
}

# Optional: the code of the agency whose name heads every page (a service centre). Without it
# the portal shows the first service centre in the catalogue.
SERVING_AGENCY_CODE = env("SERVING_AGENCY_CODE", "")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
# The place written before the date on official documents ("Tuyên Quang, ngày … tháng … năm …").
DOCUMENT_PLACE = env("DOCUMENT_PLACE", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # WeasyPrint and fontTools narrate every render step at INFO.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Notifications ----------------------------------------------------------------------------------
# The outbox (dossiers.models.Notification) is delivered by
# dossiers.tasks.deliver_notifications_task.
# SMS_BACKEND: a dotted path to a dossiers.notifications.backends.SmsBackend subclass; a real
# gateway plugs in here. The console backend prints; FileSmsBackend appends to SMS_FILE_PATH.
SMS_BACKEND = env("SMS_BACKEND", "dossiers.notifications.backends.ConsoleSmsBackend")
SMS_FILE_PATH = env("SMS_FILE_PATH", str(VAR_DIR / "sms.log"))
# Optional dotted path replacing the e-mail channel backend (tests use a slow one).
NOTIFICATION_EMAIL_BACKEND = env("NOTIFICATION_EMAIL_BACKEND", "")
# Attempts per row before it is marked failed; retries wait 2, 4, 8 … minutes.
NOTIFICATION_MAX_ATTEMPTS = int(env("NOTIFICATION_MAX_ATTEMPTS", "5"))
# A row left "sending" this long (its worker died) is claimed again.
NOTIFICATION_CLAIM_TIMEOUT_MINUTES = int(env("NOTIFICATION_CLAIM_TIMEOUT_MINUTES", "10"))

# --- Personal data (begin) -----------------------------------------------------------------------
# Law 91/2025/QH15 and Decree 356/2025/NĐ-CP. Logs: every handler masks phone and identity numbers
# (portal.logging); handlers added later, and Django's default ones, get the mask from
# LOGGING_CONFIG.
LOGGING.setdefault("filters", {})["mask_personal_data"] = {
    "()": "portal.logging.PersonalDataMaskFilter"
}
for _handler in LOGGING["handlers"].values():
    _handler.setdefault("filters", []).append("mask_personal_data")
LOGGING_CONFIG = "portal.logging.configure_logging"
# Staff (and superuser) sessions end when the browser closes and after this many minutes
# without a request (shared desk PCs); citizens keep the normal session.
STAFF_SESSION_IDLE_MINUTES = int(env("STAFF_SESSION_IDLE_MINUTES", "30"))
if STAFF_SESSION_IDLE_MINUTES < 1:
    raise ImproperlyConfigured("STAFF_SESSION_IDLE_MINUTES must be 1 or more.")
# Production refuses the console and file SMS and mail backends, which write phone numbers,
# addresses and messages to the log or to files and deliver nothing, unless this is set (a
# staging server without a gateway).
ALLOW_DEVELOPMENT_MESSAGING = env_bool("ALLOW_DEVELOPMENT_MESSAGING", False)
# --- Personal data (end) -------------------------------------------------------------------------

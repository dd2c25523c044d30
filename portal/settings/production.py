"""Production: everything comes from the environment (see .env.example); this file only hardens."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env, env_bool

DEBUG = False

# --- Client address and throttles (begin) ------------------------------------------------------
# The login lockout and the throttles count in the cache: in per-process memory each worker
# would allow the limits again, so production refuses to start without a shared one.
if not (env("CACHE_URL") or "").startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured(
        "Set CACHE_URL to a shared Redis cache (redis://host:6379/1): the login and tracking "
        "throttles count there, and per-process memory would give every worker its own limits."
    )
# Behind the recommended proxy a wrong proxy count makes every visitor one address (or lets
# clients choose theirs): the deployment must say how many proxies it has.
if env("TRUSTED_PROXY_COUNT") is None:
    raise ImproperlyConfigured(
        "Set TRUSTED_PROXY_COUNT to the number of reverse proxies in front of the portal that "
        "add to X-Forwarded-For (1 behind one nginx; 0 if clients connect directly)."
    )
# --- Client address and throttles (end) --------------------------------------------------------

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

TEMPLATES[0]["APP_DIRS"] = False  # noqa: F405
TEMPLATES[0]["OPTIONS"]["loaders"] = [  # noqa: F405
    (
        "django.template.loaders.cached.Loader",
        [
            "django.template.loaders.filesystem.Loader",
            "django.template.loaders.app_directories.Loader",
        ],
    )
]

# --- Personal data (begin) -----------------------------------------------------------------------
# The console and file backends write phone numbers, e-mail addresses and messages (with the
# dossier code that opens tracking) to the log or to files, and deliver nothing.
DEVELOPMENT_MESSAGING_BACKENDS = {
    "dossiers.notifications.backends.ConsoleSmsBackend",
    "dossiers.notifications.backends.FileSmsBackend",
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}
if not ALLOW_DEVELOPMENT_MESSAGING:  # noqa: F405
    for _name, _backend in [
        ("SMS_BACKEND", SMS_BACKEND),  # noqa: F405
        ("EMAIL_BACKEND", EMAIL_BACKEND),  # noqa: F405
        ("NOTIFICATION_EMAIL_BACKEND", NOTIFICATION_EMAIL_BACKEND),  # noqa: F405
    ]:
        if _backend in DEVELOPMENT_MESSAGING_BACKENDS:
            raise ImproperlyConfigured(
                f"{_name} is {_backend}, a development backend: it writes phone numbers, "
                "addresses and messages to the log or to files and sends nothing. Set "
                f"{_name} to a real gateway, or ALLOW_DEVELOPMENT_MESSAGING=1 on a server "
                "that must run without one."
            )
# --- Personal data (end) -------------------------------------------------------------------------

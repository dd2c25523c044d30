"""Test settings. CI sets DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis); without them
the suite runs on SQLite so `make test` also works on a bare machine."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
# A default only: the worker tests pass their own SMS backend to worker processes.
os.environ.setdefault("SMS_BACKEND", "dossiers.notifications.backends.LocmemSmsBackend")

from .base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
LANGUAGE_CODE = "vi"

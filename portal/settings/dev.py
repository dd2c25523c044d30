"""Development on a bare machine: SQLite under var/ and a broker that needs no server."""

import os
from pathlib import Path

_var = Path(os.environ.get("VAR_DIR", Path(__file__).resolve().parent.parent.parent / "var"))
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("SECRET_KEY", "dev-only-not-secret-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_var / 'db.sqlite3'}")
os.environ.setdefault("CELERY_BROKER_URL", "filesystem://")
os.environ.setdefault("DOCUMENT_PLACE", "Tuyên Quang")  # the demo province
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")

from .base import *  # noqa: E402,F403

EMAIL_FILE_PATH = str(VAR_DIR / "mail")  # noqa: F405

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # The web server, the worker and beat share the embedded database: writers wait for the lock
    # (BEGIN IMMEDIATE, up to 20 s) instead of failing with "database is locked" when a deferred
    # transaction cannot upgrade; WAL lets readers go on while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(  # noqa: F405
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )

"""`manage.py check_services` tells whether the database and the Celery broker answer."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

BASE_DIR = settings.BASE_DIR


def _check_services(**overrides):
    """Run the command in a fresh process with the test settings and the given services."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.test",
        DATABASE_URL="sqlite:///:memory:",
        CELERY_BROKER_URL="memory://",
    )
    env.update(overrides)
    return subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [sys.executable, "manage.py", "check_services"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_services_passes_with_sqlite_and_the_memory_broker():
    """Both services answering: exit 0 and one line per service."""
    result = _check_services()
    assert result.returncode == 0, result.stderr
    assert "database: sqlite ok" in result.stdout
    assert "broker: memory ok" in result.stdout


def test_check_services_fails_when_the_database_is_unreachable():
    """A PostgreSQL nobody listens on: non-zero exit naming the database; the broker is not
    reported as checked."""
    result = _check_services(DATABASE_URL="postgres://postgres@127.0.0.1:1/nope")
    assert result.returncode != 0
    assert "Database unreachable" in result.stderr
    assert "postgresql" in result.stderr
    assert "broker:" not in result.stdout


def test_check_services_fails_when_the_broker_is_unreachable(tmp_path):
    """A reachable database but a Redis nobody listens on: non-zero exit naming the broker."""
    result = _check_services(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_BROKER_URL="redis://127.0.0.1:1/0",
    )
    assert result.returncode != 0
    assert "database: sqlite ok" in result.stdout
    assert "Celery broker unreachable" in result.stderr
    assert "redis://127.0.0.1:1/0" in result.stderr


@pytest.mark.django_db
def test_check_services_in_process(capsys):
    """Called in this process (the test database, the memory broker) it reports both ok."""
    call_command("check_services")
    out = capsys.readouterr().out
    assert "database:" in out
    assert "ok" in out


@pytest.mark.django_db
def test_check_services_in_process_raises_command_error_for_a_dead_broker(settings):
    """The failure is a CommandError (so manage.py exits 1), not a traceback."""
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    with pytest.raises(CommandError, match="Celery broker unreachable"):
        call_command("check_services")

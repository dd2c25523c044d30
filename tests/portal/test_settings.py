"""Production settings pass Django's deployment check and refuse to start half-configured;
Celery is wired to the Django settings."""

import os
import secrets
import subprocess
import sys

import pytest
from celery import signals
from django.conf import settings

BASE_DIR = settings.BASE_DIR


def _production_env(tmp_path, **overrides):
    """The environment of a production process, built from scratch for the variables the
    settings read (the test process has set some of them for the test settings)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "CELERY_BROKER_URL"}
        and not key.startswith(("DJANGO_", "SECURE_", "CSRF_", "ALLOWED_"))
    }
    env.update(
        SECRET_KEY=secrets.token_urlsafe(45),  # 60 characters
        ALLOWED_HOSTS="motcua.example.gov.vn",
        CSRF_TRUSTED_ORIGINS="https://motcua.example.gov.vn",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        CACHE_URL="redis://127.0.0.1:6379/1",
        TRUSTED_PROXY_COUNT="1",
        VAR_DIR=str(tmp_path / "var"),
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _manage(env, *args):
    return subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deployment_check(tmp_path):
    """`manage.py check --deploy` with the production settings reports no issues."""
    env = _production_env(tmp_path)
    assert len(env["SECRET_KEY"]) == 60
    result = _manage(env, "check", "--deploy", "--settings=portal.settings.production")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert "WARNING" not in result.stderr


@pytest.mark.parametrize("variable", ["SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL"])
def test_production_settings_refuse_to_start_without_a_required_variable(tmp_path, variable):
    """Without SECRET_KEY (or the database or broker URL) the process stops with a message
    naming the missing variable instead of running with a default."""
    env = _production_env(tmp_path, **{variable: None})
    result = _manage(env, "check", "--settings=portal.settings.production")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"The environment variable {variable} must be set" in result.stderr


def test_production_settings_refuse_an_empty_secret_key(tmp_path):
    """An empty SECRET_KEY counts as missing."""
    env = _production_env(tmp_path, SECRET_KEY="")
    result = _manage(env, "check", "--settings=portal.settings.production")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_settings_are_hardened(tmp_path):
    """DEBUG stays off even if the environment says otherwise, and the HTTPS settings are on."""
    env = _production_env(tmp_path, DEBUG="1")
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS >= 31536000)"
    )
    result = _manage(
        env, "shell", "--settings=portal.settings.production", "--verbosity=0", "-c", code
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "True", "True"]


def test_test_settings_default_to_vietnamese_and_the_lockout_limit():
    """The interface language is Vietnamese, the time zone Vietnam's, lockout after five."""
    assert settings.LANGUAGE_CODE == "vi"
    assert [code for code, _name in settings.LANGUAGES] == ["vi", "en"]
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


def test_celery_app_reads_the_django_settings():
    """`portal.celery.app` is configured from the CELERY_* settings."""
    from portal.celery import app

    assert app.main == "portal"
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.timezone == "Asia/Ho_Chi_Minh"
    assert app.conf.task_serializer == "json"
    assert app.conf.broker_url == settings.CELERY_BROKER_URL


def test_celery_app_is_the_package_default():
    """`portal.celery_app` is the same app, so `celery -A portal` finds it."""
    import portal
    from portal.celery import app

    assert portal.celery_app is app


def test_celery_autodiscovers_tasks_of_every_installed_app(monkeypatch):
    """When the worker imports its modules, the app looks for `tasks` in every installed app."""
    from portal.celery import app

    searched = []
    # The Django fix-up also listens, to set Django up and run the system checks in a worker
    # process; this process is set up already.
    monkeypatch.setattr("celery.fixups.django.DjangoWorkerFixup.validate_models", lambda self: None)
    monkeypatch.setattr(
        app.loader,
        "autodiscover_tasks",
        lambda packages, related_name="tasks": searched.append((list(packages), related_name)),
    )
    signals.import_modules.send(sender=app)
    assert searched, "autodiscover_tasks() was not called on the app"
    packages, related_name = searched[-1]
    assert related_name == "tasks"
    assert {"portal", "procedures", "dossiers"} <= set(packages)

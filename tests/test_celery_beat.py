"""Guard for CELERY_BEAT_SCHEDULE (STYLE.md §5, after Open Forms' test_celery_beat.py): every
entry names a task that imports from its dotted path, is registered under that same name, and
accepts the entry's args and kwargs."""

import importlib
import inspect

import pytest
from celery.schedules import crontab
from django.conf import settings

from portal.celery import app

ENTRIES = sorted(settings.CELERY_BEAT_SCHEDULE.items())


def test_the_schedule_is_not_empty():
    """The deadline sweep and the digest are scheduled."""
    assert {"dossiers-flag-deadlines", "dossiers-leader-digest"} <= set(
        settings.CELERY_BEAT_SCHEDULE
    )


@pytest.mark.parametrize(("key", "entry"), ENTRIES, ids=[key for key, _entry in ENTRIES])
def test_beat_entry_imports_and_matches_its_task(key, entry):
    """Import by dotted path; task.name is that path; args/kwargs bind to the signature."""
    module_path, _dot, attribute = entry["task"].rpartition(".")
    task = getattr(importlib.import_module(module_path), attribute)

    assert task.name == entry["task"]
    assert app.tasks[entry["task"]].name == entry["task"]
    inspect.signature(task.run).bind(*entry.get("args", ()), **entry.get("kwargs", {}))
    assert key == key.lower() and "_" not in key


def test_schedules_run_every_five_minutes_and_daily_at_seven():
    """The sweep every 5 minutes; the digest at 07:00 in Asia/Ho_Chi_Minh."""
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["dossiers-flag-deadlines"]["schedule"].total_seconds() == 300
    assert schedule["dossiers-leader-digest"]["schedule"] == crontab(hour=7, minute=0)
    assert settings.CELERY_TIMEZONE == "Asia/Ho_Chi_Minh"

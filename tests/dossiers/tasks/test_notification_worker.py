"""Delivery by a real Celery worker: every notification delivered exactly once, even when the
worker is killed (-9) in the middle of a batch and started again.

With a Redis broker (CI; locally CELERY_BROKER_URL=redis://127.0.0.1:6379/7) and a database
another process can open (PostgreSQL), `celery -A portal worker` runs as a subprocess on the
test database. Otherwise (memory broker, in-memory SQLite) the same scenario runs through the
task function in this process, the "crash" simulated by a claim that is never finished.

Channel backends write each idempotency key to a file (tests/dossiers/notification_backends.py)
so the test counts deliveries per key.
"""

import os
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import F

from dossiers.models import Notification, NotificationChannel, NotificationStatus
from dossiers.services import dossier_register_walk_in
from dossiers.services.notifications import notification_claim_batch
from dossiers.tasks import deliver_notifications_task
from tests.dossiers.factories import applicant_data, build_lifecycle_office
from tests.dossiers.worker_support import (
    ROOT,
    Worker,
    attempts_in,
    database_url,
    keys_in,
    wait_until,
)

pytestmark = pytest.mark.django_db(transaction=True)

C = NotificationChannel
S = NotificationStatus
DOSSIERS = 12  # two outbox rows each (e-mail, SMS)


REAL_WORKER = settings.CELERY_BROKER_URL.startswith("redis")


@pytest.fixture
def outbox_files(tmp_path, monkeypatch, settings):
    sms, email = tmp_path / "sms.log", tmp_path / "email.log"
    monkeypatch.setenv("TEST_EMAIL_FILE_PATH", str(email))
    monkeypatch.setenv("TEST_NOTIFICATION_DELAY", "0")
    settings.SMS_BACKEND = "tests.dossiers.notification_backends.SlowFileSmsBackend"
    settings.SMS_FILE_PATH = str(sms)
    settings.NOTIFICATION_EMAIL_BACKEND = (
        "tests.dossiers.notification_backends.SlowFileEmailBackend"
    )
    return sms, email


@pytest.fixture
def queued(db):
    office = build_lifecycle_office()
    for number in range(DOSSIERS):
        dossier_register_walk_in(
            procedure=office.procedure,
            applicant=applicant_data(
                phone=f"09123450{number:02d}", email=f"nguoi{number}@example.vn"
            ),
            actor=office.desk,
        )
    assert Notification.objects.count() == 2 * DOSSIERS
    return office


def assert_each_delivered_once(sms: Path, email: Path, in_flight: frozenset = frozenset()) -> None:
    """Every row sent, each key delivered once; and handed to the gateway once, except the rows a
    dead worker had claimed (`in_flight`), which may have gone out once before it died."""
    rows = dict(Notification.objects.values_list("idempotency_key", "channel"))
    assert set(Notification.objects.values_list("status", flat=True)) == {S.SENT}
    sms_keys, email_keys = keys_in(sms), keys_in(email)
    assert sms_keys == Counter(key for key, channel in rows.items() if channel == C.SMS)
    assert email_keys == Counter(key for key, channel in rows.items() if channel == C.EMAIL)
    assert set(sms_keys.values()) == set(email_keys.values()) == {1}
    attempts = attempts_in(sms) + attempts_in(email)
    assert set(attempts) == set(rows)
    assert {key: n for key, n in attempts.items() if n > 1 and key not in in_flight} == {}
    assert all(n <= 2 for n in attempts.values())


@pytest.fixture
def worker_env(outbox_files, tmp_path):
    url = database_url()
    if not (REAL_WORKER and url):
        return None
    sms, email = outbox_files
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "SMS_BACKEND": settings.SMS_BACKEND,
        "SMS_FILE_PATH": str(sms),
        "NOTIFICATION_EMAIL_BACKEND": settings.NOTIFICATION_EMAIL_BACKEND,
        "TEST_EMAIL_FILE_PATH": str(email),
    }
    return env


@pytest.fixture
def workers(tmp_path):
    started = []

    def make(env, queue, name, delay="0", concurrency=1):
        worker = Worker(tmp_path, queue, {**env, "TEST_NOTIFICATION_DELAY": delay}, name)
        started.append(worker)
        worker.start(concurrency=concurrency)
        return worker

    yield make
    for worker in started:
        worker.kill()


def sent_count() -> int:
    return Notification.objects.filter(status=S.SENT).count()


# ---- tests ------------------------------------------------------------------------------------


def test_a_worker_delivers_every_notification_once(queued, outbox_files, worker_env, workers):
    sms, email = outbox_files
    total = Notification.objects.count()
    if worker_env is None:
        # No broker another process can share: the task itself, twice (a redelivery).
        assert deliver_notifications_task.apply(kwargs={"batch_size": 5}).get()["sent"] == 5
        while deliver_notifications_task.apply(kwargs={"batch_size": 5}).get()["claimed"]:
            pass
    else:
        queue = f"test-notifications-{uuid.uuid4().hex}"
        workers(worker_env, queue, "deliver", concurrency=2)
        # Three tasks at once on two processes, small batches re-enqueued: rows are shared
        # out with SKIP LOCKED, none twice.
        for _ in range(3):
            deliver_notifications_task.apply_async(kwargs={"batch_size": 5}, queue=queue)
        wait_until(lambda: sent_count() == total, timeout=90, message="not all rows were sent")
    assert_each_delivered_once(sms, email)


def test_a_worker_killed_mid_batch_delivers_everything_once_after_restart(
    queued, outbox_files, worker_env, workers
):
    sms, email = outbox_files
    total = Notification.objects.count()
    if worker_env is None:
        # The "dead worker": a batch claimed, two of its messages sent, never marked.
        claimed = notification_claim_batch(batch_size=10)
        from dossiers.notifications.backends import backend_for

        for row in Notification.objects.filter(pk__in=claimed[:2]):
            backend_for(row.channel).send(row)
        assert deliver_notifications_task.apply().get()["claimed"] == total - 10
        assert Notification.objects.filter(status=S.SENDING).count() == 10
        # The two the dead worker sent, and those the live run sent.
        assert sum((attempts_in(sms) + attempts_in(email)).values()) == 2 + total - 10
    else:
        queue = f"test-notifications-{uuid.uuid4().hex}"
        worker = workers(worker_env, queue, "doomed", delay="0.25")
        deliver_notifications_task.apply_async(kwargs={"batch_size": total}, queue=queue)
        wait_until(
            lambda: sent_count() >= 5, timeout=60, message="the worker never started sending"
        )
        worker.kill()
        done = sent_count()
        assert done < total, "the batch finished before the kill"
        assert Notification.objects.filter(status=S.SENDING).count() == total - done
    # What the dead worker had claimed may already have reached the gateway once.
    in_flight = frozenset(
        Notification.objects.filter(status=S.SENDING).values_list("idempotency_key", flat=True)
    )
    # Time passes: the claims of the dead worker expire (NOTIFICATION_CLAIM_TIMEOUT_MINUTES).
    Notification.objects.filter(status=S.SENDING).update(
        claimed_at=F("claimed_at")
        - timedelta(minutes=settings.NOTIFICATION_CLAIM_TIMEOUT_MINUTES + 1)
    )
    if worker_env is None:
        deliver_notifications_task.apply()
    else:
        workers(worker_env, queue, "restarted")
        # The next beat tick.
        deliver_notifications_task.apply_async(queue=queue)
        wait_until(lambda: sent_count() == total, timeout=90, message="not all rows were sent")
    assert_each_delivered_once(sms, email, in_flight)

"""Reliability of the background work: a Redis outage, two sweeps at once, dead letters.

With a Redis broker (CI; locally CELERY_BROKER_URL=redis://127.0.0.1:6379/7) and a database
another process can open (PostgreSQL), the fault tests start a PRIVATE `redis-server` on a free
port (never the machine's shared one), stop and restart it, and run `celery -A portal worker`
subprocesses against it on the pytest test database (tests/dossiers/worker_support.py).
Otherwise (memory broker, in-memory SQLite) the same scenarios run in this process: the outage
is a broker URL nobody listens on, the worker is the task run eagerly.
"""

import ast
import os
import threading
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from celery.exceptions import Retry
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from dossiers.celery_signals import record_task_failure
from dossiers.choices import DossierAction, DossierStatus
from dossiers.models import (
    Dossier,
    DossierEvent,
    Notification,
    NotificationChannel,
    NotificationStatus,
    TaskFailure,
)
from dossiers.services import (
    dossier_attach_file,
    dossier_create_draft,
    dossier_receive,
    dossier_submit,
)
from dossiers.tasks import deliver_notifications_task, flag_deadlines_task
from portal.celery import app
from tests.dossiers.factories import (
    PDF_BYTES,
    DossierFactory,
    applicant_data,
    build_lifecycle_office,
    upload,
)
from tests.dossiers.staff_setup import desk_post
from tests.dossiers.worker_support import (
    REDIS_SERVER,
    ROOT,
    PrivateRedis,
    Worker,
    attempts_in,
    database_url,
    free_port,
    keys_in,
    wait_until,
)

C = NotificationChannel
S = NotificationStatus
REDIS_BROKER = settings.CELERY_BROKER_URL.startswith("redis")


# ---- fixtures and helpers ---------------------------------------------------------------------


@pytest.fixture
def outbox_files(tmp_path, monkeypatch, settings):
    """SMS and e-mail written to files, one line per idempotency key."""
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
def real_worker():
    """True when a worker subprocess can share the broker and the test database."""
    if not (REDIS_BROKER and database_url()):
        return False
    assert REDIS_SERVER, "the reliability tests need redis-server (apt-get install redis-server)"
    return True


@pytest.fixture
def private_redis(tmp_path):
    servers = []

    def make():
        server = PrivateRedis(tmp_path)
        servers.append(server)
        server.start()
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def workers(tmp_path, outbox_files):
    started = []
    sms, email = outbox_files

    def make(broker_url: str, queue: str, name: str, concurrency: int = 1) -> Worker:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "portal.settings.test",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker_url,
            "SMS_BACKEND": settings.SMS_BACKEND,
            "SMS_FILE_PATH": str(sms),
            "NOTIFICATION_EMAIL_BACKEND": settings.NOTIFICATION_EMAIL_BACKEND,
            "TEST_EMAIL_FILE_PATH": str(email),
            "TEST_NOTIFICATION_DELAY": "0",
        }
        worker = Worker(tmp_path, queue, env, name)
        started.append(worker)
        worker.start(concurrency=concurrency)
        return worker

    yield make
    for worker in started:
        worker.kill()


_BROKER_SETTINGS = ("broker_url", "broker_read_url", "broker_write_url")


@contextmanager
def app_broker(url: str):
    """Point this process's Celery app (what any .delay() in a view would use) at `url`."""
    old = {name: app.conf[name] for name in _BROKER_SETTINGS}
    old_pool, old_producers = app._pool, app.amqp._producer_pool
    app.conf.update(dict.fromkeys(_BROKER_SETTINGS, url))
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
        app.conf.update(old)
        app._pool, app.amqp._producer_pool = old_pool, old_producers


def assert_broker_unreachable(queue: str) -> None:
    """Publishing from this process fails: the outage is real, not a no-op."""
    with pytest.raises(OperationalError):
        deliver_notifications_task.apply_async(queue=queue, retry=False)


def online_submission(office, number: int) -> Dossier:
    """A citizen's online dossier, application form attached, submitted (no broker involved)."""
    draft = dossier_create_draft(
        procedure=office.procedure,
        applicant=applicant_data(phone=f"09876540{number:02d}", email=f"dan{number}@example.vn"),
        user=office.citizen,
    )
    dossier_attach_file(
        dossier=draft,
        required_document=office.application_form,
        upload=upload("to-khai.pdf", PDF_BYTES),
        actor=office.citizen,
    )
    return dossier_submit(dossier=draft, actor=office.citizen)


def assert_delivered_once(dossiers, sms: Path, email: Path) -> None:
    rows = Notification.objects.filter(dossier__in=dossiers)
    assert rows.exists()
    assert set(rows.values_list("status", flat=True)) == {S.SENT}
    by_channel = {
        channel: set(rows.filter(channel=channel).values_list("idempotency_key", flat=True))
        for channel in (C.SMS, C.EMAIL)
    }
    assert by_channel[C.SMS] and by_channel[C.EMAIL]
    sms_keys, email_keys = keys_in(sms), keys_in(email)
    assert set(sms_keys) == by_channel[C.SMS]
    assert set(email_keys) == by_channel[C.EMAIL]
    assert set(sms_keys.values()) == set(email_keys.values()) == {1}
    # Handed to the gateway once each, too (the gateway files would hide a second attempt).
    attempts = attempts_in(sms) + attempts_in(email)
    assert set(attempts.values()) == {1}
    assert set(attempts) == by_channel[C.SMS] | by_channel[C.EMAIL]


def task_outcomes(worker: Worker, task_name: str) -> tuple[int, int]:
    lines = [line for line in worker.output().splitlines() if f"{task_name}[" in line]
    return (
        sum("succeeded in" in line for line in lines),
        sum("raised unexpected" in line for line in lines),
    )


# ---- a) Redis outage ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_redis_outage_loses_no_dossier_and_notifications_go_out_once_it_is_back(
    outbox_files, real_worker, private_redis, workers, client
):
    """Redis stops; a citizen submits and the desk receives (service and view) — both succeed,
    the outbox rows wait in the database; Redis comes back on the same port and the worker
    delivers every message exactly once."""
    sms, email = outbox_files
    office = build_lifecycle_office()
    queue = f"test-reliability-{uuid.uuid4().hex}"
    if real_worker:
        redis = private_redis()
        worker = workers(redis.url, queue, "outage")
        broker_url = redis.url
        redis.stop()
    else:
        broker_url = f"redis://127.0.0.1:{free_port()}/0"  # nobody listens there

    with app_broker(broker_url):
        assert_broker_unreachable(queue)
        # Through the services…
        by_service = dossier_receive(dossier=online_submission(office, 1), actor=office.desk)
        # …and through the desk view, as an officer would.
        by_view = online_submission(office, 2)
        client.force_login(office.desk)
        response = desk_post(client, by_view, "receive")
        assert response.status_code == 302
        dossiers = [by_service, by_view]
        for dossier in dossiers:
            dossier.refresh_from_db()
            assert dossier.status == DossierStatus.RECEIVED
            assert dossier.code
            assert DossierEvent.objects.filter(
                dossier=dossier, action=DossierAction.RECEIVED
            ).exists()
        waiting = Notification.objects.filter(dossier__in=dossiers)
        assert waiting.count() >= 4  # e-mail and SMS to each applicant at least
        assert set(waiting.values_list("status", flat=True)) == {S.PENDING}

        if real_worker:
            assert worker.alive(), worker.output()
            redis.start()
            # The worker reconnects by itself (and declares its queue again on the empty server).
            wait_until(
                lambda: worker.output().count("Connected to redis://") >= 2,
                timeout=45,
                message="the worker did not reconnect:\n" + worker.output(),
            )
            deliver_notifications_task.apply_async(queue=queue)
            wait_until(
                lambda: not waiting.exclude(status=S.SENT).exists(),
                timeout=60,
                message="not every notification was sent:\n" + worker.output(),
            )
            assert worker.alive(), worker.output()
    if not real_worker:
        # The broker is back: the beat's next run, and a redelivery of it.
        deliver_notifications_task.apply()
        deliver_notifications_task.apply()
    assert_delivered_once(dossiers, sms, email)


# Request-path code must never publish to the broker (the outbox is written instead); tasks
# re-enqueueing themselves, management commands and benchmarks may. One deliberate exception lives
# in dossiers/services/document_job_queue.py: `enqueue_document_job`, called after commit when a
# user requests a register or report and waits for it, publishes once on its own connection with a
# 1 s connect timeout and no retries; the job row is the record, and the beat sweep publishes it
# again (tests/dossiers/documents/test_document_jobs.py shows both).
_MAY_PUBLISH = ("tasks", "management", "bench", "migrations")
_PUBLISHING_EXCEPTION = Path("dossiers", "services", "document_job_queue.py")
_PUBLISHING_CALLS = {"delay", "apply_async", "send_task"}


def test_no_request_path_code_publishes_to_the_broker():
    """A .delay() in a view or a service would fail (or hang) while Redis is down and lose the
    desk's work; this keeps every such call out of request-path code."""
    offenders = []
    skip = {".venv", "node_modules", "tests", "var", "static"}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if skip & set(parts) or any(part in _MAY_PUBLISH for part in parts):
            continue
        if path.relative_to(ROOT) == _PUBLISHING_EXCEPTION:
            continue
        tree = ast.parse(path.read_text("utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in _PUBLISHING_CALLS
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


# ---- b) two sweeps at once ---------------------------------------------------------------------

OVERDUE = 40


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_flag_each_overdue_dossier_once(
    real_worker, private_redis, workers, outbox_files
):
    office = build_lifecycle_office()
    now = timezone.now()
    overdue = [
        DossierFactory(
            procedure=office.procedure,
            agency=office.department,
            status=DossierStatus.PROCESSING,
            code=f"000.00.16.H62-REL-{number:04d}",
            received_at=now - timedelta(days=10),
            due_at=now - timedelta(days=2, minutes=number),
            appointment_at=now - timedelta(days=2),
            assignee=office.specialist,
        )
        for number in range(OVERDUE)
    ]
    if real_worker:
        redis = private_redis()
        queue = f"test-sweeps-{uuid.uuid4().hex}"
        worker = workers(redis.url, queue, "sweeps", concurrency=2)
        with app_broker(redis.url):
            for _ in range(2):
                flag_deadlines_task.apply_async(queue=queue)
        name = "dossiers.tasks.flag_deadlines_task"
        wait_until(
            lambda: sum(task_outcomes(worker, name)) == 2,
            timeout=60,
            message="the two sweeps did not finish:\n" + worker.output(),
        )
        assert task_outcomes(worker, name) == (2, 0), worker.output()
    elif connection.vendor == "postgresql":
        # Two sweeps at once in two threads (two connections).
        def sweep():
            try:
                flag_deadlines_task.apply(throw=True)
            finally:
                connection.close()

        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    else:
        # In-memory SQLite is one connection: a beat and its redelivery, one after the other.
        flag_deadlines_task.apply(throw=True)
        flag_deadlines_task.apply(throw=True)

    missed = DossierEvent.objects.filter(dossier__in=overdue, action=DossierAction.DEADLINE_MISSED)
    assert sorted(missed.values_list("dossier_id", flat=True)) == sorted(d.pk for d in overdue)
    assert not Dossier.objects.filter(
        pk__in=[d.pk for d in overdue], overdue_flagged_at=None
    ).exists()


# ---- c) dead letters ---------------------------------------------------------------------------


@app.task(bind=True, name="tests.dossiers.tasks.test_reliability.always_fails", max_retries=2)
def always_fails(self, code, *, note=None):
    try:
        raise RuntimeError(f"gateway down for {code}")
    except RuntimeError as exc:
        raise self.retry(exc=exc, countdown=0) from exc


@app.task(bind=True, name="tests.dossiers.tasks.test_reliability.fails_once", max_retries=3)
def fails_once(self):
    if self.request.retries == 0:
        raise self.retry(exc=RuntimeError("first try"), countdown=0)
    return "ok"


@pytest.mark.django_db
def test_a_task_that_keeps_failing_leaves_one_dead_letter():
    result = always_fails.apply(args=["H62-0001"], kwargs={"note": "thử lại"})

    assert result.failed()
    failure = TaskFailure.objects.get()
    assert failure.task_name == "tests.dossiers.tasks.test_reliability.always_fails"
    assert failure.task_id == result.id
    assert failure.args == ["H62-0001"]
    assert failure.kwargs == {"note": "thử lại"}
    assert failure.exception == "RuntimeError: gateway down for H62-0001"
    assert "gateway down" in failure.traceback
    assert failure.retries == 2
    assert failure.failed_at is not None


@pytest.mark.django_db
def test_a_task_that_is_retried_is_not_a_dead_letter():
    assert fails_once.apply().get() == "ok"
    task = SimpleNamespace(name="dossiers.tasks.x", request=SimpleNamespace(retries=0))
    assert record_task_failure(sender=task, task_id="r1", exception=Retry("later")) is None
    assert not TaskFailure.objects.exists()


@pytest.mark.django_db
def test_the_failure_handler_records_what_a_worker_reports():
    """The handler as a worker calls it: task object, ids, arguments that are not JSON."""
    task = SimpleNamespace(
        name="dossiers.tasks.deliver_notifications_task",
        request=SimpleNamespace(retries=3, hostname="worker-1@may-chu"),
    )
    record_task_failure(
        sender=task,
        task_id="abc-123",
        exception=ValueError("hỏng"),
        args=(1, object()),
        kwargs={"when": timezone.now(), "batch_size": 5},
        traceback=None,
        einfo=SimpleNamespace(traceback="Traceback (most recent call last): …"),
    )
    # The same task failing again (redelivered) keeps one row.
    record_task_failure(sender=task, task_id="abc-123", exception=ValueError("hỏng"))

    failure = TaskFailure.objects.get()
    assert failure.task_name == "dossiers.tasks.deliver_notifications_task"
    assert failure.exception == "ValueError: hỏng"
    assert failure.args[0] == 1 and failure.args[1].startswith("<object object")
    assert failure.kwargs["batch_size"] == 5
    assert failure.retries == 3
    assert failure.hostname == "worker-1@may-chu"
    assert failure.traceback.startswith("Traceback")


@pytest.mark.django_db
def test_recording_a_failure_never_raises_into_celery(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(TaskFailure.objects, "select_for_update", broken)
    task = SimpleNamespace(name="dossiers.tasks.x", request=None)

    assert record_task_failure(sender=task, task_id="t", exception=ValueError("x")) is None
    assert "Could not record the failure" in caplog.text
    # Nor does a strange sender.
    assert record_task_failure(sender=None, task_id=None, exception=None) is None


@pytest.mark.django_db
def test_admin_lists_dead_letters(admin_client):
    TaskFailure.objects.create(
        task_name="dossiers.tasks.flag_deadlines_task",
        task_id="dead-1",
        exception="OperationalError: server closed the connection",
    )
    response = admin_client.get(reverse("admin:dossiers_taskfailure_changelist"))
    assert response.status_code == 200
    assert "dead-1" in response.content.decode()
    add = admin_client.get(reverse("admin:dossiers_taskfailure_add"))
    assert add.status_code == 403


# ---- worker settings ---------------------------------------------------------------------------


def test_worker_settings():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit
    assert conf.broker_connection_retry_on_startup is True
    assert conf.task_default_queue == "motcua"
    options = conf.broker_transport_options or {}
    if REDIS_BROKER:
        # Longer than any task may run, or an unacknowledged task would run twice.
        assert options["visibility_timeout"] > conf.task_time_limit
    elif settings.CELERY_BROKER_URL.startswith("filesystem://"):
        assert "visibility_timeout" not in options

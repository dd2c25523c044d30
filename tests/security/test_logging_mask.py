"""Logs never carry a phone or identity number in clear: the mask of portal.logging sits on every
handler the settings configure, and is checked here on real log output (the project's LOGGING
through Django's configure_logging, real loggers, the real SMS console backend)."""

import io
import logging
import os
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings
from django.utils.log import configure_logging

from dossiers.models import Notification, NotificationChannel
from dossiers.notifications.backends import ConsoleSmsBackend
from dossiers.services import dossier_register_walk_in
from dossiers.services.notifications import notification_deliver_batch
from portal.logging import PersonalDataMaskFilter, mask_personal_data
from tests.dossiers.factories import applicant_data, build_lifecycle_office

PHONE = "0934425312"


@pytest.fixture
def log_output():
    """The project's logging, configured as at start-up, its console handler writing to a
    buffer; Django's configuration is put back afterwards."""
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    root = logging.getLogger()
    console = next(h for h in root.handlers if isinstance(h, logging.StreamHandler))
    buffer = io.StringIO()
    console.setStream(buffer)
    yield buffer
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


def test_every_configured_handler_has_the_mask():
    """Each handler in LOGGING names the filter, and LOGGING_CONFIG is the function that adds it
    to handlers configured elsewhere."""
    assert settings.LOGGING["handlers"]
    for handler in settings.LOGGING["handlers"].values():
        assert "mask_personal_data" in handler["filters"]
    assert settings.LOGGING["filters"]["mask_personal_data"] == {
        "()": "portal.logging.PersonalDataMaskFilter"
    }
    assert settings.LOGGING_CONFIG == "portal.logging.configure_logging"


def test_djangos_default_handlers_get_the_mask_too(log_output):
    """django.server (runserver's request lines) and mail_admins come from Django's defaults,
    not from LOGGING; they are masked as well."""
    for name in ("django.server", "django"):
        # pytest's own capture handlers come and go with each test phase.
        handlers = [
            handler
            for handler in logging.getLogger(name).handlers
            if not type(handler).__module__.startswith("_pytest")
        ]
        assert handlers
        for handler in handlers:
            assert any(isinstance(f, PersonalDataMaskFilter) for f in handler.filters)


def test_console_sms_backend_log_masks_the_phone_and_keeps_the_code(log_output):
    """The line the console backend writes keeps the last three digits of the phone (in the
    message and in the idempotency key) and the whole dossier code."""
    code = "000.00.16.H62-260115-0001"

    ConsoleSmsBackend().send_sms(
        phone=PHONE,
        text=f"Hồ sơ {code} đã được tiếp nhận",
        key=f"12:34:received:sms:{PHONE}",
    )

    output = log_output.getvalue()
    assert PHONE not in output
    assert "INFO dossiers.notifications.backends [SMS 12:34:received:sms:*******312] " in output
    assert f"*******312: Hồ sơ {code} đã được tiếp nhận" in output


@pytest.mark.django_db
def test_sms_delivered_through_the_outbox_is_logged_masked(log_output, settings, time_machine):
    """A walk-in reception queues the 'received' SMS; delivering it with the console backend
    logs the code, never the applicant's phone."""
    settings.SMS_BACKEND = "dossiers.notifications.backends.ConsoleSmsBackend"
    settings.NOTIFICATION_EMAIL_BACKEND = ""
    office = build_lifecycle_office()
    dossier = dossier_register_walk_in(
        procedure=office.procedure, applicant=applicant_data(phone=PHONE), actor=office.desk
    )
    sms = Notification.objects.get(dossier=dossier, channel=NotificationChannel.SMS)
    assert sms.recipient_phone == PHONE

    notification_deliver_batch()

    sms.refresh_from_db()
    assert sms.status == "sent"
    output = log_output.getvalue()
    assert PHONE not in output
    assert f"*******312: Hồ sơ {dossier.code} đã được tiếp nhận" in output


WORKER_PROBE = textwrap.dedent(
    """
    import os
    import signal

    from celery.signals import worker_ready

    from dossiers.notifications.backends import ConsoleSmsBackend


    @worker_ready.connect
    def send_and_stop(**kwargs):
        ConsoleSmsBackend().send_sms(
            phone="0934425312",
            text="Hồ sơ 000.00.16.H62-260115-0001 đã được tiếp nhận",
            key="12:34:received:sms:0934425312",
        )
        print("printed 0934425312", flush=True)
        os.kill(os.getpid(), signal.SIGTERM)
    """
)


def test_a_celery_worker_logs_masked(tmp_path):
    """Notifications are delivered in Celery workers, whose logging Celery sets up itself: the
    console SMS line and anything printed are masked there too."""
    (tmp_path / "worker_probe.py").write_text(WORKER_PROBE, encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
    }

    result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--include=worker_probe",
            "--queues=masking-probe",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    output = result.stdout + result.stderr
    assert "*******312: Hồ sơ 000.00.16.H62-260115-0001 đã được tiếp nhận" in output, output
    assert "printed *******312" in output
    assert PHONE not in output


def test_identity_numbers_and_international_phones_are_masked(log_output):
    """A 12-digit CCCD, a 9-digit CMND and +84 / grouped phones keep their last three digits."""
    logger = logging.getLogger("dossiers.tests")

    logger.warning(
        "applicant CCCD=%s CMND=%s phone=%s alt=%s",
        "008090001234",
        "123456789",
        "+84934425312",
        "0934 425 312",
    )

    output = log_output.getvalue()
    assert "CCCD=*********234 CMND=******789 phone=+84******312 alt=**** *** 312" in output
    for number in ("008090001234", "123456789", "934425312", "0934 425"):
        assert number not in output


def test_a_logged_traceback_is_masked(log_output):
    """The text of an exception logged with its traceback is masked too."""
    logger = logging.getLogger("dossiers.tests")
    try:
        raise ValueError(f"no account with phone {PHONE}")
    except ValueError:
        logger.exception("lookup failed for %s", PHONE)

    output = log_output.getvalue()
    assert PHONE not in output
    assert "lookup failed for *******312" in output
    assert "ValueError: no account with phone *******312" in output


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("0912345678", "*******678"),
        ("84912345678", "84******678"),
        ("+84 912 345 678", "+84 *** *** 678"),
        ("091.234.5678", "***.***.*678"),
        ("CCCD 001099012345.", "CCCD *********345."),
        # Not personal numbers: a dossier code, a date and time, a longer number, a short one.
        ("000.00.16.H62-260115-0001", "000.00.16.H62-260115-0001"),
        ("2026-12-03 16:47:00 12345678", "2026-12-03 16:47:00 12345678"),
        ("0123456789012", "0123456789012"),
        ("size 20971520", "size 20971520"),
    ],
)
def test_mask_personal_data(text, masked):
    assert mask_personal_data(text) == masked

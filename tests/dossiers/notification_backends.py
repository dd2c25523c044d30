"""Channel backends for the worker tests: files that record each idempotency key once, and a
pause per message (TEST_NOTIFICATION_DELAY seconds) so a test can kill a worker mid-batch."""

import os
import time

from dossiers.notifications.backends import FileSmsBackend, render_notification


def _pause() -> None:
    time.sleep(float(os.environ.get("TEST_NOTIFICATION_DELAY", "0")))


class SlowFileSmsBackend(FileSmsBackend):
    def send_sms(self, *, phone, text, key):
        _pause()
        super().send_sms(phone=phone, text=text, key=key)


class SlowFileEmailBackend:
    """E-mail written to TEST_EMAIL_FILE_PATH, once per key (an idempotent gateway)."""

    def send(self, notification):
        message = render_notification(notification)
        _pause()
        FileSmsBackend(os.environ["TEST_EMAIL_FILE_PATH"]).send_sms(
            phone=notification.recipient_email,
            text=message.subject,
            key=notification.idempotency_key,
        )

"""Channel backends for the worker tests: files that record each idempotency key once (an
idempotent gateway), a second file `<path>.attempts` that records every attempt (so a test sees a
message handed to the gateway twice, which the gateway would hide), and a pause per message
(TEST_NOTIFICATION_DELAY seconds) so a test can kill a worker mid-batch."""

import fcntl
import os
import time

from dossiers.notifications.backends import FileSmsBackend, render_notification


def _pause() -> None:
    time.sleep(float(os.environ.get("TEST_NOTIFICATION_DELAY", "0")))


def _attempt(path, key: str) -> None:
    with open(f"{path}.attempts", "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.write(f"{key}\n")
            handle.flush()
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class SlowFileSmsBackend(FileSmsBackend):
    def send_sms(self, *, phone, text, key):
        _pause()
        _attempt(self.path, key)
        super().send_sms(phone=phone, text=text, key=key)


class SlowFileEmailBackend:
    """E-mail written to TEST_EMAIL_FILE_PATH, once per key (an idempotent gateway)."""

    def send(self, notification):
        message = render_notification(notification)
        _pause()
        _attempt(os.environ["TEST_EMAIL_FILE_PATH"], notification.idempotency_key)
        FileSmsBackend(os.environ["TEST_EMAIL_FILE_PATH"]).send_sms(
            phone=notification.recipient_email,
            text=message.subject,
            key=notification.idempotency_key,
        )

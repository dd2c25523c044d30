"""How a Notification row reaches its recipient, one backend per channel.

Every backend's `send(notification)` either delivers or raises; it never writes the row (the
delivery service does). Backends are idempotent by `notification.idempotency_key` where the
medium allows it, so a row sent again after a worker died between the send and the "sent"
mark is not delivered twice.
"""

from __future__ import annotations

import fcntl
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import select_template
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string

from ..models import Notification, NotificationChannel

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str


def _context(notification: Notification) -> dict:
    payload = dict(notification.payload or {})
    for name, value in list(payload.items()):
        if name.endswith("_at") and isinstance(value, str):
            payload[name] = parse_datetime(value) or value
    return {
        **payload,
        "payload": payload,
        "channel": notification.channel,
        "recipient": notification.recipient_user,
        "site_url": getattr(settings, "SITE_URL", ""),
    }


def render_notification(notification: Notification) -> RenderedMessage:
    """The subject (first line) and body of the row's template, in the recipient's language.

    Templates: dossiers/notifications/<template>.<language>.txt, falling back to <template>.txt.
    """
    language = notification.language or settings.LANGUAGE_CODE
    with translation.override(language):
        template = select_template(
            [
                f"dossiers/notifications/{notification.template}.{language}.txt",
                f"dossiers/notifications/{notification.template}.txt",
            ]
        )
        text = template.render(_context(notification)).strip()
    subject, _sep, body = text.partition("\n")
    return RenderedMessage(subject=" ".join(subject.split()), body=body.strip())


# ---- e-mail -----------------------------------------------------------------------------------


class EmailBackend:
    """Django mail (settings.EMAIL_BACKEND). The key is the Message-ID, so a repeat is
    recognisable downstream."""

    def send(self, notification: Notification) -> None:
        message = render_notification(notification)
        domain = getattr(settings, "NOTIFICATION_MESSAGE_ID_DOMAIN", "motcua.local")
        key = notification.idempotency_key.replace(":", ".").replace("@", "_")
        EmailMessage(
            subject=message.subject,
            body=message.body,
            to=[notification.recipient_email],
            headers={
                "Message-ID": f"<{key}@{domain}>",
                "X-Notification-Key": notification.idempotency_key,
            },
        ).send(fail_silently=False)


# ---- SMS --------------------------------------------------------------------------------------


class SmsBackend:
    """The SMS gateway interface: `send_sms(phone, text, key)`. A real gateway subclasses it and
    passes `key` as its client reference so it refuses a repeat; SMS_BACKEND names the class."""

    def send(self, notification: Notification) -> None:
        message = render_notification(notification)
        self.send_sms(
            phone=notification.recipient_phone,
            text=message.subject,
            key=notification.idempotency_key,
        )

    def send_sms(self, *, phone: str, text: str, key: str) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Development: writes each SMS to the log and sends nothing.

    Through logging, so the log filter masks the phone number (portal.logging); production
    settings refuse this backend unless ALLOW_DEVELOPMENT_MESSAGING is set.
    """

    def send_sms(self, *, phone: str, text: str, key: str) -> None:
        logger.info("[SMS %s] %s: %s", key, phone, text)


class LocmemSmsBackend(SmsBackend):
    """Tests: keeps (phone, text, key) in `outbox`, once per key."""

    outbox: list[tuple[str, str, str]] = []

    def send_sms(self, *, phone: str, text: str, key: str) -> None:
        if any(sent_key == key for _phone, _text, sent_key in LocmemSmsBackend.outbox):
            return
        LocmemSmsBackend.outbox.append((phone, text, key))


class FileSmsBackend(SmsBackend):
    """Development and worker tests: one line per SMS in SMS_FILE_PATH (`key<TAB>phone<TAB>text`).

    The file holds phone numbers in clear: production settings refuse this backend unless
    ALLOW_DEVELOPMENT_MESSAGING is set.

    A key already in the file is not written again; the file is locked while it is read and
    appended, so two workers never both write the same key.
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path or getattr(settings, "SMS_FILE_PATH", "") or "var/sms.log")

    def send_sms(self, *, phone: str, text: str, key: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.seek(0)
                if any(line.split("\t", 1)[0] == key for line in handle):
                    return
                handle.write(f"{key}\t{phone}\t{' '.join(text.split())}\n")
                handle.flush()
                os.fsync(handle.fileno())
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


# ---- in the portal ----------------------------------------------------------------------------


class InAppBackend:
    """The row itself is the message the bell shows: delivering it only checks it renders."""

    def send(self, notification: Notification) -> None:
        render_notification(notification)


def sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()


def backend_for(channel: str):
    if channel == NotificationChannel.EMAIL:
        path = getattr(settings, "NOTIFICATION_EMAIL_BACKEND", "")
        return import_string(path)() if path else EmailBackend()
    if channel == NotificationChannel.SMS:
        return sms_backend()
    if channel == NotificationChannel.IN_APP:
        return InAppBackend()
    raise ValueError(f"Unknown notification channel {channel!r}.")

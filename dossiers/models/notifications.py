"""The notification outbox: one row per message, recipient and channel.

Rows are written in the same transaction as the change they report (see
`dossiers.services.notifications.notification_queue`) and delivered later by
`dossiers.tasks.deliver_notifications_task`. An in-app row is itself the message the bell shows.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .dossier import Dossier, DossierEvent


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    IN_APP = "in_app", _("In the portal")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class NotificationTemplate(models.TextChoices):
    """Which message; each has dossiers/notifications/<code>.txt (first line: the subject)."""

    RECEIVED = "received", _("Dossier received")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
    FORWARDED = "forwarded", _("Dossier forwarded")
    ASSIGNED = "assigned", _("Dossier assigned")
    DUE_SOON = "due_soon", _("Dossier due soon")
    OVERDUE = "overdue", _("Dossier overdue")
    EXTENDED = "extended", _("Appointment extended (apology)")
    COMPLETED = "completed", _("Result ready")
    RETURNED = "returned", _("Result returned")


class Notification(models.Model):
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    recipient_email = models.EmailField(_("e-mail"), blank=True)
    recipient_phone = models.CharField(_("phone number"), max_length=20, blank=True)
    language = models.CharField(_("language"), max_length=10, default=settings.LANGUAGE_CODE)
    channel = models.CharField(_("channel"), max_length=10, choices=NotificationChannel.choices)
    template = models.CharField(_("template"), max_length=40, choices=NotificationTemplate.choices)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    dossier = models.ForeignKey(
        Dossier,
        verbose_name=_("dossier"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    event = models.ForeignKey(
        DossierEvent,
        verbose_name=_("event"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    available_at = models.DateTimeField(_("send from"))
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The delivery scan: pending rows that are due, and stale claims.
            models.Index(fields=["status", "available_at"], name="notif_status_available_idx"),
            # The bell: a user's unread in-app messages.
            models.Index(
                fields=["recipient_user", "channel", "read_at"], name="notif_user_unread_idx"
            ),
        ]

    def __str__(self):
        return f"{self.template} → {self.recipient_label} ({self.channel})"

    @property
    def recipient_label(self) -> str:
        if self.channel == NotificationChannel.SMS:
            return self.recipient_phone
        if self.channel == NotificationChannel.EMAIL:
            return self.recipient_email
        return str(self.recipient_user_id or "")

"""The notification outbox: queue messages inside a service's transaction, deliver them later.

Queueing (`notification_queue`) only inserts rows, in the caller's transaction: a change that
rolls back leaves no message, a change that commits always has its messages.

Delivery (`notification_deliver_batch`, run by `dossiers.tasks.deliver_notifications_task`):

1. claim: one short transaction locks due rows (`SKIP LOCKED` where the database has it), marks
   them `sending` with `claimed_at`, commits;
2. send each through its channel backend (`dossiers.notifications.backends`), outside any
   transaction;
3. mark: `sent` right after the backend returns, in its own short transaction; on an error
   schedule a retry after 2^attempts minutes, or `failed` after NOTIFICATION_MAX_ATTEMPTS.

A worker that dies between 1 and 3 leaves rows in `sending`; after NOTIFICATION_CLAIM_TIMEOUT
they are claimed again. A crash between the send and the mark is the only window for a duplicate:
the backends close it by refusing a key they already delivered (the file SMS backend keeps the
keys it wrote; a real gateway takes the key as its client reference), and e-mail carries the key
as its Message-ID so a receiving server can drop the repeat.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from procedures.selectors import agency_with_descendants

from ..models import (
    Dossier,
    DossierEvent,
    Notification,
    NotificationChannel,
    NotificationStatus,
)

logger = logging.getLogger(__name__)

C = NotificationChannel
N = NotificationStatus


def _language_of(user: AbstractBaseUser | None) -> str:
    # Users have no language preference yet; a field on User would be read here.
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def _dossier_payload(dossier: Dossier) -> dict:
    def iso(value):
        return timezone.localtime(value).isoformat() if value else None

    return {
        "code": dossier.code or "",
        "procedure": dossier.procedure.name,
        "agency": dossier.agency.name,
        "applicant_name": dossier.applicant_name,
        "status": dossier.status,
        "due_at": iso(dossier.due_at),
        "appointment_at": iso(dossier.appointment_at),
    }


def notification_queue(
    *,
    dossier: Dossier | None,
    template: str,
    recipients: Iterable[AbstractBaseUser | None] | None = None,
    to_applicant: bool = False,
    payload: dict | None = None,
    event: DossierEvent | None = None,
    key: str = "",
) -> int:
    """Insert the outbox rows of one message; call it inside the transaction of the change.

    Staff `recipients` get it in the portal and by e-mail (when they have one); the applicant
    (`to_applicant`) by e-mail and SMS when the dossier has them, and in the portal when the
    dossier belongs to an account. The idempotency key is
    `<dossier>:<event or key>:<template>:<channel>:<recipient>`: queueing the same message twice
    (a re-run sweep) inserts nothing the second time. Returns the number of rows inserted.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("notification_queue must run inside the transaction of the change.")
    now = timezone.now()
    data = _dossier_payload(dossier) if dossier is not None else {}
    data.update(payload or {})
    scope = f"{dossier.pk if dossier else '-'}:{event.pk if event else key or '-'}:{template}"
    rows: dict[str, Notification] = {}

    def add(channel: str, recipient: str, **fields) -> None:
        idempotency_key = f"{scope}:{channel}:{recipient}"[:200]
        rows.setdefault(
            idempotency_key,
            Notification(
                channel=channel,
                template=template,
                payload=data,
                dossier=dossier,
                event=event,
                available_at=now,
                idempotency_key=idempotency_key,
                **fields,
            ),
        )

    for user in recipients or ():
        if user is None or not user.is_active:
            continue
        language = _language_of(user)
        add(C.IN_APP, f"u{user.pk}", recipient_user=user, language=language)
        if user.email:
            add(
                C.EMAIL,
                user.email.lower(),
                recipient_user=user,
                recipient_email=user.email,
                language=language,
            )
    if to_applicant and dossier is not None:
        owner = dossier.applicant_user
        language = _language_of(owner)
        if owner is not None and owner.is_active:
            add(C.IN_APP, f"u{owner.pk}", recipient_user=owner, language=language)
        if dossier.applicant_email:
            add(
                C.EMAIL,
                dossier.applicant_email.lower(),
                recipient_user=owner,
                recipient_email=dossier.applicant_email,
                language=language,
            )
        if dossier.applicant_phone:
            add(
                C.SMS,
                dossier.applicant_phone,
                recipient_user=owner,
                recipient_phone=dossier.applicant_phone,
                language=language,
            )
    if not rows:
        return 0
    existing = set(
        Notification.objects.filter(idempotency_key__in=rows).values_list(
            "idempotency_key", flat=True
        )
    )
    fresh = [row for k, row in rows.items() if k not in existing]
    # ignore_conflicts: a concurrent transaction that queued the same key wins, silently.
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


def staff_of_role(*, agency, role: str) -> list[AbstractBaseUser]:
    """Active staff with `role` in `agency` and the agencies below it."""
    return list(
        get_user_model()
        .objects.filter(
            is_active=True, agency_id__in=agency_with_descendants(agency), groups__name=str(role)
        )
        .distinct()
        .order_by("pk")
    )


# ---- delivery ---------------------------------------------------------------------------------


@dataclass
class DeliveryResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    more: bool = False


def _max_attempts() -> int:
    return int(getattr(settings, "NOTIFICATION_MAX_ATTEMPTS", 5))


def _claim_timeout() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "NOTIFICATION_CLAIM_TIMEOUT_MINUTES", 10)))


def retry_delay(attempts: int) -> timedelta:
    """Back-off after the `attempts`-th failed attempt: 2, 4, 8 … minutes."""
    return timedelta(minutes=2**attempts)


def _due_filter(now) -> Q:
    return Q(status=N.PENDING, available_at__lte=now) | Q(
        status=N.SENDING, claimed_at__lt=now - _claim_timeout()
    )


def notification_claim_batch(*, batch_size: int) -> list[int]:
    """Lock and mark `sending` up to `batch_size` due rows (pending, or claimed by a worker that
    has not finished in time); committed before anything is sent."""
    now = timezone.now()
    with transaction.atomic():
        queryset = Notification.objects.filter(_due_filter(now)).order_by("available_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            queryset = queryset.select_for_update(skip_locked=True)
        ids = list(queryset.values_list("pk", flat=True)[:batch_size])
        if ids:
            # Re-checked in the UPDATE: on SQLite (no row locks) two claimers cannot both win.
            Notification.objects.filter(_due_filter(now), pk__in=ids).update(
                status=N.SENDING, claimed_at=now
            )
            ids = list(
                Notification.objects.filter(
                    pk__in=ids, status=N.SENDING, claimed_at=now
                ).values_list("pk", flat=True)
            )
    return ids


def notification_deliver(*, notification: Notification) -> bool:
    """Send one claimed row and record the outcome; True when it was sent."""
    from ..notifications.backends import backend_for

    now = timezone.now()
    try:
        backend_for(notification.channel).send(notification)
    except Exception as error:  # noqa: BLE001 - any backend failure is a retry, never a crash
        attempts = notification.attempts + 1
        failed = attempts >= _max_attempts()
        logger.warning("Notification %s attempt %s failed: %s", notification.pk, attempts, error)
        Notification.objects.filter(pk=notification.pk, status=N.SENDING).update(
            attempts=attempts,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            status=N.FAILED if failed else N.PENDING,
            available_at=now if failed else now + retry_delay(attempts),
            claimed_at=None,
        )
        return False
    Notification.objects.filter(pk=notification.pk).update(
        status=N.SENT,
        attempts=notification.attempts + 1,
        sent_at=timezone.now(),
        claimed_at=None,
        last_error="",
    )
    return True


def notification_deliver_batch(*, batch_size: int = 100) -> DeliveryResult:
    """Claim a batch of due rows and send them; `more` tells the caller to run again."""
    result = DeliveryResult()
    ids = notification_claim_batch(batch_size=batch_size)
    result.claimed = len(ids)
    for notification in Notification.objects.filter(pk__in=ids).select_related(
        "recipient_user", "dossier"
    ):
        if notification_deliver(notification=notification):
            result.sent += 1
        else:
            current = Notification.objects.only("status").get(pk=notification.pk)
            if current.status == N.FAILED:
                result.failed += 1
            else:
                result.retried += 1
    if len(ids) == batch_size:
        result.more = Notification.objects.filter(_due_filter(timezone.now())).exists()
    return result


def notification_retry(*, notifications: Sequence[Notification] | Iterable[int]) -> int:
    """An administrator sends failed rows again: attempts start over, due now."""
    ids = [getattr(item, "pk", item) for item in notifications]
    return Notification.objects.filter(pk__in=ids, status=N.FAILED).update(
        status=N.PENDING,
        attempts=0,
        available_at=timezone.now(),
        claimed_at=None,
        last_error="",
    )


def notification_mark_read(*, user: AbstractBaseUser, ids: Iterable[int] | None = None) -> int:
    """Mark the user's own in-app messages read (all of them when `ids` is None)."""
    queryset = Notification.objects.filter(
        recipient_user=user, channel=C.IN_APP, read_at__isnull=True
    )
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    return queryset.update(read_at=timezone.now())

"""What every dossier service starts and ends with.

`dossier_lock_for_action` opens a service on an existing dossier in a fixed order: lock the row,
check the actor against the permission table, check the status, check the page's freshness.
The lock comes first so the last three are asked of the dossier as it is now (two officers acting
at once: the second one sees the first one's result). `event_record` writes the one history line
each change leaves.
"""

from collections.abc import Callable
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from ..models import Dossier, DossierEvent
from ..permissions import permission_require, status_require


def dossier_lock(dossier: Dossier) -> Dossier:
    """The dossier's row, locked until the transaction ends, with its current status."""
    return (
        Dossier.objects.select_for_update(no_key=True, of=("self",))
        .select_related("procedure", "agency")
        .get(pk=dossier.pk)
    )


def dossier_lock_for_action(
    action: str | Callable[[Dossier, AbstractBaseUser | None], str],
    *,
    dossier: Dossier,
    actor: AbstractBaseUser | None,
    expected_updated_at: datetime | str | None = None,
) -> Dossier:
    """The locked dossier, once `actor` may take `action` on it (ActionForbidden), its status
    allows it (InvalidTransition / InvalidAction) and the page was not outdated (code "stale").

    `action` is a row of dossiers.permissions.ACTIONS, or a function choosing the row from the
    locked dossier and the actor (a supplement is the desk's or the department's by the status).
    """
    locked = dossier_lock(dossier)
    if callable(action):
        action = action(locked, actor)
    permission_require(action, actor, locked)
    status_require(action, locked)
    check_fresh(locked, expected_updated_at)
    return locked


def check_fresh(dossier: Dossier, expected_updated_at: datetime | str | None) -> None:
    """Refuse (code "stale") a form loaded before the dossier's last change.

    Takes the `updated_at` the page was rendered with, as a datetime or its ISO text (text that is
    no moment at all is refused the same way); None or "" skips the check.
    """
    if expected_updated_at is None or expected_updated_at == "":
        return
    if isinstance(expected_updated_at, str):
        try:
            expected_updated_at = parse_datetime(expected_updated_at.strip())
        except ValueError:  # well formed but impossible, such as 30 February
            expected_updated_at = None
    if expected_updated_at != dossier.updated_at:
        raise ValidationError(
            _(
                "The dossier was changed by someone else since this page was opened. "
                "Reload the page and try again."
            ),
            code="stale",
        )


def event_record(
    dossier: Dossier,
    action: str,
    from_status: str | None,
    *,
    actor: AbstractBaseUser | None,
    at: datetime | None = None,
    note: str = "",
    data: dict | None = None,
) -> DossierEvent:
    """One history line; `at` is when it was recorded (a back-dated reception keeps its own
    moment in `data`)."""
    return DossierEvent.objects.create(
        dossier=dossier,
        action=action,
        from_status=from_status or "",
        to_status=dossier.status,
        actor=actor if actor is not None and actor.is_authenticated else None,
        at=at or timezone.now(),
        note=note,
        data=data or {},
    )

"""The exact definition of every column (DESIGN.md "Statistics"), as one Q per column.

Only received dossiers enter the Biểu 06 columns; a dossier is closed when it completes
(`completed_at`, result ready) or is withdrawn after reception (`withdrawn_at`). Every count and
every drill-down list uses the same Q, so a list is exactly the dossiers behind its number.

The stocks are judged at `as_of = min(t1, now)` (`Period.as_of`): in progress means received
before `t1` and not closed before it, and its split (within / overdue) and "of which awaiting
supplement" are read at `as_of`, so an open period is judged now, never at its future end.
Real rows hold no moment after now, so "open at t1" and "open at as_of" are the same dossiers;
keeping the membership at `t1` keeps the identity (carried over + received new = resolved +
withdrawn + in progress) exact even on rows written with future moments.
"""

from datetime import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from ..choices import DossierChannel, SatisfactionLevel, Timeliness
from ..models import Pause
from .periods import Period

COLUMNS: list[str] = [
    "carried_over",
    "received_online",
    "received_direct_postal",
    "received_new",
    "received_total",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "resolved_total",
    "withdrawn",
    "in_progress_within",
    "in_progress_overdue",
    "in_progress_total",
    "awaiting_supplement",
    "submitted_online",
    "refused",
    "returned",
    "ratings",
    "ratings_satisfied",
]

COLUMN_LABELS: dict[str, str] = {
    "carried_over": _("Carried over"),
    "received_online": _("Online"),
    "received_direct_postal": _("Direct and postal"),
    "received_new": _("Received new"),
    "received_total": _("Received total"),
    "resolved_early": _("Early"),
    "resolved_on_time": _("On time"),
    "resolved_late": _("Late"),
    "resolved_total": _("Resolved total"),
    "withdrawn": _("Withdrawn"),
    "in_progress_within": _("Within the deadline"),
    "in_progress_overdue": _("Overdue"),
    "in_progress_total": _("In progress total"),
    "awaiting_supplement": _("Awaiting supplement"),
    "submitted_online": _("Submitted online"),
    "refused": _("Refused at reception"),
    "returned": _("Returned"),
    "ratings": _("Ratings"),
    "ratings_satisfied": _("Satisfied ratings"),
}


def _between(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.t0, f"{field}__lt": period.t1})


def _open_at(moment) -> Q:
    """Received before `moment` and not closed before it."""
    return (
        Q(received_at__lt=moment)
        & (Q(completed_at__isnull=True) | Q(completed_at__gte=moment))
        & (Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=moment))
    )


def paused_at_q(moment) -> Q:
    """A supplement pause open at `moment`: started before it, not ended by it."""
    return Q(
        Exists(
            Pause.objects.filter(dossier=OuterRef("pk"), started_at__lt=moment).filter(
                Q(ended_at__isnull=True) | Q(ended_at__gt=moment)
            )
        )
    )


def _received() -> Q:
    return Q(received_at__isnull=False)


def report_column_q(column: str, period: Period, *, now: datetime | None = None) -> Q:
    """The dossiers counted in `column` for `period`, its stocks judged at
    `period.as_of(now)` (`now` defaults to the current time)."""
    t1 = period.t1
    as_of = period.as_of(now)
    received_new = _received() & _between("received_at", period)
    resolved = _received() & _between("completed_at", period)
    in_progress = _open_at(t1)
    running_late = Q(due_at__lt=as_of) & ~paused_at_q(as_of)
    overdue = in_progress & running_late
    definitions = {
        "carried_over": lambda: _open_at(period.t0),
        "received_online": lambda: received_new & Q(channel=DossierChannel.ONLINE),
        "received_direct_postal": lambda: (
            received_new & Q(channel__in=[DossierChannel.DIRECT, DossierChannel.POSTAL])
        ),
        "received_new": lambda: received_new,
        "received_total": lambda: _open_at(period.t0) | received_new,
        "resolved_early": lambda: resolved & Q(timeliness=Timeliness.EARLY),
        "resolved_on_time": lambda: resolved & Q(timeliness=Timeliness.ON_TIME),
        "resolved_late": lambda: resolved & Q(timeliness=Timeliness.LATE),
        "resolved_total": lambda: resolved,
        "withdrawn": lambda: _received() & _between("withdrawn_at", period),
        "in_progress_within": lambda: in_progress & ~running_late,
        "in_progress_overdue": lambda: overdue,
        "in_progress_total": lambda: in_progress,
        "awaiting_supplement": lambda: in_progress & paused_at_q(as_of),
        "submitted_online": lambda: (
            _between("submitted_at", period) & Q(channel=DossierChannel.ONLINE)
        ),
        "refused": lambda: _between("refused_at", period),
        "returned": lambda: _between("returned_at", period),
        "ratings": lambda: _between("rating__rated_at", period),
        "ratings_satisfied": lambda: (
            _between("rating__rated_at", period)
            & Q(rating__level__in=[SatisfactionLevel.VERY_SATISFIED, SatisfactionLevel.SATISFIED])
        ),
    }
    try:
        return definitions[column]()
    except KeyError:
        raise ValueError(f"Unknown report column {column!r}.") from None


def report_relevant_q(period: Period) -> Q:
    """Dossiers that can count in some column of `period` (the WHERE of the aggregate)."""
    return (
        _open_at(period.t0)
        | (_received() & _between("received_at", period))
        | _between("completed_at", period)
        | _between("withdrawn_at", period)
        | _between("submitted_at", period)
        | _between("refused_at", period)
        | _between("returned_at", period)
        | _between("rating__rated_at", period)
    )

"""The dossier state machine: which status may follow which (DESIGN.md, "Workflow").

`apply_transition` is the only code that assigns `Dossier.status`; services call it on the locked
row, then save and write the event.
"""

from django.utils.translation import gettext_lazy as _

from .choices import DossierStatus

S = DossierStatus

# None is a dossier that does not exist yet: online ones start as drafts, walk-ins as received.
TRANSITIONS: dict[str | None, frozenset[str]] = {
    None: frozenset({S.DRAFT, S.RECEIVED}),
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.RECEIVED, S.NEEDS_SUPPLEMENT, S.REFUSED, S.WITHDRAWN}),
    # Back to submitted when asked at reception, back to processing when asked during processing.
    S.NEEDS_SUPPLEMENT: frozenset({S.SUBMITTED, S.PROCESSING, S.WITHDRAWN}),
    S.RECEIVED: frozenset({S.PROCESSING, S.WITHDRAWN}),
    S.PROCESSING: frozenset({S.NEEDS_SUPPLEMENT, S.RESULT_READY, S.WITHDRAWN}),
    S.RESULT_READY: frozenset({S.RETURNED}),
    S.RETURNED: frozenset(),
    S.REFUSED: frozenset(),
    S.WITHDRAWN: frozenset(),
}

FINAL_STATUSES = frozenset(status for status, targets in TRANSITIONS.items() if not targets)


class InvalidTransition(Exception):
    """A status change the workflow does not allow from the dossier's current status."""

    def __init__(self, from_status: str | None, to_status: str):
        self.from_status = from_status
        self.to_status = to_status
        super().__init__(str(self.message))

    @property
    def message(self) -> str:
        if self.from_status is None:
            return _("A new dossier cannot start as “%(to)s”.") % {"to": _label(self.to_status)}
        return _("A dossier that is “%(from)s” cannot become “%(to)s”.") % {
            "from": _label(self.from_status),
            "to": _label(self.to_status),
        }


def _label(status: str) -> str:
    try:
        return DossierStatus(status).label
    except ValueError:
        return status


def is_allowed(from_status: str | None, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def check_transition(from_status: str | None, to_status: str) -> None:
    """Raise InvalidTransition unless the workflow allows `from_status` → `to_status`."""
    if not is_allowed(from_status, to_status):
        raise InvalidTransition(from_status, to_status)


def apply_transition(dossier, to_status: str) -> str | None:
    """Move `dossier` (in memory) to `to_status` and return the status it had.

    A dossier not yet saved has no status: it starts from None. Saving, locking and the event are
    the caller's (a service's) part.
    """
    from_status = None if dossier._state.adding else dossier.status
    check_transition(from_status, to_status)
    dossier.status = to_status
    return from_status


def apply_history(dossier, statuses) -> None:
    """Give a new, unsaved dossier the status at the end of `statuses`, checking every move.

    For histories built in bulk (dossiers.generator), where no service runs: the same table
    decides which paths are possible. Repeats (a step completed while processing) are no move.
    """
    previous = None
    for status in statuses:
        if status != previous:
            check_transition(previous, status)
            previous = status
    dossier.status = previous


class InvalidAction(InvalidTransition):
    """An action that keeps the status (assign, extend, rate, attach a file …) asked of a dossier
    in a status that does not allow it. A subclass, so `except InvalidTransition` catches both."""

    def __init__(self, status: str, action: str):
        self.action = action
        super().__init__(status, status)

    @property
    def message(self) -> str:
        return _("This cannot be done while the dossier is “%(status)s”.") % {
            "status": _label(self.from_status)
        }


def check_action(status: str, allowed: frozenset[str] | set[str], action: str) -> None:
    """Raise InvalidAction unless `status` is one of the `allowed` statuses for `action`."""
    if status not in allowed:
        raise InvalidAction(status, action)

from .calendar import CalendarDay, WorkingSession
from .dossier import AppendOnlyError, Dossier, DossierCodeSequence, DossierEvent, Pause

__all__ = [
    "AppendOnlyError",
    "CalendarDay",
    "Dossier",
    "DossierCodeSequence",
    "DossierEvent",
    "Pause",
    "WorkingSession",
]

from .calendar import CalendarDay, WorkingSession
from .dossier import AppendOnlyError, Dossier, DossierCodeSequence, DossierEvent, Pause
from .handling import DossierFile, DossierStep, Rating, dossier_file_path

__all__ = [
    "AppendOnlyError",
    "CalendarDay",
    "Dossier",
    "DossierCodeSequence",
    "DossierEvent",
    "DossierFile",
    "DossierStep",
    "Pause",
    "Rating",
    "WorkingSession",
    "dossier_file_path",
]

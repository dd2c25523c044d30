from .access import AccessKind, AccessRecord
from .calendar import CalendarDay, WorkingSession
from .documents import DocumentJob, IssuedDocument
from .dossier import AppendOnlyError, Dossier, DossierCodeSequence, DossierEvent, Pause
from .handling import DossierFile, DossierStep, Rating, dossier_file_path
from .notifications import (
    Notification,
    NotificationChannel,
    NotificationStatus,
    NotificationTemplate,
)
from .statistics import (
    DailyRollup,
    FrozenReport,
    FrozenReportCorrection,
    FrozenReportRow,
    IndicatorCode,
    IndicatorTarget,
    RollupDay,
    RollupWatermark,
)
from .tasks import TaskFailure

__all__ = [
    "AccessKind",
    "AccessRecord",
    "AppendOnlyError",
    "CalendarDay",
    "DailyRollup",
    "Dossier",
    "DossierCodeSequence",
    "DossierEvent",
    "DossierFile",
    "DocumentJob",
    "DossierStep",
    "FrozenReport",
    "FrozenReportCorrection",
    "FrozenReportRow",
    "IndicatorCode",
    "IndicatorTarget",
    "IssuedDocument",
    "Notification",
    "NotificationChannel",
    "NotificationStatus",
    "NotificationTemplate",
    "Pause",
    "Rating",
    "RollupDay",
    "RollupWatermark",
    "TaskFailure",
    "WorkingSession",
    "dossier_file_path",
]

"""Writes of dossier data: the working calendar and the dossiers themselves."""

from .calendar import (
    ANNOUNCED_DAYS,
    CalendarEntry,
    CalendarSeedResult,
    calendar_day_create,
    calendar_public_holiday_entries,
    calendar_seed_public_holidays,
)
from .dossiers import (
    dossier_create_draft,
    dossier_next_code,
    dossier_receive,
    dossier_refuse,
    dossier_register_walk_in,
    dossier_submit,
    dossier_withdraw,
)

__all__ = [
    "ANNOUNCED_DAYS",
    "CalendarEntry",
    "CalendarSeedResult",
    "calendar_day_create",
    "calendar_public_holiday_entries",
    "calendar_seed_public_holidays",
    "dossier_create_draft",
    "dossier_next_code",
    "dossier_receive",
    "dossier_refuse",
    "dossier_register_walk_in",
    "dossier_submit",
    "dossier_withdraw",
]

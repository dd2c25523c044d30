"""Writes of dossier data: the working calendar and the dossiers themselves."""

from .calendar import (
    ANNOUNCED_DAYS,
    CalendarEntry,
    CalendarSeedResult,
    calendar_day_create,
    calendar_public_holiday_entries,
    calendar_seed_public_holidays,
)
from .common import check_fresh, dossier_lock, dossier_lock_for_action, event_record
from .dossiers import (
    dossier_create_draft,
    dossier_next_code,
    dossier_receive,
    dossier_refuse,
    dossier_register_walk_in,
    dossier_submit,
    dossier_update_draft,
    dossier_withdraw,
)
from .files import dossier_attach_file, dossier_remove_file
from .handling import (
    dossier_assign,
    dossier_complete,
    dossier_complete_step,
    dossier_extend,
    dossier_forward,
    dossier_rate,
    dossier_return,
)
from .supplements import dossier_request_supplement, dossier_resubmit

__all__ = [
    "ANNOUNCED_DAYS",
    "CalendarEntry",
    "CalendarSeedResult",
    "calendar_day_create",
    "calendar_public_holiday_entries",
    "calendar_seed_public_holidays",
    "check_fresh",
    "dossier_lock",
    "dossier_lock_for_action",
    "event_record",
    "dossier_assign",
    "dossier_attach_file",
    "dossier_complete",
    "dossier_complete_step",
    "dossier_create_draft",
    "dossier_extend",
    "dossier_forward",
    "dossier_next_code",
    "dossier_rate",
    "dossier_receive",
    "dossier_refuse",
    "dossier_register_walk_in",
    "dossier_remove_file",
    "dossier_request_supplement",
    "dossier_resubmit",
    "dossier_return",
    "dossier_submit",
    "dossier_update_draft",
    "dossier_withdraw",
]

"""Reads of dossier data. The working calendar is read only through `work_calendar_for`; every
read of dossiers is scoped to the user asking (`dossier_list_for_user`, `dossier_get_for_user`;
`dossier_get_for_staff` for the staff screens).

Split by subject: `calendar` (the working calendar, its per-process memo and shared-cache version,
the year overview) and `dossiers` (the scoped dossier reads). Import from here; the calendar's
module-level state lives in `dossiers.selectors.calendar` only, so patch it there.
"""

from .calendar import (
    CalendarCell,
    CalendarMonth,
    CalendarYear,
    calendar_year_overview,
    session_label,
    work_calendar_changed,
    work_calendar_for,
    work_calendar_invalidate,
    work_calendar_version,
)
from .dossiers import (
    DESK_QUEUES,
    ControlSheetRow,
    dossier_approval_queue,
    dossier_assigned_to,
    dossier_control_sheet,
    dossier_desk_queue,
    dossier_division_queue,
    dossier_get_for_staff,
    dossier_get_for_user,
    dossier_list_for_user,
    dossier_timeline,
    dossier_track,
    procedure_list_for_walk_in,
    staff_agency_ids,
    staff_assignable_for,
)

__all__ = [
    "staff_assignable_for",
    "DESK_QUEUES",
    "CalendarCell",
    "CalendarMonth",
    "CalendarYear",
    "ControlSheetRow",
    "calendar_year_overview",
    "dossier_approval_queue",
    "dossier_assigned_to",
    "dossier_control_sheet",
    "dossier_desk_queue",
    "dossier_division_queue",
    "dossier_get_for_staff",
    "dossier_get_for_user",
    "dossier_list_for_user",
    "dossier_timeline",
    "dossier_track",
    "session_label",
    "procedure_list_for_walk_in",
    "staff_agency_ids",
    "work_calendar_changed",
    "work_calendar_for",
    "work_calendar_invalidate",
    "work_calendar_version",
]

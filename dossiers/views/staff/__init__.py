"""Staff screens: the one-stop desk, the departments and their leaders (§5–§7).

Thin views: check the role, fetch the dossier through the scoped selector (404 outside the staff
member's agencies), validate the form, call the service, and turn InvalidTransition /
ValidationError into an error message with a redirect back. Never a 500 for a refused action.

Split by screen: `access` (roles, `staff_required`, shared helpers), `desk` and `department` (with
the control sheet). Import from here; `dossiers.urls_staff` does.
"""

from .access import (
    CASEWORK_ROLES,
    DEPARTMENT_ROLES,
    DESK_ROLES,
    PAGE_SIZE,
    staff_required,
)
from .department import (
    DEPARTMENT_ACTIONS,
    approvals,
    assigned,
    control_sheet,
    department_detail,
    division_queue,
)
from .desk import (
    DESK_ACTIONS,
    QUEUES,
    desk_detail,
    desk_queue,
    receipt,
    receipt_pdf,
    walk_in,
)

__all__ = [
    "CASEWORK_ROLES",
    "DEPARTMENT_ACTIONS",
    "DEPARTMENT_ROLES",
    "DESK_ACTIONS",
    "DESK_ROLES",
    "PAGE_SIZE",
    "QUEUES",
    "approvals",
    "assigned",
    "control_sheet",
    "department_detail",
    "desk_detail",
    "desk_queue",
    "division_queue",
    "receipt",
    "receipt_pdf",
    "staff_required",
    "walk_in",
]

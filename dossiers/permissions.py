"""Who may do what to a dossier, in one table.

`ACTIONS` maps each action on a dossier to the parties who may take it (staff roles, or the
dossier's own applicant), the statuses it is taken from, and a predicate on the actor and the
dossier (same agency, handler of the current step, applicant). Services enforce it through
`dossier_lock_for_action` (dossiers.services.common): a staff action with a missing or wrong actor
is refused whatever the entry point (a page, the API, an admin action, a task). Views and
templates ask `user_may` only to decide which forms and links to show.

`PAGE_ROLES` says which roles open each staff area (the queues, reports, batch documents); the
staff screens' decorators and the staff home page read it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from portal.roles import Role

from .choices import DocumentKind, DossierStatus
from .models import Dossier, DossierStep
from .workflow import InvalidAction, InvalidTransition

S = DossierStatus

DESK_ROLES = (Role.DESK_OFFICER,)
DEPARTMENT_ROLES = (Role.SPECIALIST, Role.DIVISION_HEAD, Role.LEADER)
CASEWORK_ROLES = DESK_ROLES + DEPARTMENT_ROLES
LEADER_ROLES = (Role.LEADER,)
# Aggregate figures of the agencies in scope; the catalogue administrator sees figures, never a
# dossier (selectors.report_agency_ids).
REPORT_ROLES = (Role.LEADER, Role.CATALOGUE_ADMIN)
# Applicant names behind a figure (the drill-down list): those who answer for the dossiers.
DRILL_DOWN_NAME_ROLES = (Role.LEADER, Role.DIVISION_HEAD)
# Batch documents: the dossier register for those who keep it, the statistics report (Biểu 06)
# for those who read the figures.
DOCUMENT_JOB_ROLES: dict[str, tuple[str, ...]] = {
    DocumentKind.REGISTER: (Role.DESK_OFFICER, Role.DIVISION_HEAD, Role.LEADER),
    DocumentKind.REPORT: REPORT_ROLES,
}
DOCUMENT_ROLES: tuple[str, ...] = tuple(
    dict.fromkeys(role for roles in DOCUMENT_JOB_ROLES.values() for role in roles)
)

# The staff areas and who opens them (decorators and the staff home page ask this).
PAGE_ROLES: dict[str, tuple[str, ...]] = {
    "desk": DESK_ROLES,
    "department": DEPARTMENT_ROLES,
    # The dossiers waiting for a head of division's or a leader's decision.
    "approvals": (Role.DIVISION_HEAD, Role.LEADER),
    "casework": CASEWORK_ROLES,
    "reports": REPORT_ROLES,
    "document_jobs": DOCUMENT_ROLES,
}

# A party that is no role: the dossier's own applicant (the citizen account it belongs to).
APPLICANT = "applicant"


class ActionForbidden(PermissionDenied):
    """The actor may not take this action on this dossier (code "forbidden")."""

    code = "forbidden"

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


# ---- the role questions ----------------------------------------------------------------------


def has_any_role(user: AbstractBaseUser | None, roles) -> bool:
    """A logged-in user holding one of `roles`; a superuser holds them all."""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_superuser or any(user.has_role(role) for role in roles))


def is_leader(user: AbstractBaseUser | None) -> bool:
    return has_any_role(user, LEADER_ROLES)


def is_division_head(user: AbstractBaseUser | None) -> bool:
    return has_any_role(user, (Role.DIVISION_HEAD,))


def may_assign(user: AbstractBaseUser | None) -> bool:
    """Heads of division hand dossiers to their staff."""
    return is_division_head(user)


def may_open_page(user: AbstractBaseUser | None, area: str) -> bool:
    """Whether `user` opens the staff area `area` (a key of PAGE_ROLES)."""
    return has_any_role(user, PAGE_ROLES[area])


def pages_open_to(user: AbstractBaseUser | None) -> dict[str, bool]:
    """Every staff area and whether `user` opens it (for the staff home page's links)."""
    return {area: has_any_role(user, roles) for area, roles in PAGE_ROLES.items()}


def may_see_drill_down_names(user: AbstractBaseUser | None) -> bool:
    return has_any_role(user, DRILL_DOWN_NAME_ROLES)


def may_complete_step(user: AbstractBaseUser | None, step: DossierStep | None) -> bool:
    """Who finishes the current step: its handler; while it has none, anyone of the step's role
    (who then becomes its handler); and a head of division or a leader at any time."""
    if step is None or user is None or not user.is_authenticated:
        return False
    if is_division_head(user) or is_leader(user):
        return True
    if step.handler_id is not None:
        return step.handler_id == user.pk
    return user.has_role(step.role)


# ---- predicates: the actor's relation to the dossier -----------------------------------------


def is_applicant(user: AbstractBaseUser | None, dossier: Dossier) -> bool:
    """The citizen account the dossier belongs to (a walk-in dossier has none)."""
    return (
        user is not None
        and user.is_authenticated
        and dossier.applicant_user_id is not None
        and dossier.applicant_user_id == user.pk
    )


def in_agency_scope(user: AbstractBaseUser | None, dossier: Dossier) -> bool:
    """The dossier's agency is one whose dossiers `user` works on (selectors.staff_agency_ids)."""
    from .selectors.dossiers import staff_agency_ids  # the selectors import this module

    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_superuser or dossier.agency_id in staff_agency_ids(user))


def handles_current_step(user: AbstractBaseUser | None, dossier: Dossier) -> bool:
    """The current step's handler (see may_complete_step) in the dossier's agency. With every
    step done, the department hears that from the service (code "no_step") rather than a
    refusal."""
    if not in_agency_scope(user, dossier):
        return False
    step = dossier.current_step
    return step is None or may_complete_step(user, step)


def applicant_or_in_scope(user: AbstractBaseUser | None, dossier: Dossier) -> bool:
    return is_applicant(user, dossier) or in_agency_scope(user, dossier)


def handling_staff(user: AbstractBaseUser | None, dossier: Dossier) -> bool:
    """Casework staff of the dossier's agency (desk, department, leaders), once it is sent: a
    draft is its applicant's alone."""
    return (
        dossier.status != S.DRAFT
        and has_any_role(user, CASEWORK_ROLES)
        and in_agency_scope(user, dossier)
    )


def applicant_or_staff_in_scope(user: AbstractBaseUser | None, dossier: Dossier) -> bool:
    """Reading a dossier: its applicant, and casework staff of its agency once it is submitted."""
    if is_applicant(user, dossier):
        return True
    return (
        dossier.status != S.DRAFT
        and has_any_role(user, CASEWORK_ROLES)
        and in_agency_scope(user, dossier)
    )


APPLICANT_FILE_STATUSES = frozenset({S.DRAFT, S.NEEDS_SUPPLEMENT})
OPEN_STATUSES = frozenset({S.SUBMITTED, S.NEEDS_SUPPLEMENT, S.RECEIVED, S.PROCESSING})
ALL_STATUSES = frozenset(DossierStatus.values)


# ---- the table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """Who may take an action, from which statuses, under which condition.

    `parties`: staff roles (a superuser holds every role) and/or APPLICANT. `statuses`: where the
    action may start (None: a dossier that does not exist yet). `predicate`: the actor's relation
    to this dossier, asked of staff (an applicant action only needs the applicant). `to_status`:
    the status the action moves to, for the workflow's message when the status is wrong.
    """

    parties: tuple[str, ...]
    statuses: frozenset
    predicate: Callable[[AbstractBaseUser | None, Dossier], bool] = in_agency_scope
    to_status: str | None = None
    refusal: Promise = _("This action is not part of your work on this dossier.")


ACTIONS: dict[str, Rule] = {
    # The applicant's own dossier.
    "create_draft": Rule((APPLICANT,), frozenset({None}), is_applicant, to_status=S.DRAFT),
    "update_draft": Rule((APPLICANT,), frozenset({S.DRAFT}), is_applicant),
    "submit": Rule((APPLICANT,), frozenset({S.DRAFT}), is_applicant, to_status=S.SUBMITTED),
    # The applicant online; the desk records a supplement handed in at the counter.
    "resubmit": Rule(
        (APPLICANT, *DESK_ROLES), frozenset({S.NEEDS_SUPPLEMENT}), applicant_or_in_scope
    ),
    # The applicant online; the desk records a withdrawal asked for in person (a walk-in
    # dossier has no account to ask from).
    "withdraw": Rule(
        (APPLICANT, *DESK_ROLES), OPEN_STATUSES, applicant_or_in_scope, to_status=S.WITHDRAWN
    ),
    "rate": Rule(
        (APPLICANT,),
        frozenset({S.RETURNED}),
        is_applicant,
        refusal=_("Only the applicant may rate this dossier."),
    ),
    "remove_file": Rule((APPLICANT,), APPLICANT_FILE_STATUSES, is_applicant),
    "attach_file": Rule((APPLICANT,), APPLICANT_FILE_STATUSES, is_applicant),
    # Staff digitise papers handed in at the desk or later (file_action_for picks the row).
    "digitise_file": Rule(
        CASEWORK_ROLES, frozenset({*OPEN_STATUSES, S.RESULT_READY}), handling_staff
    ),
    # The one-stop desk.
    "register_walk_in": Rule(DESK_ROLES, frozenset({None}), to_status=S.RECEIVED),
    "receive": Rule(DESK_ROLES, frozenset({S.SUBMITTED}), to_status=S.RECEIVED),
    "refuse": Rule(DESK_ROLES, frozenset({S.SUBMITTED}), to_status=S.REFUSED),
    "forward": Rule(DESK_ROLES, frozenset({S.RECEIVED}), to_status=S.PROCESSING),
    "return": Rule(DESK_ROLES, frozenset({S.RESULT_READY}), to_status=S.RETURNED),
    # A supplement: asked by the desk before reception, by the department during processing
    # (supplement_action_for picks the row by the dossier's status).
    "request_supplement_at_desk": Rule(
        DESK_ROLES, frozenset({S.SUBMITTED}), to_status=S.NEEDS_SUPPLEMENT
    ),
    # The department and its leaders.
    "request_supplement_in_processing": Rule(
        DEPARTMENT_ROLES, frozenset({S.PROCESSING}), to_status=S.NEEDS_SUPPLEMENT
    ),
    "assign": Rule(
        (Role.DIVISION_HEAD,),
        frozenset({S.PROCESSING}),
        refusal=_("Only a head of division may assign a dossier."),
    ),
    "complete_step": Rule(
        DEPARTMENT_ROLES,
        frozenset({S.PROCESSING}),
        handles_current_step,
        refusal=_(
            "This step is someone else's: only its handler, a head of division or a leader may "
            "finish it."
        ),
    ),
    "complete": Rule(
        LEADER_ROLES,
        frozenset({S.PROCESSING}),
        to_status=S.RESULT_READY,
        refusal=_("Only a leader may do this."),
    ),
    "extend": Rule(
        LEADER_ROLES, frozenset({S.PROCESSING}), refusal=_("Only a leader may do this.")
    ),
    # Reading: the dossier page, its files and issued documents.
    "view": Rule((APPLICANT, *CASEWORK_ROLES), ALL_STATUSES, applicant_or_staff_in_scope),
}


def supplement_action_for(dossier: Dossier, actor: AbstractBaseUser | None) -> str:
    """The row of a supplement request: the desk's before reception, the department's during
    processing. In any other status neither applies; the row of the actor's own side is asked,
    so the status is what refuses."""
    if dossier.status == S.SUBMITTED:
        return "request_supplement_at_desk"
    if dossier.status == S.PROCESSING or not has_any_role(actor, DESK_ROLES):
        return "request_supplement_in_processing"
    return "request_supplement_at_desk"


def file_action_for(dossier: Dossier, actor: AbstractBaseUser | None) -> str:
    """The row of a file upload: the applicant's own, or the staff's digitising."""
    return "attach_file" if is_applicant(actor, dossier) else "digitise_file"


def permission_denial(action: str, user: AbstractBaseUser | None, dossier: Dossier):
    """Why `user` may not take `action` on `dossier` whatever its status (a message), or None."""
    rule = ACTIONS[action]
    if APPLICANT in rule.parties and is_applicant(user, dossier):
        if rule.predicate(user, dossier):
            return None
        return rule.refusal
    staff_roles = tuple(party for party in rule.parties if party != APPLICANT)
    if user is None or not user.is_authenticated:
        return _("Sign in to do this.")
    if staff_roles and has_any_role(user, staff_roles) and rule.predicate(user, dossier):
        return None
    return rule.refusal


def permission_require(action: str, user: AbstractBaseUser | None, dossier: Dossier) -> None:
    """Raise ActionForbidden unless `user` may take `action` on `dossier`."""
    refusal = permission_denial(action, user, dossier)
    if refusal is not None:
        raise ActionForbidden(refusal)


def status_of(dossier: Dossier) -> str | None:
    """None for a dossier not saved yet (a walk-in or a draft being created)."""
    return None if dossier._state.adding else dossier.status


def status_allows(action: str, dossier: Dossier) -> bool:
    return status_of(dossier) in ACTIONS[action].statuses


def status_require(action: str, dossier: Dossier) -> None:
    """Raise the workflow's refusal unless the dossier's status is one `action` starts from."""
    if status_allows(action, dossier):
        return
    rule = ACTIONS[action]
    if rule.to_status is not None:
        raise InvalidTransition(status_of(dossier), rule.to_status)
    raise InvalidAction(dossier.status, action)


def user_may(action: str, user: AbstractBaseUser | None, dossier: Dossier) -> bool:
    """For pages: whether to offer `action` to `user` on `dossier` as it stands now."""
    return status_allows(action, dossier) and permission_denial(action, user, dossier) is None

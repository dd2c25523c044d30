"""Who may do what to a dossier: the role questions asked by services (which enforce them) and by
views and templates (which only decide what to show). One place, so a new entry point asks the
same questions as the screens.
"""

from django.contrib.auth.base_user import AbstractBaseUser

from portal.roles import Role

from .models import DossierStep

DESK_ROLES = (Role.DESK_OFFICER,)
DEPARTMENT_ROLES = (Role.SPECIALIST, Role.DIVISION_HEAD, Role.LEADER)
CASEWORK_ROLES = DESK_ROLES + DEPARTMENT_ROLES


def has_any_role(user: AbstractBaseUser | None, roles) -> bool:
    """A logged-in user holding one of `roles`; a superuser holds them all."""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_superuser or any(user.has_role(role) for role in roles))


def is_leader(user: AbstractBaseUser | None) -> bool:
    return has_any_role(user, (Role.LEADER,))


def is_division_head(user: AbstractBaseUser | None) -> bool:
    return has_any_role(user, (Role.DIVISION_HEAD,))


def may_assign(user: AbstractBaseUser | None) -> bool:
    """Heads of division hand dossiers to their staff."""
    return is_division_head(user)


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

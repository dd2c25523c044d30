"""Shared by the staff screens: the role sets, `staff_required`, due-state badges, pagination,
turning a refused service call into an error message, and the dossier detail context."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ... import selectors
from ...deadlines import open_state
from ...permissions import (  # noqa: F401 (re-exported)
    CASEWORK_ROLES,
    DEPARTMENT_ROLES,
    DESK_ROLES,
    has_any_role,
    user_may,
)
from ...selectors.documents import issued_documents_of, submitted_files_of
from ...workflow import InvalidTransition
from ..errors import error_text

PAGE_SIZE = 25


def staff_required(*roles: str) -> Callable:
    """Only logged-in users with one of `roles` (or superusers); others get 403.

    Anonymous visitors go to the staff login page.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("portal:staff_login"))
            if not has_any_role(user, roles):
                raise PermissionDenied(_("This page is not part of your work."))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# ---- helpers ---------------------------------------------------------------------------------


class _DueStates:
    """`open_state` of many due times with one working calendar per agency."""

    def __init__(self):
        self.now = timezone.now()
        self._calendars = {}

    def __call__(self, due_at, agency) -> str:
        if due_at is None:
            return ""
        calendar = self._calendars.get(agency.pk)
        if calendar is None:
            calendar = self._calendars[agency.pk] = selectors.work_calendar_for(agency)
        return open_state(self.now, due_at, calendar=calendar)


def _annotate_due_states(dossiers: Iterable) -> list:
    """Give each dossier `due_state` and `step_due_state` for the badges."""
    states = _DueStates()
    rows = list(dossiers)
    for dossier in rows:
        dossier.due_state = states(dossier.due_at, dossier.agency)
        step = dossier.current_step
        dossier.step_due_state = states(step.due_at, dossier.agency) if step else ""
    return rows


def _paginate(request, queryset):
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _annotate_due_states(page.object_list)
    return page


def _run(request, service: Callable, success: str, **kwargs) -> bool:
    """Call a service; a refusal becomes an error message. True when it succeeded."""
    try:
        service(**kwargs)
    except (InvalidTransition, ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
        return False
    messages.success(request, success)
    return True


@dataclass(frozen=True)
class StaffAction:
    """One action of a staff dossier page: the row of the permission table that says whom it is
    offered to (`dossiers.permissions.ACTIONS`), the form it posts, the service it runs (which
    enforces that row), the message shown when it succeeds, and the cleaned fields handed to the
    service (besides the dossier, the actor and the page's updated_at)."""

    permission: str
    form: type
    service: Callable
    success: str | Callable[[dict], str]
    fields: tuple[str, ...] = ()


def _run_action(request, dossier, action: StaffAction, data: dict) -> bool:
    success = action.success(data) if callable(action.success) else action.success
    return _run(
        request,
        action.service,
        str(success),
        dossier=dossier,
        actor=request.user,
        expected_updated_at=data["updated_at"],
        **{name: data[name] for name in action.fields},
    )


def _offered(actions: dict[str, StaffAction], user, dossier) -> list[str]:
    """The names of the actions the permission table offers `user` on `dossier` as it stands."""
    return [name for name, action in actions.items() if user_may(action.permission, user, dossier)]


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _detail_context(dossier, **extra):
    steps = list(dossier.steps.select_related("handler").order_by("position", "pk"))
    context = {
        "dossier": dossier,
        "events": selectors.dossier_timeline(dossier=dossier),
        "files": list(submitted_files_of(dossier=dossier)),
        "issued_documents": list(issued_documents_of(dossier=dossier)),
        "can_regenerate": True,
        "steps": steps,
        "current_step": dossier.current_step,
    }
    _annotate_due_states([dossier])
    context.update(extra)
    return context

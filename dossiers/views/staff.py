"""Staff screens: the one-stop desk, the departments and their leaders (issue 4, §5–§7).

Thin views: check the role, fetch the dossier through the scoped selector (404 outside the staff
member's agencies), validate the form, call the service, and turn InvalidTransition /
ValidationError into an error message with a redirect back. Never a 500 for a refused action.
"""

from collections.abc import Callable, Iterable
from functools import wraps
from uuid import uuid4

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from portal.roles import Role
from procedures.choices import TimeUnit
from procedures.selectors import procedure_list_published

from .. import selectors, services
from ..choices import DossierAction, DossierStatus
from ..deadlines import open_state
from ..forms.staff import (
    AssignForm,
    CompleteForm,
    CompleteStepForm,
    ConfirmForm,
    DeskSearchForm,
    ExtendForm,
    RefuseForm,
    ReturnForm,
    SupplementRequestForm,
    WalkInForm,
    assignable_staff,
)
from ..workflow import InvalidTransition

DESK_ROLES = (Role.DESK_OFFICER,)
DEPARTMENT_ROLES = (Role.SPECIALIST, Role.DIVISION_HEAD, Role.LEADER)
CASEWORK_ROLES = DESK_ROLES + DEPARTMENT_ROLES

PAGE_SIZE = 25

QUEUES = (
    ("reception", gettext_lazy("Awaiting reception"), "r"),
    ("supplement", gettext_lazy("Awaiting supplement"), "s"),
    ("return", gettext_lazy("Awaiting return"), "t"),
)


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
            if not (user.is_superuser or any(user.has_role(role) for role in roles)):
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


def _error_text(exc: Exception) -> str:
    if isinstance(exc, InvalidTransition):
        return str(exc.message)
    if isinstance(exc, ValidationError):
        return " ".join(str(message) for message in exc.messages)
    if exc.args and isinstance(exc.args[0], str):
        return exc.args[0]
    return _("This action is not allowed.")


def _run(request, service: Callable, success: str, **kwargs) -> bool:
    """Call a service; a refusal becomes an error message. True when it succeeded."""
    try:
        service(**kwargs)
    except (InvalidTransition, ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
        return False
    messages.success(request, success)
    return True


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _is_leader(user) -> bool:
    return user.is_superuser or user.has_role(Role.LEADER)


def _is_division_head(user) -> bool:
    return user.is_superuser or user.has_role(Role.DIVISION_HEAD)


# ---- the desk --------------------------------------------------------------------------------


@staff_required(*DESK_ROLES)
@require_http_methods(["GET"])
def desk_queue(request):
    queue = request.GET.get("queue", "reception")
    if queue not in {key for key, _label, _key in QUEUES}:
        queue = "reception"
    form = DeskSearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    tabs = [
        {
            "key": key,
            "label": label,
            "accesskey": accesskey,
            "count": selectors.dossier_desk_queue(user=request.user, queue=key).count(),
            "active": key == queue,
        }
        for key, label, accesskey in QUEUES
    ]
    dossiers = selectors.dossier_desk_queue(user=request.user, queue=queue, query=query)
    page = _paginate(request, dossiers)
    return render(
        request,
        "dossiers/staff/desk_queue.html",
        {
            "tabs": tabs,
            "queue": queue,
            "query": query,
            "form": form,
            "page": page,
            "query_string": urlencode({"queue": queue, "q": query}),
        },
    )


def _walk_in_procedures(user):
    procedures = procedure_list_published().filter(accepts_direct=True)
    if user.is_superuser:
        return procedures
    return procedures.filter(agency_id__in=selectors.staff_agency_ids(user))


@staff_required(*DESK_ROLES)
@require_http_methods(["GET", "POST"])
def walk_in(request):
    procedures = _walk_in_procedures(request.user)
    if request.method == "POST":
        form = WalkInForm(request.POST, procedures=procedures)
        if form.is_valid():
            try:
                dossier = services.dossier_register_walk_in(
                    procedure=form.cleaned_data["procedure"],
                    applicant=form.applicant(),
                    actor=request.user,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except (InvalidTransition, ValidationError) as exc:
                messages.error(request, _error_text(exc))
            else:
                messages.success(
                    request,
                    _("Dossier %(code)s received. Print the receipt for the applicant.")
                    % {"code": dossier.code},
                )
                return redirect("dossiers:receipt", pk=dossier.pk)
    else:
        form = WalkInForm(initial={"idempotency_key": uuid4().hex}, procedures=procedures)
    return render(request, "dossiers/staff/walk_in.html", {"form": form})


def _desk_forms(dossier, data=None, action=None):
    """The action forms the dossier's status offers at the desk; `data` binds the posted one."""
    available = {
        DossierStatus.SUBMITTED: {
            "receive": ConfirmForm,
            "supplement": SupplementRequestForm,
            "refuse": RefuseForm,
        },
        DossierStatus.RECEIVED: {"forward": ConfirmForm},
        DossierStatus.RESULT_READY: {"return": ReturnForm},
    }.get(dossier.status, {})
    forms = {}
    for name, form_class in available.items():
        if name == action and data is not None:
            forms[name] = form_class(data, prefix=name)
        else:
            forms[name] = form_class.for_dossier(dossier, prefix=name)
    return forms


DESK_ACTIONS = ("receive", "supplement", "refuse", "forward", "return")


@staff_required(*DESK_ROLES)
@require_http_methods(["GET", "POST"])
def desk_detail(request, pk):
    dossier = selectors.dossier_get_for_user(user=request.user, dossier_id=pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in DESK_ACTIONS:
            messages.error(request, _("Unknown action."))
            return redirect("dossiers:desk_detail", pk=dossier.pk)
        # A form of an action the current status does not offer still reaches the service, which
        # refuses it with the workflow's message (the page may be out of date).
        form_class = {
            "receive": ConfirmForm,
            "supplement": SupplementRequestForm,
            "refuse": RefuseForm,
            "forward": ConfirmForm,
            "return": ReturnForm,
        }[action]
        form = form_class(request.POST, prefix=action)
        if not form.is_valid():
            _form_errors(request, form)
            return redirect("dossiers:desk_detail", pk=dossier.pk)
        done = _desk_action(request, dossier, action, form.cleaned_data)
        if done and action == "receive":
            return redirect("dossiers:receipt", pk=dossier.pk)
        return redirect("dossiers:desk_detail", pk=dossier.pk)
    return render(
        request,
        "dossiers/staff/desk_detail.html",
        _detail_context(dossier, forms=_desk_forms(dossier)),
    )


def _desk_action(request, dossier, action, data) -> bool:
    common = {"dossier": dossier, "actor": request.user, "expected_updated_at": data["updated_at"]}
    if action == "receive":
        return _run(
            request,
            services.dossier_receive,
            _("The dossier has been received; the clock has started."),
            **common,
        )
    if action == "supplement":
        return _run(
            request,
            services.dossier_request_supplement,
            _("The supplement request has been sent to the applicant."),
            items=data["items"],
            reason=data["reason"],
            **common,
        )
    if action == "refuse":
        return _run(
            request,
            services.dossier_refuse,
            _("The dossier has been refused."),
            reason=data["reason"],
            **common,
        )
    if action == "forward":
        return _run(
            request,
            services.dossier_forward,
            _("The dossier has been forwarded to the department."),
            **common,
        )
    return _run(
        request,
        services.dossier_return,
        _("The result has been returned."),
        method=data["method"],
        **common,
    )


def _detail_context(dossier, **extra):
    steps = list(dossier.steps.select_related("handler").order_by("position", "pk"))
    context = {
        "dossier": dossier,
        "events": selectors.dossier_timeline(dossier=dossier),
        "files": list(dossier.files.all()),
        "steps": steps,
        "current_step": dossier.current_step,
    }
    _annotate_due_states([dossier])
    context.update(extra)
    return context


@staff_required(*DESK_ROLES)
@require_http_methods(["GET"])
def receipt(request, pk):
    dossier = selectors.dossier_get_for_user(user=request.user, dossier_id=pk)
    if dossier.received_at is None:
        messages.error(request, _("A receipt is issued only once the dossier has been received."))
        return redirect("dossiers:desk_detail", pk=dossier.pk)
    files = list(dossier.files.select_related("required_document"))
    # A walk-in brings paper: the desk checked the procedure's documents against the list.
    documents = [] if files else list(dossier.procedure.documents.all())
    events = selectors.dossier_timeline(dossier=dossier)
    received = [event for event in events if event.action == DossierAction.RECEIVED]
    received_by = received[-1].actor if received else None
    return render(
        request,
        "dossiers/staff/receipt.html",
        {
            "dossier": dossier,
            "files": files,
            "documents": documents,
            "time_limit": _time_limit(dossier),
            "received_by": received_by,
            # The desk that received it (a service centre), else the handling agency itself.
            "receiving_agency": getattr(received_by, "agency", None) or dossier.agency,
        },
    )


def _time_limit(dossier) -> str:
    if dossier.time_limit_amount is None:
        return ""
    try:
        unit = TimeUnit(dossier.time_limit_unit).label
    except ValueError:
        unit = dossier.time_limit_unit
    amount = dossier.time_limit_amount.normalize()
    return f"{amount:f} {unit}"


# ---- departments -----------------------------------------------------------------------------


def _department_list(request, queryset, template_title, empty_text):
    page = _paginate(request, queryset)
    return render(
        request,
        "dossiers/staff/department_queue.html",
        {"page": page, "title": template_title, "empty_text": empty_text, "query_string": ""},
    )


@staff_required(*DEPARTMENT_ROLES)
@require_http_methods(["GET"])
def division_queue(request):
    return _department_list(
        request,
        selectors.dossier_division_queue(user=request.user),
        _("Division queue"),
        _("No dossier is waiting in the division."),
    )


@staff_required(*DEPARTMENT_ROLES)
@require_http_methods(["GET"])
def assigned(request):
    return _department_list(
        request,
        selectors.dossier_assigned_to(user=request.user),
        _("Assigned to me"),
        _("No dossier is assigned to you."),
    )


@staff_required(*DEPARTMENT_ROLES)
@require_http_methods(["GET"])
def approvals(request):
    return _department_list(
        request,
        selectors.dossier_approval_queue(user=request.user),
        _("Awaiting approval"),
        _("No dossier is waiting for approval."),
    )


DEPARTMENT_ACTIONS = ("assign", "complete_step", "supplement", "complete", "extend")


def _department_forms(request, dossier):
    """The action forms this user may use on a processing dossier."""
    if dossier.status != DossierStatus.PROCESSING:
        return {}
    user = request.user
    step = dossier.current_step
    forms = {}
    if _is_division_head(user) and step is not None:
        forms["assign"] = AssignForm.for_dossier(
            dossier, prefix="assign", staff=_assignable(request, dossier)
        )
    if step is not None and (
        step.handler_id == user.pk or _is_division_head(user) or _is_leader(user)
    ):
        forms["complete_step"] = CompleteStepForm.for_dossier(dossier, prefix="complete_step")
    forms["supplement"] = SupplementRequestForm.for_dossier(dossier, prefix="supplement")
    if _is_leader(user):
        forms["complete"] = CompleteForm.for_dossier(dossier, prefix="complete")
        if dossier.extended_at is None:
            forms["extend"] = ExtendForm.for_dossier(dossier, prefix="extend")
    return forms


def _assignable(request, dossier):
    return assignable_staff(selectors.staff_agency_ids(request.user))


@staff_required(*DEPARTMENT_ROLES)
@require_http_methods(["GET", "POST"])
def department_detail(request, pk):
    dossier = selectors.dossier_get_for_user(user=request.user, dossier_id=pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in DEPARTMENT_ACTIONS:
            messages.error(request, _("Unknown action."))
            return redirect("dossiers:department_detail", pk=dossier.pk)
        if action == "assign":
            form = AssignForm(request.POST, prefix=action, staff=_assignable(request, dossier))
        else:
            form = {
                "complete_step": CompleteStepForm,
                "supplement": SupplementRequestForm,
                "complete": CompleteForm,
                "extend": ExtendForm,
            }[action](request.POST, prefix=action)
        if form.is_valid():
            _department_action(request, dossier, action, form.cleaned_data)
        else:
            _form_errors(request, form)
        return redirect("dossiers:department_detail", pk=dossier.pk)
    return render(
        request,
        "dossiers/staff/department_detail.html",
        _detail_context(dossier, forms=_department_forms(request, dossier)),
    )


def _department_action(request, dossier, action, data) -> bool:
    common = {"dossier": dossier, "actor": request.user, "expected_updated_at": data["updated_at"]}
    if action == "assign":
        return _run(
            request,
            services.dossier_assign,
            _("The dossier has been assigned to %(name)s.") % {"name": data["assignee"]},
            assignee=data["assignee"],
            **common,
        )
    if action == "complete_step":
        return _run(
            request,
            services.dossier_complete_step,
            _("The step is done; the dossier moves on."),
            note=data["note"],
            **common,
        )
    if action == "supplement":
        return _run(
            request,
            services.dossier_request_supplement,
            _("The supplement request has been sent to the applicant."),
            items=data["items"],
            reason=data["reason"],
            **common,
        )
    if action == "complete":
        return _run(
            request,
            services.dossier_complete,
            _("The result is ready; the desk will return it."),
            outcome=data["outcome"],
            **common,
        )
    return _run(
        request,
        services.dossier_extend,
        _("The new appointment has been set; send the apology letter to the applicant."),
        new_appointment_at=data["new_appointment_at"],
        reason=data["reason"],
        **common,
    )


# ---- Mẫu 05 ----------------------------------------------------------------------------------


@staff_required(*CASEWORK_ROLES)
@require_http_methods(["GET"])
def control_sheet(request, pk):
    dossier = selectors.dossier_get_for_user(user=request.user, dossier_id=pk)
    user = request.user
    if user.is_superuser or user.has_role(Role.DESK_OFFICER):
        back_url = reverse("dossiers:desk_detail", kwargs={"pk": dossier.pk})
    else:
        back_url = reverse("dossiers:department_detail", kwargs={"pk": dossier.pk})
    return render(
        request,
        "dossiers/staff/control_sheet.html",
        {
            "dossier": dossier,
            "rows": selectors.dossier_control_sheet(dossier=dossier),
            "back_url": back_url,
        },
    )

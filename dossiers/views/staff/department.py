"""The departments and their leaders: the division, personal and approval queues, the
department's dossier page, and the process control sheet (Mẫu 05) shared with the desk."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ... import selectors, services
from ...forms.staff import (
    AssignForm,
    CompleteForm,
    CompleteStepForm,
    ExtendForm,
    SupplementRequestForm,
)
from ...models import AccessKind
from ...permissions import PAGE_ROLES
from ...services.personal_data import access_record_create
from .access import (
    CASEWORK_ROLES,
    DEPARTMENT_ROLES,
    DESK_ROLES,
    StaffAction,
    _detail_context,
    _form_errors,
    _offered,
    _paginate,
    _run_action,
    has_any_role,
    staff_required,
)


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


@staff_required(*PAGE_ROLES["approvals"])
@require_http_methods(["GET"])
def approvals(request):
    return _department_list(
        request,
        selectors.dossier_approval_queue(user=request.user),
        _("Awaiting approval"),
        _("No dossier is waiting for approval."),
    )


# What each form of the department's dossier page does (see DESK_ACTIONS).
DEPARTMENT_ACTIONS = {
    "assign": StaffAction(
        "assign",
        AssignForm,
        services.dossier_assign,
        lambda data: _("The dossier has been assigned to %(name)s.") % {"name": data["assignee"]},
        ("assignee",),
    ),
    "complete_step": StaffAction(
        "complete_step",
        CompleteStepForm,
        services.dossier_complete_step,
        gettext_lazy("The step is done; the dossier moves on."),
        ("note",),
    ),
    "supplement": StaffAction(
        "request_supplement_in_processing",
        SupplementRequestForm,
        services.dossier_request_supplement,
        gettext_lazy("The supplement request has been sent to the applicant."),
        ("items", "reason"),
    ),
    "complete": StaffAction(
        "complete",
        CompleteForm,
        services.dossier_complete,
        gettext_lazy("The result is ready; the desk will return it."),
        ("outcome",),
    ),
    "extend": StaffAction(
        "extend",
        ExtendForm,
        services.dossier_extend,
        gettext_lazy(
            "The new appointment has been set; the apology letter (form 04) is issued to the "
            "applicant."
        ),
        ("new_appointment_at", "reason"),
    ),
}


def _department_forms(request, dossier):
    """The action forms the permission table offers this user on the dossier."""
    forms = {}
    for name in _offered(DEPARTMENT_ACTIONS, request.user, dossier):
        if name == "assign":
            if dossier.current_step is None:
                continue  # nothing left to hand over
            forms[name] = AssignForm.for_dossier(
                dossier, prefix=name, staff=selectors.staff_assignable_for(request.user)
            )
        elif name == "extend" and dossier.extended_at is not None:
            continue  # once only
        else:
            forms[name] = DEPARTMENT_ACTIONS[name].form.for_dossier(dossier, prefix=name)
    return forms


@staff_required(*DEPARTMENT_ROLES)
@require_http_methods(["GET", "POST"])
def department_detail(request, pk):
    dossier = selectors.dossier_get_for_staff(user=request.user, dossier_id=pk)
    if request.method == "POST":
        name = request.POST.get("action", "")
        action = DEPARTMENT_ACTIONS.get(name)
        if action is None:
            messages.error(request, _("Unknown action."))
            return redirect("dossiers:department_detail", pk=dossier.pk)
        extra = {"staff": selectors.staff_assignable_for(request.user)} if name == "assign" else {}
        form = action.form(request.POST, prefix=name, **extra)
        if form.is_valid():
            _run_action(request, dossier, action, form.cleaned_data)
        else:
            _form_errors(request, form)
        return redirect("dossiers:department_detail", pk=dossier.pk)
    access_record_create(dossier=dossier, user=request.user, what=AccessKind.DOSSIER_PAGE)
    return render(
        request,
        "dossiers/staff/department_detail.html",
        _detail_context(dossier, forms=_department_forms(request, dossier)),
    )


# ---- Mẫu 05 ----------------------------------------------------------------------------------


@staff_required(*CASEWORK_ROLES)
@require_http_methods(["GET"])
def control_sheet(request, pk):
    dossier = selectors.dossier_get_for_staff(user=request.user, dossier_id=pk)
    user = request.user
    if has_any_role(user, DESK_ROLES):
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

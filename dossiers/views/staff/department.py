"""The departments and their leaders: the division, personal and approval queues, the
department's dossier page, and the process control sheet (Mẫu 05) shared with the desk."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from portal.roles import Role

from ... import selectors, services
from ...choices import DossierStatus
from ...forms.staff import (
    AssignForm,
    CompleteForm,
    CompleteStepForm,
    ExtendForm,
    SupplementRequestForm,
)
from ...models import AccessKind
from ...permissions import is_leader, may_assign, may_complete_step
from ...services.personal_data import access_record_create
from .access import (
    CASEWORK_ROLES,
    DEPARTMENT_ROLES,
    StaffAction,
    _detail_context,
    _form_errors,
    _paginate,
    _run_action,
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


@staff_required(*DEPARTMENT_ROLES)
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
        AssignForm,
        services.dossier_assign,
        lambda data: _("The dossier has been assigned to %(name)s.") % {"name": data["assignee"]},
        ("assignee",),
    ),
    "complete_step": StaffAction(
        CompleteStepForm,
        services.dossier_complete_step,
        gettext_lazy("The step is done; the dossier moves on."),
        ("note",),
    ),
    "supplement": StaffAction(
        SupplementRequestForm,
        services.dossier_request_supplement,
        gettext_lazy("The supplement request has been sent to the applicant."),
        ("items", "reason"),
    ),
    "complete": StaffAction(
        CompleteForm,
        services.dossier_complete,
        gettext_lazy("The result is ready; the desk will return it."),
        ("outcome",),
    ),
    "extend": StaffAction(
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
    """The action forms this user may use on a processing dossier."""
    if dossier.status != DossierStatus.PROCESSING:
        return {}
    user = request.user
    step = dossier.current_step
    forms = {}
    if step is not None and may_assign(user):
        forms["assign"] = AssignForm.for_dossier(
            dossier, prefix="assign", staff=selectors.staff_assignable_for(user)
        )
    if may_complete_step(user, step):
        forms["complete_step"] = CompleteStepForm.for_dossier(dossier, prefix="complete_step")
    forms["supplement"] = SupplementRequestForm.for_dossier(dossier, prefix="supplement")
    if is_leader(user):
        forms["complete"] = CompleteForm.for_dossier(dossier, prefix="complete")
        if dossier.extended_at is None:
            forms["extend"] = ExtendForm.for_dossier(dossier, prefix="extend")
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

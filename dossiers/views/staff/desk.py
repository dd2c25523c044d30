"""The one-stop desk: the reception, supplement and return queues, walk-ins, the desk's dossier
page and the receipt."""

from uuid import uuid4

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from procedures.selectors import procedure_list_published

from ... import documents, selectors, services
from ...choices import DocumentKind, DossierStatus
from ...forms.staff import (
    ConfirmForm,
    DeskSearchForm,
    RefuseForm,
    ReturnForm,
    SupplementRequestForm,
    WalkInForm,
)
from ...selectors.documents import issued_documents_of
from ...services.documents import issued_document_pdf
from ...workflow import InvalidTransition
from .access import (
    DESK_ROLES,
    _detail_context,
    _error_text,
    _form_errors,
    _paginate,
    _run,
    staff_required,
)

QUEUES = (
    ("reception", gettext_lazy("Awaiting reception"), "r"),
    ("supplement", gettext_lazy("Awaiting supplement"), "s"),
    ("return", gettext_lazy("Awaiting return"), "t"),
)


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


@staff_required(*DESK_ROLES)
@require_http_methods(["GET"])
def receipt(request, pk):
    dossier = selectors.dossier_get_for_user(user=request.user, dossier_id=pk)
    if dossier.received_at is None:
        messages.error(request, _("A receipt is issued only once the dossier has been received."))
        return redirect("dossiers:desk_detail", pk=dossier.pk)
    return render(request, "dossiers/staff/receipt.html", documents.receipt_context(dossier))


@staff_required(*DESK_ROLES)
@require_http_methods(["GET"])
def receipt_pdf(request, pk):
    """Mẫu 01 as an A4 PDF (issue 7), for the desks that may see the dossier."""
    dossier = selectors.dossier_get_for_user(user=request.user, dossier_id=pk)
    if dossier.received_at is None:
        messages.error(request, _("A receipt is issued only once the dossier has been received."))
        return redirect("dossiers:desk_detail", pk=dossier.pk)
    issued = issued_documents_of(dossier=dossier).filter(kind=DocumentKind.RECEIPT).last()
    if issued is not None:
        data = issued_document_pdf(document=issued)  # the receipt as issued at reception
    else:
        # Dossiers received before documents were issued (or loaded by the demo generator).
        data = documents.receipt_pdf(dossier)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="giay-tiep-nhan-{dossier.code}.pdf"'
    return response

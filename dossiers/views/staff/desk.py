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

from ... import documents, selectors, services
from ...choices import DocumentKind
from ...documents.base import revive
from ...forms.staff import (
    ConfirmForm,
    DeskSearchForm,
    RefuseForm,
    ReturnForm,
    SupplementRequestForm,
    WalkInForm,
)
from ...models import AccessKind
from ...selectors.documents import issued_receipt_of
from ...services.documents import issued_document_pdf
from ...services.personal_data import access_record_create
from ...workflow import InvalidTransition
from ..errors import error_text
from .access import (
    DESK_ROLES,
    StaffAction,
    _detail_context,
    _form_errors,
    _offered,
    _paginate,
    _run_action,
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


@staff_required(*DESK_ROLES)
@require_http_methods(["GET", "POST"])
def walk_in(request):
    procedures = selectors.procedure_list_for_walk_in(user=request.user)
    if request.method == "POST":
        form = WalkInForm(request.POST, procedures=procedures)
        if form.is_valid():
            try:
                dossier = services.dossier_register_walk_in(
                    procedure=form.cleaned_data["procedure"],
                    applicant=form.applicant(),
                    actor=request.user,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    document_case=form.cleaned_data.get("document_case"),
                )
            except (InvalidTransition, ValidationError) as exc:
                messages.error(request, error_text(exc))
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


def _desk_forms(request, dossier):
    """The action forms the permission table offers this user on the dossier at the desk."""
    return {
        name: DESK_ACTIONS[name].form.for_dossier(dossier, prefix=name)
        for name in _offered(DESK_ACTIONS, request.user, dossier)
    }


# What each form of the desk's dossier page does. A form of an action the current status does not
# offer still reaches the service, which refuses it with the workflow's message (the page may be
# out of date).
DESK_ACTIONS = {
    "receive": StaffAction(
        "receive",
        ConfirmForm,
        services.dossier_receive,
        gettext_lazy("The dossier has been received; the clock has started."),
    ),
    "supplement": StaffAction(
        "request_supplement_at_desk",
        SupplementRequestForm,
        services.dossier_request_supplement,
        gettext_lazy("The supplement request has been sent to the applicant."),
        ("items", "reason"),
    ),
    "refuse": StaffAction(
        "refuse",
        RefuseForm,
        services.dossier_refuse,
        gettext_lazy("The dossier has been refused."),
        ("reason",),
    ),
    "forward": StaffAction(
        "forward",
        ConfirmForm,
        services.dossier_forward,
        gettext_lazy("The dossier has been forwarded to the department."),
    ),
    "return": StaffAction(
        "return",
        ReturnForm,
        services.dossier_return,
        gettext_lazy("The result has been returned."),
        ("method",),
    ),
}


@staff_required(*DESK_ROLES)
@require_http_methods(["GET", "POST"])
def desk_detail(request, pk):
    dossier = selectors.dossier_get_for_staff(user=request.user, dossier_id=pk)
    if request.method == "POST":
        name = request.POST.get("action", "")
        action = DESK_ACTIONS.get(name)
        if action is None:
            messages.error(request, _("Unknown action."))
            return redirect("dossiers:desk_detail", pk=dossier.pk)
        form = action.form(request.POST, prefix=name)
        if not form.is_valid():
            _form_errors(request, form)
            return redirect("dossiers:desk_detail", pk=dossier.pk)
        done = _run_action(request, dossier, action, form.cleaned_data)
        if done and name == "receive":
            return redirect("dossiers:receipt", pk=dossier.pk)
        return redirect("dossiers:desk_detail", pk=dossier.pk)
    access_record_create(dossier=dossier, user=request.user, what=AccessKind.DOSSIER_PAGE)
    return render(
        request,
        "dossiers/staff/desk_detail.html",
        _detail_context(dossier, forms=_desk_forms(request, dossier)),
    )


def _record_receipt(request, dossier, number: str) -> None:
    """The receipt prints the applicant's identity number, phone and address."""
    access_record_create(
        dossier=dossier,
        user=request.user,
        what=AccessKind.DOCUMENT,
        label=documents.document_filename(DocumentKind.RECEIPT, number or dossier.code or ""),
    )


def _received_dossier(request, pk):
    """The dossier, and whether it has a receipt to show (if not, a message says why)."""
    dossier = selectors.dossier_get_for_staff(user=request.user, dossier_id=pk)
    if dossier.received_at is None:
        messages.error(request, _("A receipt is issued only once the dossier has been received."))
        return dossier, False
    return dossier, True


@staff_required(*DESK_ROLES)
@require_http_methods(["GET"])
def receipt(request, pk):
    """Mẫu 01 as a printable page: the receipt as issued at reception (or, for a dossier received
    before receipts were issued, as the dossier stands)."""
    dossier, received = _received_dossier(request, pk)
    if not received:
        return redirect("dossiers:desk_detail", pk=dossier.pk)
    issued = issued_receipt_of(dossier=dossier)
    if issued is not None:
        snapshot, number = issued.snapshot, issued.number
    else:
        snapshot = documents.document_snapshot(DocumentKind.RECEIPT, dossier)
        number = documents.document_number(DocumentKind.RECEIPT, dossier)
    _record_receipt(request, dossier, number)
    context = {
        "dossier": dossier,
        "doc": revive(snapshot),
        "number": number,
        "form_title": documents.form_for(DocumentKind.RECEIPT)[1],
    }
    return render(request, "dossiers/staff/receipt.html", context)


@staff_required(*DESK_ROLES)
@require_http_methods(["GET"])
def receipt_pdf(request, pk):
    """Mẫu 01 as an A4 PDF, for the desks that may see the dossier."""
    dossier, received = _received_dossier(request, pk)
    if not received:
        return redirect("dossiers:desk_detail", pk=dossier.pk)
    issued = issued_receipt_of(dossier=dossier)
    if issued is not None:
        data = issued_document_pdf(document=issued)  # the receipt as issued at reception
    else:
        # Dossiers received before documents were issued (or loaded by the demo generator).
        data = documents.receipt_pdf(dossier)
    _record_receipt(request, dossier, issued.number if issued is not None else "")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="giay-tiep-nhan-{dossier.code}.pdf"'
    return response

"""Screens of citizens and organisations: submit online, follow, supplement, withdraw, rate, track.

Thin: each view reads through the permission-scoped selectors, validates the input with a form and
calls one service; a refused action (InvalidTransition, ValidationError) becomes an error message
and a redirect, never a 500.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.throttles import (
    address_key,
    retry_text,
    track_address_throttle,
    track_code_throttle,
)
from procedures.models import Procedure
from procedures.selectors import procedure_get_published

from ..choices import DossierChannel, DossierStatus, FilePurpose, SatisfactionLevel
from ..forms.citizen import (
    ApplicantForm,
    CaseForm,
    RatingForm,
    SupplementForm,
    TrackForm,
    WithdrawForm,
)
from ..models import AccessKind
from ..permissions import user_may
from ..selectors import (
    dossier_get_for_user,
    dossier_list_for_user,
    dossier_timeline,
    dossier_track,
)
from ..selectors.documents import issued_documents_of, submitted_files_of
from ..services import (
    dossier_attach_file,
    dossier_create_draft,
    dossier_rate,
    dossier_remove_file,
    dossier_resubmit,
    dossier_submit,
    dossier_update_draft,
    dossier_withdraw,
)
from ..services.dossiers import UNCHANGED, require_channel_open, required_documents_for
from ..services.personal_data import access_record_create, access_records_for_applicant
from ..workflow import InvalidTransition
from .errors import error_text
from .issued_documents import dossier_get_for_reader

PAGE_SIZE = 20
IDEMPOTENCY_KEY_LENGTH = 64


def _expected_updated_at(request):
    """The dossier's `updated_at` when the page was shown (hidden field), to refuse stale forms."""
    try:
        return parse_datetime(request.POST.get("updated_at", "") or "")
    except ValueError:
        return None


def _own_dossier(request, pk):
    """The user's own dossier; anyone else's (even one a staff member may see) is a 404."""
    dossier = dossier_get_for_user(user=request.user, dossier_id=pk)
    if dossier.applicant_user_id != request.user.pk:
        raise Http404(_("There is no such dossier among yours."))
    return dossier


def _documents(dossier):
    """The documents of the dossier: those of every case and those of its case."""
    return list(required_documents_for(procedure=dossier.procedure, case=dossier.document_case))


def _online_refusal(procedure) -> str:
    """Why `procedure` takes no dossier online, or "" when it takes them."""
    try:
        require_channel_open(procedure, DossierChannel.ONLINE)
    except ValidationError as exc:
        return error_text(exc)
    return ""


# ---- submitting online -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def submit_start(request, code):
    try:
        procedure = procedure_get_published(code=code)
    except Procedure.DoesNotExist:
        raise Http404(
            _("There is no published procedure with the code %(code)s.") % {"code": code}
        ) from None
    # A procedure published for information only (no time limit set) says so and takes nothing.
    refusal = _online_refusal(procedure)
    cases = procedure.cases.all()
    has_cases = cases.exists()
    key = uuid.uuid4().hex
    case_form = CaseForm(cases=cases) if has_cases else None
    if request.method == "POST":
        if refusal:
            messages.error(request, refusal)
            return redirect("procedures:detail", code=procedure.code)
        # The key made when the page was shown: a double click posts it twice, one draft results.
        key = request.POST.get("idempotency_key", "")[:IDEMPOTENCY_KEY_LENGTH]
        case_form = CaseForm(request.POST, cases=cases) if has_cases else None
        if case_form is None or case_form.is_valid():
            user = request.user
            applicant = {
                "name": user.get_full_name() or str(user),
                "email": user.email,
                "phone": user.phone,
                "identity_number": user.identity_number,
            }
            try:
                dossier = dossier_create_draft(
                    procedure=procedure,
                    applicant=applicant,
                    user=user,
                    idempotency_key=key,
                    document_case=case_form.cleaned_data["document_case"] if case_form else None,
                )
            except (InvalidTransition, ValidationError) as exc:
                messages.error(request, error_text(exc))
                return redirect("procedures:detail", code=procedure.code)
            return redirect("dossiers:draft_edit", pk=dossier.pk)
    return render(
        request,
        "dossiers/citizen/submit_start.html",
        {
            "procedure": procedure,
            "idempotency_key": key,
            "case_form": case_form,
            "refusal": refusal,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def draft_edit(request, pk):
    dossier = _own_dossier(request, pk)
    if dossier.status != DossierStatus.DRAFT:
        messages.info(request, _("This dossier has been submitted and can no longer be edited."))
        return redirect("dossiers:my_detail", pk=dossier.pk)
    documents = _documents(dossier)
    cases = dossier.procedure.cases.all()
    if request.method == "POST" and "remove_file" in request.POST:
        try:
            dossier_remove_file(
                dossier=dossier, file_id=int(request.POST["remove_file"]), actor=request.user
            )
        except (InvalidTransition, ValidationError, ValueError) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("The file has been removed."))
        return redirect("dossiers:draft_edit", pk=dossier.pk)
    if request.method == "POST":
        form = ApplicantForm(request.POST, request.FILES, documents=documents, cases=cases)
        if form.is_valid():
            previous_case_id = dossier.document_case_id
            files_before = dict(dossier.files.values_list("pk", "original_name"))
            try:
                dossier = dossier_update_draft(
                    dossier=dossier,
                    applicant=form.applicant(),
                    actor=request.user,
                    document_case=(
                        form.cleaned_data["document_case"] if form.has_cases else UNCHANGED
                    ),
                )
            except (InvalidTransition, ValidationError) as exc:
                messages.error(request, error_text(exc))
                return redirect("dossiers:draft_edit", pk=dossier.pk)
            case_changed = dossier.document_case_id != previous_case_id
            if case_changed:
                _case_changed_message(request, dossier, files_before)
            # Documents shown for the previous case and not part of the new one take no file.
            part_of_case = {document.pk for document in _documents(dossier)}
            failed = False
            for document, upload in form.uploads():
                if document.pk not in part_of_case:
                    failed = True
                    messages.error(
                        request,
                        _(
                            "“%(file)s” (%(document)s) was not attached: the document is not "
                            "part of the case you chose."
                        )
                        % {"file": upload.name, "document": document.name},
                    )
                    continue
                # Each file on its own: a refused one leaves the others and the details saved.
                try:
                    dossier_attach_file(
                        dossier=dossier,
                        required_document=document,
                        upload=upload,
                        actor=request.user,
                        purpose=FilePurpose.APPLICATION,
                    )
                except (InvalidTransition, ValidationError) as exc:
                    failed = True
                    messages.error(
                        request,
                        _("“%(file)s” (%(document)s) was not attached: %(reason)s")
                        % {
                            "file": upload.name,
                            "document": document.name,
                            "reason": error_text(exc),
                        },
                    )
            if failed or case_changed:
                # A new case asks for other documents: the citizen sees them before reviewing.
                return redirect("dossiers:draft_edit", pk=dossier.pk)
            if "review" in request.POST:
                return redirect("dossiers:draft_review", pk=dossier.pk)
            messages.success(request, _("The draft has been saved."))
            return redirect("dossiers:draft_edit", pk=dossier.pk)
    else:
        form = ApplicantForm(initial=_applicant_initial(dossier), documents=documents, cases=cases)
    files = list(dossier.files.all())
    rows = [
        {
            "document": document,
            "field": form[form.document_field_name(document)],
            "files": [f for f in files if f.required_document_id == document.pk],
        }
        for document in documents
    ]
    other_files = [f for f in files if f.required_document_id is None]
    return render(
        request,
        "dossiers/citizen/draft_edit.html",
        {
            "dossier": dossier,
            "form": form,
            "rows": rows,
            "other_files": other_files,
            "needs_case": form.has_cases and dossier.document_case_id is None,
            "refusal": _online_refusal(dossier.procedure),
        },
    )


def _applicant_initial(dossier) -> dict:
    return {
        "name": dossier.applicant_name,
        "identity_number": dossier.applicant_identity_number,
        "phone": dossier.applicant_phone,
        "email": dossier.applicant_email,
        "address": dossier.applicant_address,
        "organisation": dossier.applicant_organisation,
        "document_case": dossier.document_case_id,
    }


def _case_changed_message(request, dossier, files_before: dict[int, str]) -> None:
    kept = set(dossier.files.values_list("pk", flat=True))
    removed = [name for pk, name in files_before.items() if pk not in kept]
    if removed:
        text = _(
            "The case is now “%(case)s”. The files of the previous case's documents were "
            "removed: %(names)s."
        ) % {"case": dossier.document_case.title, "names": "; ".join(removed)}
    else:
        text = _("The case is now “%(case)s”: attach the documents it asks for.") % {
            "case": dossier.document_case.title
        }
    messages.info(request, text)


@login_required
@require_http_methods(["GET", "POST"])
def draft_review(request, pk):
    dossier = _own_dossier(request, pk)
    if dossier.status != DossierStatus.DRAFT:
        return redirect("dossiers:my_detail", pk=dossier.pk)
    if request.method == "POST":
        try:
            dossier = dossier_submit(
                dossier=dossier,
                actor=request.user,
                expected_updated_at=_expected_updated_at(request),
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            if getattr(exc, "code", None) == "stale":
                return redirect("dossiers:draft_review", pk=dossier.pk)
            return redirect("dossiers:draft_edit", pk=dossier.pk)
        except InvalidTransition as exc:
            messages.error(request, error_text(exc))
            return redirect("dossiers:my_detail", pk=dossier.pk)
        messages.success(
            request,
            _(
                "Your dossier has been submitted. Its code is %(code)s; keep it to track "
                "the dossier."
            )
            % {"code": dossier.code},
        )
        return redirect("dossiers:my_detail", pk=dossier.pk)
    files = list(dossier.files.all())
    rows = [
        {"document": document, "files": [f for f in files if f.required_document_id == document.pk]}
        for document in _documents(dossier)
    ]
    return render(
        request,
        "dossiers/citizen/draft_review.html",
        {
            "dossier": dossier,
            "rows": rows,
            "needs_case": dossier.document_case_id is None and dossier.procedure.cases.exists(),
            "refusal": _online_refusal(dossier.procedure),
        },
    )


# ---- following one's dossiers ------------------------------------------------------------------


@login_required
def my_list(request):
    dossiers = (
        dossier_list_for_user(user=request.user)
        .filter(applicant_user=request.user)
        .select_related("procedure")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(dossiers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dossiers/citizen/my_list.html", {"page": page})


@login_required
def my_detail(request, pk):
    dossier = _own_dossier(request, pk)
    access_rows, access_total = access_records_for_applicant(dossier=dossier)
    context = {
        "dossier": dossier,
        "access_rows": access_rows,
        "access_total": access_total,
        "events": dossier_timeline(dossier=dossier),
        "files": list(submitted_files_of(dossier=dossier)),
        "issued_documents": list(issued_documents_of(dossier=dossier)),
        # What the permission table offers the applicant on the dossier as it stands.
        "can_withdraw": user_may("withdraw", request.user, dossier),
        "can_edit_draft": user_may("update_draft", request.user, dossier),
    }
    if user_may("resubmit", request.user, dossier):
        context["supplement_form"] = SupplementForm(documents=_documents(dossier))
    if user_may("rate", request.user, dossier):
        context["rating"] = getattr(dossier, "rating", None)
        if context["rating"] is None:
            context["rating_form"] = RatingForm(levels=SatisfactionLevel.choices)
    return render(request, "dossiers/citizen/my_detail.html", context)


@login_required
@require_POST
def supplement(request, pk):
    dossier = _own_dossier(request, pk)
    form = SupplementForm(request.POST, request.FILES, documents=_documents(dossier))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("dossiers:my_detail", pk=dossier.pk)
    for document, upload in form.uploads():
        try:
            dossier_attach_file(
                dossier=dossier,
                required_document=document,
                upload=upload,
                actor=request.user,
                purpose=FilePurpose.SUPPLEMENT,
            )
        except (InvalidTransition, ValidationError) as exc:
            # Files already sent stay attached; the dossier goes back only once all are accepted.
            messages.error(
                request,
                _("“%(file)s” was not attached: %(reason)s")
                % {"file": upload.name, "reason": error_text(exc)},
            )
            return redirect("dossiers:my_detail", pk=dossier.pk)
    try:
        dossier_resubmit(dossier=dossier, actor=request.user)
    except (InvalidTransition, ValidationError) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The supplement has been sent."))
    return redirect("dossiers:my_detail", pk=dossier.pk)


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request, pk):
    dossier = _own_dossier(request, pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dossier_withdraw(
                dossier=dossier,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                expected_updated_at=_expected_updated_at(request),
            )
        except (InvalidTransition, ValidationError) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("The dossier has been withdrawn."))
        return redirect("dossiers:my_detail", pk=dossier.pk)
    return render(request, "dossiers/citizen/withdraw.html", {"dossier": dossier, "form": form})


@login_required
@require_POST
def rate(request, pk):
    dossier = _own_dossier(request, pk)
    form = RatingForm(request.POST, levels=SatisfactionLevel.choices)
    if not form.is_valid():
        messages.error(request, _("Choose how satisfied you are."))
        return redirect("dossiers:my_detail", pk=dossier.pk)
    try:
        dossier_rate(
            dossier=dossier,
            actor=request.user,
            level=form.cleaned_data["level"],
            comment=form.cleaned_data["comment"],
        )
    except (InvalidTransition, ValidationError) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Thank you for your rating."))
    return redirect("dossiers:my_detail", pk=dossier.pk)


# ---- for anyone --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def track(request):
    """Look a dossier up by its code and the applicant's phone; reveal nothing on a wrong pair.

    Failed look-ups are limited per client address and per dossier code (whatever the address,
    so guessing the phone of one code is capped however many addresses are used); a blocked
    look-up is refused without a query and says when to try again.
    """
    form = TrackForm(request.POST or None)
    context = {"form": form}
    if request.method == "POST":
        by_address, by_code = track_address_throttle(), track_code_throttle()
        address = address_key(request)
        code = form.cleaned_data["code"].upper() if form.is_valid() else None
        until = by_address.blocked_until(address) or (by_code.blocked_until(code) if code else None)
        if until is not None:
            context["throttled"] = True
            context["retry_text"] = retry_text(until)
            return render(request, "dossiers/citizen/track.html", context, status=429)
        if code:
            dossier = dossier_track(
                code=form.cleaned_data["code"], phone=form.cleaned_data["phone"]
            )
            if dossier is None:
                by_address.record_failure(address)
                by_code.record_failure(code)
                context["not_found"] = True
            else:
                context["dossier"] = dossier
                context["events"] = dossier_timeline(dossier=dossier)
    return render(request, "dossiers/citizen/track.html", context)


@login_required
def file_download(request, pk, file_id):
    """A dossier's file, for its applicant and for staff who may see the dossier (403 for staff
    whose roles handle no dossier, 404 for anyone else)."""
    dossier = dossier_get_for_reader(user=request.user, dossier_id=pk)
    dossier_file = dossier.files.filter(pk=file_id).first()
    if dossier_file is None:
        raise Http404(_("This dossier has no such file."))
    try:
        handle = dossier_file.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("The stored file is missing; please tell the service centre.")) from None
    # Staff opening an applicant's file is recorded (the applicant's own download is not).
    access_record_create(
        dossier=dossier,
        user=request.user,
        what=AccessKind.FILE,
        object_id=dossier_file.pk,
        label=dossier_file.original_name,
    )
    return FileResponse(
        handle,
        as_attachment=True,
        filename=dossier_file.original_name,
        content_type=dossier_file.content_type or "application/octet-stream",
    )

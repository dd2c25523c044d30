"""Batch documents: staff request the register (Mẫu 06) or the Biểu 06 report as a PDF,
watch the job's progress (htmx polls a fragment of the job page) and download the result.

Thin: the service validates and queues, the selectors scope every read to the requester. A job
is private to whoever requested it; anyone else gets a 404.
"""

from datetime import date
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..choices import DocumentJobStatus, DocumentKind
from ..documents.report import GROUPINGS as REPORT_GROUPINGS
from ..forms.reports import GROUPING_LABELS, ReportForm
from ..selectors.document_jobs import (
    DOCUMENT_ROLES,
    document_job_fields_for,
    document_job_get_for_user,
    document_job_kinds_for,
    document_job_list_for_user,
)
from ..services.document_jobs import document_job_request
from .staff.access import staff_required

RECENT_JOBS = 20
# The request parameters each document takes from the posted form.
PARAM_NAMES = {
    DocumentKind.REGISTER: ("field", "from", "to"),
    DocumentKind.REPORT: ("period", "year", "month", "quarter", "from", "to", "grouping"),
}
ACTIVE = (DocumentJobStatus.QUEUED, DocumentJobStatus.RUNNING)


def _report_form(data=None, today: date | None = None) -> ReportForm:
    today = today or timezone.localdate()
    if data is None:
        form = ReportForm(
            initial={
                "period": "month",
                "year": today.year,
                "month": today.month,
                "grouping": REPORT_GROUPINGS[0],
            }
        )
    else:
        form = ReportForm(data)
    form.fields["grouping"].choices = [
        (grouping, GROUPING_LABELS.get(grouping, grouping)) for grouping in REPORT_GROUPINGS
    ]
    return form


def _error_dict(exc: ValidationError) -> dict[str, list[str]]:
    """Messages by parameter; those about no single parameter under "general" (templates cannot
    read "__all__")."""
    if not hasattr(exc, "error_dict"):
        return {"general": list(exc.messages)}
    return {
        "general" if name == NON_FIELD_ERRORS else name: list(errors)
        for name, errors in exc.message_dict.items()
    }


@staff_required(*DOCUMENT_ROLES)
@require_http_methods(["GET", "POST"])
def document_jobs(request):
    """The request forms (for the documents the user may request) and their recent jobs."""
    kinds = document_job_kinds_for(user=request.user)
    submitted, values, errors, status = "", {}, {}, 200
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        values = {name: request.POST.get(name) for name in PARAM_NAMES.get(kind, ())}
        try:
            job = document_job_request(user=request.user, kind=kind, params=values)
        except ValidationError as exc:
            submitted, errors, status = kind, _error_dict(exc), 400
        else:
            messages.success(request, _("The document is being prepared."))
            return redirect("dossiers:document_job", pk=job.pk)
    context = {
        "can_register": DocumentKind.REGISTER in kinds,
        "can_report": DocumentKind.REPORT in kinds,
        "fields": document_job_fields_for(user=request.user),
        "register_values": values if submitted == DocumentKind.REGISTER else {},
        "register_errors": errors if submitted == DocumentKind.REGISTER else {},
        "report_form": _report_form(values if submitted == DocumentKind.REPORT else None),
        "report_errors": errors if submitted == DocumentKind.REPORT else {},
        "other_errors": errors
        if submitted not in (DocumentKind.REGISTER, DocumentKind.REPORT)
        else {},
        "jobs": document_job_list_for_user(user=request.user)[:RECENT_JOBS],
    }
    return render(request, "dossiers/document_jobs/list.html", context, status=status)


@staff_required(*DOCUMENT_ROLES)
@require_http_methods(["GET"])
def document_job(request, pk: int):
    """The job page; an htmx request (the page polling while the job is queued or running) gets
    only the status fragment."""
    job = document_job_get_for_user(user=request.user, job_id=pk)
    fragment = request.headers.get("HX-Request") == "true"
    template = (
        "dossiers/document_jobs/_status.html" if fragment else "dossiers/document_jobs/detail.html"
    )
    response = render(request, template, {"job": job, "active": job.status in ACTIVE})
    patch_vary_headers(response, ["HX-Request"])
    add_never_cache_headers(response)
    return response


def download_name(job) -> str:
    """The stored file's name without the `<job id>-` prefix of the storage path."""
    name = Path(job.file.name).name
    prefix = f"{job.pk}-"
    return name[len(prefix) :] if name.startswith(prefix) else name


@staff_required(*DOCUMENT_ROLES)
@require_http_methods(["GET"])
def document_job_download(request, pk: int):
    """The finished PDF, for the person who requested it only."""
    job = document_job_get_for_user(user=request.user, job_id=pk)
    if job.status != DocumentJobStatus.DONE or not job.file:
        raise Http404(_("This document is not ready yet."))
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The stored file is missing; please request the document again.")) from None
    return FileResponse(
        handle, as_attachment=True, filename=download_name(job), content_type="application/pdf"
    )

"""Issued documents (forms 01–05, stop notice) of one dossier: download, and rebuild on request.

The dossier is found through dossier_get_for_user, so an applicant reaches only their own
dossiers' documents and staff only their agencies'; anyone else gets 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..documents import document_filename
from ..models import AccessKind
from ..selectors import dossier_get_for_staff, dossier_get_for_user
from ..selectors.documents import issued_document_get
from ..services.documents import issued_document_pdf, issued_document_regenerate
from ..services.personal_data import access_record_create
from .staff.access import CASEWORK_ROLES, staff_required


@login_required
@require_GET
def document_download(request, pk, document_id):
    dossier = dossier_get_for_user(user=request.user, dossier_id=pk)
    document = issued_document_get(dossier=dossier, document_id=document_id)
    response = HttpResponse(issued_document_pdf(document=document), content_type="application/pdf")
    filename = document_filename(document.kind, document.number)
    # Staff opening it is recorded (the applicant's own download is not).
    access_record_create(
        dossier=dossier,
        user=request.user,
        what=AccessKind.DOCUMENT,
        object_id=document.pk,
        label=filename,
    )
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@staff_required(*CASEWORK_ROLES)
@require_POST
def document_regenerate(request, pk, document_id):
    """Render the document again from what it printed when issued, and say whether it is the same
    file, byte for byte, as the one stored."""
    dossier = dossier_get_for_staff(user=request.user, dossier_id=pk)
    document = issued_document_get(dossier=dossier, document_id=document_id)
    result = issued_document_regenerate(document=document)
    if result.identical:
        messages.success(
            request,
            _("Regenerated %(name)s: identical to the stored file (SHA-256 %(hash)s).")
            % {
                "name": document_filename(document.kind, document.number),
                "hash": result.sha256[:16],
            },
        )
    else:
        messages.error(
            request,
            _("Regenerated %(name)s differs from the stored file; the stored file is kept.")
            % {"name": document_filename(document.kind, document.number)},
        )
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("dossiers:desk_detail", pk=dossier.pk)

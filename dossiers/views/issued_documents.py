"""Issued documents (forms 01–05, stop notice) of one dossier: download, and rebuild on request.

The dossier is found through dossier_get_for_reader: an applicant reaches only their own
dossiers' documents and casework staff only their agencies'; a staff member whose roles handle
no dossier (a catalogue administrator) gets 403, anyone else 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..documents import document_filename
from ..models import AccessKind, Dossier
from ..permissions import has_any_role, may_open_page
from ..selectors import dossier_get_for_staff, dossier_get_for_user
from ..selectors.documents import issued_document_get
from ..services.documents import issued_document_pdf, issued_document_regenerate
from ..services.personal_data import access_record_create
from .staff.access import CASEWORK_ROLES, staff_required


def dossier_get_for_reader(*, user, dossier_id) -> Dossier:
    """The dossier whose files and issued documents `user` may open: their own application or
    one of their casework (dossier_get_for_user).

    Otherwise a staff member whose roles handle no dossier (a catalogue administrator) is
    refused with 403 whatever the id, so the answer tells nothing about which dossiers exist;
    a citizen, or casework staff outside the dossier's agencies, gets 404 as for a dossier that
    does not exist.
    """
    try:
        return dossier_get_for_user(user=user, dossier_id=dossier_id)
    except Http404:
        staff = user.is_staff or user.is_staff_member
        if staff and not has_any_role(user, CASEWORK_ROLES):
            raise PermissionDenied(_("This page is not part of your work.")) from None
        raise


@login_required
@require_GET
def document_download(request, pk, document_id):
    dossier = dossier_get_for_reader(user=request.user, dossier_id=pk)
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
    # Back to the dossier page of the user's own side (the department's is closed to the desk
    # and the other way round).
    if may_open_page(request.user, "desk"):
        return redirect("dossiers:desk_detail", pk=dossier.pk)
    return redirect("dossiers:department_detail", pk=dossier.pk)

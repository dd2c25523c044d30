"""Mẫu 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả, as HTML context and as PDF (DOMAIN §2.2)."""

import segno
from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode

from procedures.choices import TimeUnit

from .. import selectors
from ..choices import DossierAction
from .forms import CURRENT_BASIS, form_for
from .render import render_pdf


def tracking_url(dossier) -> str:
    """The public tracking page for this dossier, which the receipt's QR code opens."""
    query = urlencode({"code": dossier.code})
    return f"{settings.SITE_URL.rstrip('/')}{reverse('dossiers:track')}?{query}"


def qr_data_uri(payload: str) -> str:
    """A QR code (PNG data URI, medium error correction) carrying `payload`.

    PNG rather than SVG: the PDF then holds it as an image that tests can compare pixel by pixel.
    """
    return segno.make_qr(payload, error="m").png_data_uri(scale=4, border=2)


def time_limit_text(dossier) -> str:
    if dossier.time_limit_amount is None:
        return ""
    try:
        unit = TimeUnit(dossier.time_limit_unit).label
    except ValueError:
        unit = dossier.time_limit_unit
    amount = dossier.time_limit_amount.normalize()
    return f"{amount:f} {unit}"


def receipt_context(dossier, basis: str = CURRENT_BASIS) -> dict:
    """What both the HTML receipt page and the PDF show."""
    files = list(dossier.files.select_related("required_document"))
    # A walk-in brings paper: the desk checked the procedure's documents against the list.
    documents = [] if files else list(dossier.procedure.documents.all())
    events = selectors.dossier_timeline(dossier=dossier)
    received = [event for event in events if event.action == DossierAction.RECEIVED]
    received_by = received[-1].actor if received else None
    number, title = form_for("receipt", basis)
    return {
        "dossier": dossier,
        "files": files,
        "documents": documents,
        "time_limit": time_limit_text(dossier),
        "received_by": received_by,
        # The desk that received it (a service centre), else the handling agency itself.
        "receiving_agency": getattr(received_by, "agency", None) or dossier.agency,
        "form_number": number,
        "form_title": title,
        "tracking_url": tracking_url(dossier),
    }


def receipt_pdf(dossier, basis: str = CURRENT_BASIS) -> bytes:
    """The receipt as A4 PDF bytes (same text for the same dossier; bytes not yet always equal)."""
    context = receipt_context(dossier, basis)
    context["qr_code"] = qr_data_uri(context["tracking_url"])
    return render_pdf("dossiers/documents/receipt.html", context)

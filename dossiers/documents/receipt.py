"""Mẫu 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả (DOMAIN §2.2).

`snapshot` is what the receipt prints, taken at reception; the desk's HTML page and the PDF both
show it.
"""

from decimal import Decimal

import segno
from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode

from procedures.choices import TimeUnit
from procedures.selectors import procedure_documents_for_case

from .. import selectors
from ..choices import DossierAction
from ..selectors.documents import submitted_files_of
from .base import agency_snapshot, dossier_snapshot, iso, person_name, place_name
from .forms import CURRENT_BASIS

TEMPLATE = "dossiers/documents/receipt.html"
NUMBER_SUFFIX = ""  # the receipt's number is the dossier code itself


def tracking_url(dossier) -> str:
    """The public tracking page for this dossier, which the receipt's QR code opens."""
    query = urlencode({"code": dossier.code})
    return f"{settings.SITE_URL.rstrip('/')}{reverse('dossiers:track')}?{query}"


def qr_data_uri(payload: str) -> str:
    """A QR code (PNG data URI, medium error correction) carrying `payload`.

    PNG rather than SVG: the PDF then holds it as an image that tests can compare pixel by pixel.
    """
    return segno.make_qr(payload, error="m").png_data_uri(scale=4, border=2)


# The form is printed in Vietnamese whatever the officer's language, like its template.
UNIT_WORDS = {
    TimeUnit.WORKING_DAYS: "ngày làm việc",
    TimeUnit.WORKING_HOURS: "giờ làm việc",
    TimeUnit.CALENDAR_DAYS: "ngày",
    TimeUnit.HOURS: "giờ",
    TimeUnit.MONTHS: "tháng",
}


def time_limit_text(dossier) -> str:
    """The time limit the dossier was received under (its channel's), as the form states it:
    "10 ngày làm việc", "0,5 ngày làm việc", "24 giờ", "3 tháng", "Trong ngày"; empty when there
    is none (a dossier with no usable limit is never received)."""
    unit = dossier.time_limit_unit
    if unit == TimeUnit.WITHIN_DAY:
        return "Trong ngày"
    amount = dossier.time_limit_amount
    if amount is None or unit == TimeUnit.NOT_STATED:
        return ""
    return f"{_number(amount)} {UNIT_WORDS.get(unit, unit)}"


def _number(amount: Decimal) -> str:
    """Vietnamese spelling: no trailing zeros, a decimal comma."""
    if amount == amount.to_integral_value():
        return str(int(amount))
    return format(amount.normalize(), "f").replace(".", ",")


def _receiver(dossier, event=None):
    if event is not None and event.action == DossierAction.RECEIVED:
        return event.actor
    received = [
        item
        for item in selectors.dossier_timeline(dossier=dossier)
        if item.action == DossierAction.RECEIVED
    ]
    return received[-1].actor if received else None


def snapshot(dossier, event=None) -> dict:
    # Files of another case's documents (attached at the desk by mistake) are not part of it.
    files = [
        item
        for item in submitted_files_of(dossier=dossier)
        if item.required_document is None
        or item.required_document.case_id in (None, dossier.document_case_id)
    ]
    received_by = _receiver(dossier, event)
    receiving_agency = getattr(received_by, "agency", None) or dossier.agency
    if files:
        documents = [
            (f"{item.required_document.name}: " if item.required_document else "")
            + item.original_name
            for item in files
        ]
    else:
        documents = [
            f"{item.name} ({item.original_count} bản chính"
            + (f", {item.copy_count} bản sao" if item.copy_count else "")
            + ")"
            for item in procedure_documents_for_case(
                procedure=dossier.procedure, case_id=dossier.document_case_id
            )
        ]
    return {
        **dossier_snapshot(dossier),
        "issuer": agency_snapshot(receiving_agency),
        "case": dossier.document_case.title if dossier.document_case_id else "",
        "place": place_name(),
        "dated_at": iso(dossier.received_at),
        "documents": documents,
        "time_limit": time_limit_text(dossier),
        "due_explanation": dossier.due_explanation,
        "received_by": person_name(received_by),
        "tracking_url": tracking_url(dossier),
    }


def render_context(doc: dict) -> dict:
    return {"qr_code": qr_data_uri(doc["tracking_url"])}


def receipt_pdf(dossier, basis: str = CURRENT_BASIS) -> bytes:
    """Mẫu 01 of the dossier as it stands now, as A4 PDF bytes."""
    from .registry import document_number, document_pdf

    return document_pdf(
        "receipt", snapshot(dossier), number=document_number("receipt", dossier), basis=basis
    )

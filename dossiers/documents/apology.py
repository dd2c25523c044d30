"""Mẫu 04: Phiếu xin lỗi và đề nghị gia hạn thời gian giải quyết (DOMAIN §2.2), taken at the
EXTENDED event: the appointment that will not be kept, the reason, the apology and the new
appointment, signed by the head of the agency (the leader who extended)."""

from ..choices import DossierAction
from .base import agency_snapshot, dossier_snapshot, form_event, iso, person_name, place_name

TEMPLATE = "dossiers/documents/apology.html"
NUMBER_SUFFIX = "PXL"
ACTION = DossierAction.EXTENDED


def snapshot(dossier, event=None) -> dict:
    event = form_event(dossier, event, ACTION)
    # The event holds both appointments as ISO text; an appointment never set was the due time.
    previous = event.data.get("previous_appointment_at") or iso(dossier.due_at)
    return {
        **dossier_snapshot(dossier),
        "issuer": agency_snapshot(dossier.agency),
        "place": place_name(),
        "dated_at": iso(event.at),
        "previous_appointment_at": previous,
        "new_appointment_at": event.data.get("appointment_at"),
        "reason": event.note,
        "signed_by": person_name(event.actor),
    }

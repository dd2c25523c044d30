"""Mẫu 03: Phiếu từ chối tiếp nhận giải quyết hồ sơ (DOMAIN §2.2), taken at the REFUSED event: who
applied for what, when it was submitted and refused, and the specific reason."""

from ..choices import DossierAction
from .base import (
    agency_snapshot,
    dossier_snapshot,
    form_event,
    iso,
    issuer_of,
    person_name,
    place_name,
)

TEMPLATE = "dossiers/documents/refusal.html"
NUMBER_SUFFIX = "PTC"
ACTION = DossierAction.REFUSED


def snapshot(dossier, event=None) -> dict:
    event = form_event(dossier, event, ACTION)
    return {
        **dossier_snapshot(dossier),
        "issuer": agency_snapshot(issuer_of(event.actor, dossier)),
        "place": place_name(),
        "dated_at": iso(event.at),
        "submitted_at": iso(dossier.submitted_at),
        "refused_at": iso(event.at),
        "reason": event.note,
        "refused_by": person_name(event.actor),
    }

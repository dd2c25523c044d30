"""Thông báo dừng giải quyết hồ sơ (TT 03/2025; its fields are not confirmed, DOMAIN §2.2), taken at
the WITHDRAWN event: the dossier, when it was stopped and why, at the applicant's request.

The handling agency issues it; the applicant withdraws, so the signer is named only when a staff
member recorded the withdrawal.
"""

from ..choices import DossierAction
from .base import agency_snapshot, dossier_snapshot, form_event, iso, person_name, place_name

TEMPLATE = "dossiers/documents/stop_notice.html"
NUMBER_SUFFIX = "TBD"
ACTION = DossierAction.WITHDRAWN


def snapshot(dossier, event=None) -> dict:
    event = form_event(dossier, event, ACTION)
    staff = getattr(event.actor, "agency", None) is not None
    return {
        **dossier_snapshot(dossier),
        "issuer": agency_snapshot(dossier.agency),
        "place": place_name(),
        "dated_at": iso(event.at),
        "submitted_at": iso(dossier.submitted_at),
        "withdrawn_at": iso(event.at),
        "reason": event.note,
        "signed_by": person_name(event.actor) if staff else "",
    }

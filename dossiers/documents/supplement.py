"""Mẫu 02: Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (DOMAIN §2.2), taken at the SUPPLEMENT_REQUESTED
event: the numbered items, the reason, the guiding officer and whom to call.

Asked during processing, the clock stops until the supplement arrives (a Pause), and then either
restarts from zero or goes on, per the policy copied to the dossier at reception; the form says
which.
"""

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

TEMPLATE = "dossiers/documents/supplement.html"
NUMBER_SUFFIX = "PBS"
ACTION = DossierAction.SUPPLEMENT_REQUESTED


def snapshot(dossier, event=None) -> dict:
    event = form_event(dossier, event, ACTION)
    issuer = issuer_of(event.actor, dossier)
    return {
        **dossier_snapshot(dossier),
        "issuer": {**agency_snapshot(issuer), "phone": issuer.phone},
        "place": place_name(),
        "dated_at": iso(event.at),
        "requested_at": iso(event.at),
        "items": list(event.data.get("items", [])),
        "reason": event.note,
        "during_processing": bool(event.data.get("during_processing")),
        # "restart" or "pause" (procedures.choices.SupplementPolicy), stored at reception.
        "supplement_policy": dossier.supplement_policy,
        "guided_by": person_name(event.actor),
    }

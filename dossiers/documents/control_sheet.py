"""Mẫu 05: Phiếu kiểm soát quá trình giải quyết hồ sơ (DOMAIN §2.2): one row per hand-over, from
`selectors.dossier_control_sheet`.

Taken at the RETURNED event, or live (`event=None`) for printing mid-way. Either way it is dated
at an event of the dossier, never at the clock: the same state prints the same sheet.
"""

from django.utils import translation

from .. import selectors
from ..choices import DossierAction, Timeliness
from ..models import DossierEvent
from .base import agency_snapshot, dossier_snapshot, iso, person_name, place_name

TEMPLATE = "dossiers/documents/control_sheet.html"
NUMBER_SUFFIX = "PKS"

# The result column, as the form prints it.
RESULTS = {
    Timeliness.EARLY: "Trước hạn",
    Timeliness.ON_TIME: "Đúng hạn",
    Timeliness.LATE: "Quá hạn",
}


def _agency_name(user) -> str:
    agency = getattr(user, "agency", None)
    return agency.name if agency is not None else ""


def _rows(dossier) -> list[dict]:
    # The selector names the reception and return rows by their (translated) action labels;
    # the form is Vietnamese whatever the active language.
    with translation.override("vi"):
        rows = selectors.dossier_control_sheet(dossier=dossier)
        received = str(DossierAction.RECEIVED.label)
        names = {received: "Tiếp nhận hồ sơ", str(DossierAction.RETURNED.label): "Trả kết quả"}
    return [
        {
            "step": names.get(row.step, row.step),
            # At reception the applicant hands the dossier to the desk.
            "giver": person_name(row.giver)
            or (dossier.applicant_name if row.step == received else ""),
            "receiver": person_name(row.receiver),
            "receiver_unit": _agency_name(row.receiver),
            "handed_over_at": iso(row.at),
            "step_due_at": iso(row.due_at),
            "finished_at": iso(row.finished_at),
            "result": RESULTS.get(row.timeliness, ""),
            "note": row.note,
        }
        for row in rows
    ]


def _dated(dossier, event) -> DossierEvent | None:
    if event is not None:
        return event
    return DossierEvent.objects.filter(dossier=dossier).order_by("at", "pk").last()


def _receiving_agency(dossier):
    received = (
        DossierEvent.objects.filter(dossier=dossier, action=DossierAction.RECEIVED)
        .select_related("actor__agency")
        .order_by("at", "pk")
        .last()
    )
    return getattr(received and received.actor, "agency", None) or dossier.agency


def snapshot(dossier, event=None) -> dict:
    dated = _dated(dossier, event)
    return {
        **dossier_snapshot(dossier),
        "issuer": agency_snapshot(_receiving_agency(dossier)),
        "place": place_name(),
        "dated_at": iso(dated.at) if dated is not None else None,
        "returned_at": iso(dossier.returned_at),
        "rows": _rows(dossier),
    }

"""What every form shares: the snapshot conventions and the header block (Decree 30/2020).

A snapshot is the JSON-safe content of one issued document, taken when its event happens. Moments
are stored as ISO 8601 strings under keys ending in `_at`; `revive` turns them back into aware
datetimes in local time for the template. Everything else is stored as it is printed.
"""

from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ..models import DossierEvent


def iso(value: datetime | None) -> str | None:
    """A moment in local time (one spelling per moment, whatever zone the value came in)."""
    return timezone.localtime(value).isoformat() if value is not None else None


def revive(value):
    """The snapshot with its `*_at` strings as local datetimes (recursively)."""
    if isinstance(value, dict):
        return {
            key: _moment(item) if key.endswith("_at") else revive(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [revive(item) for item in value]
    return value


def _moment(value):
    if not isinstance(value, str):
        return value
    parsed = parse_datetime(value)
    return timezone.localtime(parsed) if parsed is not None else value


def agency_snapshot(agency) -> dict:
    if agency is None:
        return {"name": "", "parent_name": "", "address": "", "code": ""}
    return {
        "code": agency.code,
        "name": agency.name,
        "parent_name": agency.parent.name if agency.parent_id else "",
        "address": agency.address,
    }


def applicant_snapshot(dossier) -> dict:
    return {
        "name": dossier.applicant_name,
        "organisation": dossier.applicant_organisation,
        "identity_number": dossier.applicant_identity_number,
        "address": dossier.applicant_address,
        "phone": dossier.applicant_phone,
        "email": dossier.applicant_email,
    }


def person_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def dossier_snapshot(dossier) -> dict:
    """The fields most forms print about the dossier itself."""
    return {
        "code": dossier.code,
        "procedure_name": dossier.procedure.name,
        "procedure_code": dossier.procedure.code,
        "agency": agency_snapshot(dossier.agency),
        "applicant": applicant_snapshot(dossier),
        "received_at": iso(dossier.received_at),
        "appointment_at": iso(dossier.appointment_at),
        "due_at": iso(dossier.due_at),
    }


def place_name() -> str:
    """The place written before the date ("Tuyên Quang, ngày … tháng … năm …")."""
    return settings.DOCUMENT_PLACE


def form_event(dossier, event, action: str) -> DossierEvent:
    """`event`, checked to be an `action` of `dossier`; if None, the dossier's latest such event
    (DossierEvent.DoesNotExist if there is none)."""
    if event is None:
        return (
            DossierEvent.objects.filter(dossier=dossier, action=action)
            .select_related("actor__agency")
            .latest("at", "pk")
        )
    if event.action != action or event.dossier_id != dossier.pk:
        raise ValueError(f"Event {event.pk} is not a {action} event of dossier {dossier.pk}.")
    return event


def issuer_of(actor, dossier):
    """The actor's own agency (the desk or division that acted), else the handling agency."""
    return getattr(actor, "agency", None) or dossier.agency

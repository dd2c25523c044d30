"""Catalogue export: every agency, field and procedure version (with its documents, their
template files, steps and fees) as one JSON object."""

import base64
import json
from datetime import date
from decimal import Decimal

from django.utils import timezone

from ..models import Agency, Field, Procedure, RequiredDocument
from .schema import DOCUMENT_SCALARS, FORMAT, FORMAT_VERSION, PROCEDURE_SCALARS


def catalogue_export() -> dict:
    agencies = Agency.objects.select_related("parent").prefetch_related("serves").order_by("code")
    procedures = (
        Procedure.objects.select_related("field", "agency")
        .prefetch_related("documents", "steps", "fees")
        .order_by("code", "version")
    )
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(timespec="seconds"),
        "agencies": [_export_agency(agency) for agency in agencies],
        "fields": [{"code": f.code, "name": f.name} for f in Field.objects.order_by("code")],
        "procedures": [_export_procedure(procedure) for procedure in procedures],
    }


def catalogue_export_json() -> str:
    return json.dumps(catalogue_export(), ensure_ascii=False, indent=2)


def _export_agency(agency: Agency) -> dict:
    return {
        "code": agency.code,
        "name": agency.name,
        "short_name": agency.short_name,
        "kind": agency.kind,
        "parent": agency.parent.code if agency.parent else None,
        "serves": sorted(served.code for served in agency.serves.all()),
        "address": agency.address,
        "phone": agency.phone,
        "email": agency.email,
        "working_hours_note": agency.working_hours_note,
        "is_active": agency.is_active,
    }


def _export_procedure(procedure: Procedure) -> dict:
    data = {}
    for key in PROCEDURE_SCALARS:
        value = getattr(procedure, key)
        if isinstance(value, Decimal):
            value = _decimal_text(value)
        elif isinstance(value, date):
            value = value.isoformat()
        data[key] = value
    data["field"] = procedure.field.code
    data["agency"] = procedure.agency.code
    data["documents"] = [_export_document(document) for document in procedure.documents.all()]
    data["steps"] = [
        {
            "position": step.position,
            "name": step.name,
            "role": step.role,
            "budget_hours": _decimal_text(step.budget_hours),
            "description": step.description,
        }
        for step in procedure.steps.all()
    ]
    data["fees"] = [
        {"name": f.name, "amount": f.amount, "note": f.note} for f in procedure.fees.all()
    ]
    return data


def _export_document(document: RequiredDocument) -> dict:
    data = {key: getattr(document, key) for key in DOCUMENT_SCALARS}
    data["template"] = None
    if document.template_file:
        with document.template_file.open("rb") as handle:
            content = handle.read()
        data["template"] = {
            "name": document.template_file.name.rsplit("/", 1)[-1],
            "content_base64": base64.b64encode(content).decode("ascii"),
        }
    return data


def _decimal_text(value: Decimal) -> str:
    return f"{value.normalize():f}"

"""Catalogue export: every agency, field and procedure version (with its documents and their
template files, cases, steps, fees, limits per channel, results and legal basis rows) as one
JSON object in format v2.

`procedure_record` turns a version given as instances into its record; the import uses the same
function on the instances it plans, so "is this record what is stored?" compares like with like.
"""

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone

from ..models import (
    Agency,
    ChannelTimeLimit,
    DocumentCase,
    Fee,
    Field,
    LegalBasis,
    Procedure,
    ProcedureResult,
    ProcedureStep,
    RequiredDocument,
)
from .schema import (
    CHANNEL_LIMIT_KEYS,
    DOCUMENT_SCALARS,
    FEE_KEYS,
    FORMAT,
    FORMAT_VERSION,
    LEGAL_KEYS,
    PROCEDURE_LIFECYCLE,
    PROCEDURE_SCALARS,
    RESULT_KEYS,
    STEP_KEYS,
)


@dataclass
class VersionParts:
    """A procedure version's rows, saved or only planned, in the order they are written."""

    field_code: str
    agency_code: str
    other_agency_codes: list[str]
    channel_time_limits: list[ChannelTimeLimit] = field(default_factory=list)
    cases: list[tuple[DocumentCase, list[RequiredDocument]]] = field(default_factory=list)
    documents: list[RequiredDocument] = field(default_factory=list)
    steps: list[ProcedureStep] = field(default_factory=list)
    fees: list[Fee] = field(default_factory=list)
    results: list[ProcedureResult] = field(default_factory=list)
    legal_documents: list[LegalBasis] = field(default_factory=list)
    # Template files of planned documents (not yet stored): document → {"name", "content_base64"}.
    templates: dict[int, dict] = field(default_factory=dict)


def catalogue_export() -> dict:
    agencies = Agency.objects.select_related("parent").prefetch_related("serves").order_by("code")
    procedures = (
        Procedure.objects.select_related("field", "agency")
        .prefetch_related(*PREFETCH)
        .order_by("code", "version")
    )
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(timespec="seconds"),
        "agencies": [_export_agency(agency) for agency in agencies],
        "fields": [{"code": f.code, "name": f.name} for f in Field.objects.order_by("code")],
        "procedures": [procedure_record(p, stored_parts(p)) for p in procedures],
    }


def catalogue_export_json() -> str:
    return json.dumps(catalogue_export(), ensure_ascii=False, indent=2)


PREFETCH = (
    "other_agencies",
    "channel_time_limits",
    "cases",
    "documents",
    "steps",
    "fees",
    "results",
    "legal_documents",
)


def stored_parts(procedure: Procedure) -> VersionParts:
    """The rows of a stored version (use PREFETCH to read many versions in few queries)."""
    documents = list(procedure.documents.all())
    cases = [
        (case, [d for d in documents if d.case_id == case.pk]) for case in procedure.cases.all()
    ]
    return VersionParts(
        field_code=procedure.field.code,
        agency_code=procedure.agency.code,
        other_agency_codes=sorted(a.code for a in procedure.other_agencies.all()),
        channel_time_limits=list(procedure.channel_time_limits.all()),
        cases=cases,
        documents=[d for d in documents if d.case_id is None],
        steps=list(procedure.steps.all()),
        fees=list(procedure.fees.all()),
        results=list(procedure.results.all()),
        legal_documents=list(procedure.legal_documents.all()),
    )


def procedure_record(procedure: Procedure, parts: VersionParts, *, hashes=False) -> dict:
    """The v2 record of a version. With `hashes`, template files are named by their SHA-256
    instead of carried whole (for comparing, not for writing a file)."""
    data = {key: _plain(getattr(procedure, key)) for key in PROCEDURE_SCALARS}
    data["levels"] = procedure.level_list
    data["field"] = parts.field_code
    data["agency"] = parts.agency_code
    data["other_agencies"] = sorted(parts.other_agency_codes)

    def document(doc):
        return _export_document(doc, parts.templates.get(id(doc)), hashes=hashes)

    data["channel_time_limits"] = [
        {key: _plain(getattr(row, key)) for key in CHANNEL_LIMIT_KEYS}
        for row in parts.channel_time_limits
    ]
    data["cases"] = [
        {"position": case.position, "title": case.title, "documents": [document(d) for d in docs]}
        for case, docs in parts.cases
    ]
    data["documents"] = [document(d) for d in parts.documents]
    for key, names, rows in (
        ("steps", STEP_KEYS, parts.steps),
        ("fees", FEE_KEYS, parts.fees),
        ("results", RESULT_KEYS, parts.results),
        ("legal_documents", LEGAL_KEYS, parts.legal_documents),
    ):
        data[key] = [{name: _plain(getattr(row, name)) for name in names} for row in rows]
    return data


def record_content(record: dict) -> dict:
    """What dossiers rely on: the record without its identity and validity."""
    return {key: value for key, value in record.items() if key not in PROCEDURE_LIFECYCLE}


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


def _export_document(document: RequiredDocument, planned: dict | None, *, hashes: bool) -> dict:
    data = {key: _plain(getattr(document, key)) for key in DOCUMENT_SCALARS}
    data["template"] = None
    if planned is not None:
        name, content = planned["name"], base64.b64decode(planned["content_base64"])
    elif document.template_file:
        name = document.template_file.name.rsplit("/", 1)[-1]
        with document.template_file.open("rb") as handle:
            content = handle.read()
    else:
        return data
    if hashes:
        data["template"] = {"name": name, "sha256": hashlib.sha256(content).hexdigest()}
    else:
        data["template"] = {
            "name": name,
            "content_base64": base64.b64encode(content).decode("ascii"),
        }
    return data


def _plain(value):
    """A value as the file writes it: decimals as plain text, dates as YYYY-MM-DD."""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, date):
        return value.isoformat()
    return value

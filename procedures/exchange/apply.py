"""Catalogue import, second half: write a checked plan in one transaction, matching existing rows
so that importing the same file twice changes nothing."""

import base64
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction

from ..models import Agency, Fee, Field, Procedure, ProcedureStep, RequiredDocument
from .schema import DOCUMENT_SCALARS, FEE_KEYS, STEP_KEYS, ImportResult, _Plan


@transaction.atomic
def _apply(plan: _Plan) -> ImportResult:
    result = ImportResult()
    for _record, agency in plan.agencies:
        if agency.pk is None:
            agency.parent = None  # linked below, once every agency of the file exists
        agency.save()
        result.agencies += 1
    agencies = {a.code: a for a in Agency.objects.all()}
    for record, agency in plan.agencies:
        # A key left out of the file leaves that part of an existing agency as it is.
        if "parent" in record:
            agency.parent = agencies.get(record["parent"]) if record["parent"] else None
            agency.save(update_fields=["parent"])
        if "serves" in record:
            agency.serves.set([agencies[code] for code in record["serves"] or []])
    for field_obj in plan.fields:
        field_obj.save()
        result.fields += 1
    fields = {f.code: f for f in Field.objects.all()}
    for record, procedure in plan.procedures:
        created = procedure.pk is None
        procedure.field = fields[record["field"]]
        procedure.agency = agencies[record["agency"]]
        procedure.save()
        if created:
            result.procedures_created += 1
        else:
            result.procedures_updated += 1
        _sync_documents(procedure, record.get("documents", []))
        _sync_rows(
            list(procedure.steps.order_by("position", "pk")),
            record.get("steps", []),
            lambda raw, procedure=procedure: ProcedureStep(procedure=procedure),
            lambda step, raw: _assign(
                step, {**raw, "budget_hours": Decimal(str(raw["budget_hours"]))}, STEP_KEYS
            ),
        )
        _sync_rows(
            list(procedure.fees.order_by("pk")),
            record.get("fees", []),
            lambda raw, procedure=procedure: Fee(procedure=procedure),
            lambda fee, raw: _assign(fee, raw, FEE_KEYS),
        )
    return result


def _assign(instance, values: dict, keys) -> None:
    for key in keys:
        if key in values:
            setattr(instance, key, values[key])


def _sync_rows(existing: list, records: list[dict], new, assign) -> list:
    """Update rows in place by their order in the file, add missing ones, drop extra ones.

    Updating in place (rather than delete and recreate) keeps primary keys stable, so anything
    that refers to a document or step keeps pointing at the same row after a re-import.
    """
    rows = []
    for index, raw in enumerate(records):
        row = existing[index] if index < len(existing) else new(raw)
        assign(row, raw)
        row.save()
        rows.append(row)
    for extra in existing[len(records) :]:
        extra.delete()
    return rows


def _sync_documents(procedure: Procedure, records: list[dict]) -> None:
    existing = list(procedure.documents.order_by("position", "pk"))
    for extra in existing[len(records) :]:
        _delete_file_on_commit(extra.template_file)

    def assign(document, raw):
        _assign(document, raw, DOCUMENT_SCALARS)
        _attach_template(document, raw.get("template"))

    _sync_rows(existing, records, lambda raw: RequiredDocument(procedure=procedure), assign)


def _attach_template(document: RequiredDocument, template: dict | None) -> None:
    old = document.template_file
    old_name = old.name if old else ""
    if template is None:
        if old_name:
            _delete_file_on_commit(old)
        document.template_file = None
        return
    content = base64.b64decode(template["content_base64"])
    storage = document.template_file.storage
    target = document.template_file.field.generate_filename(document, template["name"])
    for candidate in (old_name, target):
        # The same bytes already stored (a re-import, or an import beside an existing media
        # folder) are reused rather than written again under a new, suffixed name.
        if (
            candidate
            and candidate.rsplit("/", 1)[-1] == template["name"]
            and storage.exists(candidate)
        ):
            with storage.open(candidate, "rb") as handle:
                if handle.read() == content:
                    document.template_file.name = candidate
                    return
    document.template_file.save(template["name"], ContentFile(content), save=False)
    if old_name and old_name != document.template_file.name:
        _delete_file_on_commit(old)


def _delete_file_on_commit(file_field) -> None:
    """Delete a replaced file only once the import has committed, so a rollback loses nothing."""
    if file_field:
        storage, name = file_field.storage, file_field.name
        transaction.on_commit(lambda: storage.delete(name))

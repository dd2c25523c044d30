"""Catalogue export and import as JSON, so a province can load its own catalogue.

The import checks every record first and reports every problem with the key path where it is
(`procedures[3].steps[1].budget_hours`); it writes only when the whole file is valid, in one
transaction. Records are matched by agency code, field code and procedure code + version, so
importing the same file twice changes nothing.
"""

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Agency, Fee, Field, Procedure, ProcedureStep, RequiredDocument
from .services import procedure_check_step_budgets

FORMAT = "motcua.procedures"
FORMAT_VERSION = 1

AGENCY_KEYS = {
    "code", "name", "short_name", "kind", "parent", "serves", "address", "phone", "email",
    "working_hours_note", "is_active",
}  # fmt: skip
FIELD_KEYS = {"code", "name"}
PROCEDURE_SCALARS = [
    "code", "version", "name", "decision_authority", "level", "applicant_type", "online_level",
    "accepts_direct", "accepts_postal", "accepts_online", "time_limit_amount", "time_limit_unit",
    "time_limit_note", "cutoff_15h", "supplement_policy", "supplement_policy_basis",
    "steps_description", "conditions", "fee_note", "result", "legal_basis",
    "publication_decision", "valid_from", "valid_until", "is_published",
]  # fmt: skip
PROCEDURE_KEYS = {*PROCEDURE_SCALARS, "field", "agency", "documents", "steps", "fees"}
DOCUMENT_SCALARS = [
    "position", "name", "description", "original_count", "copy_count", "is_mandatory",
]  # fmt: skip
DOCUMENT_KEYS = {*DOCUMENT_SCALARS, "template"}
STEP_KEYS = ["position", "name", "role", "budget_hours", "description"]
FEE_KEYS = ["name", "amount", "note"]


class CatalogueImportError(Exception):
    """The file was not imported; `errors` lists every problem found, each with its location."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportResult:
    agencies: int = 0
    fields: int = 0
    procedures_created: int = 0
    procedures_updated: int = 0


# ---------------------------------------------------------------------------------------- export


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


# ---------------------------------------------------------------------------------------- import


@dataclass
class _Plan:
    agencies: list[tuple[dict, Agency]] = field(default_factory=list)
    fields: list[Field] = field(default_factory=list)
    procedures: list[tuple[dict, Procedure]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def catalogue_import_json(text: str | bytes) -> ImportResult:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CatalogueImportError([_("The file is not UTF-8 text.")]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CatalogueImportError(
            [
                _("The file is not valid JSON: line %(line)s, column %(column)s: %(message)s.")
                % {"line": error.lineno, "column": error.colno, "message": error.msg}
            ]
        ) from None
    return catalogue_import(data)


def catalogue_import(data) -> ImportResult:
    plan = _plan_import(data)
    if plan.errors:
        raise CatalogueImportError(plan.errors)
    return _apply(plan)


def _plan_import(data) -> _Plan:
    plan = _Plan()
    if not isinstance(data, dict):
        plan.errors.append(_("The file must hold one JSON object."))
        return plan
    if data.get("format") != FORMAT or data.get("format_version") != FORMAT_VERSION:
        plan.errors.append(
            _('This is not a catalogue file: "format" must be "%(format)s", version %(version)s.')
            % {"format": FORMAT, "version": FORMAT_VERSION}
        )
        return plan
    unknown = set(data) - {
        "format",
        "format_version",
        "exported_at",
        "agencies",
        "fields",
        "procedures",
    }
    for key in sorted(unknown):
        plan.errors.append(_("%(key)s: unknown key.") % {"key": key})

    agency_records = _list(data, "agencies", plan.errors)
    field_records = _list(data, "fields", plan.errors)
    procedure_records = _list(data, "procedures", plan.errors)

    agency_codes = {r.get("code") for r in agency_records if isinstance(r, dict)}
    known_agencies = agency_codes | set(Agency.objects.values_list("code", flat=True))
    field_codes = {r.get("code") for r in field_records if isinstance(r, dict)}
    known_fields = field_codes | set(Field.objects.values_list("code", flat=True))

    seen = set()
    for index, record in enumerate(agency_records):
        where = f"agencies[{index}]"
        if not _check_record(record, AGENCY_KEYS, where, plan.errors):
            continue
        if record.get("code") in seen:
            plan.errors.append(
                _("%(where)s.code: %(code)s appears twice.")
                % {"where": where, "code": record["code"]}
            )
        seen.add(record.get("code"))
        for ref in [record.get("parent")] + list(record.get("serves") or []):
            if ref is not None and ref not in known_agencies:
                plan.errors.append(
                    _("%(where)s: unknown agency code %(code)s.") % {"where": where, "code": ref}
                )
        if record.get("parent") is not None and record.get("parent") == record.get("code"):
            plan.errors.append(
                _("%(where)s.parent: an agency cannot be its own parent.") % {"where": where}
            )
        values = {k: record[k] for k in AGENCY_KEYS - {"parent", "serves"} if k in record}
        existing = Agency.objects.filter(code=record.get("code")).first()
        agency = existing or Agency()
        for key, value in values.items():
            setattr(agency, key, value)
        _full_clean(agency, where, plan.errors, exclude=["parent", "serves"])
        plan.agencies.append((record, agency))

    seen = set()
    for index, record in enumerate(field_records):
        where = f"fields[{index}]"
        if not _check_record(record, FIELD_KEYS, where, plan.errors):
            continue
        if record.get("code") in seen:
            plan.errors.append(
                _("%(where)s.code: %(code)s appears twice.")
                % {"where": where, "code": record["code"]}
            )
        seen.add(record.get("code"))
        existing = Field.objects.filter(code=record.get("code")).first()
        field_obj = existing or Field()
        field_obj.code, field_obj.name = record.get("code"), record.get("name")
        _full_clean(field_obj, where, plan.errors)
        plan.fields.append(field_obj)

    seen = set()
    for index, record in enumerate(procedure_records):
        where = f"procedures[{index}]"
        if isinstance(record, dict):
            where = f"{where} ({record.get('code')} v{record.get('version', 1)})"
        if not _check_record(record, PROCEDURE_KEYS, where, plan.errors):
            continue
        identity = (record.get("code"), _as_version(record.get("version", 1)))
        if identity in seen:
            plan.errors.append(
                _("%(where)s: this code and version appear twice.") % {"where": where}
            )
        seen.add(identity)
        if record.get("field") not in known_fields:
            plan.errors.append(
                _("%(where)s.field: unknown field code %(code)s.")
                % {"where": where, "code": record.get("field")}
            )
        if record.get("agency") not in known_agencies:
            plan.errors.append(
                _("%(where)s.agency: unknown agency code %(code)s.")
                % {"where": where, "code": record.get("agency")}
            )
        procedure = (
            Procedure.objects.filter(code=identity[0], version=identity[1]).first() or Procedure()
        )
        for key in PROCEDURE_SCALARS:
            if key in record:
                setattr(procedure, key, _convert(key, record[key], where, plan.errors))
        _full_clean(procedure, where, plan.errors, exclude=["field", "agency"], unique=False)
        if (
            procedure.valid_from
            and procedure.valid_until
            and procedure.valid_until < procedure.valid_from
        ):
            plan.errors.append(
                _("%(where)s.valid_until: it comes before valid_from.") % {"where": where}
            )
        _plan_children(record, procedure, where, plan.errors)
        plan.procedures.append((record, procedure))
    _check_publication_overlaps(plan)
    return plan


def _plan_children(record: dict, procedure: Procedure, where: str, errors: list[str]) -> None:
    for index, doc in enumerate(_list(record, "documents", errors, where)):
        here = f"{where}.documents[{index}]"
        if not _check_record(doc, DOCUMENT_KEYS, here, errors):
            continue
        document = RequiredDocument(**{k: doc[k] for k in DOCUMENT_SCALARS if k in doc})
        _full_clean(document, here, errors, exclude=["procedure", "template_file"])
        template = doc.get("template")
        if template is not None:
            if not isinstance(template, dict) or set(template) != {
                "name",
                "content_base64",
            }:
                errors.append(
                    _("%(where)s.template: needs exactly the keys name and content_base64.")
                    % {"where": here}
                )
            else:
                try:
                    base64.b64decode(template["content_base64"], validate=True)
                except (binascii.Error, TypeError, ValueError):
                    errors.append(
                        _("%(where)s.template.content_base64: not valid base64.") % {"where": here}
                    )
    budgets = []
    for index, raw in enumerate(_list(record, "steps", errors, where)):
        here = f"{where}.steps[{index}]"
        if not _check_record(raw, set(STEP_KEYS), here, errors):
            continue
        step = ProcedureStep(**{k: raw[k] for k in STEP_KEYS if k in raw})
        step.budget_hours = _convert("budget_hours", raw.get("budget_hours"), here, errors)
        if _full_clean(step, here, errors, exclude=["procedure"]):
            budgets.append(step.budget_hours)
    if budgets and isinstance(procedure.time_limit_amount, Decimal) and procedure.time_limit_unit:
        try:
            procedure_check_step_budgets(
                time_limit_hours=procedure.time_limit_hours, budgets=budgets
            )
        except ValidationError as error:
            errors.extend(f"{where}.steps: {message}" for message in error.messages)
    for index, raw in enumerate(_list(record, "fees", errors, where)):
        here = f"{where}.fees[{index}]"
        if _check_record(raw, set(FEE_KEYS), here, errors):
            _full_clean(Fee(**raw), here, errors, exclude=["procedure"])


def _check_publication_overlaps(plan: _Plan) -> None:
    """Within the file and against the database, one published version per code per day."""
    published: dict[str, list[Procedure]] = {}
    in_file = {(p.code, p.version) for _r, p in plan.procedures}
    for procedure in Procedure.objects.filter(is_published=True):
        if (procedure.code, procedure.version) not in in_file:
            published.setdefault(procedure.code, []).append(procedure)
    for _record, procedure in plan.procedures:
        if procedure.is_published and isinstance(procedure.valid_from, date):
            published.setdefault(procedure.code, []).append(procedure)
    for code, versions in published.items():
        versions.sort(key=lambda p: p.valid_from)
        for earlier, later in zip(versions, versions[1:], strict=False):
            if earlier.valid_until is None or earlier.valid_until >= later.valid_from:
                plan.errors.append(
                    _(
                        "procedures %(code)s: versions %(a)s and %(b)s are both published for "
                        "%(day)s; only one version may be valid on a given day."
                    )
                    % {
                        "code": code,
                        "a": earlier.version,
                        "b": later.version,
                        "day": later.valid_from.strftime("%d/%m/%Y"),
                    }
                )


def _as_version(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def _list(data: dict, key: str, errors: list[str], where: str = "") -> list:
    value = data.get(key, [])
    if not isinstance(value, list):
        errors.append(
            _("%(where)s: must be a list.") % {"where": f"{where}.{key}" if where else key}
        )
        return []
    return value


def _check_record(record, allowed: set[str], where: str, errors: list[str]) -> bool:
    if not isinstance(record, dict):
        errors.append(_("%(where)s: must be an object.") % {"where": where})
        return False
    for key in sorted(set(record) - allowed):
        errors.append(_("%(where)s.%(key)s: unknown key.") % {"where": where, "key": key})
    return True


def _convert(key: str, value, where: str, errors: list[str]):
    if key in {"time_limit_amount", "budget_hours"} and value is not None:
        try:
            return Decimal(str(value))
        except InvalidOperation:
            errors.append(
                _("%(where)s.%(key)s: %(value)r is not a number.")
                % {"where": where, "key": key, "value": value}
            )
            return None
    if key in {"valid_from", "valid_until"} and value is not None:
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            errors.append(
                _("%(where)s.%(key)s: %(value)r is not a date written YYYY-MM-DD.")
                % {"where": where, "key": key, "value": value}
            )
            return None
    return value


def _full_clean(instance, where: str, errors: list[str], *, exclude=(), unique=False) -> bool:
    try:
        instance.full_clean(
            exclude=list(exclude), validate_unique=unique, validate_constraints=False
        )
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            for message in messages:
                errors.append(f"{where}.{key}: {message}")
        return False
    return True


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

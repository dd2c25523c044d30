"""Catalogue import, first half: read the file, check every record and collect every problem
with its key path. Only a plan without errors reaches `apply._apply`, which writes."""

import base64
import binascii
import json
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..models import Agency, Fee, Field, Procedure, ProcedureStep, RequiredDocument
from ..services import procedure_check_step_budgets
from .apply import _apply
from .schema import (
    AGENCY_KEYS,
    DOCUMENT_KEYS,
    DOCUMENT_SCALARS,
    FEE_KEYS,
    FIELD_KEYS,
    FORMAT,
    FORMAT_VERSION,
    PROCEDURE_KEYS,
    PROCEDURE_SCALARS,
    STEP_KEYS,
    CatalogueImportError,
    ImportResult,
    _Plan,
)


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

    agency_codes = {_code_of(r) for r in agency_records}
    known_agencies = agency_codes | set(Agency.objects.values_list("code", flat=True))
    field_codes = {_code_of(r) for r in field_records}
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
        if isinstance(record, dict) and "level" in record and "levels" not in record:
            record = {key: value for key, value in record.items() if key != "level"}
            record["levels"] = data["procedures"][index]["level"]
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
            fee = Fee(**{key: raw[key] for key in FEE_KEYS if key in raw})
            _full_clean(fee, here, errors, exclude=["procedure"])


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


def _code_of(record) -> str | None:
    """The record's code when it is text (a malformed one is reported by _check_record)."""
    code = record.get("code") if isinstance(record, dict) else None
    return code if isinstance(code, str) else None


# Keys whose values are codes looked up in sets: anything but text (or null) is refused up front.
_CODE_KEYS = ("code", "field", "agency", "parent")


def _check_record(record, allowed: set[str], where: str, errors: list[str]) -> bool:
    """False (the record is skipped) unless it is an object whose codes are text; unknown keys
    are reported and ignored."""
    if not isinstance(record, dict):
        errors.append(_("%(where)s: must be an object.") % {"where": where})
        return False
    for key in sorted(set(record) - allowed):
        errors.append(_("%(where)s.%(key)s: unknown key.") % {"where": where, "key": key})
    usable = True
    for key in _CODE_KEYS:
        value = record.get(key)
        if key in allowed and value is not None and not isinstance(value, str):
            errors.append(_("%(where)s.%(key)s: must be text.") % {"where": where, "key": key})
            usable = False
    serves = record.get("serves")
    if (
        "serves" in allowed
        and serves is not None
        and not (isinstance(serves, list) and all(isinstance(code, str) for code in serves))
    ):
        errors.append(_("%(where)s.serves: must be a list of agency codes.") % {"where": where})
        usable = False
    return usable


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

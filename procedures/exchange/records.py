"""Checking one procedure record: bring it to format v2, build the version it describes as
unsaved instances, and collect every problem with its key path. The same checks run on every
database: bounds are validators on the models, and text PostgreSQL cannot store (NUL) is refused
here rather than by one database only."""

import base64
import binascii
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..choices import ProcedureLevel, TimeUnit
from ..models import (
    ChannelTimeLimit,
    DocumentCase,
    Fee,
    LegalBasis,
    Procedure,
    ProcedureResult,
    ProcedureStep,
    RequiredDocument,
)
from ..services import procedure_check_step_budgets
from .export import VersionParts
from .schema import (
    CASE_KEYS,
    CHANNEL_LIMIT_KEYS,
    DOCUMENT_KEYS,
    DOCUMENT_SCALARS,
    FEE_KEYS,
    LEGAL_KEYS,
    PROCEDURE_KEYS,
    PROCEDURE_SCALARS,
    RESULT_KEYS,
    STEP_KEYS,
    V1_FEE_KEYS,
    V1_PROCEDURE_KEYS,
)

# Decimal keys: the limit, step budgets and a channel limit's amount (a fee's amount is an integer
# and reaches _convert only for decimal fields, see _rows).
_DECIMAL_KEYS = {"time_limit_amount", "budget_hours", "amount"}
_DATE_KEYS = {"valid_from", "valid_until"}
_TEXT_FIELDS = {
    f.name
    for f in Procedure._meta.concrete_fields
    if f.get_internal_type() in {"CharField", "TextField"} and not f.null
}


@dataclass
class Draft:
    """A checked record: the version it describes, not yet saved."""

    procedure: Procedure
    parts: VersionParts
    # Scalar keys the record gave (others keep the stored version's values when it exists).
    given: set[str]


def text_or_none(value):
    return value if isinstance(value, str) else None


def code_of(record) -> str | None:
    """The record's code when it is text (a malformed one is reported by the checks)."""
    return text_or_none(record.get("code")) if isinstance(record, dict) else None


def upgrade_v1_record(record: dict) -> dict:
    """A format v1 record as v2: one level becomes the list of levels, a limit without a unit
    is a limit whose unit is not stated (its amount kept), fees apply to every channel."""
    record = dict(record)
    if "level" in record:
        level = record.pop("level")
        record["levels"] = [level] if level is not None else []
    if "time_limit_unit" in record and record["time_limit_unit"] in (None, ""):
        record["time_limit_unit"] = TimeUnit.NOT_STATED.value
    return record


def check_procedure_record(
    record,
    where: str,
    *,
    format_version: int,
    known_agencies: set,
    known_fields: set,
    stored_versions: set[tuple[str, int]],
) -> tuple[Draft | None, list[str]]:
    errors: list[str] = []
    if not isinstance(record, dict):
        return None, [_("%(where)s: must be an object.") % {"where": where}]
    allowed = V1_PROCEDURE_KEYS if format_version == 1 else PROCEDURE_KEYS
    for key in sorted(set(record) - allowed):
        errors.append(_("%(where)s.%(key)s: unknown key.") % {"where": where, "key": key})
    _refuse_nul(record, where, errors)
    if format_version == 1:
        record = upgrade_v1_record(record)
    for key in ("code", "field", "agency"):
        if record.get(key) is not None and not isinstance(record.get(key), str):
            errors.append(_("%(where)s.%(key)s: must be text.") % {"where": where, "key": key})
    if errors:
        return None, errors

    if record.get("field") not in known_fields:
        errors.append(
            _("%(where)s.field: unknown field code %(code)s.")
            % {"where": where, "code": record.get("field")}
        )
    if record.get("agency") not in known_agencies:
        errors.append(
            _("%(where)s.agency: unknown agency code %(code)s.")
            % {"where": where, "code": record.get("agency")}
        )
    others = record.get("other_agencies", [])
    if not isinstance(others, list) or not all(isinstance(c, str) for c in others):
        errors.append(
            _("%(where)s.other_agencies: must be a list of agency codes.") % {"where": where}
        )
        others = []
    for code in others:
        if code not in known_agencies:
            errors.append(
                _("%(where)s.other_agencies: unknown agency code %(code)s.")
                % {"where": where, "code": code}
            )

    version = record.get("version", 1)
    stored = None
    complete = all(key in record for key in PROCEDURE_SCALARS if key != "version")
    if not complete and (record.get("code"), version) in stored_versions:
        stored = Procedure.objects.filter(code=record.get("code"), version=version).first()
    procedure = Procedure(pk=None) if stored is None else _copy(stored)
    given = set()
    for key in PROCEDURE_SCALARS:
        if key in record:
            given.add(key)
            value = record[key]
            if value is None and key in _TEXT_FIELDS:
                value = ""
            setattr(procedure, key, _convert(key, value, where, errors))
    levels = record.get("levels", procedure.level_list if stored else [ProcedureLevel.PROVINCE])
    if not isinstance(levels, list) or not all(isinstance(level, str) for level in levels):
        errors.append(_("%(where)s.levels: must be a list of levels.") % {"where": where})
    else:
        procedure.levels = ",".join(levels)
        given.add("levels")
    errors += full_clean_errors(procedure, where, exclude=["field", "agency"])
    if (
        procedure.valid_from
        and procedure.valid_until
        and procedure.valid_until < procedure.valid_from
    ):
        errors.append(_("%(where)s.valid_until: it comes before valid_from.") % {"where": where})

    parts = VersionParts(
        field_code=record.get("field"),
        agency_code=record.get("agency"),
        other_agency_codes=sorted(set(others)),
    )
    parts.channel_time_limits = _rows(
        record, "channel_time_limits", CHANNEL_LIMIT_KEYS, ChannelTimeLimit, where, errors
    )
    channels = [row.channel for row in parts.channel_time_limits]
    if len(channels) != len(set(channels)):
        errors.append(
            _("%(where)s.channel_time_limits: a channel is given more than once.")
            % {"where": where}
        )
    for index, raw in enumerate(_list(record, "cases", where, errors)):
        here = f"{where}.cases[{index}]"
        if not _check_keys(raw, CASE_KEYS, here, errors):
            continue
        case = DocumentCase(position=raw.get("position", index + 1), title=raw.get("title"))
        errors += full_clean_errors(case, here, exclude=["procedure"])
        documents = _documents(raw, here, parts, errors)
        parts.cases.append((case, documents))
    parts.documents = _documents(record, where, parts, errors)
    parts.steps = _rows(record, "steps", STEP_KEYS, ProcedureStep, where, errors)
    fee_keys = V1_FEE_KEYS if format_version == 1 else FEE_KEYS
    parts.fees = _rows(record, "fees", fee_keys, Fee, where, errors)
    parts.results = _rows(record, "results", RESULT_KEYS, ProcedureResult, where, errors)
    parts.legal_documents = _rows(record, "legal_documents", LEGAL_KEYS, LegalBasis, where, errors)

    budgets = [step.budget_hours for step in parts.steps if isinstance(step.budget_hours, Decimal)]
    limit_hours = procedure.time_limit_hours if not errors else None
    if budgets and limit_hours is not None:
        try:
            procedure_check_step_budgets(time_limit_hours=limit_hours, budgets=budgets)
        except ValidationError as error:
            errors.extend(f"{where}.steps: {message}" for message in error.messages)
    if errors:
        return None, errors
    return Draft(procedure=procedure, parts=parts, given=given), []


def _copy(stored: Procedure) -> Procedure:
    """The stored version's values as an unsaved instance, to apply a record's keys to."""
    stored.pk = None
    stored._state.adding = True
    return stored


def _documents(record: dict, where: str, parts: VersionParts, errors: list[str]) -> list:
    documents = []
    for index, raw in enumerate(_list(record, "documents", where, errors)):
        here = f"{where}.documents[{index}]"
        if not _check_keys(raw, DOCUMENT_KEYS, here, errors):
            continue
        values = {k: raw[k] for k in DOCUMENT_SCALARS if k in raw}
        if values.get("description", "") is None:
            values["description"] = ""
        document = RequiredDocument(**values)
        errors += full_clean_errors(document, here, exclude=["procedure", "case", "template_file"])
        template = raw.get("template")
        if template is not None:
            if not isinstance(template, dict) or set(template) != {"name", "content_base64"}:
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
                else:
                    parts.templates[id(document)] = template
        documents.append(document)
    return documents


def _rows(record: dict, key: str, keys: list[str], model, where: str, errors: list[str]) -> list:
    rows = []
    for index, raw in enumerate(_list(record, key, where, errors)):
        here = f"{where}.{key}[{index}]"
        if not _check_keys(raw, set(keys), here, errors):
            continue
        values = {}
        for name in keys:
            if name in raw:
                value = raw[name]
                model_field = model._meta.get_field(name)
                if (
                    value is None
                    and not model_field.null
                    and model_field.get_internal_type()
                    in {
                        "CharField",
                        "TextField",
                    }
                ):
                    value = ""
                if model_field.get_internal_type() == "DecimalField" or name in _DATE_KEYS:
                    value = _convert(name, value, here, errors)
                values[name] = value
        if "position" in keys and "position" not in values:
            values["position"] = index + 1
        row = model(**values)
        errors += full_clean_errors(row, here, exclude=["procedure"])
        rows.append(row)
    return rows


def _check_keys(raw, allowed: set[str], where: str, errors: list[str]) -> bool:
    if not isinstance(raw, dict):
        errors.append(_("%(where)s: must be an object.") % {"where": where})
        return False
    for key in sorted(set(raw) - allowed):
        errors.append(_("%(where)s.%(key)s: unknown key.") % {"where": where, "key": key})
    return True


def _list(data: dict, key: str, where: str, errors: list[str]) -> list:
    value = data.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        errors.append(_("%(where)s: must be a list.") % {"where": f"{where}.{key}"})
        return []
    return value


def _refuse_nul(value, where: str, errors: list[str]) -> None:
    """PostgreSQL cannot store a NUL character in text; refuse it on every database alike."""
    if isinstance(value, str):
        if "\x00" in value:
            errors.append(_("%(where)s: contains a NUL character.") % {"where": where})
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(item, f"{where}.{key}", errors)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_nul(item, f"{where}[{index}]", errors)


def _convert(key: str, value, where: str, errors: list[str]):
    if key in _DECIMAL_KEYS and value is not None and not isinstance(value, bool):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            errors.append(
                _("%(where)s.%(key)s: %(value)r is not a number.")
                % {"where": where, "key": key, "value": value}
            )
            return None
    if key in _DATE_KEYS and value is not None:
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            errors.append(
                _("%(where)s.%(key)s: %(value)r is not a date written YYYY-MM-DD.")
                % {"where": where, "key": key, "value": value}
            )
            return None
    return value


def full_clean_errors(instance, where: str, *, exclude=()) -> list[str]:
    try:
        instance.full_clean(
            exclude=list(exclude), validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        return [
            f"{where}.{key}: {message}" if key != "__all__" else f"{where}: {message}"
            for key, messages in error.message_dict.items()
            for message in messages
        ]
    return []

"""Catalogue import, first half: read the file, bring v1 records up to v2, check every record and
collect every problem with its key path. A record with problems is refused on its own (listed
with its code and reasons); `apply` writes the others, each in its own savepoint.
"""

import json
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Agency, Field, Procedure
from .apply import apply_plan
from .records import check_procedure_record, code_of, full_clean_errors, text_or_none
from .schema import (
    AGENCY_KEYS,
    FIELD_KEYS,
    FORMAT,
    READABLE_VERSIONS,
    CatalogueImportError,
    ImportResult,
    RefusedRecord,
    _Plan,
)

_FILE_KEYS = {"format", "format_version", "exported_at", "agencies", "fields", "procedures"}


def catalogue_import_json(
    text: str | bytes, *, atomic: bool = False, effective: date | None = None
) -> ImportResult:
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
    return catalogue_import(data, atomic=atomic, effective=effective)


def catalogue_import(data, *, atomic: bool = False, effective: date | None = None) -> ImportResult:
    """Import a catalogue object record by record.

    Good records go in and refused ones are listed in `ImportResult.refused`. With `atomic`,
    any refused record refuses the whole file (CatalogueImportError lists every problem) and
    nothing is written. A problem with the file itself (not a catalogue, wrong shape) always
    raises. `effective` is the first day of the new versions made for changed records whose
    version dossiers use (default: the record's own valid_from if later than today, else today).
    """
    plan = plan_import(data)
    if plan.errors:
        raise CatalogueImportError(plan.errors)
    if atomic and plan.refused:
        raise CatalogueImportError(_problems(plan.refused))
    if not atomic:
        # One transaction with a savepoint per record: a refused record rolls back alone, and
        # the file commits once (a commit per record made SQLite sync 600 times).
        with transaction.atomic():
            return apply_plan(plan, effective=effective)
    with transaction.atomic():
        result = apply_plan(plan, effective=effective)
        if result.refused:
            transaction.set_rollback(True)
            raise CatalogueImportError(result.problems)
    return result


def _problems(refused: list[RefusedRecord]) -> list[str]:
    return [reason for record in refused for reason in record.reasons]


def plan_import(data) -> _Plan:
    plan = _Plan()
    if not isinstance(data, dict):
        plan.errors.append(_("The file must hold one JSON object."))
        return plan
    version = data.get("format_version")
    if data.get("format") != FORMAT or version not in READABLE_VERSIONS:
        plan.errors.append(
            _('This is not a catalogue file: "format" must be "%(format)s", version %(version)s.')
            % {"format": FORMAT, "version": " or ".join(str(v) for v in READABLE_VERSIONS)}
        )
        return plan
    for key in sorted(set(data) - _FILE_KEYS):
        plan.errors.append(_("%(key)s: unknown key.") % {"key": key})
    agency_records = _list(data, "agencies", plan.errors)
    field_records = _list(data, "fields", plan.errors)
    procedure_records = _list(data, "procedures", plan.errors)
    if plan.errors:
        return plan

    known_agencies = _plan_agencies(agency_records, plan)
    known_fields = _plan_fields(field_records, plan)
    stored_versions = set(Procedure.objects.values_list("code", "version"))
    seen: set = set()
    for index, record in enumerate(procedure_records):
        where = f"procedures[{index}]"
        if isinstance(record, dict):
            where = f"{where} ({record.get('code')} v{record.get('version', 1)})"
        draft, errors = check_procedure_record(
            record,
            where,
            format_version=version,
            known_agencies=known_agencies,
            known_fields=known_fields,
            stored_versions=stored_versions,
        )
        if draft is not None:
            identity = (draft.procedure.code, draft.procedure.version)
            if identity in seen:
                errors.append(
                    _("%(where)s: this code and version appear twice.") % {"where": where}
                )
            seen.add(identity)
        if errors:
            plan.refused.append(RefusedRecord(where, code_of(record) or "", errors))
        else:
            plan.procedures.append((where, draft))
    return plan


def _plan_agencies(records: list, plan: _Plan) -> set[str]:
    codes_in_file = {code_of(r) for r in records} - {None}
    stored = set(Agency.objects.values_list("code", flat=True))
    seen, good = set(), []
    for index, record in enumerate(records):
        where = f"agencies[{index}]"
        errors: list[str] = []
        if not isinstance(record, dict):
            plan.refused.append(
                RefusedRecord(where, "", [_("%(where)s: must be an object.") % {"where": where}])
            )
            continue
        for key in sorted(set(record) - AGENCY_KEYS):
            errors.append(_("%(where)s.%(key)s: unknown key.") % {"where": where, "key": key})
        for key in ("code", "parent"):
            if record.get(key) is not None and not isinstance(record.get(key), str):
                errors.append(_("%(where)s.%(key)s: must be text.") % {"where": where, "key": key})
        serves = record.get("serves")
        if serves is not None and not (
            isinstance(serves, list) and all(isinstance(code, str) for code in serves)
        ):
            errors.append(_("%(where)s.serves: must be a list of agency codes.") % {"where": where})
            serves = []
        code = code_of(record)
        if code in seen:
            errors.append(
                _("%(where)s.code: %(code)s appears twice.") % {"where": where, "code": code}
            )
        seen.add(code)
        for ref in [text_or_none(record.get("parent"))] + list(serves or []):
            if ref is not None and ref not in codes_in_file | stored:
                errors.append(
                    _("%(where)s: unknown agency code %(code)s.") % {"where": where, "code": ref}
                )
        if record.get("parent") is not None and record.get("parent") == code:
            errors.append(
                _("%(where)s.parent: an agency cannot be its own parent.") % {"where": where}
            )
        agency = None
        if not errors:
            agency = Agency.objects.filter(code=code).first() or Agency()
            for key in AGENCY_KEYS - {"parent", "serves"}:
                if key in record:
                    setattr(agency, key, record[key])
            errors += full_clean_errors(agency, where, exclude=["parent", "serves"])
        if errors:
            plan.refused.append(RefusedRecord(where, code or "", errors))
        else:
            good.append((record, agency))
    # An agency whose parent or served agency was refused is refused too (repeat until stable).
    accepted = stored | {record["code"] for record, _agency in good}
    changed = True
    while changed:
        changed = False
        for record, agency in list(good):
            refs = [record.get("parent")] + list(record.get("serves") or [])
            missing = [ref for ref in refs if ref is not None and ref not in accepted]
            if missing:
                good.remove((record, agency))
                accepted.discard(record["code"])
                index = records.index(record)
                plan.refused.append(
                    RefusedRecord(
                        f"agencies[{index}]",
                        record["code"],
                        [
                            _("%(where)s: unknown agency code %(code)s.")
                            % {"where": f"agencies[{index}]", "code": missing[0]}
                        ],
                    )
                )
                changed = True
    plan.agencies = good
    return accepted


def _plan_fields(records: list, plan: _Plan) -> set[str]:
    seen = set()
    for index, record in enumerate(records):
        where = f"fields[{index}]"
        if not isinstance(record, dict):
            plan.refused.append(
                RefusedRecord(where, "", [_("%(where)s: must be an object.") % {"where": where}])
            )
            continue
        errors = [
            _("%(where)s.%(key)s: unknown key.") % {"where": where, "key": key}
            for key in sorted(set(record) - FIELD_KEYS)
        ]
        code = code_of(record)
        if record.get("code") is not None and code is None:
            errors.append(_("%(where)s.code: must be text.") % {"where": where, "key": "code"})
        if code in seen:
            errors.append(
                _("%(where)s.code: %(code)s appears twice.") % {"where": where, "code": code}
            )
        seen.add(code)
        field_obj = Field.objects.filter(code=code).first() or Field()
        field_obj.code, field_obj.name = code, record.get("name")
        errors += full_clean_errors(field_obj, where)
        if errors:
            plan.refused.append(RefusedRecord(where, code or "", errors))
        else:
            plan.fields.append(field_obj)
    return {f.code for f in plan.fields} | set(Field.objects.values_list("code", flat=True))


def _list(data: dict, key: str, errors: list[str]) -> list:
    value = data.get(key, [])
    if not isinstance(value, list):
        errors.append(_("%(where)s: must be a list.") % {"where": key})
        return []
    return value

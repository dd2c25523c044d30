"""Catalogue import, second half: write the checked records, each procedure in its own savepoint.

A record equal to what is stored writes nothing. A changed record for a version no dossier uses
updates it in place; for a version dossiers use (which is frozen) it becomes the next version of
the code, valid from the effective day, and the version in use is closed the day before.
"""

import base64
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Agency, Field, Procedure, RequiredDocument
from ..search import procedure_refresh_search
from ..services import agency_tree_record_changes, agency_tree_snapshot, procedure_publish
from .export import PREFETCH, VersionParts, procedure_record, record_content, stored_parts
from .schema import AGENCY_KEYS, ImportResult, RefusedRecord, _Plan


def apply_plan(plan: _Plan, *, effective: date | None = None) -> ImportResult:
    result = ImportResult(refused=list(plan.refused))
    with transaction.atomic():
        _apply_agencies(plan, result)
        _apply_fields(plan, result)
    drafts = sorted(plan.procedures, key=lambda item: (item[1].procedure.code, _version(item[1])))
    # Every stored version the file names, read at once (a re-import compares them all); a code
    # written during this run is read again, since an earlier record may have changed it.
    codes = {draft.procedure.code for _where, draft in drafts}
    snapshot = {
        (p.code, p.version): p
        for p in Procedure.objects.filter(code__in=codes)
        .select_related("field", "agency")
        .prefetch_related(*PREFETCH)
    }
    written: set[str] = set()
    for where, draft in drafts:
        code = draft.procedure.code
        stored = None if code in written else snapshot.get((code, draft.procedure.version), False)
        try:
            with transaction.atomic():
                outcome = _apply_procedure(draft, effective=effective, stored=stored)
        except ValidationError as error:
            reasons = [
                # The overlap message names the code itself ("procedures 1.000001: …").
                message
                if message.startswith(f"procedures {draft.procedure.code}:")
                else f"{where}: {message}"
                for message in error.messages
            ]
            result.refused.append(RefusedRecord(where, draft.procedure.code, reasons))
        except DatabaseError as error:
            reason = _("%(where)s: the database refused it (%(error)s).") % {
                "where": where,
                "error": str(error).strip().splitlines()[0],
            }
            result.refused.append(RefusedRecord(where, draft.procedure.code, [reason]))
        else:
            setattr(result, outcome, getattr(result, outcome) + 1)
            if outcome != "unchanged":
                written.add(code)
    return result


def _version(draft) -> int:
    version = draft.procedure.version
    return version if isinstance(version, int) else 0


# ---- agencies and fields ---------------------------------------------------------------------


def _apply_agencies(plan: _Plan, result: ImportResult) -> None:
    counted: set[str] = set()
    counted_new: set[str] = set()
    for _record, agency in plan.agencies:
        if agency.pk is None:
            agency.parent = None  # linked below, once every agency of the file exists
            agency.save()
            result.agencies_created += 1
            counted.add(agency.code)
            counted_new.add(agency.code)
        elif _changed(agency, AGENCY_KEYS - {"parent", "serves"}):
            agency.save()
            result.agencies_updated += 1
            counted.add(agency.code)
    agencies = {a.code: a for a in Agency.objects.all()}
    for record, agency in plan.agencies:
        # A key left out of the file leaves that part of an existing agency as it is.
        before = agency_tree_snapshot(agency) if agency.code not in counted_new else None
        touched = False
        if "parent" in record:
            parent = agencies.get(record["parent"]) if record["parent"] else None
            if agency.parent_id != (parent.pk if parent else None):
                agency.parent = parent
                agency.save(update_fields=["parent"])
                touched = True
        if "serves" in record:
            wanted = {agencies[code].pk for code in record["serves"] or []}
            if set(agency.serves.values_list("pk", flat=True)) != wanted:
                agency.serves.set(wanted)
                touched = True
        if touched and before is not None:
            # The tree decides what staff see: a change by import is recorded like one in admin.
            agency_tree_record_changes(agency=agency, before=before, source="import")
        if touched and agency.code not in counted:
            result.agencies_updated += 1
            counted.add(agency.code)


def _apply_fields(plan: _Plan, result: ImportResult) -> None:
    for field_obj in plan.fields:
        if field_obj.pk is None:
            field_obj.save()
            result.fields_created += 1
        elif _changed(field_obj, {"name"}):
            field_obj.save()
            result.fields_updated += 1


def _changed(instance, keys) -> bool:
    stored = type(instance).objects.filter(pk=instance.pk).values(*keys).first() or {}
    return any(stored.get(key) != getattr(instance, key) for key in keys)


# ---- procedures ------------------------------------------------------------------------------


def _apply_procedure(draft, *, effective: date | None, stored) -> str:
    """Write one checked record; returns the ImportResult counter it adds to. `stored` is the
    version as read before (False: not stored then; None: read it now)."""
    procedure = draft.procedure
    if stored is None:
        stored = (
            Procedure.objects.select_related("field", "agency")
            .prefetch_related(*PREFETCH)
            .filter(code=procedure.code, version=procedure.version)
            .first()
        )
    if not stored:
        _check_overlaps(procedure, exclude_pk=None)
        _create(procedure, draft.parts)
        return "procedures_created"
    wanted = record_content(procedure_record(procedure, draft.parts, hashes=True))
    same = record_content(procedure_record(stored, stored_parts(stored), hashes=True)) == wanted
    in_use = stored.dossier_count()
    if same:
        return _update_validity(stored, procedure, in_use=bool(in_use))
    if not in_use:
        _check_overlaps(procedure, exclude_pk=stored.pk)
        _replace(stored, procedure, draft.parts)
        return "procedures_updated"
    later = (
        Procedure.objects.select_related("field", "agency")
        .prefetch_related(*PREFETCH)
        .filter(code=procedure.code, version__gt=stored.version)
    )
    for newer in later:
        if record_content(procedure_record(newer, stored_parts(newer), hashes=True)) == wanted:
            return "unchanged"  # carried as a newer version by an earlier import
    _add_version(procedure, draft.parts, effective=effective)
    return "versions_added"


def _update_validity(stored: Procedure, procedure: Procedure, *, in_use: bool) -> str:
    """Content unchanged: only when the version applies may change (its start only while no
    dossier was received under it)."""
    keys = ["valid_until", "is_published"] + ([] if in_use else ["valid_from"])
    changed = [key for key in keys if getattr(stored, key) != getattr(procedure, key)]
    if not changed:
        return "unchanged"
    for key in changed:
        setattr(stored, key, getattr(procedure, key))
    _check_overlaps(stored, exclude_pk=stored.pk)
    stored.save(update_fields=[*changed, "updated_at"])
    return "procedures_updated"


def _add_version(procedure: Procedure, parts: VersionParts, *, effective: date | None) -> None:
    """The record as the next version of its code, valid from the effective day; publishing
    it closes the version in use the day before."""
    today = timezone.localdate()
    starts = effective or max(procedure.valid_from or today, today)
    latest = Procedure.objects.filter(code=procedure.code).aggregate(v=Max("version"))["v"]
    procedure.version = latest + 1
    procedure.valid_from = starts
    if procedure.valid_until is not None and procedure.valid_until < starts:
        procedure.valid_until = None
    publish = procedure.is_published
    procedure.is_published = False
    _create(procedure, parts)
    if publish:
        procedure_publish(procedure=procedure)


def _check_overlaps(procedure: Procedure, *, exclude_pk: int | None) -> None:
    """One published version per code per day, counting the versions already stored."""
    if not procedure.is_published or procedure.valid_from is None:
        return
    others = Procedure.objects.filter(code=procedure.code, is_published=True)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    others = others.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=procedure.valid_from))
    if procedure.valid_until is not None:
        others = others.filter(valid_from__lte=procedure.valid_until)
    other = others.exclude(version=procedure.version).order_by("valid_from").first()
    if other is None:
        return
    earlier, later = sorted([other, procedure], key=lambda p: p.valid_from)
    raise ValidationError(
        _(
            "procedures %(code)s: versions %(a)s and %(b)s are both published for "
            "%(day)s; only one version may be valid on a given day."
        )
        % {
            "code": procedure.code,
            "a": earlier.version,
            "b": later.version,
            "day": later.valid_from.strftime("%d/%m/%Y"),
        }
    )


def _create(procedure: Procedure, parts: VersionParts) -> None:
    procedure.field_id = _pk_of(Field, parts.field_code)
    procedure.agency_id = _pk_of(Agency, parts.agency_code)
    procedure.save()
    _write_parts(procedure, parts, old_templates=[])


def _pk_of(model, code: str) -> int:
    return model.objects.values_list("pk", flat=True).get(code=code)


def _replace(stored: Procedure, procedure: Procedure, parts: VersionParts) -> None:
    """Rewrite a version no dossier uses: its fields in place, its rows anew."""
    for name in Procedure.content_field_names() + ["valid_until", "is_published"]:
        setattr(stored, name, getattr(procedure, name))
    stored.field_id = _pk_of(Field, parts.field_code)
    stored.agency_id = _pk_of(Agency, parts.agency_code)
    stored.save()
    old_templates = [d.template_file.name for d in stored.documents.all() if d.template_file]
    for related in ("channel_time_limits", "documents", "cases", "steps", "fees", "results"):
        getattr(stored, related).all().delete()
    stored.legal_documents.all().delete()
    _write_parts(stored, parts, old_templates=old_templates)


def _write_parts(procedure: Procedure, parts: VersionParts, *, old_templates: list[str]) -> None:
    """Write the rows of a version that no dossier uses (just created, or checked unused in this
    transaction): bulk inserts, so the per-row "in use?" guard of `save()` is not asked again."""
    if parts.other_agency_codes:
        procedure.other_agencies.set(Agency.objects.filter(code__in=parts.other_agency_codes))
    for rows in (
        parts.channel_time_limits,
        parts.steps,
        parts.fees,
        parts.results,
        parts.legal_documents,
    ):
        if rows:
            for row in rows:
                row.pk = None
                row.procedure = procedure
            type(rows[0]).objects.bulk_create(rows)
    kept: set[str] = set()
    documents = [(None, d) for d in parts.documents]
    for case, case_documents in parts.cases:
        case.pk = None
        case.procedure = procedure
        case.save()
        documents += [(case, d) for d in case_documents]
    for case, document in documents:
        document.pk = None
        document.procedure = procedure
        document.case = case
        template = parts.templates.get(id(document))
        if template is not None:
            _attach_template(document, template, old_templates, kept)
    if documents:
        RequiredDocument.objects.bulk_create([document for _case, document in documents])
    # Search also looks at documents, results and other agencies, written just now.
    procedure_refresh_search(procedure)
    for name in set(old_templates) - kept:
        _delete_file_on_commit(RequiredDocument._meta.get_field("template_file").storage, name)


def _attach_template(document: RequiredDocument, template: dict, old: list[str], kept) -> None:
    content = base64.b64decode(template["content_base64"])
    storage = document.template_file.storage
    target = document.template_file.field.generate_filename(document, template["name"])
    for candidate in [*old, target]:
        # The same bytes already stored (a re-import, or an import beside an existing media
        # folder) are reused rather than written again under a new, suffixed name.
        if candidate.rsplit("/", 1)[-1] == template["name"] and storage.exists(candidate):
            with storage.open(candidate, "rb") as handle:
                if handle.read() == content:
                    document.template_file.name = candidate
                    kept.add(candidate)
                    return
    document.template_file.save(template["name"], ContentFile(content), save=False)


def _delete_file_on_commit(storage, name: str) -> None:
    """Delete a replaced file only once the import has committed, so a rollback loses nothing."""
    transaction.on_commit(lambda: storage.delete(name))

"""Writes to the catalogue: versioning and publication."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from .models import Agency, AgencyTreeChange, Procedure
from .search import procedure_refresh_search


def procedure_check_step_budgets(
    *, time_limit_hours: Decimal | None, budgets: list[Decimal]
) -> None:
    """Step budgets, when there are steps, must add up to the time limit exactly. A limit not
    counted in working time (hours, months, within the day, not stated) has nothing to match."""
    if not budgets or time_limit_hours is None:
        return
    total = sum(budgets, Decimal(0))
    if total != time_limit_hours:
        raise ValidationError(
            _(
                "The step budgets add up to %(total)s working hours, but the time limit is "
                "%(limit)s working hours. Adjust the steps so that they add up to the limit."
            )
            % {"total": _format_hours(total), "limit": _format_hours(time_limit_hours)},
            code="step_budgets",
        )


def _format_hours(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


def procedure_publication_conflicts(
    *, code: str, valid_from: date, valid_until: date | None, exclude_pk: int | None = None
) -> list[Procedure]:
    """Published versions of `code` that a new version valid from `valid_from` cannot replace.

    An open-ended or overlapping older version (one that starts earlier) is simply closed the
    day before; a version that starts on or after `valid_from` and overlaps is a conflict.
    """
    overlapping = Procedure.objects.filter(code=code, is_published=True, valid_from__gte=valid_from)
    if valid_until is not None:
        overlapping = overlapping.filter(valid_from__lte=valid_until)
    if exclude_pk is not None:
        overlapping = overlapping.exclude(pk=exclude_pk)
    return list(overlapping.order_by("valid_from"))


@transaction.atomic
def procedure_publish(*, procedure: Procedure) -> Procedure:
    """Publish `procedure` so that, from its `valid_from`, it is the version the public sees.

    An earlier published version still valid on that day is closed the day before; the old
    version itself stays in the database for the dossiers received under it.
    """
    # Lock every version of the code so two administrators publishing at once cannot both win.
    versions = list(
        Procedure.objects.select_for_update().filter(code=procedure.code).order_by("pk")
    )
    procedure = next(v for v in versions if v.pk == procedure.pk)
    procedure_check_step_budgets(
        time_limit_hours=procedure.time_limit_hours,
        budgets=[step.budget_hours for step in procedure.steps.all()],
    )
    conflicts = procedure_publication_conflicts(
        code=procedure.code,
        valid_from=procedure.valid_from,
        valid_until=procedure.valid_until,
        exclude_pk=procedure.pk,
    )
    if conflicts:
        raise ValidationError(
            _(
                "Version %(version)s of this procedure is already published from %(day)s. "
                "Unpublish it or choose a later start date."
            )
            % {
                "version": conflicts[0].version,
                "day": conflicts[0].valid_from.strftime("%d/%m/%Y"),
            },
            code="publication_conflict",
        )
    day_before = procedure.valid_from - timedelta(days=1)
    to_close = Procedure.objects.filter(
        code=procedure.code, is_published=True, valid_from__lt=procedure.valid_from
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=procedure.valid_from))
    for older in to_close.exclude(pk=procedure.pk):
        older.valid_until = day_before
        older.save(update_fields=["valid_until", "updated_at"])
    if not procedure.is_published:
        procedure.is_published = True
        procedure.save(update_fields=["is_published", "updated_at"])
    return procedure


@transaction.atomic
def procedure_unpublish(*, procedure: Procedure) -> Procedure:
    procedure.is_published = False
    procedure.save(update_fields=["is_published", "updated_at"])
    return procedure


@transaction.atomic
def procedure_create_version(*, procedure: Procedure, valid_from: date | None = None) -> Procedure:
    """A draft copy of `procedure` (every row of it included) as the next version: the way to
    change a version that dossiers use, which is itself frozen."""
    latest = Procedure.objects.filter(code=procedure.code).aggregate(v=Max("version"))["v"]
    cases = list(procedure.cases.all())
    documents = list(procedure.documents.all())
    rows = [
        *procedure.steps.all(),
        *procedure.fees.all(),
        *procedure.channel_time_limits.all(),
        *procedure.results.all(),
        *procedure.legal_documents.all(),
    ]
    other_agencies = list(procedure.other_agencies.all())
    new = Procedure.objects.get(pk=procedure.pk)
    new.pk = None
    new._state.adding = True
    new.version = (latest or 0) + 1
    new.is_published = False
    new.valid_from = valid_from or procedure.valid_from
    new.valid_until = None
    new.save()
    new.other_agencies.set(other_agencies)
    case_copies = {}
    for case in cases:
        old_pk = case.pk
        case.pk = None
        case._state.adding = True
        case.procedure = new
        case.save()
        case_copies[old_pk] = case
    for document in documents:
        document.case = case_copies.get(document.case_id)
    for related in (*documents, *rows):
        related.pk = None
        related._state.adding = True
        related.procedure = new
        related.save()
    procedure_refresh_search(new)
    return new


def agency_tree_snapshot(agency: Agency) -> dict[str, str]:
    """What of `agency` decides which dossiers staff see: its parent and whom it serves."""
    if agency.pk is None:
        return {"parent": "", "serves": ""}
    parent = Agency.objects.filter(pk=agency.parent_id).values_list("code", flat=True).first()
    serves = sorted(agency.serves.values_list("code", flat=True))
    return {"parent": parent or "", "serves": ", ".join(serves)}


def agency_tree_record_changes(
    *, agency: Agency, before: dict[str, str], actor=None, source: str
) -> list[AgencyTreeChange]:
    """Record each part of the tree that differs from `before` (a snapshot taken earlier)."""
    after = agency_tree_snapshot(agency)
    return [
        AgencyTreeChange.objects.create(
            agency=agency,
            field_name=name,
            old_value=before[name],
            new_value=after[name],
            changed_by=actor if actor is not None and actor.is_authenticated else None,
            source=source,
        )
        for name in ("parent", "serves")
        if before[name] != after[name]
    ]

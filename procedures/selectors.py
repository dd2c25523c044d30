"""Reads of the catalogue. Other apps read procedures only through these functions."""

from datetime import date

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from .choices import AgencyKind, ApplicantType
from .collation import by_vietnamese_name
from .models import Agency, Field, Procedure
from .search import procedures_matching


def agency_serving_portal() -> Agency | None:
    """The service centre whose name heads the portal (or, failing that, the top agency)."""
    agencies = Agency.objects.filter(is_active=True)
    if settings.SERVING_AGENCY_CODE:
        return agencies.filter(code=settings.SERVING_AGENCY_CODE).first()
    return (
        agencies.filter(kind=AgencyKind.SERVICE_CENTRE).order_by("pk").first()
        or agencies.filter(parent__isnull=True).order_by("pk").first()
    )


# Long texts only the procedure page shows: a catalogue list of thousands reads none of them.
CATALOGUE_LIST_DEFERRED = (
    "decision_authority",
    "authorised_agency",
    "coordinating_agency",
    "steps_description",
    "conditions",
    "fee_note",
    "result",
    "legal_basis",
    "publication_decision",
    "supplement_policy_basis",
    "search_text",
)


def procedure_list_for_catalogue(**filters) -> QuerySet[Procedure]:
    """`procedure_list_published` for the public list: the same rows, without the long texts."""
    return procedure_list_published(**filters).defer(*CATALOGUE_LIST_DEFERRED)


def procedure_list_published(
    *,
    on: date | None = None,
    query: str = "",
    agency: Agency | None = None,
    field: Field | None = None,
    online_level: str = "",
    level: str = "",
    applicant_type: str = "",
) -> QuerySet[Procedure]:
    """Published versions valid on `on` (today by default), filtered for the public catalogue.

    With a `query`, only procedures holding every word of it as a whole word (in the code, name,
    authorities, agencies, field, results or document names), best match first; diacritics and
    case do not matter, so `hoi nghi`, `HỘI NGHỊ` and `hội nghi` find alike (procedures.search).
    Without one, in Vietnamese name order. `agency` matches the principal agency or any other
    handling agency; `level` is a ProcedureLevel; `applicant_type` a citizen or organisation
    (procedures open to both match either).
    """
    day = on or timezone.localdate()
    procedures = Procedure.objects.published_on(day).select_related("field", "agency")
    if agency is not None:
        procedures = procedures.filter(
            Q(agency=agency)
            | Exists(
                Procedure.other_agencies.through.objects.filter(
                    procedure=OuterRef("pk"), agency=agency
                )
            )
        )
    if field is not None:
        procedures = procedures.filter(field=field)
    if online_level:
        procedures = procedures.filter(online_level=online_level)
    if level:
        procedures = procedures.with_level(level)
    if applicant_type:
        procedures = procedures.filter(applicant_type__in=_applicant_types(applicant_type))
    return procedures_matching(procedures, query)


def _applicant_types(applicant_type: str) -> list[str]:
    if applicant_type == ApplicantType.BOTH:
        return [ApplicantType.BOTH]
    return [applicant_type, ApplicantType.BOTH]


def procedure_get_published(*, code: str, on: date | None = None) -> Procedure:
    """The version of `code` in force on `on`, with everything its page shows.

    Raises Procedure.DoesNotExist when no published version is valid that day.
    """
    day = on or timezone.localdate()
    return (
        Procedure.objects.published_on(day)
        .select_related("field", "agency", "agency__parent")
        .prefetch_related("documents", "steps", "fees")
        .get(code=code)
    )


def procedure_get_version(*, pk: int) -> Procedure:
    """One exact version, published or not (dossiers keep the version they were received under)."""
    return Procedure.objects.select_related("field", "agency").get(pk=pk)


def procedure_versions(*, code: str) -> QuerySet[Procedure]:
    return Procedure.objects.filter(code=code).order_by("-version")


def catalogue_filter_choices(*, on: date | None = None) -> tuple[QuerySet, QuerySet]:
    """Agencies (principal or other handling agency) and fields that have at least one published
    procedure, in Vietnamese name order, for the filter menus."""
    day = on or timezone.localdate()
    published = Procedure.objects.published_on(day)
    agencies = Agency.objects.filter(
        Exists(published.filter(agency=OuterRef("pk")))
        | Exists(published.filter(other_agencies=OuterRef("pk")))
    ).order_by(by_vietnamese_name("name"), "code")
    fields = Field.objects.filter(Exists(published.filter(field=OuterRef("pk")))).order_by(
        by_vietnamese_name("name"), "code"
    )
    return agencies, fields


def agency_tree() -> list[tuple[Agency, int]]:
    """All agencies in tree order with their depth, for listings; one query."""
    agencies = list(Agency.objects.order_by(by_vietnamese_name("name"), "code"))
    children: dict[int | None, list[Agency]] = {}
    for agency in agencies:
        children.setdefault(agency.parent_id, []).append(agency)
    ordered: list[tuple[Agency, int]] = []

    def walk(parent_id, depth):
        for child in children.get(parent_id, []):
            ordered.append((child, depth))
            walk(child.pk, depth + 1)

    walk(None, 0)
    return ordered


def agency_with_descendants(agency: Agency) -> list[int]:
    """Primary keys of `agency` and every agency below it."""
    parent_of = dict(Agency.objects.values_list("pk", "parent_id"))
    result = {agency.pk}
    changed = True
    while changed:
        changed = False
        for pk, parent_id in parent_of.items():
            if parent_id in result and pk not in result:
                result.add(pk)
                changed = True
    return sorted(result)


def procedure_documents_for_case(*, procedure: Procedure, case_id: int | None) -> QuerySet:
    """The documents a dossier under the case `case_id` consists of: those required in every
    case, and those of that case (with no case, only the former), in the procedure's order."""
    documents = procedure.documents.all()
    if case_id is None:
        return documents.filter(case__isnull=True)
    return documents.filter(Q(case__isnull=True) | Q(case_id=case_id))

"""Reads of dossiers, each scoped to the user asking: the staff member's agencies, the work
queues, tracking, the timeline and the process control sheet (Mẫu 05)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import Http404

from portal.roles import Role
from portal.validators import normalize_phone
from procedures.choices import AgencyKind, Channel, StepRole
from procedures.models import Agency, Procedure
from procedures.selectors import procedure_list_published
from procedures.text import search_terms

from ..choices import DossierAction, DossierStatus, Timeliness
from ..models import Dossier, DossierEvent, DossierStep

# ---- dossiers ---------------------------------------------------------------------------------

CASEWORK_ROLE_NAMES = frozenset(
    str(role) for role in (Role.DESK_OFFICER, Role.SPECIALIST, Role.DIVISION_HEAD, Role.LEADER)
)

DESK_QUEUES = {
    "reception": DossierStatus.SUBMITTED,
    "supplement": DossierStatus.NEEDS_SUPPLEMENT,
    "return": DossierStatus.RESULT_READY,
}
_DESK_QUEUE_ORDER = {
    "reception": ("submitted_at", "pk"),
    "supplement": ("updated_at", "pk"),
    "return": ("completed_at", "pk"),
}


def staff_agency_ids(user) -> set[int]:
    """The agencies whose dossiers `user` works on.

    A desk officer of a service centre: the agencies the centre serves and everything below them.
    Other casework staff: their agency and everything below it; staff of a division also see their
    parent department's tree. A superuser: every agency. Anyone else (a catalogue administrator
    included): none.
    """
    if user is None or not user.is_authenticated:
        return set()
    if user.is_superuser:
        return set(Agency.objects.values_list("pk", flat=True))
    # Only casework reads dossiers: a catalogue administrator (who edits procedures) sees none,
    # however high in the tree their agency sits.
    if not (user.role_names & CASEWORK_ROLE_NAMES) or user.agency_id is None:
        return set()
    return _agency_tree_ids(user)


def report_agency_ids(user) -> set[int]:
    """The agencies whose aggregate figures `user` may see: those of their casework, and for a
    catalogue administrator their agency's tree (figures only; dossiers stay closed to them)."""
    if user is None or not user.is_authenticated:
        return set()
    if user.is_superuser:
        return set(Agency.objects.values_list("pk", flat=True))
    if user.agency_id is None or not (
        user.role_names & (CASEWORK_ROLE_NAMES | {str(Role.CATALOGUE_ADMIN)})
    ):
        return set()
    return _agency_tree_ids(user)


def _agency_tree_ids(user) -> set[int]:
    rows = list(Agency.objects.values_list("pk", "parent_id", "kind"))
    kind_of = {pk: kind for pk, _parent, kind in rows}
    parent_of = {pk: parent for pk, parent, _kind in rows}
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent, _kind in rows:
        children[parent].append(pk)

    def with_descendants(roots) -> set[int]:
        found: set[int] = set()
        stack = list(roots)
        while stack:
            pk = stack.pop()
            if pk not in found:
                found.add(pk)
                stack.extend(children.get(pk, ()))
        return found

    own = user.agency_id
    roots: set[int] = set()
    if kind_of.get(own) == AgencyKind.SERVICE_CENTRE:
        roots.update(
            Agency.serves.through.objects.filter(from_agency_id=own).values_list(
                "to_agency_id", flat=True
            )
        )
        if not user.role_names - {Role.DESK_OFFICER.value, Role.CITIZEN.value}:
            return with_descendants(roots) | {own}
    roots.add(own)
    if kind_of.get(own) == AgencyKind.DIVISION and parent_of.get(own) is not None:
        roots.add(parent_of[own])
    return with_descendants(roots)


def _dossier_queryset() -> QuerySet[Dossier]:
    return Dossier.objects.select_related(
        "procedure", "agency", "current_step", "current_step__handler", "assignee"
    )


def dossier_list_for_user(*, user) -> QuerySet[Dossier]:
    """Dossiers `user` may see: a citizen their own, staff those of their agencies (drafts stay
    private to their applicant), a superuser all, an anonymous visitor none."""
    queryset = _dossier_queryset()
    if user is None or not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    visible = Q(applicant_user=user)
    agency_ids = staff_agency_ids(user)
    if agency_ids:
        visible |= Q(agency_id__in=agency_ids) & ~Q(status=DossierStatus.DRAFT)
    return queryset.filter(visible)


def dossier_get_for_user(*, user, dossier_id) -> Dossier:
    """The dossier if `user` may see it; Http404 otherwise, so its existence does not leak."""
    try:
        return dossier_list_for_user(user=user).get(pk=dossier_id)
    except (Dossier.DoesNotExist, ValueError, TypeError):
        raise Http404("No dossier visible with this id.") from None


def procedure_list_for_walk_in(*, user) -> QuerySet[Procedure]:
    """The published procedures of `user`'s agencies that take a dossier at the desk: open to
    it, with a time limit set for it (the rule dossier_register_walk_in enforces)."""
    procedures = procedure_list_published().accepting(Channel.DIRECT)
    if user is not None and user.is_authenticated and user.is_superuser:
        return procedures
    return procedures.filter(agency_id__in=staff_agency_ids(user))


def dossier_get_for_staff(*, user, dossier_id) -> Dossier:
    """The dossier if it belongs to one of `user`'s agencies (never a draft, and never the
    staff member's own application elsewhere); Http404 otherwise. For the staff screens."""
    try:
        return _staff_dossiers(user).exclude(status=DossierStatus.DRAFT).get(pk=dossier_id)
    except (Dossier.DoesNotExist, ValueError, TypeError):
        raise Http404("No dossier visible with this id.") from None


def _staff_dossiers(user) -> QuerySet[Dossier]:
    if user is not None and user.is_authenticated and user.is_superuser:
        return _dossier_queryset()
    return _dossier_queryset().filter(agency_id__in=staff_agency_ids(user))


def dossier_desk_queue(*, user, queue: str, query: str = "") -> QuerySet[Dossier]:
    """A queue of the one-stop desk: `reception` (submitted), `supplement` (awaiting supplement)
    or `return` (result ready); `query` matches code, applicant name (with or without
    diacritics), identity number or phone."""
    if queue not in DESK_QUEUES:
        raise ValueError(f"Unknown desk queue {queue!r}.")
    dossiers = _staff_dossiers(user).filter(status=DESK_QUEUES[queue])
    query = (query or "").strip()
    if query:
        matches = Q()
        for term in search_terms(query):
            matches &= Q(search_text__contains=term)
        phone = normalize_phone(query)
        if phone.isdigit():
            matches |= Q(applicant_phone=phone)
        matches |= Q(code__iexact=query)
        dossiers = dossiers.filter(matches)
    return dossiers.order_by(*_DESK_QUEUE_ORDER[queue])


def dossier_division_queue(*, user) -> QuerySet[Dossier]:
    """Processing dossiers of the user's agencies whose current step is a specialist's or a head of
    division's."""
    return (
        _staff_dossiers(user)
        .filter(
            status=DossierStatus.PROCESSING,
            current_step__role__in=[StepRole.SPECIALIST, StepRole.DIVISION_HEAD],
        )
        .order_by("current_step__due_at", "due_at", "pk")
    )


def dossier_assigned_to(*, user) -> QuerySet[Dossier]:
    """Processing dossiers whose current step is in the hands of `user`."""
    if user is None or not user.is_authenticated:
        return Dossier.objects.none()
    return (
        _dossier_queryset()
        .filter(status=DossierStatus.PROCESSING, current_step__handler=user)
        .order_by("current_step__due_at", "due_at", "pk")
    )


def dossier_approval_queue(*, user) -> QuerySet[Dossier]:
    """Processing dossiers waiting for a leader: at a leader's step, or with every step done."""
    return (
        _staff_dossiers(user)
        .filter(status=DossierStatus.PROCESSING)
        .filter(Q(current_step__role=StepRole.LEADER) | Q(current_step__isnull=True))
        .order_by("due_at", "pk")
    )


def dossier_track(*, code: str, phone: str) -> Dossier | None:
    """The dossier with this code and applicant phone (any spelling of the phone), or None."""
    code = (code or "").strip()
    phone = normalize_phone((phone or "").strip())
    if not code or not phone:
        return None
    return (
        Dossier.objects.select_related("procedure", "agency")
        .exclude(status=DossierStatus.DRAFT)
        .filter(code__iexact=code, applicant_phone=phone)
        .first()
    )


def dossier_timeline(*, dossier: Dossier) -> list[DossierEvent]:
    """The dossier's history, oldest first, with who did each thing."""
    return list(
        DossierEvent.objects.filter(dossier=dossier).select_related("actor").order_by("at", "pk")
    )


@dataclass(frozen=True)
class ControlSheetRow:
    """One hand-over of the process control sheet (Mẫu 05)."""

    step: str
    giver: object  # a user or None
    receiver: object  # a user or None
    at: datetime | None
    budget_hours: Decimal | None
    due_at: datetime | None
    finished_at: datetime | None
    timeliness: str
    note: str = ""

    @property
    def timeliness_label(self) -> str:
        """Early / on time / late, translated; empty for a hand-over not finished yet."""
        return Timeliness(self.timeliness).label if self.timeliness else ""


def dossier_control_sheet(*, dossier: Dossier) -> list[ControlSheetRow]:
    """Rows of Mẫu 05: the desk hands the dossier to the first step, each step to the next, the
    last one back to the desk for the return."""
    events = {
        event.action: event
        for event in DossierEvent.objects.filter(
            dossier=dossier,
            action__in=[DossierAction.RECEIVED, DossierAction.FORWARDED, DossierAction.RETURNED],
        )
        .select_related("actor")
        .order_by("at", "pk")
    }
    steps = list(
        DossierStep.objects.filter(dossier=dossier).select_related("handler").order_by("position")
    )
    received = events.get(DossierAction.RECEIVED)
    forwarded = events.get(DossierAction.FORWARDED)
    returned = events.get(DossierAction.RETURNED)
    rows = []
    if received is not None:
        rows.append(
            ControlSheetRow(
                step=str(DossierAction.RECEIVED.label),
                giver=None,
                receiver=received.actor,
                at=dossier.received_at or received.at,
                budget_hours=None,
                due_at=None,
                finished_at=forwarded.at if forwarded else None,
                timeliness="",
            )
        )
    giver = forwarded.actor if forwarded else None
    for step in steps:
        rows.append(
            ControlSheetRow(
                step=step.name,
                giver=giver,
                receiver=step.handler,
                at=step.started_at,
                budget_hours=step.budget_hours,
                due_at=step.due_at,
                finished_at=step.finished_at,
                timeliness=step.timeliness,
                note=step.note,
            )
        )
        giver = step.handler
    if returned is not None:
        rows.append(
            ControlSheetRow(
                step=str(DossierAction.RETURNED.label),
                giver=giver,
                receiver=returned.actor,
                at=dossier.completed_at,
                budget_hours=None,
                due_at=dossier.due_at,
                finished_at=dossier.returned_at,
                timeliness=dossier.timeliness,
            )
        )
    return rows


def staff_assignable_for(user):
    """Department staff (specialists, heads of division, leaders) of the user's agencies, by
    name: whom a head of division may give a dossier to. The service checks the tree again."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            agency_id__in=staff_agency_ids(user),
            groups__name__in=[Role.SPECIALIST, Role.DIVISION_HEAD, Role.LEADER],
        )
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )

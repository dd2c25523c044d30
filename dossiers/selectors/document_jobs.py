"""Reads for the batch documents: who may request which document, a user's own jobs,
the lĩnh vực they may keep a register for, and the dossiers such a register may list.

A job is private to the person who requested it: every lookup filters on `requested_by`, and a
job of someone else is a 404, never a 403, so its existence does not leak.
"""

from django.db.models import QuerySet
from django.http import Http404

from procedures.models import Field

from ..models import DocumentJob, Dossier
from ..permissions import DOCUMENT_JOB_ROLES, DOCUMENT_ROLES  # noqa: F401 (the views')
from .dossiers import dossier_list_for_user, staff_agency_ids


def document_job_kinds_for(*, user) -> list[str]:
    """The batch documents `user` may request, in display order."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return list(DOCUMENT_JOB_ROLES)
    names = user.role_names
    return [
        kind
        for kind, roles in DOCUMENT_JOB_ROLES.items()
        if any(str(role) in names for role in roles)
    ]


def document_job_list_for_user(*, user) -> QuerySet[DocumentJob]:
    """The jobs `user` requested, newest first (nobody sees anyone else's)."""
    if user is None or not user.is_authenticated:
        return DocumentJob.objects.none()
    return DocumentJob.objects.filter(requested_by=user).order_by("-created_at", "-pk")


def document_job_get_for_user(*, user, job_id) -> DocumentJob:
    """The job if `user` requested it; Http404 otherwise."""
    try:
        return document_job_list_for_user(user=user).get(pk=job_id)
    except (DocumentJob.DoesNotExist, ValueError, TypeError):
        raise Http404("No document job of yours with this id.") from None


def document_job_fields_for(*, user) -> QuerySet[Field]:
    """The lĩnh vực of the procedures handled by the agencies `user` works on (all of them for
    a superuser): those they may request a register for."""
    if user is None or not user.is_authenticated:
        return Field.objects.none()
    if user.is_superuser:
        return Field.objects.order_by("name", "pk")
    return (
        Field.objects.filter(procedures__agency_id__in=staff_agency_ids(user))
        .distinct()
        .order_by("name", "pk")
    )


def document_job_register_dossiers(*, user) -> QuerySet[Dossier]:
    """The dossiers a register requested by `user` may list: those they may see AND handled by
    the agencies they work on (a staff member's own applications elsewhere stay out)."""
    dossiers = dossier_list_for_user(user=user)
    if user is not None and user.is_authenticated and user.is_superuser:
        return dossiers
    return dossiers.filter(agency_id__in=staff_agency_ids(user))

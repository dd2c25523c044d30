"""Hand-built dossiers for the statistics tests: rows written directly with their timestamps."""

import itertools
from datetime import timedelta

from dossiers.choices import DossierChannel, DossierStatus
from dossiers.models import Dossier, Pause, Rating

_numbers = itertools.count(1)


def status_of(fields: dict) -> str:
    if fields.get("withdrawn_at"):
        return DossierStatus.WITHDRAWN
    if fields.get("returned_at"):
        return DossierStatus.RETURNED
    if fields.get("completed_at"):
        return DossierStatus.RESULT_READY
    if fields.get("received_at"):
        return DossierStatus.PROCESSING
    if fields.get("refused_at"):
        return DossierStatus.REFUSED
    return DossierStatus.SUBMITTED


def make_dossier(procedure, *, pauses=(), rating=None, **fields) -> Dossier:
    """One dossier of `procedure` with the given timestamps; `pauses` is a list of (start, end)
    and `rating` a (level, rated_at) pair."""
    if fields.get("received_at") and not fields.get("due_at"):
        fields["due_at"] = fields["received_at"] + timedelta(days=10)
    fields.setdefault("channel", DossierChannel.DIRECT)
    fields.setdefault("status", status_of(fields))
    dossier = Dossier.objects.create(
        procedure=procedure,
        agency=fields.pop("agency", procedure.agency),
        applicant_name="Trần Thị Bình",
        code=f"STAT-{next(_numbers):07d}",
        **fields,
    )
    for started, ended in pauses:
        Pause.objects.create(dossier=dossier, started_at=started, ended_at=ended, reason="Bổ sung")
    if rating is not None:
        Rating.objects.create(dossier=dossier, level=rating[0], rated_at=rating[1])
    return dossier

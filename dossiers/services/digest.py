"""The leaders' morning digest: overdue dossiers and those due today, by division."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from portal.roles import Role
from procedures.selectors import agency_with_descendants

from ..models import Dossier
from .deadline_sweep import CLOCK_RUNNING


@dataclass
class DigestGroup:
    division: str
    overdue: list[dict] = field(default_factory=list)
    due_today: list[dict] = field(default_factory=list)


def leader_digest_build(*, leader, now: datetime) -> list[DigestGroup]:
    """Open dossiers of the leader's agency tree that are overdue or due before the end of today
    (local date), grouped by division: the current step handler's agency, else the assignee's,
    else the dossier's agency. Sorted by division name, then due time."""
    if leader.agency_id is None:
        return []
    end_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    end_of_day += timedelta(days=1)
    dossiers = (
        Dossier.objects.filter(
            agency_id__in=agency_with_descendants(leader.agency),
            status__in=CLOCK_RUNNING,
            due_at__lt=end_of_day,
        )
        .select_related("agency", "procedure", "current_step__handler__agency", "assignee__agency")
        .order_by("due_at", "pk")
    )
    groups: dict[str, DigestGroup] = {}
    for dossier in dossiers:
        step = dossier.current_step
        if step is not None and step.handler is not None and step.handler.agency is not None:
            division = step.handler.agency
        elif dossier.assignee is not None and dossier.assignee.agency is not None:
            division = dossier.assignee.agency
        else:
            division = dossier.agency
        group = groups.setdefault(division.name, DigestGroup(division=division.name))
        line = {
            "code": dossier.code,
            "applicant": dossier.applicant_name,
            "procedure": dossier.procedure.name,
            "due_at": timezone.localtime(dossier.due_at),
            "url": settings.SITE_URL.rstrip("/")
            + reverse("dossiers:department_detail", args=[dossier.pk]),
        }
        (group.overdue if dossier.due_at < now else group.due_today).append(line)
    return [groups[name] for name in sorted(groups)]


def leader_digest_send(*, now: datetime | None = None) -> int:
    """E-mail each active leader with an address the digest of their agency; leaders with nothing
    overdue or due today get no e-mail. Returns how many e-mails were sent."""
    now = now or timezone.now()
    leaders = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.LEADER.value)
        .exclude(email="")
        .select_related("agency")
        .order_by("pk")
        .distinct()
    )
    sent = 0
    for leader in leaders:
        groups = leader_digest_build(leader=leader, now=now)
        if not groups:
            continue
        with translation.override("vi"):
            context = {
                "leader": leader,
                "groups": groups,
                "today": timezone.localtime(now).date(),
                "overdue_count": sum(len(g.overdue) for g in groups),
                "due_today_count": sum(len(g.due_today) for g in groups),
            }
            body = render_to_string("dossiers/email/leader_digest.txt", context)
            subject = render_to_string("dossiers/email/leader_digest_subject.txt", context)
        send_mail(
            " ".join(subject.split()),
            body,
            settings.DEFAULT_FROM_EMAIL,
            [leader.email],
        )
        sent += 1
    return sent

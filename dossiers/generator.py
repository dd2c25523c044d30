"""Realistic dossier histories, bulk-inserted: demo data for `seed_demo` and the large data sets
that `generate_dossiers` makes for benchmarks.

Rows are written with bulk_create rather than through the services, which would take hours for a
million dossiers; every row is still consistent with the rules the services apply: only procedures
and channels that take dossiers are used (a channel whose time limit is not set takes none), a
procedure with cases gets one of its cases, due dates come from `compute_due` with the time limit
of the dossier's channel on the agency's working calendar, timeliness from `classify_completion`,
codes from the same daily sequence (the sequence rows are advanced so later real dossiers never
reuse a code), and each dossier gets the events its history implies.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from procedures.choices import StepRole
from procedures.models import Agency, Procedure
from procedures.text import fold

from .choices import (
    DossierAction,
    DossierChannel,
    DossierOutcome,
    DossierStatus,
    ReturnMethod,
    SatisfactionLevel,
)
from .deadlines import RULE_VERSION, classify_completion, compute_due
from .models import Dossier, DossierCodeSequence, DossierEvent, DossierStep, Rating
from .selectors import work_calendar_for
from .services.dossiers import stamp_received
from .workflow import apply_history

FAMILY_NAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE_NAMES = ["Văn", "Thị", "Minh", "Đức", "Thu", "Quốc", "Ngọc", "Thanh", "Hữu", "Hải"]
GIVEN_NAMES = [
    "An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hương", "Khánh", "Lan", "Long",
    "Mai", "Nam", "Phúc", "Quân", "Sơn", "Tâm", "Trang", "Tuấn", "Vy", "Yến",
]  # fmt: skip
ORGANISATIONS = [
    "Công ty TNHH Thương mại Tuyên Quang",
    "Công ty Cổ phần Du lịch Na Hang",
    "Trường Đại học Tân Trào",
    "Bệnh viện Đa khoa tỉnh",
    "Hiệp hội Doanh nghiệp tỉnh",
]

# How dossiers arrive, in proportion, among the channels a procedure takes.
CHANNEL_WEIGHTS = {DossierChannel.ONLINE: 55, DossierChannel.DIRECT: 40, DossierChannel.POSTAL: 5}


@dataclass
class GeneratedCounts:
    dossiers: int = 0
    events: int = 0
    steps: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


@dataclass
class _Draft:
    """One dossier's history before it is written."""

    dossier: Dossier
    events: list[tuple[str, str, str, datetime]] = field(default_factory=list)
    steps: list[DossierStep] = field(default_factory=list)
    current_position: int | None = None
    rating: str = ""


def generate_dossiers(
    *,
    count: int,
    seed: int,
    start: date,
    end: date,
    now: datetime | None = None,
    citizen=None,
    with_events: bool = True,
    batch_size: int = 2000,
) -> GeneratedCounts:
    """Create `count` dossiers received between `start` and `end` (inclusive), as they would
    stand at `now`: older ones mostly resolved (early, on time or late), recent ones in progress."""
    now = now or timezone.now()
    if start > end:
        raise ValueError(f"The first day ({start:%d/%m/%Y}) comes after the last ({end:%d/%m/%Y}).")
    rng = random.Random(seed)
    # Only procedures that take dossiers: a channel is used only where its time limit is set.
    procedures = [
        procedure
        for procedure in Procedure.objects.filter(is_published=True)
        .select_related("agency")
        .prefetch_related("steps", "channel_time_limits", "cases")
        .order_by("code", "version")
        if _open_channels(procedure)
    ]
    if not procedures:
        raise ValueError("There is no published procedure that accepts dossiers to generate.")
    calendars = {p.agency_id: work_calendar_for(p.agency) for p in procedures}
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    sequences = _SequenceBook()
    counts = GeneratedCounts()
    for offset in range(0, count, batch_size):
        drafts = [
            _draft(rng, rng.choice(procedures), calendars, days, now, sequences, citizen)
            for _ in range(min(batch_size, count - offset))
        ]
        with transaction.atomic():
            _write(drafts, with_events=with_events, counts=counts)
    sequences.save()
    return counts


def _draft(rng, procedure, calendars, days, now, sequences, citizen) -> _Draft:
    calendar = calendars[procedure.agency_id]
    tz = calendar.tz
    # A third of receipts fall in the last fortnight, so the queues have work in progress.
    day = rng.choice(days[-15:] if rng.random() < 0.35 else days)
    moment = datetime.combine(day, time(7, 0), tz) + timedelta(minutes=rng.randrange(0, 600))
    channels = _open_channels(procedure)
    channel = rng.choices(channels, [CHANNEL_WEIGHTS[c] for c in channels])[0]
    cases = list(procedure.cases.all())
    dossier = Dossier(
        procedure=procedure,
        agency_id=procedure.agency_id,
        document_case=rng.choice(cases) if cases else None,
        channel=channel,
        **_applicant(rng),
    )
    if channel == DossierChannel.ONLINE and citizen is not None and rng.random() < 0.1:
        dossier.applicant_user = citizen
        dossier.applicant_name = citizen.get_full_name() or dossier.applicant_name
        dossier.applicant_phone = citizen.phone or dossier.applicant_phone
    draft = _Draft(dossier)
    received_at = calendar.next_working_moment(moment)
    if received_at >= now:
        received_at = calendar.next_working_moment(now - timedelta(hours=rng.randrange(1, 48)))
        if received_at >= now:
            received_at = now - timedelta(minutes=5)
    if channel == DossierChannel.ONLINE:
        dossier.submitted_at = received_at - timedelta(minutes=rng.randrange(10, 600))
        draft.events.append(
            (
                DossierAction.CREATED,
                "",
                DossierStatus.DRAFT,
                dossier.submitted_at - timedelta(minutes=15),
            )
        )
        draft.events.append(
            (
                DossierAction.SUBMITTED,
                DossierStatus.DRAFT,
                DossierStatus.SUBMITTED,
                dossier.submitted_at,
            )
        )
    code_moment = dossier.submitted_at or received_at
    dossier.code = sequences.next_code(
        procedure.agency.code, timezone.localtime(code_moment, tz).date()
    )

    fate = rng.random()
    if channel == DossierChannel.ONLINE and fate < 0.03:
        return _ends_before_reception(draft, rng, now)
    if channel == DossierChannel.ONLINE and now - received_at < timedelta(days=2) and fate < 0.6:
        return _waiting_at_the_desk(draft, rng)
    limit = procedure.time_limit_for(channel)
    due = compute_due(
        received_at, limit.amount, limit.unit, cutoff=procedure.cutoff_15h, calendar=calendar
    )
    stamp_received(dossier, procedure=procedure, due=due, limit=limit)
    from_status = DossierStatus.SUBMITTED if dossier.submitted_at else ""
    draft.events.append((DossierAction.RECEIVED, from_status, DossierStatus.RECEIVED, received_at))

    if fate < 0.05:
        withdrawn_at = received_at + timedelta(hours=rng.randrange(1, 72))
        if withdrawn_at < now:
            dossier.withdrawn_at = withdrawn_at
            draft.events.append(
                (
                    DossierAction.WITHDRAWN,
                    DossierStatus.RECEIVED,
                    DossierStatus.WITHDRAWN,
                    withdrawn_at,
                )
            )
            return draft
    forwarded_at = received_at + timedelta(minutes=rng.randrange(5, 120))
    if forwarded_at >= now:
        return draft
    draft.events.append(
        (DossierAction.FORWARDED, DossierStatus.RECEIVED, DossierStatus.PROCESSING, forwarded_at)
    )
    completed_at = _completion_moment(rng, calendar, due, forwarded_at)
    _plan_steps(draft, procedure, calendar, forwarded_at, completed_at, now)
    if completed_at >= now:
        return draft
    dossier.completed_at = completed_at
    dossier.outcome = rng.choices([DossierOutcome.APPROVED, DossierOutcome.DENIED], [95, 5])[0]
    dossier.timeliness = classify_completion(completed_at, due.due_at, tz=tz)
    dossier.timeliness_rule = RULE_VERSION
    draft.events.append(
        (
            DossierAction.COMPLETED,
            DossierStatus.PROCESSING,
            DossierStatus.RESULT_READY,
            completed_at,
        )
    )
    returned_at = calendar.add_working_hours(completed_at, rng.randrange(1, 24))
    if returned_at >= now:
        return draft
    dossier.returned_at = returned_at
    dossier.return_method = (
        ReturnMethod.ONLINE if channel == DossierChannel.ONLINE and rng.random() < 0.5
        else rng.choice([ReturnMethod.AT_DESK, ReturnMethod.POSTAL])
    )  # fmt: skip
    draft.events.append(
        (DossierAction.RETURNED, DossierStatus.RESULT_READY, DossierStatus.RETURNED, returned_at)
    )
    if rng.random() < 0.5:
        draft.rating = rng.choices(
            [
                SatisfactionLevel.VERY_SATISFIED,
                SatisfactionLevel.SATISFIED,
                SatisfactionLevel.NOT_SATISFIED,
            ],
            [70, 25, 5],
        )[0]
        draft.events.append(
            (
                DossierAction.RATED,
                DossierStatus.RETURNED,
                DossierStatus.RETURNED,
                returned_at + timedelta(hours=2),
            )
        )
    return draft


def _open_channels(procedure) -> list[str]:
    """The channels `procedure` takes dossiers through (open, with a time limit set)."""
    return [channel for channel in CHANNEL_WEIGHTS if procedure.accepts_channel(channel)]


def _ends_before_reception(draft: _Draft, rng, now) -> _Draft:
    dossier = draft.dossier
    at = dossier.submitted_at + timedelta(hours=rng.randrange(1, 8))
    if at >= now:
        return draft
    dossier.refused_at = at
    draft.events.append((DossierAction.REFUSED, DossierStatus.SUBMITTED, DossierStatus.REFUSED, at))
    return draft


def _waiting_at_the_desk(draft: _Draft, rng) -> _Draft:
    """Submitted online and not received yet; some were sent back for a supplement."""
    dossier = draft.dossier
    if rng.random() < 0.25:
        dossier.supplement_items = ["Bản sao giấy tờ tùy thân có chứng thực"]
        dossier.supplement_reason = "Bản chụp chưa rõ, đề nghị bổ sung bản sao có chứng thực."
        at = dossier.submitted_at + timedelta(minutes=rng.randrange(10, 120))
        draft.events.append(
            (
                DossierAction.SUPPLEMENT_REQUESTED,
                DossierStatus.SUBMITTED,
                DossierStatus.NEEDS_SUPPLEMENT,
                at,
            )
        )
    return draft


def _completion_moment(rng, calendar, due, forwarded_at) -> datetime:
    """Mostly early, some on the due day, a few late: the spread a department reports."""
    due_at = due.due_at
    roll = rng.random()
    if roll < 0.08:
        return calendar.add_working_hours(due_at, rng.randrange(1, 40))
    total = calendar.working_seconds_between(forwarded_at, due_at)
    if roll < 0.25 or total <= 0:
        opening = calendar.next_working_moment(
            datetime.combine(timezone.localtime(due_at, calendar.tz).date(), time(0), calendar.tz)
        )
        earliest = max(opening, forwarded_at)
        span = calendar.working_seconds_between(earliest, due_at)
        return calendar.add_working_hours(earliest, rng.randrange(0, max(span, 1)) / 3600)
    return calendar.add_working_hours(forwarded_at, rng.uniform(0.1, 0.9) * total / 3600)


def _plan_steps(draft: _Draft, procedure, calendar, forwarded_at, completed_at, now) -> None:
    """The internal steps share the working time from forwarding to completion in proportion
    to their budgets; those finishing after `now` are not finished, the first of them is current."""
    procedure_steps = [s for s in procedure.steps.all() if s.role != StepRole.DESK_OFFICER]
    span = max(calendar.working_seconds_between(forwarded_at, completed_at), len(procedure_steps))
    total_budget = sum(float(s.budget_hours) for s in procedure_steps) or 1.0
    started_at = forwarded_at
    for position, procedure_step in enumerate(procedure_steps, start=1):
        step = DossierStep(
            procedure_step=procedure_step,
            position=position,
            name=procedure_step.name,
            role=procedure_step.role,
            budget_hours=procedure_step.budget_hours,
            started_at=started_at,
            due_at=calendar.add_working_hours(started_at, procedure_step.budget_hours),
        )
        draft.steps.append(step)
        share = float(procedure_step.budget_hours) / total_budget
        finished_at = (
            completed_at
            if position == len(procedure_steps)
            else calendar.add_working_hours(started_at, span * share / 3600)
        )
        if finished_at >= now:
            draft.current_position = position
            return
        step.finished_at = finished_at
        step.timeliness = classify_completion(finished_at, step.due_at, tz=calendar.tz)
        draft.events.append(
            (
                DossierAction.STEP_COMPLETED,
                DossierStatus.PROCESSING,
                DossierStatus.PROCESSING,
                finished_at,
            )
        )
        started_at = finished_at


def _applicant(rng) -> dict:
    name = f"{rng.choice(FAMILY_NAMES)} {rng.choice(MIDDLE_NAMES)} {rng.choice(GIVEN_NAMES)}"
    organisation = rng.choice(ORGANISATIONS) if rng.random() < 0.3 else ""
    phone = "09" + "".join(str(rng.randrange(10)) for _ in range(8))
    identity = "0" + "".join(str(rng.randrange(10)) for _ in range(11))
    return {
        "applicant_name": name,
        "applicant_identity_number": identity,
        "applicant_phone": phone,
        "applicant_address": "Phường Minh Xuân, tỉnh Tuyên Quang",
        "applicant_organisation": organisation,
    }


def _write(drafts: list[_Draft], *, with_events: bool, counts: GeneratedCounts) -> None:
    for draft in drafts:
        dossier = draft.dossier
        apply_history(dossier, [to_status for _action, _from, to_status, _at in draft.events])
        parts = (
            dossier.code,
            dossier.applicant_name,
            dossier.applicant_organisation,
            dossier.applicant_identity_number,
            dossier.applicant_phone,
        )
        dossier.search_text = fold(" ".join(part for part in parts if part))
    Dossier.objects.bulk_create([d.dossier for d in drafts])
    steps = []
    for draft in drafts:
        for step in draft.steps:
            step.dossier = draft.dossier
            steps.append(step)
    DossierStep.objects.bulk_create(steps)
    current = []
    for draft in drafts:
        if draft.current_position is not None and draft.dossier.status == DossierStatus.PROCESSING:
            draft.dossier.current_step = draft.steps[draft.current_position - 1]
            current.append(draft.dossier)
    Dossier.objects.bulk_update(current, ["current_step"])
    Rating.objects.bulk_create(
        Rating(
            dossier=d.dossier, level=d.rating, rated_at=d.dossier.returned_at + timedelta(hours=2)
        )
        for d in drafts
        if d.rating
    )
    if with_events:
        events = [
            DossierEvent(
                dossier=draft.dossier,
                action=action,
                from_status=from_status,
                to_status=to_status,
                at=at,
                data={"generated": True},
            )
            for draft in drafts
            for action, from_status, to_status, at in draft.events
        ]
        DossierEvent.objects.bulk_create(events)
        counts.events += len(events)
    counts.dossiers += len(drafts)
    counts.steps += len(steps)
    for draft in drafts:
        counts.by_status[draft.dossier.status] = counts.by_status.get(draft.dossier.status, 0) + 1


class _SequenceBook:
    """Daily code counters, continuing from the database and written back at the end."""

    def __init__(self):
        self._last: dict[tuple[str, date], int] = {
            (agency_code, day): last
            for agency_code, day, last in DossierCodeSequence.objects.values_list(
                "agency__code", "day", "last_number"
            )
        }

    def next_code(self, agency_code: str, day: date) -> str:
        number = self._last.get((agency_code, day), 0) + 1
        self._last[(agency_code, day)] = number
        return f"{agency_code}-{day:%y%m%d}-{number:04d}"

    def save(self) -> None:
        agency_ids = dict(Agency.objects.values_list("code", "pk"))
        existing = {(row.agency_id, row.day): row for row in DossierCodeSequence.objects.all()}
        to_create, to_update = [], []
        for (agency_code, day), last in self._last.items():
            row = existing.get((agency_ids[agency_code], day))
            if row is None:
                to_create.append(
                    DossierCodeSequence(
                        agency_id=agency_ids[agency_code], day=day, last_number=last
                    )
                )
            elif row.last_number != last:
                row.last_number = last
                to_update.append(row)
        DossierCodeSequence.objects.bulk_create(to_create, batch_size=5000)
        DossierCodeSequence.objects.bulk_update(to_update, ["last_number"], batch_size=5000)

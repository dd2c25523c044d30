"""Generated dossiers (demo data and benchmark sets) obey the same rules as real ones."""

import re
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from dossiers.choices import DossierStatus
from dossiers.deadlines import RULE_VERSION, classify_completion, compute_due
from dossiers.generator import generate_dossiers
from dossiers.models import Dossier, DossierEvent
from dossiers.selectors import work_calendar_for
from dossiers.services import dossier_register_walk_in
from portal.roles import Role
from procedures.exchange import catalogue_import_json
from tests.dossiers.factories import applicant_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture
def catalogue():
    path = settings.BASE_DIR / "procedures" / "fixtures" / "demo_catalogue.json"
    catalogue_import_json(path.read_bytes())


@pytest.fixture
def generated(catalogue):
    counts = generate_dossiers(
        count=400, seed=11, start=date(2026, 8, 1), end=date(2026, 11, 26), now=NOW
    )
    assert counts.dossiers == 400
    return counts


def test_due_dates_and_timeliness_follow_rule_v1(generated):
    for dossier in Dossier.objects.filter(received_at__isnull=False).select_related(
        "procedure", "agency"
    ):
        limit = dossier.procedure.time_limit_for(dossier.channel)
        due = compute_due(
            dossier.received_at,
            limit.amount,
            limit.unit,
            cutoff=dossier.procedure.cutoff_15h,
            calendar=work_calendar_for(dossier.agency),
        )
        assert dossier.due_at == due.due_at, dossier.code
        assert dossier.due_rule_version == RULE_VERSION
        if dossier.completed_at:
            assert dossier.timeliness == classify_completion(dossier.completed_at, dossier.due_at)
            assert dossier.timeliness_rule == RULE_VERSION
        else:
            assert dossier.timeliness == ""


def test_every_state_and_timeliness_is_represented(generated):
    statuses = set(Dossier.objects.values_list("status", flat=True))
    timeliness = set(Dossier.objects.exclude(timeliness="").values_list("timeliness", flat=True))

    assert {DossierStatus.PROCESSING, DossierStatus.RETURNED, DossierStatus.WITHDRAWN} <= statuses
    assert timeliness == {"early", "on_time", "late"}


def test_timestamps_are_consistent_with_the_status(generated):
    for dossier in Dossier.objects.all():
        assert (dossier.completed_at is not None) == (
            dossier.status in {DossierStatus.RESULT_READY, DossierStatus.RETURNED}
        ), dossier.code
        assert (dossier.returned_at is not None) == (dossier.status == DossierStatus.RETURNED)
        assert (dossier.withdrawn_at is not None) == (dossier.status == DossierStatus.WITHDRAWN)
        assert (dossier.refused_at is not None) == (dossier.status == DossierStatus.REFUSED)
        for earlier, later in [
            (dossier.submitted_at, dossier.received_at),
            (dossier.received_at, dossier.completed_at),
            (dossier.completed_at, dossier.returned_at),
        ]:
            if earlier and later:
                assert earlier <= later, dossier.code
        assert (dossier.completed_at or NOW) <= NOW


def test_last_event_leads_to_the_current_status(generated):
    for dossier in Dossier.objects.prefetch_related("events"):
        events = sorted(dossier.events.all(), key=lambda event: (event.at, event.pk))
        assert events[-1].to_status == dossier.status, dossier.code


def test_processing_dossiers_have_an_unfinished_current_step(generated):
    processing = Dossier.objects.filter(status=DossierStatus.PROCESSING).select_related(
        "current_step"
    )

    assert processing.exists()
    for dossier in processing:
        assert dossier.current_step is not None and dossier.current_step.finished_at is None


def test_codes_are_unique_and_real_dossiers_continue_the_sequence(generated):
    codes = list(Dossier.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"000\.00\.16\.H62-\d{6}-\d{4}", code) for code in codes)
    todays = sorted(code for code in codes if "-261126-" in code)

    procedure = Dossier.objects.first().procedure
    dossier = dossier_register_walk_in(
        procedure=procedure,
        applicant=applicant_data(),
        actor=UserFactory(role=Role.DESK_OFFICER, agency=procedure.agency),
        received_at=NOW,
    )

    assert dossier.code == f"000.00.16.H62-261126-{len(todays) + 1:04d}"


def test_generation_is_reproducible_from_its_seed(catalogue):
    def snapshot():
        return list(
            Dossier.objects.order_by("code").values_list(
                "code", "status", "received_at", "timeliness"
            )
        )

    # Without events: they are append-only, and the second run needs an empty table.
    generate_dossiers(
        count=50, seed=3, start=date(2026, 9, 1), end=date(2026, 11, 26), now=NOW, with_events=False
    )
    first = snapshot()
    assert not DossierEvent.objects.exists()
    Dossier.objects.all().delete()
    from dossiers.models import DossierCodeSequence

    DossierCodeSequence.objects.all().delete()
    generate_dossiers(
        count=50, seed=3, start=date(2026, 9, 1), end=date(2026, 11, 26), now=NOW, with_events=False
    )

    assert snapshot() == first


def test_generate_dossiers_command_reports_what_it_made(catalogue):
    out = StringIO()
    call_command("generate_dossiers", "--count", "20", "--seed", "5", stdout=out)

    assert out.getvalue().startswith("20 dossiers")
    assert Dossier.objects.count() == 20


def test_the_command_refuses_a_negative_span_with_a_message(db):
    with pytest.raises(CommandError, match="comes after"):
        call_command("generate_dossiers", "--count", "5", "--days", "-5")

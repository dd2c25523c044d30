"""The daily rollups equal the definition (issue 13, point 4): random dossier histories are rolled
up at one moment, then changed (new dossiers, corrections of old ones, results and pauses
recorded late) and brought up to date by the incremental task; every cell of the report read from
the rollups equals the report counted by `report_column_q`, for random periods (past, current,
future) and groupings, at a controlled `now`. Plus the rebuild command and the tasks."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from dossiers.models import DailyRollup, Dossier, Pause, RollupDay, RollupWatermark
from dossiers.statistics import COLUMNS, GROUPINGS, Period, report_build
from dossiers.statistics.report import _aggregate, _rows_from, _total, report_scope
from dossiers.statistics.rollups import (
    local_day,
    rollup_report_values,
    rollups_rebuild,
    rollups_refresh,
    rollups_verify,
)
from dossiers.tasks import refresh_rollups_task, verify_rollups_task
from procedures.choices import AgencyKind
from tests.dossiers.moments import at
from tests.dossiers.statistics import test_statistics_properties as properties
from tests.dossiers.statistics.test_statistics_properties import dossier_spec, moment, periods
from tests.dossiers.stats_support import make_dossier
from tests.factories import AgencyFactory, FieldFactory, ProcedureFactory

FIRST_DAY = date(2025, 12, 31)  # the day before the first moment the specs hold


@st.composite
def correction(draw):
    """A change recorded late on one of the dossiers rolled up already."""
    return {
        "index": draw(st.integers(0, 30)),
        "kind": draw(st.sampled_from(["due", "complete", "withdraw", "pause", "reopen"])),
        "moment": draw(moment),
        "timeliness": draw(st.sampled_from(["early", "on_time", "late"])),
    }


class RollupProperties(TestCase):
    # The same catalogue and dossier specs as the brute-force properties.
    setUpTestData = classmethod(properties.ReportProperties.setUpTestData.__func__)
    create = properties.ReportProperties.create

    def correct(self, changes):
        dossiers = list(Dossier.objects.filter(received_at__isnull=False).order_by("pk"))
        for change in changes:
            if not dossiers:
                return
            dossier = dossiers[change["index"] % len(dossiers)]
            moment = max(change["moment"], dossier.received_at)
            if change["kind"] == "due":
                dossier.due_at = moment
            elif change["kind"] == "complete" and dossier.withdrawn_at is None:
                dossier.completed_at = moment
                dossier.timeliness = change["timeliness"]
            elif change["kind"] == "withdraw" and dossier.completed_at is None:
                dossier.withdrawn_at = moment
            elif change["kind"] == "pause":
                Pause.objects.create(
                    dossier=dossier,
                    started_at=moment,
                    ended_at=moment + timedelta(days=1),
                    reason="Bổ sung",
                )
            elif change["kind"] == "reopen":
                dossier.completed_at = dossier.withdrawn_at = None
            dossier.save()

    def oracle(self, period, grouping, now):
        values = _aggregate(report_scope(self.user), period, grouping, now=now)
        return _rows_from(values, grouping)

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        specs=st.lists(dossier_spec(), max_size=12),
        later=st.lists(dossier_spec(), max_size=5),
        changes=st.lists(correction(), max_size=4),
        built_hours=st.integers(0, 24 * 75),
        elapsed_hours=st.integers(1, 24 * 10),
        queries=st.lists(
            st.tuples(periods, st.sampled_from(GROUPINGS), st.integers(0, 24 * 10)),
            min_size=1,
            max_size=4,
        ),
    )
    def test_rollup_report_equals_the_definition(
        self, specs, later, changes, built_hours, elapsed_hours, queries
    ):
        built = at(2026, 1, 1) + timedelta(hours=built_hours)
        with time_machine.travel(built, tick=False):
            self.create(specs)
        rollups_rebuild(first_day=FIRST_DAY, last_day=local_day(built), now=built)
        now = built + timedelta(hours=elapsed_hours)
        with time_machine.travel(now - timedelta(minutes=1), tick=False):
            self.create(later)
            self.correct(changes)
        rollups_refresh(now=now)

        for period, grouping, extra_hours in queries:
            asked = now + timedelta(minutes=extra_hours)  # still before the next refresh
            if local_day(asked) != local_day(now):
                asked = now
            assert (
                rollup_report_values(
                    agency_ids=None, period=period, key="channel", columns=COLUMNS, now=asked
                )
                is not None
            ), "the rolled-up days cover the period"
            report = report_build(user=self.user, period=period, grouping=grouping, now=asked)
            expected = self.oracle(period, grouping, asked)
            assert [(r.key, r.counts) for r in report.rows] == [
                (r.key, r.counts) for r in expected
            ], (period, grouping, asked)
            assert report.total.counts == _total(expected).counts


# ---- tables: the command, the tasks, the fallback ----------------------------------------------

pytestmark = pytest.mark.django_db


@pytest.fixture
def procedure():
    agency = AgencyFactory(code="R.10", name="Sở C", kind=AgencyKind.DEPARTMENT)
    return ProcedureFactory(code="2.000010", agency=agency, field=FieldFactory(code="RF3"))


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_user(
        username="root@example.vn", password="x", is_superuser=True, is_staff=True
    )


def test_the_command_builds_the_closed_days_of_the_range(procedure, time_machine):
    """Only days that have ended are built; today is left to the live count."""
    time_machine.move_to(at(2026, 3, 5, 9, 0), tick=False)
    make_dossier(procedure, received_at=at(2026, 3, 2, 10, 0), due_at=at(2026, 3, 3, 10, 0))
    call_command("rollup_rebuild", "--from", "01/03/2026", "--to", "10/03/2026")
    assert list(RollupDay.objects.values_list("day", flat=True)) == [
        date(2026, 3, d) for d in (1, 2, 3, 4)
    ]
    stocks = dict(DailyRollup.objects.values_list("day", "in_progress_overdue"))
    assert stocks == {date(2026, 3, 2): 0, date(2026, 3, 3): 1, date(2026, 3, 4): 1}
    assert DailyRollup.objects.get(day=date(2026, 3, 2)).received_new == 1


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [("2026-03-01", "05/03/2026", "is not a date"), ("05/03/2026", "01/03/2026", "after")],
)
def test_the_command_refuses_bad_ranges(first, last, message):
    with pytest.raises(CommandError, match=message):
        call_command("rollup_rebuild", "--from", first, "--to", last)
    assert not RollupDay.objects.exists()


def test_a_report_without_built_days_counts_live(procedure, superuser, time_machine):
    """A fresh database has no RollupDay: the report is the oracle's, and no day is invented."""
    time_machine.move_to(at(2026, 3, 5, 9, 0), tick=False)
    make_dossier(procedure, received_at=at(2026, 3, 2, 10, 0))
    period = Period.month(2026, 3)
    assert (
        rollup_report_values(
            agency_ids=None, period=period, key="channel", columns=COLUMNS, now=at(2026, 3, 5, 9, 0)
        )
        is None
    )
    report = report_build(user=superuser, period=period, grouping="agency")
    assert report.total.counts["received_new"] == 1


def test_a_past_report_from_rollups_is_four_queries_whatever_the_dossiers(
    procedure, superuser, time_machine
):
    """Corrections note, rolled-up days check, one sum over the rollups, labels."""
    time_machine.move_to(at(2026, 4, 2, 9, 0), tick=False)
    for day in range(1, 29):
        make_dossier(procedure, received_at=at(2026, 3, day, 10, 0))
    rollups_rebuild(first_day=date(2026, 2, 28), last_day=date(2026, 4, 1))
    with CaptureQueriesContext(connection) as queries:
        report = report_build(user=superuser, period=Period.month(2026, 3), grouping="field")
    assert len(queries) == 4, [q["sql"] for q in queries]
    assert report.total.counts["received_new"] == 28
    assert "dossiers_dossier" not in " ".join(q["sql"] for q in queries)


def test_the_refresh_task_rebuilds_days_touched_by_a_late_result(procedure, time_machine):
    """A result recorded today for 03/03 changes 03/03 and 04/03 once the task has run."""
    time_machine.move_to(at(2026, 3, 5, 9, 0), tick=False)
    dossier = make_dossier(procedure, received_at=at(2026, 3, 2, 10, 0))
    rollups_rebuild(first_day=date(2026, 3, 1), last_day=date(2026, 3, 4))
    time_machine.move_to(at(2026, 3, 5, 9, 30), tick=False)
    dossier.completed_at, dossier.timeliness = at(2026, 3, 3, 15, 0), "early"
    dossier.save()
    time_machine.move_to(at(2026, 3, 6, 8, 0), tick=False)

    assert refresh_rollups_task(now=at(2026, 3, 6, 8, 0).isoformat()) == {"days": 4}

    day3 = DailyRollup.objects.get(day=date(2026, 3, 3))
    assert (day3.resolved_early, day3.in_progress_total) == (1, 0)
    assert not DailyRollup.objects.filter(day__gte=date(2026, 3, 4)).exists()
    assert RollupDay.objects.filter(day=date(2026, 3, 5)).exists()  # the day that closed since
    assert RollupWatermark.objects.get().dossiers_updated_from == at(2026, 3, 6, 8, 0)
    # Nothing changed since: only the days after the last built one (none) are rebuilt.
    assert refresh_rollups_task(now=at(2026, 3, 6, 8, 1).isoformat()) == {"days": 0}


def test_the_refresh_task_waits_for_a_first_build(procedure):
    make_dossier(procedure, received_at=at(2026, 3, 2, 10, 0))
    assert refresh_rollups_task(now=at(2026, 3, 6, 8, 0).isoformat()) == {"days": 0}
    assert not RollupDay.objects.exists()


def test_the_nightly_task_rebuilds_and_counts_the_days_that_differed(procedure, time_machine):
    time_machine.move_to(at(2026, 3, 5, 9, 0), tick=False)
    make_dossier(procedure, received_at=at(2026, 3, 2, 10, 0))
    rollups_rebuild(first_day=date(2026, 3, 1), last_day=date(2026, 3, 4))
    DailyRollup.objects.filter(day=date(2026, 3, 3)).update(in_progress_total=7)  # gone wrong

    assert verify_rollups_task(now=at(2026, 3, 6, 0, 30).isoformat()) == {"differing_days": 1}

    assert DailyRollup.objects.get(day=date(2026, 3, 3)).in_progress_total == 1
    assert RollupDay.objects.filter(day=date(2026, 1, 3)).exists()  # the window is built
    assert (
        rollups_verify(
            first_day=date(2026, 3, 1), last_day=date(2026, 3, 5), now=at(2026, 3, 6, 0, 31)
        )
        == 0
    )

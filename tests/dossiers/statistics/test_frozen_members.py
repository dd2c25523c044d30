"""Frozen months freeze their membership: the drill-down of a frozen cell lists the dossiers
counted when the month froze, whatever was corrected later; the corrections keep showing as the
note of the month they are found in."""

import pytest
from django.urls import reverse

from dossiers.choices import Timeliness
from dossiers.models import FrozenReport
from dossiers.statistics import (
    COLUMNS,
    Period,
    month_corrections_detect,
    month_freeze,
    report_build,
    report_drilldown,
)
from portal.roles import Role
from tests.dossiers.moments import at
from tests.dossiers.stats_support import make_dossier
from tests.factories import ProcedureFactory, UserFactory

pytestmark = pytest.mark.django_db

MARCH = Period.month(2026, 3)


@pytest.fixture
def superuser():
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def march(lifecycle_office):
    office = lifecycle_office
    other = ProcedureFactory(agency=office.other_department)
    made = {
        "early": make_dossier(
            office.procedure,
            received_at=at(2026, 3, 2, 9),
            completed_at=at(2026, 3, 4, 9),
            timeliness=Timeliness.EARLY,
        ),
        "open": make_dossier(
            office.procedure, received_at=at(2026, 3, 20, 9), due_at=at(2026, 4, 10, 17)
        ),
        "overdue": make_dossier(
            office.procedure, received_at=at(2026, 2, 20, 9), due_at=at(2026, 3, 10, 17)
        ),
        "paused": make_dossier(
            office.procedure,
            received_at=at(2026, 3, 5, 9),
            due_at=at(2026, 3, 12, 17),
            pauses=[(at(2026, 3, 9, 9), None)],
        ),
        "other agency": make_dossier(
            other,
            received_at=at(2026, 3, 3, 9),
            completed_at=at(2026, 3, 30, 9),
            timeliness=Timeliness.LATE,
        ),
    }
    return office, made


def codes(queryset) -> set[str]:
    return set(queryset.values_list("code", flat=True))


def frozen_list(user, column, key=None, **kwargs):
    if key is None:
        return report_drilldown(user=user, period=MARCH, column=column, **kwargs)
    return report_drilldown(user=user, period=MARCH, column=column, grouping="agency", key=key)


def test_every_frozen_number_is_the_length_of_its_stored_list(march, superuser):
    live = {column: codes(frozen_list(superuser, column)) for column in COLUMNS}
    frozen = month_freeze(year=2026, month=3)
    assert frozen.members_stored
    assert frozen.totals == {column: len(live[column]) for column in COLUMNS}
    for column in COLUMNS:
        assert codes(frozen_list(superuser, column)) == live[column], column
    for row in frozen.rows.all():
        for column in COLUMNS:
            assert frozen_list(superuser, column, key=row.agency_id).count() == row.counts[column]


def test_a_frozen_cell_lists_the_dossiers_counted_when_it_froze(march, superuser):
    office, made = march
    month_freeze(year=2026, month=3)
    before = {column: codes(frozen_list(superuser, column)) for column in COLUMNS}

    # Corrections found later: a timeliness fixed, a completion and a reception recorded late.
    made["early"].timeliness = Timeliness.LATE
    made["early"].save(update_fields=["timeliness"])
    made["open"].completed_at = at(2026, 3, 25, 9)
    made["open"].timeliness = Timeliness.ON_TIME
    made["open"].save(update_fields=["completed_at", "timeliness"])
    late_entry = make_dossier(office.procedure, received_at=at(2026, 3, 28, 9))

    report = report_build(user=superuser, period=MARCH)
    assert report.members_frozen
    for column in COLUMNS:
        assert codes(frozen_list(superuser, column)) == before[column], column
        assert frozen_list(superuser, column).count() == report.total.counts[column]
    assert made["early"].code in codes(frozen_list(superuser, "resolved_early"))
    assert made["open"].code in codes(frozen_list(superuser, "in_progress_within"))
    assert late_entry.code not in codes(frozen_list(superuser, "received_new"))
    department = frozen_list(superuser, "resolved_early", key=office.department.pk)
    assert codes(department) == {made["early"].code}

    # The live lists (another grouping's report) show the corrections ...
    by_field = report_build(user=superuser, period=MARCH, grouping="field")
    assert by_field.frozen_at is None
    live_early = report_drilldown(
        user=superuser, period=MARCH, column="resolved_early", report_grouping="field"
    )
    assert made["early"].code not in codes(live_early)
    assert live_early.count() == by_field.total.counts["resolved_early"]
    # ... and the note of the month they are found in still tells them.
    assert month_corrections_detect(now=at(2026, 4, 2, 1)) == 1
    [correction] = FrozenReport.objects.get(year=2026, month=3).corrections.all()
    assert correction.deltas == {
        "received_direct_postal": 1,
        "received_new": 1,
        "received_total": 1,
        "resolved_early": -1,
        "resolved_on_time": 1,
        "resolved_late": 1,
        "resolved_total": 1,
    }
    [note] = report_build(user=superuser, period=Period.month(2026, 4)).corrections
    assert note.month == "03/2026" and len(note.changes) == 7


def test_a_leader_sees_the_frozen_lists_of_their_agencies_only(march, superuser):
    office, made = march
    month_freeze(year=2026, month=3)
    assert codes(frozen_list(office.leader, "resolved_total")) == {made["early"].code}
    assert not frozen_list(office.leader, "resolved_late", key=office.other_department.pk).exists()
    assert codes(frozen_list(superuser, "resolved_late", key=office.other_department.pk)) == {
        made["other agency"].code
    }
    citizen = UserFactory(role=Role.CITIZEN)
    assert not frozen_list(citizen, "resolved_total").exists()


def test_the_drilldown_page_of_a_frozen_cell_says_so(client, march, superuser):
    office, made = march
    month_freeze(year=2026, month=3)
    made["early"].timeliness = Timeliness.LATE
    made["early"].save(update_fields=["timeliness"])
    client.force_login(superuser)
    query = {"period": "month", "year": "2026", "month": "3"}

    page = client.get(reverse("dossiers:reports"), query)
    assert 'id="frozen-note"' in page.content.decode()
    assert page.context["report"].members_frozen
    early_total = next(
        cell["href"]
        for cell in page.context["table"]["total"]["cells"]
        if cell.get("column") == "resolved_early"
    )
    listed = client.get(early_total)
    assert [d.code for d in listed.context["page"].object_list] == [made["early"].code]
    assert listed.context["frozen"] is not None
    assert 'id="frozen-list-note"' in listed.content.decode()

    # The same total from the report by field is live: the corrected dossier left it.
    by_field = client.get(reverse("dossiers:reports"), {**query, "grouping": "field"})
    live_total = next(
        cell["href"]
        for cell in by_field.context["table"]["total"]["cells"]
        if cell.get("column") == "resolved_early"
    )
    live = client.get(live_total)
    assert live.context["page"].paginator.count == 0
    assert live.context["frozen"] is None
    assert 'id="frozen-list-note"' not in live.content.decode()


def test_a_month_frozen_before_its_dossiers_were_stored_lists_todays_data(march, superuser):
    office, made = march
    month_freeze(year=2026, month=3)
    FrozenReport.objects.filter(year=2026, month=3).update(members_stored=False)
    made["early"].timeliness = Timeliness.LATE
    made["early"].save(update_fields=["timeliness"])
    report = report_build(user=superuser, period=MARCH)
    assert report.frozen_at is not None and not report.members_frozen
    assert report.total.counts["resolved_early"] == 1
    assert not frozen_list(superuser, "resolved_early").exists()

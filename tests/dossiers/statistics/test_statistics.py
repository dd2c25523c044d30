"""The leaders' statistics: every column's boundaries on hand-built dossiers, drill-down
lists, scoping, indicators and frozen months."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossiers.choices import DossierChannel, FilePurpose, SatisfactionLevel, Timeliness
from dossiers.deadlines import RULE_VERSION
from dossiers.documents.report import report_pdf
from dossiers.models import DossierFile, FrozenReport, IndicatorTarget
from dossiers.statistics import (
    COLUMN_LABELS,
    COLUMNS,
    GROUPINGS,
    Period,
    indicators_build,
    month_corrections_detect,
    month_freeze,
    report_build,
    report_column_q,
    report_drilldown,
)
from dossiers.tasks import freeze_closed_months_task
from portal.roles import Role
from tests.dossiers.moments import at
from tests.dossiers.pdf_checks import text
from tests.dossiers.stats_support import make_dossier
from tests.factories import ProcedureFactory, UserFactory

pytestmark = pytest.mark.django_db

MARCH = Period.month(2026, 3)
T0 = at(2026, 3, 1)
T1 = at(2026, 4, 1)
ZERO = dict.fromkeys(COLUMNS, 0)


def expect(**nonzero) -> dict[str, int]:
    return {**ZERO, **nonzero}


@pytest.fixture
def superuser():
    return UserFactory(is_superuser=True, is_staff=True)


def counts_of(dossier, user, period=MARCH) -> dict[str, int]:
    """The columns in which exactly this dossier is counted (through the drill-down lists)."""
    return {
        column: report_drilldown(user=user, period=period, column=column)
        .filter(pk=dossier.pk)
        .count()
        for column in COLUMNS
    }


# ---- periods ----------------------------------------------------------------------------------


def test_period_bounds_are_local_midnights():
    assert MARCH.t0 == T0 and MARCH.t1 == T1
    assert MARCH.t0.tzinfo is not None
    assert MARCH.t0.utcoffset() == timedelta(hours=7)
    assert Period.quarter(2026, 4) == Period(date(2026, 10, 1), date(2026, 12, 31))
    assert Period.year(2026) == Period(date(2026, 1, 1), date(2026, 12, 31))
    assert Period.month(2028, 2).last_day == date(2028, 2, 29)
    with pytest.raises(ValueError):
        Period(date(2026, 3, 2), date(2026, 3, 1))


def test_every_column_has_a_label_and_a_definition():
    assert list(COLUMN_LABELS) == COLUMNS
    for column in COLUMNS:
        report_column_q(column, MARCH)
    with pytest.raises(ValueError):
        report_column_q("nonsense", MARCH)


# ---- each column's boundaries -----------------------------------------------------------------

CASES = {
    "received exactly at t0, open": (
        {"received_at": T0, "due_at": T1 + timedelta(days=3)},
        expect(
            received_new=1,
            received_direct_postal=1,
            received_total=1,
            in_progress_total=1,
            in_progress_within=1,
        ),
    ),
    "received exactly at t1": ({"received_at": T1}, ZERO),
    "received online just before t1": (
        {
            "received_at": T1 - timedelta(minutes=1),
            "channel": DossierChannel.ONLINE,
            "submitted_at": T1 - timedelta(minutes=30),
        },
        expect(
            received_new=1,
            received_online=1,
            received_total=1,
            in_progress_total=1,
            in_progress_within=1,
            submitted_online=1,
        ),
    ),
    "closed before t0": (
        {
            "received_at": at(2026, 2, 1),
            "completed_at": at(2026, 2, 27),
            "timeliness": Timeliness.EARLY,
        },
        ZERO,
    ),
    "withdrawn before t0": (
        {"received_at": at(2026, 2, 1), "withdrawn_at": T0 - timedelta(seconds=1)},
        ZERO,
    ),
    "carried over, completed early in the period": (
        {
            "received_at": at(2026, 2, 20),
            "completed_at": at(2026, 3, 3),
            "timeliness": Timeliness.EARLY,
        },
        expect(carried_over=1, received_total=1, resolved_early=1, resolved_total=1),
    ),
    "completed exactly at t0, late": (
        {"received_at": at(2026, 2, 1), "completed_at": T0, "timeliness": Timeliness.LATE},
        expect(carried_over=1, received_total=1, resolved_late=1, resolved_total=1),
    ),
    "completed exactly at t1 is still in progress": (
        {
            "received_at": at(2026, 3, 5),
            "due_at": at(2026, 4, 10),
            "completed_at": T1,
            "timeliness": Timeliness.ON_TIME,
        },
        expect(
            received_new=1,
            received_direct_postal=1,
            received_total=1,
            in_progress_total=1,
            in_progress_within=1,
        ),
    ),
    "completed on time in the period": (
        {
            "received_at": at(2026, 3, 5),
            "completed_at": at(2026, 3, 9),
            "timeliness": Timeliness.ON_TIME,
            "channel": DossierChannel.POSTAL,
        },
        expect(
            received_new=1,
            received_direct_postal=1,
            received_total=1,
            resolved_on_time=1,
            resolved_total=1,
        ),
    ),
    "withdrawn in the period": (
        {"received_at": at(2026, 3, 2), "withdrawn_at": at(2026, 3, 4)},
        expect(received_new=1, received_direct_postal=1, received_total=1, withdrawn=1),
    ),
    "withdrawn exactly at t1 is still in progress": (
        {"received_at": at(2026, 2, 2), "due_at": at(2026, 2, 20), "withdrawn_at": T1},
        expect(carried_over=1, received_total=1, in_progress_total=1, in_progress_overdue=1),
    ),
    "overdue at t1": (
        {"received_at": at(2026, 2, 2), "due_at": T1 - timedelta(minutes=1)},
        expect(carried_over=1, received_total=1, in_progress_total=1, in_progress_overdue=1),
    ),
    "due exactly at t1 is within": (
        {"received_at": at(2026, 3, 2), "due_at": T1},
        expect(
            received_new=1,
            received_direct_postal=1,
            received_total=1,
            in_progress_total=1,
            in_progress_within=1,
        ),
    ),
    "refused at reception in the period": (
        {
            "submitted_at": at(2026, 3, 30),
            "refused_at": at(2026, 3, 31, 16),
            "channel": DossierChannel.ONLINE,
        },
        expect(submitted_online=1, refused=1),
    ),
    "submitted online at t1": ({"submitted_at": T1, "channel": DossierChannel.ONLINE}, ZERO),
    "returned in the period, completed before": (
        {
            "received_at": at(2026, 2, 1),
            "completed_at": at(2026, 2, 25),
            "timeliness": Timeliness.EARLY,
            "returned_at": at(2026, 3, 2),
        },
        expect(returned=1),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_column_boundaries(lifecycle_office, superuser, name):
    fields, expected = CASES[name]
    dossier = make_dossier(lifecycle_office.procedure, **fields)
    report = report_build(user=superuser, period=MARCH)
    assert report.total.counts == expected
    assert counts_of(dossier, superuser) == expected


def test_paused_at_t1_counts_within_and_awaiting_supplement(lifecycle_office, superuser):
    overdue_paused = make_dossier(
        lifecycle_office.procedure,
        received_at=at(2026, 3, 2),
        due_at=at(2026, 3, 20),
        pauses=[(at(2026, 3, 10), None)],
    )
    assert counts_of(overdue_paused, superuser) == expect(
        received_new=1,
        received_direct_postal=1,
        received_total=1,
        in_progress_total=1,
        in_progress_within=1,
        awaiting_supplement=1,
    )
    # A pause ending after t1 was open at t1; one ending exactly at t1 was not.
    ends_after = make_dossier(
        lifecycle_office.procedure,
        received_at=at(2026, 2, 2),
        due_at=at(2026, 3, 20),
        pauses=[(at(2026, 2, 10), at(2026, 2, 11)), (at(2026, 3, 10), T1 + timedelta(hours=1))],
    )
    assert counts_of(ends_after, superuser)["awaiting_supplement"] == 1
    assert counts_of(ends_after, superuser)["in_progress_within"] == 1
    ends_at_t1 = make_dossier(
        lifecycle_office.procedure,
        received_at=at(2026, 2, 2),
        due_at=at(2026, 3, 20),
        pauses=[(at(2026, 3, 10), T1)],
    )
    assert counts_of(ends_at_t1, superuser)["awaiting_supplement"] == 0
    assert counts_of(ends_at_t1, superuser)["in_progress_overdue"] == 1
    starts_at_t1 = make_dossier(
        lifecycle_office.procedure,
        received_at=at(2026, 2, 2),
        due_at=at(2026, 3, 20),
        pauses=[(T1, None)],
    )
    assert counts_of(starts_at_t1, superuser)["in_progress_overdue"] == 1
    report = report_build(user=superuser, period=MARCH)
    assert report.total.counts["awaiting_supplement"] == 2
    assert report.total.counts["in_progress_within"] == 2
    assert report.total.counts["in_progress_overdue"] == 2


def test_ratings_in_the_period(lifecycle_office, superuser):
    base = {
        "received_at": at(2026, 1, 5),
        "completed_at": at(2026, 1, 9),
        "timeliness": Timeliness.EARLY,
        "returned_at": at(2026, 1, 10),
    }
    make_dossier(lifecycle_office.procedure, rating=(SatisfactionLevel.VERY_SATISFIED, T0), **base)
    make_dossier(
        lifecycle_office.procedure,
        rating=(SatisfactionLevel.SATISFIED, at(2026, 3, 31, 23, 59)),
        **base,
    )
    make_dossier(
        lifecycle_office.procedure, rating=(SatisfactionLevel.NOT_SATISFIED, at(2026, 3, 5)), **base
    )
    make_dossier(lifecycle_office.procedure, rating=(SatisfactionLevel.SATISFIED, T1), **base)
    total = report_build(user=superuser, period=MARCH).total
    assert total.counts == expect(ratings=3, ratings_satisfied=2)
    assert total.satisfaction_rate == Decimal("66.67")
    assert total.on_time_rate is None


# ---- a mixed month: identity, groupings, drill-down, queries -----------------------------------


@pytest.fixture
def mixed(lifecycle_office):
    other_procedure = ProcedureFactory(agency=lifecycle_office.other_department)
    for fields, _expected in CASES.values():
        make_dossier(lifecycle_office.procedure, **fields)
        make_dossier(other_procedure, **fields)
    make_dossier(
        lifecycle_office.procedure,
        received_at=at(2026, 3, 2),
        due_at=at(2026, 3, 20),
        pauses=[(at(2026, 3, 10), None)],
        channel=DossierChannel.ONLINE,
    )
    make_dossier(
        lifecycle_office.procedure,
        received_at=at(2026, 1, 5),
        completed_at=at(2026, 1, 9),
        returned_at=at(2026, 1, 10),
        timeliness=Timeliness.EARLY,
        rating=(SatisfactionLevel.SATISFIED, at(2026, 3, 5)),
    )
    return lifecycle_office, other_procedure


@pytest.mark.parametrize("grouping", GROUPINGS)
def test_identity_and_drilldown_for_every_group(mixed, superuser, grouping):
    report = report_build(user=superuser, period=MARCH, grouping=grouping)
    assert report.rows
    for row in [*report.rows, report.total]:
        c = row.counts
        assert c["carried_over"] + c["received_new"] == (
            c["resolved_total"] + c["withdrawn"] + c["in_progress_total"]
        )
        assert c["received_new"] == c["received_online"] + c["received_direct_postal"]
        assert c["received_total"] == c["carried_over"] + c["received_new"]
        assert (
            c["resolved_total"] == c["resolved_early"] + c["resolved_on_time"] + c["resolved_late"]
        )
        assert c["in_progress_total"] == c["in_progress_within"] + c["in_progress_overdue"]
    for column in COLUMNS:
        assert (
            report_drilldown(user=superuser, period=MARCH, column=column).count()
            == (report.total.counts[column])
        ), column
        for row in report.rows:
            listed = report_drilldown(
                user=superuser, period=MARCH, column=column, grouping=grouping, key=row.key
            )
            assert listed.count() == row.counts[column], (column, row.key)
            # Keys arrive from the query string as text.
            text_key = report_drilldown(
                user=superuser, period=MARCH, column=column, grouping=grouping, key=str(row.key)
            )
            assert text_key.count() == row.counts[column]


def test_report_is_one_aggregate_query_plus_labels(mixed, superuser):
    # Plus one small query for the corrections note (frozen-month corrections found in the
    # period, by their indexed detected_at), and one counting the period's rolled-up days (none
    # here: the aggregate counts live); never one per row.
    for grouping in ("agency", "field", "procedure"):
        with CaptureQueriesContext(connection) as queries:
            report_build(user=superuser, period=Period.quarter(2026, 1), grouping=grouping)
        assert len(queries) == 4, [q["sql"] for q in queries]
    with CaptureQueriesContext(connection) as queries:
        report_build(user=superuser, period=MARCH, grouping="channel")
    assert len(queries) == 3


def test_labels(mixed, superuser):
    office, other_procedure = mixed
    by_agency = report_build(user=superuser, period=MARCH)
    assert {row.label for row in by_agency.rows} == {"Sở Ngoại vụ", "Sở Tư pháp"}
    by_procedure = report_build(user=superuser, period=MARCH, grouping="procedure")
    assert {row.label for row in by_procedure.rows} == {
        f"{p.code} — {p.name}" for p in (office.procedure, other_procedure)
    }
    by_channel = report_build(user=superuser, period=MARCH, grouping="channel")
    assert [row.key for row in by_channel.rows] == ["online", "direct", "postal"]


def test_leader_sees_only_their_department(mixed, superuser):
    office, _other = mixed
    everyone = report_build(user=superuser, period=MARCH)
    own = report_build(user=office.leader, period=MARCH)
    assert [row.key for row in own.rows] == [office.department.pk]
    department_row = next(r for r in everyone.rows if r.key == office.department.pk)
    assert own.total.counts == department_row.counts
    assert everyone.total.counts["received_new"] > own.total.counts["received_new"]
    for column in COLUMNS:
        listed = report_drilldown(user=office.leader, period=MARCH, column=column)
        assert listed.count() == own.total.counts[column]
        assert not listed.filter(agency=office.other_department).exists()
    other_leader = UserFactory(role="leader")
    other_leader.agency = office.other_department
    other_leader.save(update_fields=["agency"])
    assert report_build(user=other_leader, period=MARCH).rows[0].key == office.other_department.pk
    assert report_build(user=office.citizen, period=MARCH).rows == []


def test_unknown_grouping_is_refused(superuser):
    with pytest.raises(ValueError):
        report_build(user=superuser, period=MARCH, grouping="colour")


# ---- indicators --------------------------------------------------------------------------------


def test_indicators_against_targets(lifecycle_office, superuser):
    early = make_dossier(
        lifecycle_office.procedure,
        received_at=at(2026, 3, 2),
        completed_at=at(2026, 3, 3),
        timeliness=Timeliness.EARLY,
        channel=DossierChannel.ONLINE,
    )
    make_dossier(
        lifecycle_office.procedure,
        received_at=at(2026, 3, 2),
        completed_at=at(2026, 3, 20),
        timeliness=Timeliness.LATE,
    )
    make_dossier(lifecycle_office.procedure, received_at=at(2026, 3, 2))
    DossierFile.objects.create(
        dossier=early,
        file="x.pdf",
        original_name="kq.pdf",
        size=1,
        content_type="application/pdf",
        sha256="0" * 64,
        uploaded_at=at(2026, 3, 3),
        is_signed=True,
        purpose=FilePurpose.RESULT,
    )
    IndicatorTarget.objects.update_or_create(
        code="online_share", valid_from=date(2026, 1, 1), defaults={"target": Decimal("30")}
    )
    IndicatorTarget.objects.update_or_create(
        code="online_share", valid_from=date(2026, 6, 1), defaults={"target": Decimal("99")}
    )
    cards = {card.code: card for card in indicators_build(user=superuser, period=MARCH)}
    assert list(cards) == [
        "on_time_rate",
        "satisfaction",
        "online_share",
        "digitised_share",
        "electronically_circulated",
        "digitally_signed",
    ]
    assert cards["on_time_rate"].actual == Decimal("50.00")
    assert cards["on_time_rate"].target == Decimal("100") and cards["on_time_rate"].met is False
    assert cards["satisfaction"].actual is None and cards["satisfaction"].met is None
    assert cards["satisfaction"].target == Decimal("90")
    assert cards["online_share"].actual == Decimal("33.33")
    assert cards["online_share"].target == Decimal("30") and cards["online_share"].met is True
    assert cards["digitised_share"].actual == Decimal("33.33")
    assert cards["electronically_circulated"].actual == Decimal("33.33")
    assert cards["digitally_signed"].actual == Decimal("50.00")
    assert cards["digitally_signed"].target == Decimal("100")
    assert indicators_build(user=lifecycle_office.citizen, period=MARCH)[0].actual is None


def test_default_targets_are_seeded():
    seeded = dict(IndicatorTarget.objects.values_list("code", "target"))
    assert seeded == {
        "on_time_rate": Decimal("100"),
        "satisfaction": Decimal("90"),
        "online_share": Decimal("50"),
        "digitised_share": Decimal("80"),
        "electronically_circulated": Decimal("80"),
        "digitally_signed": Decimal("100"),
    }


# ---- frozen months ------------------------------------------------------------------------------


def test_frozen_month_keeps_its_numbers_after_a_correction(mixed, superuser):
    office, _other = mixed
    live = report_build(user=superuser, period=MARCH)
    assert live.frozen_at is None
    frozen = month_freeze(year=2026, month=3)
    assert frozen.rule_version == RULE_VERSION
    assert frozen.totals == live.total.counts
    assert month_freeze(year=2026, month=3).pk == frozen.pk  # idempotent
    assert FrozenReport.objects.count() == 1

    corrected = report_drilldown(
        user=superuser,
        period=MARCH,
        column="resolved_early",
        grouping="agency",
        key=office.department.pk,
    ).get()
    corrected.timeliness = Timeliness.LATE
    corrected.save(update_fields=["timeliness"])
    make_dossier(office.procedure, received_at=at(2026, 3, 15))

    after = report_build(user=superuser, period=MARCH)
    assert after.frozen_at == frozen.frozen_at and after.rule_version == RULE_VERSION
    assert after.total.counts == live.total.counts
    assert [(r.key, r.label, r.counts) for r in after.rows] == [
        (r.key, r.label, r.counts) for r in live.rows
    ]
    # Scoped like the live report.
    own = report_build(user=office.leader, period=MARCH)
    assert [row.key for row in own.rows] == [office.department.pk]
    # Other groupings and periods read the live data, where the correction shows.
    by_field = report_build(user=superuser, period=MARCH, grouping="field")
    assert by_field.frozen_at is None
    assert by_field.total.counts["resolved_early"] == live.total.counts["resolved_early"] - 1
    assert by_field.total.counts["received_new"] == live.total.counts["received_new"] + 1
    quarter = report_build(user=superuser, period=Period.quarter(2026, 1))
    assert quarter.frozen_at is None


def test_a_correction_of_a_frozen_month_is_reported_in_the_month_it_is_found(mixed, superuser):
    office, _other = mixed
    frozen = month_freeze(year=2026, month=3)
    found_at = at(2026, 4, 3, 1, 0)
    assert month_corrections_detect(now=found_at) == 0  # nothing changed yet

    corrected = report_drilldown(
        user=superuser,
        period=MARCH,
        column="resolved_early",
        grouping="agency",
        key=office.department.pk,
    ).get()
    corrected.timeliness = Timeliness.LATE
    corrected.save(update_fields=["timeliness"])

    assert month_corrections_detect(now=found_at) == 1
    assert month_corrections_detect(now=at(2026, 4, 4, 1, 0)) == 0  # found once
    correction = frozen.corrections.get()
    assert correction.agency_id == office.department.pk
    assert correction.deltas == {"resolved_early": -1, "resolved_late": 1}

    # March keeps its frozen numbers; April, when it was found, carries the note.
    march = report_build(user=superuser, period=MARCH)
    assert march.total.counts == frozen.totals
    assert march.corrections == []
    april = report_build(user=office.leader, period=Period.month(2026, 4), grouping="field")
    [note] = april.corrections
    assert (note.month, note.agency, note.detected_at) == (
        "03/2026",
        correction.agency_name,
        found_at,
    )
    assert sorted(change for _label, change in note.changes) == [-1, 1]
    printed = text(report_pdf(report=april, issuer=office.department))
    assert f"Tháng 03/2026, {correction.agency_name} (phát hiện ngày 03/04/2026)" in printed
    # Only for those who see the agency.
    stranger = UserFactory(role=Role.LEADER, agency=office.other_department)
    assert report_build(user=stranger, period=Period.month(2026, 4)).corrections == []


def test_the_report_page_shows_the_correction_note(client, mixed, superuser):
    office, _other = mixed
    month_freeze(year=2026, month=3)
    corrected = report_drilldown(
        user=superuser,
        period=MARCH,
        column="resolved_early",
        grouping="agency",
        key=office.department.pk,
    ).get()
    corrected.timeliness = Timeliness.LATE
    corrected.save(update_fields=["timeliness"])
    month_corrections_detect(now=at(2026, 4, 3, 1, 0))
    client.force_login(office.leader)

    page = client.get("/reports/", {"period": "month", "year": 2026, "month": 4}).content.decode()

    assert 'id="corrections-note"' in page
    assert "03/2026" in page and "03/04/2026" in page


def test_open_month_cannot_be_frozen():
    with pytest.raises(ValueError):
        month_freeze(year=2099, month=1)


def test_nightly_task_freezes_the_previous_month_once(mixed):
    first = freeze_closed_months_task(now="2026-04-01T01:00:00+07:00")
    assert first == {"year": 2026, "month": 3, "frozen": True, "corrections": 0}
    assert freeze_closed_months_task(now="2026-04-02T01:00:00+07:00")["frozen"] is False
    # 31 March 20:00 UTC is already 1 April in Viet Nam.
    assert freeze_closed_months_task(now="2026-03-31T20:00:00+00:00")["month"] == 3
    january = freeze_closed_months_task(now="2026-01-01T01:00:00+07:00")
    assert (january["year"], january["month"]) == (2025, 12)
    assert FrozenReport.objects.filter(year=2026, month=3).get().rows.count() == 2
    with pytest.raises(ValueError):
        freeze_closed_months_task(now="2026-04-01T01:00:00")


# ---- admin and database ---------------------------------------------------------------------------


def test_targets_are_editable_in_the_admin(client, superuser):
    client.force_login(superuser)
    response = client.get("/admin/dossiers/indicatortarget/")
    assert response.status_code == 200
    assert client.get("/admin/dossiers/indicatortarget/add/").status_code == 200


def test_covering_index_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("The statistics index exists on PostgreSQL only.")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'dossiers_dossier_stats_idx'"
        )
        (definition,) = cursor.fetchone()
    assert "(received_at) INCLUDE" in definition

"""Stocks as of min(t1, now) (DESIGN.md "Statistics"): in progress, within / overdue and awaiting
supplement are judged at the period's end when it has passed and now when it has not, in the
report, the drill-down lists, the page, the exports and the chart series."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dossiers.choices import Timeliness
from dossiers.statistics import COLUMNS, Period, report_build, report_drilldown
from tests.dossiers.moments import at
from tests.dossiers.stats_support import make_dossier
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = at(2026, 12, 3, 10, 0)  # a Thursday
STOCKS = ("in_progress_total", "in_progress_within", "in_progress_overdue", "awaiting_supplement")


@pytest.fixture
def superuser():
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def open_dossiers(lifecycle_office, now):
    procedure = lifecycle_office.procedure
    return {
        "due next week": make_dossier(
            procedure, received_at=at(2026, 12, 1, 9), due_at=at(2026, 12, 10, 17)
        ),
        "due later today": make_dossier(
            procedure, received_at=at(2026, 11, 27, 9), due_at=at(2026, 12, 3, 17)
        ),
        "due yesterday": make_dossier(
            procedure, received_at=at(2026, 11, 20, 9), due_at=at(2026, 12, 2, 17)
        ),
        "past due, paused now": make_dossier(
            procedure,
            received_at=at(2026, 11, 10, 9),
            due_at=at(2026, 11, 25, 17),
            pauses=[(at(2026, 11, 20, 9), None)],
        ),
        "pause ended yesterday": make_dossier(
            procedure,
            received_at=at(2026, 11, 25, 9),
            due_at=at(2026, 12, 10, 17),
            pauses=[(at(2026, 11, 26, 9), at(2026, 12, 2, 9))],
        ),
        "overdue in November, completed late in December": make_dossier(
            procedure,
            received_at=at(2026, 11, 2, 9),
            due_at=at(2026, 11, 20, 17),
            completed_at=at(2026, 12, 2, 15),
            timeliness=Timeliness.LATE,
        ),
    }


def stocks(report) -> dict[str, int]:
    return {column: report.total.counts[column] for column in STOCKS}


def listed(user, period, column) -> set[str]:
    return set(
        report_drilldown(user=user, period=period, column=column).values_list("code", flat=True)
    )


PAST = Period.month(2026, 11)
CURRENT = Period.month(2026, 12)
FUTURE = Period.month(2027, 1)


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        # Ended: judged at its end, 00:00 on 1 December (nothing was due yet but the one due on
        # 20/11; both pauses were open).
        (
            PAST,
            {
                "in_progress_total": 5,
                "in_progress_within": 4,
                "in_progress_overdue": 1,
                "awaiting_supplement": 2,
            },
        ),
        # Not ended: judged now. Before the correction every one of them but the paused one was
        # overdue (judged at 1 January), so the split read 1 within, 4 overdue.
        (
            CURRENT,
            {
                "in_progress_total": 5,
                "in_progress_within": 4,
                "in_progress_overdue": 1,
                "awaiting_supplement": 1,
            },
        ),
        (
            Period.quarter(2026, 4),
            {
                "in_progress_total": 5,
                "in_progress_within": 4,
                "in_progress_overdue": 1,
                "awaiting_supplement": 1,
            },
        ),
        # Not begun: the dossiers open now are carried over, judged now too.
        (
            FUTURE,
            {
                "in_progress_total": 5,
                "in_progress_within": 4,
                "in_progress_overdue": 1,
                "awaiting_supplement": 1,
            },
        ),
    ],
    ids=["past month", "current month", "current quarter", "future month"],
)
def test_stocks_of_a_past_the_current_and_a_future_period(
    open_dossiers, superuser, period, expected
):
    report = report_build(user=superuser, period=period)
    assert report.as_of == min(period.t1, NOW)
    assert stocks(report) == expected
    c = report.total.counts
    assert c["carried_over"] + c["received_new"] == (
        c["resolved_total"] + c["withdrawn"] + c["in_progress_total"]
    )
    for column in COLUMNS:
        assert len(listed(superuser, period, column)) == c[column], column


def test_which_dossiers_are_within_and_overdue(open_dossiers, superuser):
    code = {name: dossier.code for name, dossier in open_dossiers.items()}
    assert listed(superuser, CURRENT, "in_progress_within") == {
        code["due next week"],
        code["due later today"],
        code["past due, paused now"],
        code["pause ended yesterday"],
    }
    assert listed(superuser, CURRENT, "in_progress_overdue") == {code["due yesterday"]}
    assert listed(superuser, CURRENT, "awaiting_supplement") == {code["past due, paused now"]}
    assert listed(superuser, CURRENT, "resolved_late") == {
        code["overdue in November, completed late in December"]
    }
    assert listed(superuser, PAST, "in_progress_overdue") == {
        code["overdue in November, completed late in December"]
    }
    assert listed(superuser, PAST, "awaiting_supplement") == {
        code["past due, paused now"],
        code["pause ended yesterday"],
    }
    assert listed(superuser, FUTURE, "carried_over") == listed(
        superuser, CURRENT, "in_progress_total"
    )


def test_a_past_period_does_not_change_with_now(open_dossiers, superuser, time_machine):
    before = report_build(user=superuser, period=PAST).total.counts
    time_machine.move_to(at(2027, 3, 1, 8), tick=False)
    assert report_build(user=superuser, period=PAST).total.counts == before
    # The current month, once over, is judged at its own end: every dossier due before
    # 1 January and still open (and not paused) is overdue then.
    december = report_build(user=superuser, period=CURRENT)
    assert december.as_of == CURRENT.t1
    assert stocks(december) == {
        "in_progress_total": 5,
        "in_progress_within": 1,
        "in_progress_overdue": 4,
        "awaiting_supplement": 1,
    }


def test_now_may_be_given_explicitly(open_dossiers, superuser):
    """`now` pins the moment (for a report built later for the same instant)."""
    earlier = NOW - timedelta(days=2)  # 1 December 10:00: the one due on 2/12 was within
    report = report_build(user=superuser, period=CURRENT, now=earlier)
    assert report.as_of == earlier
    assert report.total.counts["in_progress_overdue"] == 0
    assert (
        report_drilldown(
            user=superuser, period=CURRENT, column="in_progress_within", now=earlier
        ).count()
        == (report.total.counts["in_progress_within"])
    )


# ---- the page, its drill-down, the exports and the chart series ---------------------------------


def _counts_of_page(table) -> dict[str, int]:
    return {cell["column"]: cell["value"] for cell in table["total"]["cells"] if "column" in cell}


def test_the_default_page_judges_the_current_month_now(client, open_dossiers, superuser):
    client.force_login(superuser)
    response = client.get(reverse("dossiers:reports"))
    assert response.status_code == 200
    assert response.context["report"].period == CURRENT
    page = _counts_of_page(response.context["table"])
    assert page["in_progress_within"] == 4 and page["in_progress_overdue"] == 1
    assert page["awaiting_supplement"] == 1
    content = response.content.decode()
    assert 'id="as-of-note"' in content and "10:00 03/12/2026" in content
    # The backlog chart's last point is the current month's stock now.
    assert response.context["chart_data"]["backlog"][-1] == 5

    overdue_link = next(
        cell["href"]
        for cell in response.context["table"]["total"]["cells"]
        if cell.get("column") == "in_progress_overdue"
    )
    listed_page = client.get(overdue_link).context["page"]
    assert [d.code for d in listed_page.object_list] == [open_dossiers["due yesterday"].code]

    past = client.get(reverse("dossiers:reports"), {"period": "month", "year": 2026, "month": 11})
    assert 'id="as-of-note"' not in past.content.decode()


def test_the_exports_carry_the_same_split(client, open_dossiers, superuser):
    client.force_login(superuser)
    page = client.get(reverse("dossiers:reports")).context["table"]
    expected = [cell["value"] for cell in page["total"]["cells"] if "column" in cell]
    positions = [i for i, cell in enumerate(page["total"]["cells"]) if "column" in cell]
    query = {"period": "month", "year": "2026", "month": "12"}

    sheet = load_workbook(
        io.BytesIO(client.get(reverse("dossiers:report_xlsx"), query).content)
    ).active
    total_row = next(
        [cell.value for cell in row]
        for row in sheet.iter_rows()
        if any(cell.value == "Tổng cộng" for cell in row)
    )
    label_at = total_row.index("Tổng cộng")
    values = total_row[label_at + 1 :]
    assert [values[i] for i in positions] == expected

    content = client.get(reverse("dossiers:report_csv"), query).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    total = next(row for row in rows if "Tổng cộng" in row)
    values = total[total.index("Tổng cộng") + 1 :]
    assert [int(values[i]) for i in positions] == expected

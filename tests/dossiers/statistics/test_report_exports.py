"""The report exports: XLSX in the Biểu 06 layout and CSV, with the page's numbers."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from dossiers.generator import generate_dossiers
from dossiers.reports_export import csv_header
from dossiers.statistics import Period, report_build
from dossiers.statistics.layout import TITLE, layout_columns, report_header, table_layout
from procedures.exchange import catalogue_import_json
from tests.dossiers.views.test_report_views import NOW, OCTOBER
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossiers():
    path = settings.BASE_DIR / "procedures" / "fixtures" / "demo_catalogue.json"
    catalogue_import_json(path.read_bytes())
    generate_dossiers(count=250, seed=6, start=date(2026, 7, 1), end=date(2026, 11, 25), now=NOW)


@pytest.fixture
def boss():
    return UserFactory(is_superuser=True, is_staff=True)


HEADER_ROW = 5


def _expected_rows(report) -> list[list]:
    """What the page shows for each row: the counts, then the rates."""
    rows = []
    for row in [*report.rows, report.total]:
        values = []
        for column in layout_columns():
            if column.is_rate:
                rate = getattr(row, column.key)
                values.append(None if rate is None else Decimal(rate))
            else:
                values.append(row.counts[column.key])
        label = "Tổng cộng" if row is report.total else str(row.label)
        rows.append([label, *values])
    return rows


def _page_numbers(client, query) -> list[list[int]]:
    """The counts of the page's table (context rows and total), as the template renders them."""
    table = client.get(reverse("dossiers:reports"), query).context["table"]
    return [
        [cell["value"] for cell in row["cells"] if not cell.get("rate")]
        for row in [*table["rows"], table["total"]]
    ]


@pytest.mark.parametrize("grouping", ["agency", "procedure", "channel"])
def test_the_xlsx_has_the_bieu_06_layout_and_the_pages_numbers(client, boss, dossiers, grouping):
    client.force_login(boss)
    query = {**OCTOBER, "grouping": grouping}
    response = client.get(reverse("dossiers:report_xlsx"), query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active

    assert sheet["A2"].value == TITLE
    assert sheet["A3"].value == "Từ ngày 01/10/2026 đến ngày 31/10/2026"
    merged = {str(cell_range) for cell_range in sheet.merged_cells.ranges}
    groups = table_layout()
    first = 3
    for group in groups:
        last = first + len(group.columns) - 1
        start = sheet.cell(row=HEADER_ROW, column=first).coordinate
        end = sheet.cell(row=HEADER_ROW, column=last).coordinate
        assert f"{start}:{end}" in merged
        assert sheet.cell(row=HEADER_ROW, column=first).value == group.heading
        for offset, column in enumerate(group.columns):
            assert sheet.cell(row=HEADER_ROW + 1, column=first + offset).value == column.heading
        first = last + 1
    assert f"A{HEADER_ROW}:A{HEADER_ROW + 1}" in merged
    assert sheet.cell(row=HEADER_ROW, column=3).value == "Số hồ sơ nhận giải quyết"
    assert sheet.cell(row=HEADER_ROW + 1, column=7).value == "Tổng số"
    assert sheet.cell(row=HEADER_ROW + 1, column=8).value == "Trước hạn"

    report = report_build(user=boss, period=Period.month(2026, 10), grouping=grouping)
    expected = _expected_rows(report)
    data = [
        list(row) for row in sheet.iter_rows(min_row=HEADER_ROW + 2, min_col=2, values_only=True)
    ]
    assert len(data) == len(expected)
    counted = [i for i, c in enumerate(layout_columns()) if not c.is_rate]
    page = _page_numbers(client, query)
    for got, want, shown in zip(data, expected, page, strict=True):
        assert [got[1 + i] for i in counted] == [want[1 + i] for i in counted] == shown
        for i, column in enumerate(layout_columns()):
            if column.is_rate:
                want_rate = want[1 + i]
                assert (got[1 + i] is None) == (want_rate is None)
                if want_rate is not None:
                    assert Decimal(str(got[1 + i])) == want_rate
    assert data[-1][0] == "Tổng cộng"
    assert data[-1][1 + counted[0]] == report.total.counts["received_total"]


def test_the_csv_has_a_header_and_the_pages_numbers(client, boss, dossiers):
    client.force_login(boss)
    query = {**OCTOBER, "grouping": "procedure"}
    response = client.get(reverse("dossiers:report_csv"), query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == csv_header(report_header(period=Period.month(2026, 10), grouping="procedure"))
    assert rows[0][2] == "Số hồ sơ nhận giải quyết - Tổng số"
    report = report_build(user=boss, period=Period.month(2026, 10), grouping="procedure")
    expected = _expected_rows(report)
    assert len(rows) == 1 + len(expected)
    for got, want in zip(rows[1:], expected, strict=True):
        assert got[1] == want[0]
        assert got[2:] == ["" if value is None else str(value) for value in want[1:]]
    counted = [i for i, c in enumerate(layout_columns()) if not c.is_rate]
    page = _page_numbers(client, query)
    assert [[int(row[2 + i]) for i in counted] for row in rows[1:]] == page


def test_the_exports_take_the_same_parameters_and_survive_bad_ones(client, boss, dossiers):
    client.force_login(boss)
    response = client.get(
        reverse("dossiers:report_csv"), {"period": "quarter", "year": "2026", "quarter": "3"}
    )
    assert 'filename="bieu06_20260701_20260930_agency.csv"' in response["Content-Disposition"]
    response = client.get(reverse("dossiers:report_xlsx"), {"period": "month", "month": "99"})
    assert response.status_code == 200
    load_workbook(io.BytesIO(response.content))

"""One Biểu 06 layout (`dossiers.statistics.layout`): the page, the XLSX, the CSV and the PDF show
the title, the lines above the table and the column headings it words, each output read back
from what it rendered, so that any output drifting from the others fails here."""

import csv
import io
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dossiers.documents.report import report_pdf
from dossiers.statistics import Period, report_build
from dossiers.statistics.layout import (
    FORM_GROUPS,
    FORM_LABEL_HEADING,
    GROUP_PARTS_HEADING,
    GROUP_TOTAL_HEADING,
    report_header,
    table_layout,
)
from tests.dossiers.pdf_checks import text
from tests.dossiers.statistics.test_report_exports import HEADER_ROW, boss, dossiers  # noqa: F401
from tests.dossiers.views.test_report_views import NOW, OCTOBER

pytestmark = pytest.mark.django_db

PERIOD = Period.month(2026, 10)


class _PageTable(HTMLParser):
    """The official header lines, the header rows (text and colspan of each cell) and the total
    row's label of the report page."""

    def __init__(self):
        super().__init__()
        self.lines: list[str] = []
        self.head_rows: list[list[tuple[str, int]]] = []
        self.total_label = ""
        self._in_header_block = 0  # div depth inside .official-header
        self._section = ""
        self._cell: list[str] | None = None
        self._colspan = 1
        self._line: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div":
            if self._in_header_block:
                self._in_header_block += 1
                self._line = []
            elif "official-header" in (attrs.get("class") or ""):
                self._in_header_block = 1
        elif tag == "h2" and self._in_header_block:
            self._line = []
        elif tag in ("thead", "tfoot", "tbody"):
            self._section = tag
        elif tag == "tr" and self._section == "thead":
            self.head_rows.append([])
        elif tag == "th" and self._section in ("thead", "tfoot"):
            self._cell = []
            self._colspan = int(attrs.get("colspan", 1))

    def handle_endtag(self, tag):
        if tag in ("div", "h2") and self._line is not None:
            self.lines.append(" ".join("".join(self._line).split()))
            self._line = None
        if tag == "div" and self._in_header_block:
            self._in_header_block -= 1
        elif tag in ("thead", "tfoot", "tbody"):
            self._section = ""
        elif tag == "th" and self._cell is not None:
            content = " ".join("".join(self._cell).split())
            if self._section == "thead":
                self.head_rows[-1].append((content, self._colspan))
            else:
                self.total_label = content
            self._cell = None

    def handle_data(self, data):
        if self._line is not None:
            self._line.append(data)
        if self._cell is not None:
            self._cell.append(data)


def _expected(grouping: str) -> dict:
    header = report_header(period=PERIOD, grouping=grouping)
    return {
        "lines": [header.form_label, header.title, header.period_text, header.unit],
        "first": [header.number_heading, header.label_heading],
        "columns": [
            (group.heading, column.heading) for group in table_layout() for column in group.columns
        ],
        "total": header.total_label,
    }


def _page(client, grouping: str) -> dict:
    response = client.get(reverse("dossiers:reports"), {**OCTOBER, "grouping": grouping})
    assert response.status_code == 200
    page = _PageTable()
    page.feed(response.content.decode())
    top, sub = page.head_rows
    groups = [heading for heading, span in top[2:] for _ in range(span)]
    return {
        "lines": page.lines,
        "first": [heading for heading, _span in top[:2]],
        "columns": list(zip(groups, [heading for heading, _span in sub], strict=True)),
        "total": page.total_label,
    }


def _xlsx(client, grouping: str) -> dict:
    response = client.get(reverse("dossiers:report_xlsx"), {**OCTOBER, "grouping": grouping})
    sheet = load_workbook(io.BytesIO(response.content)).active
    top, sub = HEADER_ROW, HEADER_ROW + 1
    columns, group = [], None
    for number in range(3, sheet.max_column + 1):
        # A merged group heading sits in its first cell; the others read None.
        group = sheet.cell(row=top, column=number).value or group
        columns.append((group, sheet.cell(row=sub, column=number).value))
    return {
        "lines": [sheet[f"A{number}"].value for number in range(1, top)],
        "first": [sheet.cell(row=top, column=1).value, sheet.cell(row=top, column=2).value],
        "columns": columns,
        "total": sheet.cell(row=sheet.max_row, column=2).value,
    }


def _csv(client, grouping: str) -> list[list[str]]:
    response = client.get(reverse("dossiers:report_csv"), {**OCTOBER, "grouping": grouping})
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _pdf_header(expected: dict) -> str:
    """The PDF's header rows as read back: STT and the label, the form's groups, each group's
    "Tổng số" and "Trong đó", then the parts."""
    cells = [
        *expected["first"],
        *(group.heading for group in FORM_GROUPS),
        *(
            heading
            for _group in FORM_GROUPS
            for heading in (GROUP_TOTAL_HEADING, GROUP_PARTS_HEADING)
        ),
        *(part.heading for group in FORM_GROUPS for part in group.parts),
    ]
    return " ".join(cells)


@pytest.mark.parametrize("grouping", ["field", "agency"])
def test_the_page_the_xlsx_the_csv_and_the_pdf_show_the_same_layout(
    client,
    boss,  # noqa: F811 (fixtures of test_report_exports)
    dossiers,  # noqa: F811
    grouping,
):
    client.force_login(boss)
    expected = _expected(grouping)

    page = _page(client, grouping)
    xlsx = _xlsx(client, grouping)
    rows = _csv(client, grouping)
    report = report_build(user=boss, period=PERIOD, grouping=grouping)
    pdf = text(report_pdf(report=report, issuer=None, as_of=NOW))

    assert page == xlsx == expected
    assert rows[0] == [
        *page["first"],
        *(f"{group} - {column}" for group, column in page["columns"]),
    ]
    assert rows[-1][1] == page["total"]
    for line in page["lines"]:
        assert line in pdf
    assert _pdf_header(expected) in pdf
    # The PDF prints the form's columns: the page's first ones, in the same groups.
    form_width = sum(len(group.columns) for group in FORM_GROUPS)
    assert [group for group, _column in page["columns"][:form_width]] == [
        group.heading for group in FORM_GROUPS for _column in group.columns
    ]
    assert f" {page['total']} " in pdf


def test_rows_by_lĩnh_vực_carry_the_forms_own_label_heading(client, boss, dossiers):  # noqa: F811
    """TT 01/2020's Biểu 06 heads its rows "Lĩnh vực, công việc giải quyết theo cấp" (DOMAIN §5);
    the PDF used to print it without "theo cấp"."""
    client.force_login(boss)
    assert FORM_LABEL_HEADING == "Lĩnh vực, công việc giải quyết theo cấp"
    report = report_build(user=boss, period=PERIOD, grouping="field")

    assert _page(client, "field")["first"][1] == FORM_LABEL_HEADING
    assert _xlsx(client, "field")["first"][1] == FORM_LABEL_HEADING
    assert _csv(client, "field")[0][1] == FORM_LABEL_HEADING
    assert f"STT {FORM_LABEL_HEADING} " in text(report_pdf(report=report, issuer=None, as_of=NOW))

"""The leaders' report as a table: the Biểu số 06/VPCP/KSTT layout shared by the page, the XLSX
export (openpyxl, merged header cells) and the CSV export.

The Biểu 06 headings are Vietnamese by regulation and written literally; the extra columns use
gettext like every other screen.
"""

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC"
FORM_NUMBER = "Biểu số 06/VPCP/KSTT"
UNIT = "Đơn vị tính: Số hồ sơ TTHC"


@dataclass(frozen=True)
class Column:
    key: str  # a statistics column, or "on_time_rate" / "satisfaction_rate"
    heading: str
    is_rate: bool = False


@dataclass(frozen=True)
class ColumnGroup:
    heading: str  # "" when the column stands alone (its heading spans both header rows)
    columns: tuple[Column, ...]


def table_layout() -> list[ColumnGroup]:
    """The column groups in display order (built per call so gettext follows the language)."""
    return [
        ColumnGroup(
            "Số hồ sơ nhận giải quyết",
            (
                Column("received_total", "Tổng số"),
                Column("received_online", "Trong kỳ: Trực tuyến"),
                Column("received_direct_postal", "Trong kỳ: Trực tiếp, dịch vụ bưu chính"),
                Column("carried_over", "Từ kỳ trước"),
            ),
        ),
        ColumnGroup(
            "Số hồ sơ đã giải quyết",
            (
                Column("resolved_total", "Tổng số"),
                Column("resolved_early", "Trước hạn"),
                Column("resolved_on_time", "Đúng hạn"),
                Column("resolved_late", "Quá hạn"),
            ),
        ),
        ColumnGroup(
            "Số lượng hồ sơ đang giải quyết",
            (
                Column("in_progress_total", "Tổng số"),
                Column("in_progress_within", "Trong hạn"),
                Column("in_progress_overdue", "Quá hạn"),
            ),
        ),
        ColumnGroup(
            _("Other figures"),
            (
                Column("awaiting_supplement", _("Awaiting supplement")),
                Column("withdrawn", _("Withdrawn")),
                Column("refused", _("Refused at reception")),
                Column("returned", _("Results returned")),
                Column("submitted_online", _("Submitted online")),
                Column("ratings", _("Ratings")),
                Column("ratings_satisfied", _("Satisfied ratings")),
            ),
        ),
        ColumnGroup(
            _("Rates"),
            (
                Column("on_time_rate", _("On-time rate (%)"), is_rate=True),
                Column("satisfaction_rate", _("Satisfaction rate (%)"), is_rate=True),
            ),
        ),
    ]


def layout_columns() -> list[Column]:
    return [column for group in table_layout() for column in group.columns]


def percent(value) -> Decimal | None:
    """A rate as the statistics API gives it: a percentage with two decimals, or None when there
    is nothing to divide."""
    return None if value is None else Decimal(value)


def cell_value(row, column: Column):
    if column.is_rate:
        return percent(getattr(row, column.key))
    return row.counts.get(column.key, 0)


def period_text(period) -> str:
    return "Từ ngày {} đến ngày {}".format(
        period.first_day.strftime("%d/%m/%Y"), period.last_day.strftime("%d/%m/%Y")
    )


def _label_heading(grouping: str) -> str:
    return {
        "agency": "Cơ quan, đơn vị",
        "field": "Lĩnh vực",
        "procedure": "Thủ tục hành chính",
        "channel": "Kênh tiếp nhận",
    }.get(grouping, "Lĩnh vực, công việc giải quyết theo cấp")


def table_rows(report) -> list[list]:
    """STT, label and every layout column for each group, then the total row."""
    columns = layout_columns()
    rows = [
        [number, str(row.label), *[cell_value(row, column) for column in columns]]
        for number, row in enumerate(report.rows, start=1)
    ]
    rows.append(["", "Tổng cộng", *[cell_value(report.total, column) for column in columns]])
    return rows


# ---- XLSX ------------------------------------------------------------------------------------

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
HEADER_ROW = 5  # first of the two header rows; the title block sits above


def report_xlsx(report) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Bieu 06"
    groups = table_layout()
    width = 2 + sum(len(group.columns) for group in groups)
    last = get_column_letter(width)

    sheet["A1"] = FORM_NUMBER
    sheet["A1"].font = Font(italic=True)
    for row_number, text in ((2, TITLE), (3, period_text(report.period)), (4, UNIT)):
        sheet.merge_cells(f"A{row_number}:{last}{row_number}")
        cell = sheet.cell(row=row_number, column=1, value=text)
        cell.alignment = CENTRE
        cell.font = Font(bold=row_number == 2, size=13 if row_number == 2 else 11)

    top, sub = HEADER_ROW, HEADER_ROW + 1
    for column_number, text in ((1, "STT"), (2, _label_heading(report.grouping))):
        sheet.merge_cells(
            start_row=top, start_column=column_number, end_row=sub, end_column=column_number
        )
        sheet.cell(row=top, column=column_number, value=text)
    column_number = 3
    for group in groups:
        first = column_number
        for column in group.columns:
            sheet.cell(row=sub, column=column_number, value=column.heading)
            column_number += 1
        sheet.merge_cells(
            start_row=top, start_column=first, end_row=top, end_column=column_number - 1
        )
        sheet.cell(row=top, column=first, value=group.heading)
    for row in sheet.iter_rows(min_row=top, max_row=sub, max_col=width):
        for cell in row:
            cell.alignment = CENTRE
            cell.font = Font(bold=True)
            cell.border = BOX

    rows = table_rows(report)
    for offset, values in enumerate(rows):
        row_number = sub + 1 + offset
        for index, value in enumerate(values, start=1):
            if isinstance(value, Decimal):
                value = float(value)
            cell = sheet.cell(row=row_number, column=index, value=value)
            cell.border = BOX
            if offset == len(rows) - 1:
                cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 40
    for index in range(3, width + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 14
    sheet.row_dimensions[sub].height = 60
    sheet.freeze_panes = sheet.cell(row=sub + 1, column=3)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---- CSV -------------------------------------------------------------------------------------


def csv_header(grouping: str) -> list[str]:
    header = ["STT", _label_heading(grouping)]
    for group in table_layout():
        for column in group.columns:
            header.append(f"{group.heading} - {column.heading}")
    return header


def report_csv(report) -> str:
    """UTF-8 text (the view adds a BOM so spreadsheet programs read the Vietnamese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(csv_header(report.grouping))
    for values in table_rows(report):
        writer.writerow(["" if value is None else value for value in values])
    return buffer.getvalue()

"""The leaders' report as XLSX (openpyxl, merged header cells) and CSV, in the Biểu số 06/VPCP/KSTT
layout of `dossiers.statistics.layout`, which the page and the PDF read too.
"""

import csv
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from .statistics.layout import TOTAL_LABEL, Column, layout_columns, report_header, table_layout


def percent(value) -> Decimal | None:
    """A rate as the statistics API gives it: a percentage with two decimals, or None when there
    is nothing to divide."""
    return None if value is None else Decimal(value)


def cell_value(row, column: Column):
    if column.is_rate:
        return percent(getattr(row, column.key))
    return row.counts.get(column.key, 0)


def table_rows(report) -> list[list]:
    """STT, label and every layout column for each group, then the total row."""
    columns = layout_columns()
    rows = [
        [number, str(row.label), *[cell_value(row, column) for column in columns]]
        for number, row in enumerate(report.rows, start=1)
    ]
    rows.append(["", TOTAL_LABEL, *[cell_value(report.total, column) for column in columns]])
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
    header = report_header(period=report.period, grouping=report.grouping)
    width = 2 + sum(len(group.columns) for group in groups)
    last = get_column_letter(width)

    sheet["A1"] = header.form_label
    sheet["A1"].font = Font(italic=True)
    for row_number, text in ((2, header.title), (3, header.period_text), (4, header.unit)):
        sheet.merge_cells(f"A{row_number}:{last}{row_number}")
        cell = sheet.cell(row=row_number, column=1, value=text)
        cell.alignment = CENTRE
        cell.font = Font(bold=row_number == 2, size=13 if row_number == 2 else 11)

    top, sub = HEADER_ROW, HEADER_ROW + 1
    for column_number, text in ((1, header.number_heading), (2, header.label_heading)):
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


def csv_header(header) -> list[str]:
    """The one header row: STT, the label heading, then "group - column" for each column."""
    row = [header.number_heading, header.label_heading]
    for group in table_layout():
        for column in group.columns:
            row.append(f"{group.heading} - {column.heading}")
    return row


def report_csv(report) -> str:
    """UTF-8 text (the view adds a BOM so spreadsheet programs read the Vietnamese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(csv_header(report_header(period=report.period, grouping=report.grouping)))
    for values in table_rows(report):
        writer.writerow(["" if value is None else value for value in values])
    return buffer.getvalue()

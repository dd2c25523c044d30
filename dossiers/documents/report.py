"""Biểu số 06/VPCP/KSTT as a PDF: the statistics report of a period (TT 01/2020/TT-VPCP; DOMAIN §5).

Every number comes from `dossiers.statistics.report_build`, which the caller runs for the
requester (its figures are already scoped to the agencies they may see); nothing is counted here.
Rows are the report's groups (lĩnh vực or agency), then the totals row. The title, the lines and
the headings come from `dossiers.statistics.layout`, like the page's and the exports'.
"""

from datetime import datetime

from django.utils import timezone

from ..statistics import Report
from ..statistics.layout import (
    FORM_GROUPS,
    GROUP_PARTS_HEADING,
    GROUP_TOTAL_HEADING,
    LEGAL_BASIS,
    form_columns,
    report_header,
)
from .base import agency_snapshot
from .forms import CURRENT_BASIS, form_for
from .register import moment_text
from .render import render_pdf

TEMPLATE = "dossiers/documents/report.html"
# The groupings the printed Biểu 06 offers: by lĩnh vực (the form's own rows) or by agency.
GROUPINGS = ("field", "agency")


def report_columns() -> list[str]:
    """The statistics columns printed, left to right after STT and the group label."""
    return [column.key for column in form_columns()]


def _values(counts: dict) -> list[int]:
    return [int(counts.get(column, 0)) for column in report_columns()]


def report_context(
    *,
    report: Report,
    issuer=None,
    as_of: datetime | None = None,
    basis: str = CURRENT_BASIS,
) -> dict:
    """What the Biểu 06 prints for `report` (built by `report_build` for the requester)."""
    number, title = form_for("report", basis)
    header = report_header(period=report.period, grouping=report.grouping)
    total = report.total.counts
    return {
        "form_number": number,
        "form_label": header.form_label,
        "form_title": title,
        "basis": basis,
        "legal_basis": LEGAL_BASIS,
        "unit": header.unit,
        "issuer": agency_snapshot(issuer),
        "period_text": header.period_text,
        "as_of": moment_text(as_of),
        "frozen_at": moment_text(report.frozen_at),
        "number_heading": header.number_heading,
        "label_heading": header.label_heading,
        "total_label": header.total_label,
        "groups": FORM_GROUPS,
        "group_total_heading": GROUP_TOTAL_HEADING,
        "group_parts_heading": GROUP_PARTS_HEADING,
        "column_count": 2 + len(report_columns()),
        "column_indexes": range(1, 3 + len(report_columns())),
        "rows": [
            {"number": number, "label": str(row.label), "values": _values(row.counts)}
            for number, row in enumerate(report.rows, start=1)
        ],
        "total": _values(total),
        "withdrawn": int(total.get("withdrawn", 0)),
        "awaiting_supplement": int(total.get("awaiting_supplement", 0)),
        "corrections": [
            {
                "month": item.month,
                "agency": item.agency,
                "found": f"{timezone.localtime(item.detected_at):%d/%m/%Y}",
                "changes": "; ".join(f"{label} {change:+d}" for label, change in item.changes),
            }
            for item in report.corrections
        ],
    }


def report_pdf(**kwargs) -> bytes:
    """The Biểu 06 as landscape A4 PDF bytes (arguments as `report_context`)."""
    return render_pdf(TEMPLATE, report_context(**kwargs))

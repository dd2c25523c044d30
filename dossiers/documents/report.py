"""Biểu số 06/VPCP/KSTT as a PDF: the statistics report of a period (TT 01/2020/TT-VPCP; DOMAIN §5).

Every number comes from `dossiers.statistics.report_build`, which the caller runs for the
requester (its figures are already scoped to the agencies they may see); nothing is counted here.
Rows are the report's groups (lĩnh vực or agency), then the totals row. The headings are
Vietnamese by regulation and written literally, like the XLSX export.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from ..statistics import Report
from .base import agency_snapshot
from .forms import CURRENT_BASIS, form_for
from .register import moment_text
from .render import render_pdf

TEMPLATE = "dossiers/documents/report.html"
# The groupings the printed Biểu 06 offers: by lĩnh vực (the form's own rows) or by agency.
GROUPINGS = ("field", "agency")
LABEL_HEADINGS = {
    "field": "Lĩnh vực giải quyết",
    "agency": "Cơ quan, đơn vị giải quyết",
}
LEGAL_BASIS = "Ban hành kèm theo Thông tư số 01/2020/TT-VPCP ngày 21/10/2020"
UNIT = "Đơn vị tính: Số hồ sơ TTHC"


@dataclass(frozen=True)
class ColumnGroup:
    heading: str
    total: str  # the statistics column of the group's "Tổng số"
    parts: tuple[tuple[str, str], ...]  # (statistics column, heading) under "Trong đó"


# The three column groups of the form, in order (DOMAIN §5).
COLUMN_GROUPS = (
    ColumnGroup(
        "Số hồ sơ nhận giải quyết",
        "received_total",
        (
            ("received_online", "Trong kỳ: Trực tuyến"),
            ("received_direct_postal", "Trong kỳ: Trực tiếp, dịch vụ bưu chính"),
            ("carried_over", "Từ kỳ trước"),
        ),
    ),
    ColumnGroup(
        "Số hồ sơ đã giải quyết",
        "resolved_total",
        (
            ("resolved_early", "Trước hạn"),
            ("resolved_on_time", "Đúng hạn"),
            ("resolved_late", "Quá hạn"),
        ),
    ),
    ColumnGroup(
        "Số lượng hồ sơ đang giải quyết",
        "in_progress_total",
        (
            ("in_progress_within", "Trong hạn"),
            ("in_progress_overdue", "Quá hạn"),
        ),
    ),
)


def report_columns() -> list[str]:
    """The statistics columns printed, left to right after STT and the group label."""
    return [key for group in COLUMN_GROUPS for key in (group.total, *(k for k, _h in group.parts))]


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
    period = report.period
    total = report.total.counts
    return {
        "form_number": number,
        "form_title": title,
        "basis": basis,
        "legal_basis": LEGAL_BASIS,
        "unit": UNIT,
        "issuer": agency_snapshot(issuer),
        "period_text": (f"Từ ngày {period.first_day:%d/%m/%Y} đến ngày {period.last_day:%d/%m/%Y}"),
        "as_of": moment_text(as_of),
        "frozen_at": moment_text(report.frozen_at),
        "label_heading": LABEL_HEADINGS.get(report.grouping, "Lĩnh vực, công việc giải quyết"),
        "groups": COLUMN_GROUPS,
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

"""The Biểu số 06/VPCP/KSTT layout (TT 01/2020/TT-VPCP; DOMAIN §5): number, title, period and unit
lines, the label column and the column groups with their headings.

The report page, the XLSX and CSV exports (`dossiers.reports_export`), the PDF
(`dossiers.documents.report`) and the register's period line (`dossiers.documents.register`) read
them from here and write none of their own. The form's words are Vietnamese by regulation and
written literally; the columns the form does not have, and the label headings of the groupings it
does not have, use gettext like every other screen.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .periods import Period

FORM_NUMBER = "06/VPCP/KSTT"
FORM_LABEL = f"Biểu số {FORM_NUMBER}"
TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC"
LEGAL_BASIS = "Ban hành kèm theo Thông tư số 01/2020/TT-VPCP ngày 21/10/2020"
UNIT = "Đơn vị tính: Số hồ sơ TTHC"
NUMBER_HEADING = "STT"
TOTAL_LABEL = "Tổng cộng"
# Each of the form's groups: "Tổng số", then its parts under "Trong đó".
GROUP_TOTAL_HEADING = "Tổng số"
GROUP_PARTS_HEADING = "Trong đó"
# The form's label column, over rows of lĩnh vực grouped by level (DOMAIN §5).
FORM_LABEL_HEADING = "Lĩnh vực, công việc giải quyết theo cấp"


@dataclass(frozen=True)
class Column:
    key: str  # a statistics column, or "on_time_rate" / "satisfaction_rate"
    heading: str
    is_rate: bool = False


@dataclass(frozen=True)
class ColumnGroup:
    heading: str
    columns: tuple[Column, ...]

    @property
    def total(self) -> Column:
        """The group's "Tổng số" (the form's groups only)."""
        return self.columns[0]

    @property
    def parts(self) -> tuple[Column, ...]:
        """The columns under "Trong đó" (the form's groups only)."""
        return self.columns[1:]


# The three column groups of the form, in its order; the PDF prints only these.
FORM_GROUPS = (
    ColumnGroup(
        "Số hồ sơ nhận giải quyết",
        (
            Column("received_total", GROUP_TOTAL_HEADING),
            Column("received_online", "Trong kỳ: Trực tuyến"),
            Column("received_direct_postal", "Trong kỳ: Trực tiếp, dịch vụ bưu chính"),
            Column("carried_over", "Từ kỳ trước"),
        ),
    ),
    ColumnGroup(
        "Số hồ sơ đã giải quyết",
        (
            Column("resolved_total", GROUP_TOTAL_HEADING),
            Column("resolved_early", "Trước hạn"),
            Column("resolved_on_time", "Đúng hạn"),
            Column("resolved_late", "Quá hạn"),
        ),
    ),
    ColumnGroup(
        "Số lượng hồ sơ đang giải quyết",
        (
            Column("in_progress_total", GROUP_TOTAL_HEADING),
            Column("in_progress_within", "Trong hạn"),
            Column("in_progress_overdue", "Quá hạn"),
        ),
    ),
)


def table_layout() -> list[ColumnGroup]:
    """The form's groups, then the practical columns of the page and the exports (built per call
    so gettext follows the language)."""
    return [
        *FORM_GROUPS,
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
    """Every column of the page and the exports, left to right after STT and the label."""
    return [column for group in table_layout() for column in group.columns]


def form_columns() -> list[Column]:
    """The form's columns, left to right after STT and the label (what the PDF prints)."""
    return [column for group in FORM_GROUPS for column in group.columns]


def period_text(period: Period) -> str:
    return f"Từ ngày {period.first_day:%d/%m/%Y} đến ngày {period.last_day:%d/%m/%Y}"


def label_heading(grouping: str) -> str:
    """The heading over the rows' labels: the form's own when the rows are its lĩnh vực."""
    return {
        "agency": _("Resolving agency"),
        "procedure": _("Administrative procedure"),
        "channel": _("Reception channel"),
    }.get(grouping, FORM_LABEL_HEADING)


@dataclass(frozen=True)
class Header:
    """The lines above the table and the headings of its first two columns."""

    form_label: str
    title: str
    period_text: str
    unit: str
    number_heading: str
    label_heading: str
    total_label: str


def report_header(*, period: Period, grouping: str) -> Header:
    return Header(
        form_label=FORM_LABEL,
        title=TITLE,
        period_text=period_text(period),
        unit=UNIT,
        number_heading=NUMBER_HEADING,
        label_heading=label_heading(grouping),
        total_label=TOTAL_LABEL,
    )
